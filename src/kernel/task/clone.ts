// clone(2), fork(2), vfork(2): a new task sharing or copying each part of
// the caller as the flags say. Without CLONE_VM the address space is copied
// copy-on-write (mm/addrspace.ts fork); without CLONE_FILES the descriptor
// table is copied, its descriptors sharing the open file descriptions;
// CLONE_THREAD puts the task in the caller's thread group, otherwise it is
// a new process, child of the caller (or of the caller's parent with
// CLONE_PARENT). The child returns 0 from the syscall on the stack given
// (or the caller's), with FS_BASE from CLONE_SETTLS. glibc's fork() uses
// CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD; pthread_create uses
// CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|
// CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID.
import { Pending, GroupSignals } from "../signal/queue";
import { Task, ThreadGroup, type SignalState } from "../task";
import { Regs } from "../regs";
import { RAX, RSP, FS_BASE, CR3, STATE_SIZE } from "../cpu";
import { EINVAL, EAGAIN, ENOMEM } from "../errno";
import type { Machine } from "../machine";
import { WaitQueue } from "../waitqueue";
import { copyNamespaces, CLONE_NEWPID } from "./nsproxy";

export const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_PIDFD = 0x1000,
  CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000,
  CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000,
  CLONE_DETACHED = 0x400000, CLONE_UNTRACED = 0x800000, CLONE_CHILD_SETTID = 0x1000000, CLONE_IO = 0x80000000;

export interface CloneArgs {
  flags: number;
  /** New stack pointer, 0 to keep the caller's. */
  stack: number;
  parentTid: number;
  childTid: number;
  tls: number;
}

/** Signal state of the child: handlers shared (CLONE_SIGHAND) or copied; mask and alternate stack copied. */
function childSignals(p: SignalState, share: boolean, thread: boolean): SignalState {
  return {
    ...p,
    actions: share ? p.actions : new Map(p.actions),
    altStack: { ...p.altStack },
    // Pending signals are not inherited; threads share the process's pending set, ITIMER_REAL and stop state.
    pending: new Pending(), group: thread ? p.group : new GroupSignals(), sysnr: -1, savedMask: null, sigreturnRax: null,
  };
}

const u32 = (v: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return b; };

/** Creates the child; returns its pid (in the caller's namespace) or a negative errno. */
export function cloneTask(m: Machine, t: Task, a: CloneArgs): number {
  const f = a.flags;
  if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND)) return -EINVAL;
  if ((f & CLONE_SIGHAND) && !(f & CLONE_VM)) return -EINVAL;
  // New namespaces (task/nsproxy.ts): not with a shared fs context (CLONE_NEWNS) or as a thread (CLONE_NEWPID, or
  // after unshare(CLONE_NEWPID): a thread cannot live in another PID namespace than its process).
  if ((f & CLONE_NEWNS) && (f & CLONE_FS)) return -EINVAL;
  if ((f & CLONE_THREAD) && ((f & CLONE_NEWPID) || t.nsproxy.pidForChildren !== t.nsproxy.pid)) return -EINVAL;
  // The low byte is the exit signal, so CLONE_NEWTIME (0x80) cannot be asked through clone(2).
  const nsp = copyNamespaces(t, f & ~0xff);
  if (typeof nsp === "number") return nsp;
  if (f & CLONE_PIDFD) return -EINVAL;
  const nproc = t.rlimits.get(6 /* RLIMIT_NPROC */)?.[0] ?? Infinity;
  if (!(f & CLONE_THREAD) && t.cred.uid !== 0 && m.processCount(t.cred.uid) >= nproc) return -EAGAIN;
  if (m.taskCount() >= m.maxTasks) return -EAGAIN;
  // pids.max of the caller's cgroup and its ancestors (cgroup/pids.ts).
  if (t.cgroup && !t.cgroup.hierarchy.canFork(t)) return -EAGAIN;

  const statePa = m.mem.alloc();
  if (statePa < 0) return -ENOMEM;
  const mm = f & CLONE_VM ? t.mm : t.mm.fork();
  if (!mm) { m.mem.release(statePa); return -ENOMEM; }
  if (f & CLONE_VM) mm.users++;
  m.mem.u8.copyWithin(statePa, t.regs.base, t.regs.base + STATE_SIZE);
  const regs = new Regs(m.mem, statePa);
  regs.set(RAX, 0);
  regs.set(CR3, mm.root);
  if (a.stack) regs.set(RSP, a.stack);
  if (f & CLONE_SETTLS) regs.set(FS_BASE, a.tls);

  const files = f & CLONE_FILES ? t.files : t.files.clone();
  if (f & CLONE_FILES) files.users++;
  const fs = f & CLONE_FS ? t.fs : { ...t.fs };
  if (nsp.mnt !== t.nsproxy.mnt) { fs.root = nsp.mnt.translate(fs.root); fs.cwd = nsp.mnt.translate(fs.cwd); }
  const tid = m.newTid();
  const c = new Task(tid, 0, { ...t.cred, groups: [...t.cred.groups] }, fs, files, mm, regs,
    { ...nsp, pid: nsp.pidForChildren }, t.waker);
  // The child is numbered in the namespace for the caller's children (a new one with CLONE_NEWPID: it is its init).
  const pids = nsp.pidForChildren.alloc(c);
  if (typeof pids === "number") {
    m.mem.release(statePa);
    if (f & CLONE_VM) mm.users--; else mm.destroy();
    if (f & CLONE_FILES) files.users--; else files.closeAll();
    return pids;
  }
  c.pids = pids;
  // The child is born in the caller's cgroup (cgroup/hierarchy.ts).
  t.cgroup?.hierarchy.forked(t, c, (f & CLONE_VM) !== 0);
  c.comm = t.comm; c.exe = t.exe; c.argv = t.argv; c.env = t.env;
  c.personality = t.personality;
  c.rlimits = new Map([...t.rlimits].map(([k, v]) => [k, [v[0], v[1]]]));
  c.sig = childSignals(t.sig, (f & CLONE_SIGHAND) !== 0, (f & CLONE_THREAD) !== 0);
  c.stats = t.stats;
  c.maxInstructions = t.maxInstructions;
  c.startNs = m.monotonicNs();
  if (f & CLONE_THREAD) {
    c.tgid = t.tgid;
    c.group = t.group;
  } else {
    c.tgid = c.tid;
    const g = new ThreadGroup(c);
    const parent = f & CLONE_PARENT ? t.group.parent : t.group;
    g.parent = parent;
    parent?.children.add(g);
    g.pgid = t.group.pgid;
    g.pgidNs = t.group.pgidNs;
    g.sid = t.group.sid;
    g.exitSignal = f & 0xff;
    c.group = g;
  }
  c.group.threads.add(c);

  const vpid = t.nsproxy.pid.pidOf(c);
  if (f & CLONE_PARENT_SETTID && t.mm.copyOut(a.parentTid, u32(vpid)) < 0) { /* Linux ignores a bad pointer here */ }
  if (f & CLONE_CHILD_SETTID) c.setChildTid = a.childTid;
  if (f & CLONE_CHILD_CLEARTID) c.clearChildTid = a.childTid;
  if (c.setChildTid && c.mm.copyOut(c.setChildTid, u32(c.vtid)) < 0) { /* as Linux: ignored */ }
  m.addTask(c);
  if (f & CLONE_VFORK) {
    // The parent sleeps until the child execs or exits (mm_release); then clone returns the pid.
    const q = new WaitQueue();
    c.vforkDone = q;
    t.sys.result = vpid;
    return m.block(t, [q], null);
  }
  return vpid;
}
