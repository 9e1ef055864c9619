// Pending signals: one set per thread (tkill, faults) and one per thread
// group (kill, timers), as Linux's task->pending and signal->shared_pending.
// Standard signals are pending at most once (a second one merges); real-time
// signals (32..64) queue one siginfo each, in order (signal(7) "Real-time
// signals"). Sending also decides what Linux decides at send time: an
// ignored signal is dropped, SIGCONT discards pending stop signals and a
// stop signal discards a pending SIGCONT.
import type { Task, SigAction } from "../task";
import {
  type SigInfo, sigBit, SIGRTMIN, SIGKILL, SIGSTOP, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SYNCHRONOUS, UNBLOCKABLE,
  defaultAction, NSIG, SIGCHLD, CLD_CONTINUED, CLD_EXITED, CLD_KILLED, CLD_DUMPED, SI_KERNEL,
} from "./info";

export const SIG_DFL = 0n, SIG_IGN = 1n;
export const SA_SIGINFO = 4n, SA_ONSTACK = 0x08000000n, SA_RESTART = 0x10000000n, SA_NODEFER = 0x40000000n,
  SA_RESETHAND = 0x80000000n, SA_RESTORER = 0x04000000n, SA_NOCLDSTOP = 1n, SA_NOCLDWAIT = 2n;

const STOP_MASK = sigBit(SIGSTOP) | sigBit(SIGTSTP) | sigBit(SIGTTIN) | sigBit(SIGTTOU);

export class Pending {
  mask = 0n;
  infos: SigInfo[] = [];

  add(info: SigInfo): void {
    const bit = sigBit(info.signo);
    if (info.signo < SIGRTMIN && this.mask & bit) return; // standard signals do not queue
    this.mask |= bit;
    this.infos.push(info);
  }
  /** Removes one instance of `sig` and returns its siginfo. */
  take(sig: number): SigInfo {
    const i = this.infos.findIndex((x) => x.signo === sig);
    const info = i >= 0 ? this.infos.splice(i, 1)[0] : { signo: sig, code: 0 };
    if (!this.infos.some((x) => x.signo === sig)) this.mask &= ~sigBit(sig);
    return info;
  }
  /** Discards every instance of the signals in `m`. */
  flush(m: bigint): void {
    this.mask &= ~m;
    this.infos = this.infos.filter((x) => !(sigBit(x.signo) & m));
  }
}

/** ITIMER_REAL of a process: next expiry on the monotonic clock, reload interval (0 = one-shot). */
export interface RealTimer { expiresNs: bigint; intervalNs: bigint }
/** ITIMER_VIRTUAL/ITIMER_PROF of a process: CPU time left before it fires, reload interval (0 = one-shot). */
export interface CpuTimer { leftNs: bigint; intervalNs: bigint }

/** Signal state shared by a thread group (Linux's signal_struct). */
export class GroupSignals {
  pending = new Pending();
  realTimer: RealTimer | null = null;
  /** ITIMER_VIRTUAL (user CPU time) and ITIMER_PROF (user + system); not inherited by fork (signal/itimer.ts). */
  virtualTimer: CpuTimer | null = null;
  profTimer: CpuTimer | null = null;
  /** CPU time in ms the process's threads have spent in the CPU (CLOCK_PROCESS_CPUTIME_ID, times, getrusage). */
  cpuMs = 0;
  /** Stopped by a stop signal (job control): the stop signal number, or 0. */
  stopSig = 0;
  /**
   * Job-control notifications for the parent's wait4 (WUNTRACED/WCONTINUED):
   * set when the group stops or continues, cleared by whoever reports it.
   */
  notify: "stopped" | "continued" | null = null;
  /**
   * SIGNAL_UNKILLABLE: the process is the init of the machine (boot sets
   * it) — the init of a child PID namespace is recognised by its pid.
   */
  unkillable = false;
}

export const actionOf = (t: Task, sig: number): SigAction | undefined => t.sig.actions.get(sig);

/**
 * Whether `sig` is blocked, counting the mask a sigtimedwait/sigsuspend
 * replaced (Linux's real_blocked): a signal waited for is never ignored.
 */
const blockedOrWaitedFor = (t: Task, sig: number): boolean => ((t.sig.blocked | (t.sig.savedMask ?? 0n)) & sigBit(sig)) !== 0n;

/** Whether `sig` would be dropped at send time: SIG_IGN, or SIG_DFL with the "ignore" default (not while blocked). */
export function isIgnored(t: Task, sig: number): boolean {
  if (blockedOrWaitedFor(t, sig)) return false;
  const h = actionOf(t, sig)?.handler ?? SIG_DFL;
  if (h === SIG_IGN) return sig !== SIGKILL && sig !== SIGSTOP;
  return h === SIG_DFL && defaultAction(sig) === "ign";
}

/**
 * Whether `t`'s process is a PID namespace's init, which receives only the
 * signals it has handlers for (pid_namespaces(7), kill(2) "the only signals
 * that can be sent to process ID 1, the init process, are those for which
 * init has explicitly installed signal handlers"): the machine's init, or
 * pid 1 of a child PID namespace.
 */
export function isProtectedInit(t: Task): boolean {
  if (t.sig.group.unkillable) return true;
  const ns = t.nsproxy.pid;
  return ns.parent !== null && ns.init?.group === t.group;
}

/**
 * sig_task_ignored for an init: a signal whose action is SIG_DFL is dropped,
 * except SIGKILL and SIGSTOP when forced — sent by the kernel (`from` null,
 * SI_KERNEL) or from an ancestor PID namespace, where the sender has no pid
 * in the target's namespace (kernel/signal.c send_signal_locked).
 */
function droppedByInit(t: Task, info: SigInfo, from: Task | null): boolean {
  const sig = info.signo;
  if (!isProtectedInit(t) || (actionOf(t, sig)?.handler ?? SIG_DFL) !== SIG_DFL) return false;
  if (blockedOrWaitedFor(t, sig) && sig !== SIGKILL) return false; // decided at delivery (deliver.ts)
  const forced = from === null || info.code === SI_KERNEL || t.nsproxy.pid.pidOf(from.group.leader) === 0;
  return !(forced && (sig === SIGKILL || sig === SIGSTOP));
}

/**
 * Queues a signal for `t`: on the thread itself (`thread`: tkill, faults)
 * or on its thread group. Wakes the task if it sleeps interruptibly.
 * `from` is the sending task (kill, tkill, sigqueue), null for the kernel.
 * Returns false when the signal was dropped as ignored.
 */
export function queueSignal(t: Task, info: SigInfo, thread: boolean, from: Task | null = null): boolean {
  const sig = info.signo;
  const g = t.sig.group;
  if (droppedByInit(t, info, from)) return false;
  // Send-time side effects of job-control signals (kernel/signal.c prepare_signal).
  if (sig === SIGCONT || sig === SIGKILL) {
    g.pending.flush(STOP_MASK);
    t.sig.pending.flush(STOP_MASK);
    if (g.stopSig) {
      // The stopped process resumes even if SIGCONT is blocked or caught; the parent hears of it.
      g.stopSig = 0;
      g.notify = "continued";
      t.sig.wake?.(t);
      notifyParentOfJobControl(t, CLD_CONTINUED, SIGCONT);
    }
  } else if (STOP_MASK & sigBit(sig)) {
    g.pending.flush(sigBit(SIGCONT));
    t.sig.pending.flush(sigBit(SIGCONT));
  }
  if (isIgnored(t, sig)) return false;
  (thread ? t.sig.pending : g.pending).add(info);
  if (thread || !(t.sig.blocked & sigBit(sig))) {
    if (deliverable(t)) t.sig.wake?.(t);
  } else {
    // complete_signal: a process-directed signal goes to a thread that does not block it.
    for (const th of t.group.threads) {
      if (th.exitStatus === null && !(th.sig.blocked & sigBit(sig))) { th.sig.wake?.(th); break; }
    }
  }
  return true;
}

/**
 * A child stopped or continued (do_notify_parent_cldstop): the parent's
 * wait4(WUNTRACED/WCONTINUED) sleepers wake and it gets SIGCHLD, unless
 * its SIGCHLD action has SA_NOCLDSTOP.
 */
export function notifyParentOfJobControl(t: Task, code: number, sig: number): void {
  const p = t.group.parent;
  if (!p) return;
  p.childWait.wakeAll();
  const act = p.leader.sig.actions.get(SIGCHLD);
  if (act && act.flags & SA_NOCLDSTOP) return;
  const pid = p.leader.nsproxy.pid.pidOf(t.group.leader);
  queueSignal(p.leader, { signo: SIGCHLD, code, pid, uid: t.cred.uid, status: sig }, false);
}

/**
 * A child process ended with wait status `ws`: its exit signal (normally
 * SIGCHLD) goes to the parent with the siginfo of do_notify_parent —
 * CLD_EXITED and the code, or CLD_KILLED/CLD_DUMPED and the signal.
 */
export function notifyParentOfExit(parent: Task, child: Task, sig: number, ws: number): void {
  const killed = ws & 0x7f;
  const code = killed ? (ws & 0x80 ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED;
  const pid = parent.nsproxy.pid.pidOf(child.group.leader);
  queueSignal(parent, { signo: sig, code, pid, uid: child.cred.uid, status: killed ? killed : (ws >> 8) & 0xff }, false);
}

/** The pending, unblocked signals of `t` (thread and group sets). */
export function deliverable(t: Task): bigint {
  return (t.sig.pending.mask | t.sig.group.pending.mask) & ~(t.sig.blocked & ~UNBLOCKABLE);
}

/**
 * Whether a blocking syscall should stop waiting because a signal is
 * pending (signal_pending()): it then returns -ERESTARTSYS (or -EINTR).
 */
export const signalPending = (t: Task): boolean => deliverable(t) !== 0n;

/** The next signal to deliver: synchronous faults first, then the lowest number (next_signal). */
export function nextSignal(t: Task): number {
  const m = deliverable(t);
  if (!m) return 0;
  const pick = m & SYNCHRONOUS ? m & SYNCHRONOUS : m;
  for (let s = 1; s <= NSIG; s++) if (pick & sigBit(s)) return s;
  return 0;
}

/** Removes signal `sig` (thread set first) and returns its siginfo. */
export function dequeue(t: Task, sig: number): SigInfo {
  const bit = sigBit(sig);
  return t.sig.pending.mask & bit ? t.sig.pending.take(sig) : t.sig.group.pending.take(sig);
}
