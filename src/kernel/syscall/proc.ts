// Process and identity syscalls: clone(2)/fork(2)/vfork(2), execve(2),
// exit(2)/exit_group(2), wait4(2)/waitid(2), ids, process groups and
// sessions, credentials, uname(2)/sethostname(2), prlimit64(2), prctl(2),
// arch_prctl(2), set_tid_address(2), futex(2), getrandom(2), sysinfo(2) and
// the scheduler queries. The process machinery itself lives in task/*.ts.
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import { FS_BASE, GS_BASE } from "../cpu";
import { EINVAL, EPERM, EFAULT, ESRCH, ENOSYS, E2BIG, EAGAIN } from "../errno";
import { wait4Options, waitidOptions, type WaitReport } from "../task/wait";
import { CLONE_VM, CLONE_VFORK } from "../task/clone";
import { userPath, lookupAt, AT_FDCWD, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW } from "./fs";
import { isLink } from "../fs/inode";

/** exit(2): ends the calling thread; the process ends with its last thread. */
export function sysExit(t: Task, a: Args, k: Kernel): number {
  k.exitThread(t, (a.i(0) & 0xff) << 8);
  return 0;
}

/** exit_group(2) */
export function sysExitGroup(t: Task, a: Args, k: Kernel): number {
  k.exitGroup(t, (a.i(0) & 0xff) << 8);
  return 0;
}

export const sysGetpid = (t: Task): number => t.vpid;
export const sysGettid = (t: Task): number => t.vtid;
export const sysGetppid = (t: Task): number => t.ppid;
export const sysGetuid = (t: Task): number => t.cred.uid;
export const sysGeteuid = (t: Task): number => t.cred.euid;
export const sysGetgid = (t: Task): number => t.cred.gid;
export const sysGetegid = (t: Task): number => t.cred.egid;
/** The process `pid` names from `t` (0 = the caller), or null. */
function processOf(t: Task, k: Kernel, pid: number): Task | null {
  if (pid === 0) return t.group.leader;
  const x = k.taskByPid(t, pid);
  return x && x.group.leader === x ? x : null;
}

/** getpgrp(2) */
export const sysGetpgrp = (t: Task): number => pgidSeenBy(t, t);
/** A process group id as the caller's PID namespace numbers it: 0 when it was set in another namespace (an init's inherited group). */
function pgidSeenBy(t: Task, p: Task): number {
  return (p.group.pgidNs ?? null) === (t.nsproxy.pid.parent ? t.nsproxy.pid : null) ? p.group.pgid : 0;
}
/** getpgid(2) */
export function sysGetpgid(t: Task, a: Args, k: Kernel): number {
  const p = processOf(t, k, a.i(0));
  return p ? pgidSeenBy(t, p) : -ESRCH;
}
/** getsid(2) */
export function sysGetsid(t: Task, a: Args, k: Kernel): number {
  const p = processOf(t, k, a.i(0));
  return p ? p.group.sid : -ESRCH;
}

/** setpgid(2): the caller or a child of it (not after its execve — not tracked), within the caller's session. */
export function sysSetpgid(t: Task, a: Args, k: Kernel): number {
  const pid = a.i(0), pgid = a.i(1);
  if (pgid < 0) return -EINVAL;
  const p = processOf(t, k, pid);
  if (!p) return -ESRCH;
  const g = p.group;
  if (g !== t.group && g.parent !== t.group) return -ESRCH;
  if (g.parent === t.group && g.sid !== t.group.sid) return -EPERM;
  if (g.sid === p.vpid) return -EPERM; // a session leader cannot move
  const target = pgid === 0 ? p.vpid : pgid;
  if (target !== p.vpid && !k.processGroup(target, t.nsproxy.pid).some((x) => x.group.sid === t.group.sid)) return -EPERM;
  g.pgid = target;
  g.pgidNs = t.nsproxy.pid.parent ? t.nsproxy.pid : null;
  return 0;
}

/** setsid(2): a new session and group led by the caller, unless it already leads a group. */
export function sysSetsid(t: Task, _a: Args, k: Kernel): number {
  const pid = t.vpid;
  if ((t.group.pgid === pid && pgidSeenBy(t, t) === pid) || k.processGroup(pid, t.nsproxy.pid).length > 0) return -EPERM;
  t.group.sid = t.group.pgid = pid;
  t.group.pgidNs = t.nsproxy.pid.parent ? t.nsproxy.pid : null;
  return pid;
}

/** getgroups(2) */
export function sysGetgroups(t: Task, a: Args): number {
  const n = a.i(0);
  const g = t.cred.groups;
  if (n < 0) return -EINVAL;
  if (n === 0) return g.length;
  if (n < g.length) return -EINVAL;
  const b = new Uint8Array(g.length * 4);
  const v = new DataView(b.buffer);
  g.forEach((x, i) => v.setUint32(i * 4, x, true));
  const e = t.mm.copyOut(a.u(1), b);
  return e < 0 ? e : g.length;
}

/** setuid(2) family for root: sets all ids (no capability model yet). */
export function sysSetuid(t: Task, a: Args): number {
  const id = a.i(0) >>> 0;
  if (t.cred.euid !== 0 && id !== t.cred.uid) return -EPERM;
  Object.assign(t.cred, { uid: id, euid: id, suid: id, fsuid: id });
  return 0;
}
export function sysSetgid(t: Task, a: Args): number {
  const id = a.i(0) >>> 0;
  if (t.cred.euid !== 0 && id !== t.cred.gid) return -EPERM;
  Object.assign(t.cred, { gid: id, egid: id, sgid: id, fsgid: id });
  return 0;
}

/** getresuid(2) / getresgid(2) */
export function sysGetresuid(t: Task, a: Args): number { return putIds(t, a, [t.cred.uid, t.cred.euid, t.cred.suid]); }
export function sysGetresgid(t: Task, a: Args): number { return putIds(t, a, [t.cred.gid, t.cred.egid, t.cred.sgid]); }
function putIds(t: Task, a: Args, ids: number[]): number {
  for (let i = 0; i < 3; i++) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, ids[i], true);
    const e = t.mm.copyOut(a.u(i), b);
    if (e < 0) return e;
  }
  return 0;
}

/** set_tid_address(2) */
export function sysSetTidAddress(t: Task, a: Args): number {
  t.clearChildTid = a.u(0);
  return t.tid;
}

/** set_robust_list(2) */
export function sysSetRobustList(t: Task, a: Args): number {
  if (a.u(1) !== 24) return -EINVAL;
  t.robustList = a.u(0);
  t.robustLen = 24;
  return 0;
}

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;

/** arch_prctl(2): FS/GS base; the CET and CPUID-faulting codes are EINVAL as on most kernels. */
export function sysArchPrctl(t: Task, a: Args): number {
  const code = a.i(0), addr = a.u(1);
  switch (code) {
    case ARCH_SET_FS: case ARCH_SET_GS:
      if (addr >= 0x800000000000) return -EPERM;
      t.regs.set(code === ARCH_SET_FS ? FS_BASE : GS_BASE, addr);
      return 0;
    case ARCH_GET_FS: case ARCH_GET_GS: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, t.regs.big(code === ARCH_GET_FS ? FS_BASE : GS_BASE), true);
      return t.mm.copyOut(addr, b);
    }
    default: return -EINVAL;
  }
}

const utsField = (s: string): Uint8Array => {
  const b = new Uint8Array(65);
  b.set(new TextEncoder().encode(s).subarray(0, 64));
  return b;
};

export const UTS_RELEASE = "6.1.0-hako";
export const UTS_VERSION = "#1 SMP PREEMPT_DYNAMIC Hako";

/** uname(2) */
export function sysUname(t: Task, a: Args, k: Kernel): number {
  const b = new Uint8Array(65 * 6);
  ["Linux", t.nsproxy.uts.hostname, UTS_RELEASE, UTS_VERSION, "x86_64", t.nsproxy.uts.domainname].forEach((s, i) => b.set(utsField(s), i * 65));
  return t.mm.copyOut(a.u(0), b);
}

function rlimBytes(cur: number, max: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  const enc = (x: number): bigint => (x === Infinity ? 0xffffffffffffffffn : BigInt(x));
  v.setBigUint64(0, enc(cur), true);
  v.setBigUint64(8, enc(max), true);
  return b;
}

function rlimRead(t: Task, ptr: number): [number, number] | number {
  const raw = t.mm.copyIn(ptr, 16);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  const dec = (x: bigint): number => (x === 0xffffffffffffffffn ? Infinity : Number(x));
  return [dec(v.getBigUint64(0, true)), dec(v.getBigUint64(8, true))];
}

/** prlimit64(2): the caller's or another process's limits (root, or the same real uid). */
export function sysPrlimit64(t: Task, a: Args, k: Kernel): number {
  const pid = a.i(0), res = a.i(1), newp = a.u(2), oldp = a.u(3);
  if (pid < 0) return -EINVAL;
  const target = pid === 0 ? t : k.taskByPid(t, pid);
  if (!target) return -ESRCH;
  if (target !== t && t.cred.euid !== 0 && target.cred.uid !== t.cred.uid) return -EPERM;
  const cur = target.rlimits.get(res);
  if (!cur) return -EINVAL;
  let next: [number, number] | null = null;
  if (newp) {
    const r = rlimRead(t, newp);
    if (typeof r === "number") return r;
    if (r[0] > r[1]) return -EINVAL;
    if (r[1] > cur[1] && t.cred.euid !== 0) return -EPERM;
    next = r;
  }
  if (oldp) {
    const e = t.mm.copyOut(oldp, rlimBytes(cur[0], cur[1]));
    if (e < 0) return e;
  }
  if (next) target.rlimits.set(res, next);
  return 0;
}

/** getrlimit(2) */
export function sysGetrlimit(t: Task, a: Args): number {
  const cur = t.rlimits.get(a.i(0));
  if (!cur) return -EINVAL;
  return t.mm.copyOut(a.u(1), rlimBytes(cur[0], cur[1]));
}

/** setrlimit(2) */
export function sysSetrlimit(t: Task, a: Args): number {
  const res = a.i(0);
  const cur = t.rlimits.get(res);
  if (!cur) return -EINVAL;
  const r = rlimRead(t, a.u(1));
  if (typeof r === "number") return r;
  if (r[0] > r[1]) return -EINVAL;
  t.rlimits.set(res, r);
  return 0;
}

const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4, PR_SET_NAME = 15,
  PR_GET_NAME = 16, PR_GET_SECCOMP = 21, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;

/** prctl(2): names, dumpable, pdeathsig, no_new_privs; others EINVAL. */
export function sysPrctl(t: Task, a: Args): number {
  switch (a.i(0)) {
    case PR_SET_NAME: {
      const s = t.mm.readCString(a.u(1), 4096);
      if (typeof s === "number") return s;
      t.comm = s.slice(0, 15);
      return 0;
    }
    case PR_GET_NAME: {
      const b = new Uint8Array(16);
      b.set(new TextEncoder().encode(t.comm).subarray(0, 15));
      return t.mm.copyOut(a.u(1), b);
    }
    case PR_SET_PDEATHSIG: return a.i(1) >= 0 && a.i(1) <= 64 ? 0 : -EINVAL;
    case PR_GET_PDEATHSIG: return t.mm.copyOut(a.u(1), new Uint8Array(4));
    case PR_GET_DUMPABLE: return 1;
    case PR_SET_DUMPABLE: return 0;
    case PR_GET_SECCOMP: return 0;
    case PR_SET_NO_NEW_PRIVS: return 0;
    case PR_GET_NO_NEW_PRIVS: return 0;
    default: return -EINVAL;
  }
}

const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

/** getrandom(2) */
export function sysGetrandom(t: Task, a: Args): number {
  const flags = a.i(2);
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
  const n = Math.min(a.u(1), 33554431);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  const e = t.mm.copyOut(a.u(0), b);
  return e < 0 ? e : n;
}

/** sethostname(2) / setdomainname(2): per UTS namespace, root only. */
export function sysSethostname(t: Task, a: Args, k: Kernel): number { return setUts(t, a, k, "hostname"); }
export function sysSetdomainname(t: Task, a: Args, k: Kernel): number { return setUts(t, a, k, "domainname"); }
function setUts(t: Task, a: Args, k: Kernel, field: "hostname" | "domainname"): number {
  const len = a.i(1);
  if (len < 0 || len > 64) return -EINVAL;
  if (t.cred.euid !== 0) return -EPERM;
  const raw = t.mm.copyIn(a.u(0), len);
  if (!raw) return -EFAULT;
  const z = raw.indexOf(0);
  t.nsproxy.uts[field] = new TextDecoder().decode(z < 0 ? raw : raw.subarray(0, z));
  return 0;
}

/** sysinfo(2) */
export function sysSysinfo(t: Task, a: Args, k: Kernel): number {
  const b = new Uint8Array(112);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(Number(k.monotonicNs() / 1000000000n))), true);
  v.setBigUint64(32, BigInt(k.totalRam), true);
  v.setBigUint64(40, BigInt(k.freeRam()), true);
  v.setUint16(80, k.tasks().length, true); // procs
  v.setUint32(104, 1, true); // mem_unit
  return t.mm.copyOut(a.u(0), b);
}

/** sched_getaffinity(2): one CPU. */
export function sysSchedGetaffinity(t: Task, a: Args): number {
  const pid = a.i(0), len = a.u(1);
  if (pid !== 0 && pid !== t.tid) return -ESRCH;
  if (len < 8 || len % 8 !== 0) return -EINVAL;
  const b = new Uint8Array(8);
  b[0] = 1;
  const e = t.mm.copyOut(a.u(2), b);
  return e < 0 ? e : 8;
}

export const sysSchedYield = (): number => 0;
/** getpriority(2): nice 0, returned as 20 - nice as the raw syscall does. */
export const sysGetpriority = (): number => 20;
export const sysSetpriority = (): number => 0;
/** getcpu(2) */
export function sysGetcpu(t: Task, a: Args): number {
  const z = new Uint8Array(4);
  if (a.u(0) && t.mm.copyOut(a.u(0), z) < 0) return -EFAULT;
  if (a.u(1) && t.mm.copyOut(a.u(1), z) < 0) return -EFAULT;
  return 0;
}

/** personality(2): query only, PER_LINUX. */
export function sysPersonality(t: Task, a: Args): number {
  const p = a.i(0);
  const old = t.personality;
  if (p !== -1) t.personality = p;
  return old;
}

/** clone3(2): glibc falls back to clone on ENOSYS. */
export const sysClone3 = (): number => -ENOSYS;

/** clone(2): x86-64 argument order flags, stack, parent_tid, child_tid, tls. */
export function sysClone(t: Task, a: Args, k: Kernel): number {
  return k.clone(t, { flags: a.u(0) >>> 0, stack: a.u(1), parentTid: a.u(2), childTid: a.u(3), tls: a.u(4) });
}
/** fork(2) */
export function sysFork(t: Task, _a: Args, k: Kernel): number {
  return k.clone(t, { flags: 17 /* SIGCHLD */, stack: 0, parentTid: 0, childTid: 0, tls: 0 });
}
/** vfork(2): shares memory, the parent waits until the child execs or exits. */
export function sysVfork(t: Task, _a: Args, k: Kernel): number {
  return k.clone(t, { flags: CLONE_VM | CLONE_VFORK | 17, stack: 0, parentTid: 0, childTid: 0, tls: 0 });
}

const i32 = (v: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, v, true); return b; };

/** wait4(2): rusage is reported as zeros. */
export function sysWait4(t: Task, a: Args, k: Kernel): number {
  const opts = wait4Options(a.i(2));
  if (opts < 0) return opts;
  const pid = a.i(0);
  if (pid === -0x80000000) return -ESRCH;
  const r = k.wait(t, { pid, options: opts });
  if (typeof r === "number") return r;
  if (a.u(1) && t.mm.copyOut(a.u(1), i32(r.status)) < 0) return -EFAULT;
  if (a.u(3) && t.mm.copyOut(a.u(3), new Uint8Array(144)) < 0) return -EFAULT;
  return r.pid;
}

const P_ALL = 0, P_PID = 1, P_PGID = 2;

/** waitid(2): siginfo as the kernel fills it for SIGCHLD; rusage zeros. */
export function sysWaitid(t: Task, a: Args, k: Kernel): number {
  const idtype = a.i(0), id = a.i(1), infop = a.u(2);
  const opts = waitidOptions(a.i(3));
  if (opts < 0) return opts;
  let pid: number;
  if (idtype === P_ALL) pid = -1;
  else if (idtype === P_PID) { if (id <= 0) return -EINVAL; pid = id; }
  else if (idtype === P_PGID) { if (id < 0) return -EINVAL; pid = id === 0 ? 0 : -id; }
  else return -EINVAL;
  const r: WaitReport | number = k.wait(t, { pid, options: opts });
  if (typeof r === "number" && r !== 0) return r;
  if (infop) {
    const b = new Uint8Array(128);
    if (typeof r !== "number") {
      const v = new DataView(b.buffer);
      v.setInt32(0, 17, true); // si_signo = SIGCHLD
      v.setInt32(8, r.code, true);
      v.setInt32(16, r.pid, true);
      v.setUint32(20, r.uid, true);
      v.setInt32(24, r.value, true);
    }
    if (t.mm.copyOut(infop, b) < 0) return -EFAULT;
  }
  if (a.u(4) && t.mm.copyOut(a.u(4), new Uint8Array(144)) < 0) return -EFAULT;
  return 0;
}

const ETIMEDOUT = 110;
const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5, FUTEX_WAIT_BITSET = 9,
  FUTEX_WAKE_BITSET = 10, FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;

/**
 * futex(2): WAIT/WAKE (and their BITSET forms with any bitset) keyed by
 * address space and address — private and shared futexes alike, which is
 * exact for private mappings. Requeue and PI operations are ENOSYS.
 */
export function sysFutex(t: Task, a: Args, k: Kernel): number {
  const uaddr = a.u(0), op = a.i(1) & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME), val = a.i(2) >>> 0;
  if (uaddr % 4 !== 0) return -EINVAL;
  switch (op) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: {
      if (op === FUTEX_WAIT_BITSET && a.i(5) === 0) return -EINVAL;
      if (t.sys.woken === "event") return 0;
      if (t.sys.woken === "timeout") return -ETIMEDOUT;
      const raw = t.mm.copyIn(uaddr, 4);
      if (!raw) return -EFAULT;
      if (new DataView(raw.buffer).getUint32(0, true) !== val) return -EAGAIN;
      let deadline: bigint | null = t.sys.deadline;
      if (deadline === null && a.u(3)) {
        const ts = t.mm.copyIn(a.u(3), 16);
        if (!ts) return -EFAULT;
        const v = new DataView(ts.buffer);
        const ns = v.getBigInt64(0, true) * 1000000000n + v.getBigInt64(8, true);
        // FUTEX_WAIT takes a relative timeout; FUTEX_WAIT_BITSET an absolute one on the chosen clock.
        if (op === FUTEX_WAIT) deadline = k.monotonicNs() + ns;
        else deadline = (a.i(1) & FUTEX_CLOCK_REALTIME) ? k.monotonicNs() + (ns - k.realtimeNs()) : ns;
        t.sys.deadline = deadline;
      }
      const q = k.futexQueue(t.mm, uaddr, true);
      return q ? k.block(t, [q], deadline) : -EAGAIN;
    }
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET:
      return k.futexWake(t.mm, uaddr, Math.max(0, a.i(2)));
    case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: case FUTEX_WAKE_OP: return -ENOSYS;
    default: return -ENOSYS;
  }
}

/** Reads a NULL-terminated array of string pointers (argv, envp). */
function readStrings(t: Task, ptr: number): string[] | number {
  const out: string[] = [];
  if (ptr === 0) return out;
  let total = 0;
  for (let i = 0; ; i++) {
    const raw = t.mm.copyIn(ptr + i * 8, 8);
    if (!raw) return -EFAULT;
    const p = Number(new DataView(raw.buffer).getBigUint64(0, true));
    if (p === 0) return out;
    const s = t.mm.readCString(p, 131072);
    if (typeof s === "number") return s === -EINVAL ? -E2BIG : s;
    total += s.length + 1 + 8;
    if (total > 2 << 20 || i > 65536) return -E2BIG;
    out.push(s);
  }
}

/** execve(2): replaces the program of the (only) thread; "#!" scripts included. */
export function sysExecve(t: Task, a: Args, k: Kernel): number {
  const path = userPath(t, a.u(0));
  if (typeof path === "number") return path;
  const argv = readStrings(t, a.u(1));
  if (typeof argv === "number") return argv;
  const envp = readStrings(t, a.u(2));
  if (typeof envp === "number") return envp;
  return k.exec(t, path, argv, envp);
}

/** execveat(2): a path relative to dirfd, or dirfd itself with AT_EMPTY_PATH (fexecve). */
export function sysExecveat(t: Task, a: Args, k: Kernel): number {
  const dirfd = a.i(0), flags = a.i(4);
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
  const path = userPath(t, a.u(1), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === "number") return path;
  const argv = readStrings(t, a.u(2));
  if (typeof argv === "number") return argv;
  const envp = readStrings(t, a.u(3));
  if (typeof envp === "number") return envp;
  if (path.startsWith("/") || (dirfd === AT_FDCWD && path !== "")) {
    if (flags & AT_SYMLINK_NOFOLLOW) {
      const i = lookupAt(t, k, dirfd, path, false);
      if (typeof i !== "number" && isLink(i)) return -40; // ELOOP
    }
    return k.exec(t, path, argv, envp);
  }
  // Relative to a directory descriptor: only the file descriptor's own path is known.
  const f = t.files.get(dirfd);
  if (!f) return -9; // EBADF
  return k.exec(t, path === "" ? f.path : `${f.path.replace(/\/$/, "")}/${path}`, argv, envp);
}

/** setresuid(2): -1 keeps a field; without capabilities only root may set arbitrary ids. */
export function sysSetresuid(t: Task, a: Args): number {
  const ids = [a.i(0), a.i(1), a.i(2)];
  const c = t.cred;
  const allowed = [c.uid, c.euid, c.suid];
  if (c.euid !== 0 && ids.some((x) => x !== -1 && !allowed.includes(x >>> 0))) return -EPERM;
  if (ids[0] !== -1) c.uid = ids[0] >>> 0;
  if (ids[1] !== -1) c.euid = c.fsuid = ids[1] >>> 0;
  if (ids[2] !== -1) c.suid = ids[2] >>> 0;
  return 0;
}

/** setresgid(2) */
export function sysSetresgid(t: Task, a: Args): number {
  const ids = [a.i(0), a.i(1), a.i(2)];
  const c = t.cred;
  const allowed = [c.gid, c.egid, c.sgid];
  if (c.euid !== 0 && ids.some((x) => x !== -1 && !allowed.includes(x >>> 0))) return -EPERM;
  if (ids[0] !== -1) c.gid = ids[0] >>> 0;
  if (ids[1] !== -1) c.egid = c.fsgid = ids[1] >>> 0;
  if (ids[2] !== -1) c.sgid = ids[2] >>> 0;
  return 0;
}

/** setgroups(2) */
export function sysSetgroups(t: Task, a: Args): number {
  const n = a.i(0);
  if (n < 0 || n > 65536) return -EINVAL;
  if (t.cred.euid !== 0) return -EPERM;
  const raw = t.mm.copyIn(a.u(1), n * 4);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  t.cred.groups = Array.from({ length: n }, (_, i) => v.getUint32(i * 4, true));
  return 0;
}

/** sched_getscheduler(2): SCHED_OTHER. */
export function sysSchedGetscheduler(t: Task, a: Args): number {
  const pid = a.i(0);
  return pid === 0 || pid === t.tid ? 0 : pid < 0 ? -EINVAL : -ESRCH;
}

/** sched_getparam(2): priority 0. */
export function sysSchedGetparam(t: Task, a: Args): number {
  const pid = a.i(0);
  if (pid < 0) return -EINVAL;
  if (pid !== 0 && pid !== t.tid) return -ESRCH;
  return t.mm.copyOut(a.u(1), new Uint8Array(4));
}

/**
 * setreuid(2)/setregid(2): -1 keeps a field; an unprivileged caller may set
 * the real id to the real or effective one and the effective id to any of
 * the three. Setting the real id, or the effective id to something other
 * than the old real id, also sets the saved id (credentials(7)).
 */
export function sysSetreuid(t: Task, a: Args): number { return setRe(t, a.i(0), a.i(1), "uid"); }
export function sysSetregid(t: Task, a: Args): number { return setRe(t, a.i(0), a.i(1), "gid"); }
function setRe(t: Task, r: number, e: number, kind: "uid" | "gid"): number {
  const c = t.cred;
  const [real, eff, saved] = kind === "uid" ? [c.uid, c.euid, c.suid] : [c.gid, c.egid, c.sgid];
  const priv = c.euid === 0;
  if (r !== -1 && !priv && ![real, eff].includes(r >>> 0)) return -EPERM;
  if (e !== -1 && !priv && ![real, eff, saved].includes(e >>> 0)) return -EPERM;
  const nr = r === -1 ? real : r >>> 0, ne = e === -1 ? eff : e >>> 0;
  const ns = r !== -1 || (e !== -1 && ne !== real) ? ne : saved;
  if (kind === "uid") Object.assign(c, { uid: nr, euid: ne, suid: ns, fsuid: ne });
  else Object.assign(c, { gid: nr, egid: ne, sgid: ns, fsgid: ne });
  return 0;
}

/** setfsuid(2)/setfsgid(2): always return the previous value; change it when allowed. */
export function sysSetfsuid(t: Task, a: Args): number {
  const c = t.cred, old = c.fsuid, id = a.i(0) >>> 0;
  if (a.i(0) !== -1 && (c.euid === 0 || [c.uid, c.euid, c.suid, c.fsuid].includes(id))) c.fsuid = id;
  return old;
}
export function sysSetfsgid(t: Task, a: Args): number {
  const c = t.cred, old = c.fsgid, id = a.i(0) >>> 0;
  if (a.i(0) !== -1 && (c.euid === 0 || [c.gid, c.egid, c.sgid, c.fsgid].includes(id))) c.fsgid = id;
  return old;
}

/** sched_setaffinity(2): one CPU; a mask without CPU 0 is EINVAL. */
export function sysSchedSetaffinity(t: Task, a: Args, k: Kernel): number {
  const pid = a.i(0), len = a.u(1);
  if (pid < 0) return -EINVAL;
  if (pid !== 0 && !k.taskByPid(t, pid)) return -ESRCH;
  if (len < 1) return -EINVAL;
  const raw = t.mm.copyIn(a.u(2), 1);
  if (!raw) return -EFAULT;
  return raw[0] & 1 ? 0 : -EINVAL;
}
