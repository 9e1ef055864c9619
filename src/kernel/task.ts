// A task is one thread of execution, as Linux's task_struct: its CPU state
// block, credentials, filesystem context (root, cwd, umask), descriptor
// table, address space and signal state. Threads of one process share a
// ThreadGroup (Linux's signal_struct plus the process links): the parent,
// children, process group, session and the exit status that wait4 reports.
// PIDs are numbered per PID namespace (task/pidns.ts); `tid`/`tgid` are the
// numbers in the task's own namespace, which is the root one until
// namespaces are created (issue 5).
import type { AddressSpace } from "./mm/addrspace";
import type { Path } from "./fs/mount";
import type { FdTable } from "./fs/file";
import type { Regs } from "./regs";
import { WaitQueue, type Waker, type WakeReason } from "./waitqueue";
import type { NsProxy } from "./task/nsproxy";
import type { PidNamespace } from "./task/pidns";
import { Pending, GroupSignals } from "./signal/queue";
import type { Cgroup } from "./cgroup/cgroup";

export interface Credentials {
  uid: number; euid: number; suid: number; fsuid: number;
  gid: number; egid: number; sgid: number; fsgid: number;
  groups: number[];
}

export const rootCredentials = (): Credentials => ({
  uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, groups: [],
});

/** The task's root and working directory as places in its mount namespace (mount + inode: they survive pivot_root and bind mounts). */
export interface FsContext { root: Path; cwd: Path; umask: number }

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

export interface RunStats {
  instructions: number;
  wallMs: number;
  /** Milliseconds spent inside the CPU's run(). */
  cpuMs: number;
  syscalls: Map<string, number>;
  enosys: Map<string, number>;
  pageFaults: number;
}

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

/** The process: what the threads of one thread group share (signal_struct and the process tree links). */
export class ThreadGroup {
  readonly threads = new Set<Task>();
  /** Child processes (their groups), including zombies not yet reaped. */
  readonly children = new Set<ThreadGroup>();
  /** The parent process; null for a process started by the host (reaped by the host, not by wait4). */
  parent: ThreadGroup | null = null;
  pgid = 0;
  sid = 0;
  /** The PID namespace `pgid` is a number of (who set it: setpgid/setsid); null for the root one. */
  pgidNs: PidNamespace | null = null;
  /** Set once the group is exiting: the wait status (code << 8, or the signal number). */
  exitCode: number | null = null;
  /** All threads are gone: a zombie waiting for wait4 (or the host). */
  zombie = false;
  /** Signal sent to the parent at exit (SIGCHLD for fork; 0 for clone without one). */
  exitSignal = 17;
  /** wait4(2) sleepers of this process (Linux's wait_chldexit). */
  readonly childWait = new WaitQueue();
  /** Instructions of reaped children (for times(2)/getrusage RUSAGE_CHILDREN). */
  childInstructions = 0;
  constructor(public leader: Task) {}
  get tgid(): number { return this.leader.tid; }
}

/** What a parked task waits for; kept until the task runs again. */
export interface BlockState {
  queues: WaitQueue[];
  /** Monotonic deadline in ns, or null to wait without a timeout. */
  deadline: bigint | null;
  /** Parked because the process is stopped (job control), not in a syscall. */
  stopped?: boolean;
}

/**
 * Per-syscall state that survives a restart after a wake-up (cleared when
 * the syscall completes): the timeout's absolute deadline, bytes already
 * transferred, a result to return as is when woken (vfork).
 */
export interface SyscallProgress {
  deadline: bigint | null;
  done: number;
  result: number | null;
  woken: WakeReason | null;
}

export const freshProgress = (): SyscallProgress => ({ deadline: null, done: 0, result: null, woken: null });

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
  /** Namespaces (task/nsproxy.ts) and cgroup membership. */
  nsproxy: NsProxy;
  /** The cgroup v2 group the task belongs to (cgroup/hierarchy.ts); set when it joins a machine. */
  cgroup: Cgroup | null = null;
  /** Thread group (process); set right after construction. */
  group!: ThreadGroup;
  /** The scheduler that runs this task (wakes it from wait queues). */
  waker: Waker;
  /** Parked in a blocking syscall; null when runnable. */
  blocked: BlockState | null = null;
  /** CPU time used over its CPU weight, in ms (sched.ts): who goes first when weights differ. */
  vruntime = 0;
  /** The syscall that parked must run again before the task re-enters user mode. */
  restartSyscall = false;
  sys: SyscallProgress = freshProgress();
  /** Numbers of this task in each PID namespace, root first (the last is its own). */
  pids: number[] = [];
  /** CLONE_CHILD_SETTID address (written by the child at start). */
  setChildTid = 0;
  /** vfork(2): the parent sleeps here until this child execs or exits. */
  vforkDone: WaitQueue | null = null;
  /** The environment of the last execve (/proc/PID/environ). */
  env: string[] = [];
  /** Statistics of the host-started process this task descends from. */
  stats: RunStats | null = null;
  /** Runaway guard: the task gets SIGXCPU past this many instructions. */
  maxInstructions = Infinity;

  constructor(
    /** Thread id in the root PID namespace (the kernel's own handle). */
    public tid: number,
    public tgid: number,
    public cred: Credentials,
    public fs: FsContext,
    public files: FdTable,
    public mm: AddressSpace,
    readonly regs: Regs,
    ns: NsProxy,
    waker: Waker,
  ) {
    this.nsproxy = ns;
    this.waker = waker;
  }

  /** Parent process id as seen from this task's PID namespace (0 when the parent is outside it or the host). */
  get ppid(): number {
    const p = this.group.parent;
    return p ? this.nsproxy.pid.pidOf(p.leader) : 0;
  }
  /** Own pid (thread-group id) and thread id as seen from the task's own namespace. */
  get vpid(): number { return this.nsproxy.pid.pidOf(this.group.leader); }
  get vtid(): number { return this.nsproxy.pid.pidOf(this); }
}
