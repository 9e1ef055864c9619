// A task is one thread of execution, as Linux's task_struct: its CPU state
// block, credentials, filesystem context (root, cwd, umask), descriptor
// table, address space and signal state. Thread groups, namespaces
// (nsproxy) and cgroups come with issue 4; the fields are here so that
// the rest of the kernel already reaches them through the task.
import type { AddressSpace } from "./mm/addrspace";
import type { Inode } from "./fs/inode";
import type { FdTable } from "./fs/file";
import type { Regs } from "./regs";
import { Pending, GroupSignals } from "./signal/queue";

export interface Credentials {
  uid: number; euid: number; suid: number; fsuid: number;
  gid: number; egid: number; sgid: number; fsgid: number;
  groups: number[];
}

export const rootCredentials = (): Credentials => ({
  uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, groups: [],
});

export interface FsContext { root: Inode; cwd: Inode; umask: number }

/** struct k_sigaction as rt_sigaction(2) stores it. */
export interface SigAction { handler: bigint; flags: bigint; restorer: bigint; mask: bigint }

export interface SignalState {
  actions: Map<number, SigAction>;
  /** Blocked signals, bit (n-1) for signal n. */
  blocked: bigint;
  altStack: { sp: bigint; flags: number; size: bigint };
  /** Signals pending for this thread (src/kernel/signal/queue.ts). */
  pending: Pending;
  /** Shared by the thread group (CLONE_THREAD): process-wide pending set, ITIMER_REAL, stop state. */
  group: GroupSignals;
  /** Called with the task when a signal it does not block arrives (signal_wake_up): the machine wakes it if it sleeps. */
  wake: ((t: Task) => void) | null;
  /** The syscall whose result RAX holds, set by the dispatcher until the return to user mode (restart codes); -1 otherwise. */
  sysnr: number;
  /** rt_sigsuspend/ppoll/pselect: the mask to restore after the handler runs (or at once if none runs). */
  savedMask: bigint | null;
  /** rt_sigreturn: the full 64-bit RAX of the restored context, written back after the syscall returns. */
  sigreturnRax: bigint | null;
}

/** A new task's signal state: no handlers, nothing blocked or pending. */
export const newSignalState = (): SignalState => ({
  actions: new Map(), blocked: 0n, altStack: { sp: 0n, flags: 2 /* SS_DISABLE */, size: 0n },
  pending: new Pending(), group: new GroupSignals(), wake: null, sysnr: -1, savedMask: null, sigreturnRax: null,
});

/** Resource limits as [soft, hard]; Infinity is RLIM_INFINITY. */
export type Rlimits = Map<number, [number, number]>;

export const RLIMIT_STACK = 3, RLIMIT_NOFILE = 7, RLIMIT_AS = 9;

export function defaultRlimits(): Rlimits {
  const inf = Infinity;
  const m: Rlimits = new Map();
  for (let r = 0; r < 16; r++) m.set(r, [inf, inf]);
  m.set(RLIMIT_STACK, [8 << 20, inf]);
  m.set(RLIMIT_NOFILE, [1024, 1048576]);
  m.set(4 /* CORE */, [0, inf]);
  m.set(6 /* NPROC */, [63704, 63704]);
  m.set(8 /* MEMLOCK */, [8 << 20, 8 << 20]);
  m.set(11 /* SIGPENDING */, [63704, 63704]);
  m.set(12 /* MSGQUEUE */, [819200, 819200]);
  m.set(13 /* NICE */, [0, 0]);
  m.set(14 /* RTPRIO */, [0, 0]);
  return m;
}

export class Task {
  /** Thread name (comm), at most 15 bytes. */
  comm = "";
  /** Path of the executable (/proc/self/exe). */
  exe = "";
  /** The argument vector of the last execve (/proc/PID/cmdline). */
  argv: string[] = [];
  /** Monotonic time of creation in ns (/proc/PID/stat starttime). */
  startNs = 0n;
  clearChildTid = 0;
  robustList = 0;
  robustLen = 0;
  personality = 0;
  sig: SignalState = newSignalState();
  rlimits: Rlimits = defaultRlimits();
  /** Set when the task has exited: the wait status (exit code << 8, or the signal number). */
  exitStatus: number | null = null;
  /** Placeholders for issue 4: namespaces and cgroup membership. */
  nsproxy: null = null;
  cgroup: null = null;

  constructor(
    readonly tid: number,
    public tgid: number,
    public ppid: number,
    public cred: Credentials,
    public fs: FsContext,
    public files: FdTable,
    public mm: AddressSpace,
    readonly regs: Regs,
  ) {}
}
