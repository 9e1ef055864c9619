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
  defaultAction, NSIG, SIGCHLD, CLD_CONTINUED, CLD_EXITED, CLD_KILLED, CLD_DUMPED,
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

/** Signal state shared by a thread group (Linux's signal_struct). */
export class GroupSignals {
  pending = new Pending();
  realTimer: RealTimer | null = null;
  /** Stopped by a stop signal (job control): the stop signal number, or 0. */
  stopSig = 0;
  /**
   * Job-control notifications for the parent's wait4 (WUNTRACED/WCONTINUED):
   * set when the group stops or continues, cleared by whoever reports it.
   */
  notify: "stopped" | "continued" | null = null;
}

export const actionOf = (t: Task, sig: number): SigAction | undefined => t.sig.actions.get(sig);

/** Whether `sig` would be dropped at send time: SIG_IGN, or SIG_DFL with the "ignore" default (not while blocked). */
export function isIgnored(t: Task, sig: number): boolean {
  if (t.sig.blocked & sigBit(sig)) return false;
  const h = actionOf(t, sig)?.handler ?? SIG_DFL;
  if (h === SIG_IGN) return sig !== SIGKILL && sig !== SIGSTOP;
  return h === SIG_DFL && defaultAction(sig) === "ign";
}

/**
 * Queues a signal for `t`: on the thread itself (`thread`: tkill, faults)
 * or on its thread group. Wakes the task if it sleeps interruptibly.
 * Returns false when the signal was dropped as ignored.
 */
export function queueSignal(t: Task, info: SigInfo, thread: boolean): boolean {
  const sig = info.signo;
  const g = t.sig.group;
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
