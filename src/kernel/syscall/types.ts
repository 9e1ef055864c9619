// What every syscall handler sees: the calling task, its arguments, and the
// kernel services it may use. Handlers return a non-negative result or a
// negative errno; only the dispatcher writes RAX.
import type { Task } from "../task";
import type { PidNamespace } from "../task/pidns";
import type { Vfs } from "../fs/vfs";
import type { WaitQueue } from "../waitqueue";
import type { AddressSpace } from "../mm/addrspace";
import type { CloneArgs } from "../task/clone";
import type { WaitRequest, WaitReport } from "../task/wait";
import type { PipeFs } from "../pipe";
import type { KernelLog } from "../klog";
import { RDI, RSI, RDX, R10, R8, R9 } from "../regs-offsets";

const ARG_OFFSETS = [RDI, RSI, RDX, R10, R8, R9];

/** The syscall arguments of the x86-64 ABI: rdi, rsi, rdx, r10, r8, r9. */
export class Args {
  constructor(private t: Task) {}
  /** Unsigned 64-bit argument (pointers, sizes). */
  u(i: number): number { return this.t.regs.get(ARG_OFFSETS[i]); }
  /** C `int` argument (fds, flags): the low 32 bits, signed. */
  i(i: number): number { return this.t.regs.i32(ARG_OFFSETS[i]); }
  /** Signed 64-bit argument (off_t, long). */
  l(i: number): number { return this.t.regs.i64(ARG_OFFSETS[i]); }
  big(i: number): bigint { return this.t.regs.big(ARG_OFFSETS[i]); }
}

/** Kernel services the handlers use; the machine implements it. */
export interface Kernel {
  readonly vfs: Vfs;
  /** Ends the task's thread group with a wait status (code << 8, or a signal number). */
  exitGroup(t: Task, waitStatus: number): void;
  /** Sends signal `sig` to the task (default actions only until issue 4). */
  signal(t: Task, sig: number): void;
  /** Wall-clock time in nanoseconds since the epoch. */
  realtimeNs(): bigint;
  /** Monotonic time in nanoseconds since boot. */
  monotonicNs(): bigint;
  /** Instructions retired by the task so far (for CPU-time clocks). */
  cpuTimeNs(t: Task): bigint;
  /** Replaces the task's program (execve's work); 0 or a negative errno, the task unchanged on error. */
  exec(t: Task, path: string, argv: string[], envp: string[]): number;
  /**
   * Sleeps the calling task for `ns` nanoseconds: returns -EBLOCK (the
   * handler returns it; the syscall restarts when the timer fires, the
   * deadline kept from the first call) and 0 once the time has passed.
   * The old form `sleep(ns)` still stops the whole machine for `ns` and
   * returns 0 (kept for callers not yet moved to block()).
   */
  sleep(t: Task | bigint, ns?: bigint): number;
  /** Parks `t` on `queues` (and/or until the monotonic `deadline`); returns -EBLOCK for the handler to return (waitqueue.ts). */
  block(t: Task, queues: WaitQueue[], deadline: bigint | null): number;
  /** Wakes a parked task because a signal arrived. */
  interrupt(t: Task): void;
  /** Ends one thread (exit(2)); the process ends with its last thread. */
  exitThread(t: Task, waitStatus: number): void;
  /** clone(2)/fork(2)/vfork(2): the child's pid or a negative errno (or -EBLOCK for vfork's wait). */
  clone(t: Task, a: CloneArgs): number;
  /** One wait4/waitid attempt (task/wait.ts). */
  wait(t: Task, r: WaitRequest): WaitReport | number;
  /** The task numbered `pid` in `t`'s PID namespace. */
  taskByPid(t: Task, pid: number): Task | null;
  /** Live processes of a process group. */
  processGroup(pgid: number, ns?: PidNamespace): Task[];
  /** Every process (thread-group leader), zombies included. */
  tasks(): Task[];
  futexQueue(mm: AddressSpace, addr: number, create: boolean): WaitQueue | null;
  futexWake(mm: AddressSpace, addr: number, n: number): number;
  /** Stops the machine (reboot(2) in the root PID namespace): every task is killed. */
  halt(how: "halt" | "poweroff" | "restart"): void;
  /** C_A_D: whether Ctrl-Alt-Del restarts at once (else init gets SIGINT). */
  cadReboots: boolean;
  readonly pipes: PipeFs;
  /** The kernel log (syslog(2), dmesg). */
  readonly klog: KernelLog;
  /**
   * Set where a store keeps the machine's files (the page's saved root,
   * worker/persistence.ts): sync(2) and fsync(2) start a save at once, and
   * answer -ENOSPC while the store refuses saves for lack of space.
   */
  syncFs?: () => number;
  readonly uts: { hostname: string; domainname: string };
  readonly hostname: string;
  readonly bootTimeMs: number;
  readonly totalRam: number;
  readonly freeRam: () => number;
}

export type Handler = (t: Task, a: Args, k: Kernel) => number;
