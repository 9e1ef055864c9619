// Interval timers of a process: alarm(2), setitimer(2), getitimer(2).
// ITIMER_REAL runs on the monotonic clock (wall time, as Linux's hrtimer)
// and is checked on every return to user mode and by sleepers; on expiry the
// process gets SIGALRM (si_code SI_KERNEL, as it_real_fn sends it).
// ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time: the machine
// charges each stretch a thread spent in the CPU (chargeCpu, which also
// keeps the process's and the thread's CPU clocks), and on expiry
// the process gets SIGVTALRM or SIGPROF. An interval timer reloads; overruns
// collapse into one signal. Time spent in the kernel model's handlers is not
// charged, so ITIMER_PROF runs like ITIMER_VIRTUAL (the emulated CPU's time
// dominates). fork(2) does not inherit the timers; execve(2) keeps them.
import type { Task } from "../task";
import type { Args, Kernel } from "../syscall/types";
import { EINVAL, EFAULT } from "../errno";
import { SIGALRM, SIGVTALRM, SIGPROF, SI_KERNEL } from "./info";
import { queueSignal, type CpuTimer, type GroupSignals } from "./queue";

const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
const NS = 1000000000n;

/** Fires the process's real timer if it is due; returns true if SIGALRM was sent. */
export function checkTimers(t: Task, k: Kernel): boolean {
  const tm = t.sig.group.realTimer;
  if (!tm) return false;
  const now = k.monotonicNs();
  if (now < tm.expiresNs) return false;
  if (tm.intervalNs > 0n) {
    // Overruns collapse into one signal (a standard signal does not queue).
    const missed = (now - tm.expiresNs) / tm.intervalNs + 1n;
    tm.expiresNs += missed * tm.intervalNs;
  } else {
    t.sig.group.realTimer = null;
  }
  queueSignal(t, { signo: SIGALRM, code: SI_KERNEL }, false);
  return true;
}

/** Nanoseconds until the real timer fires, or null if it is disarmed. */
export function timerRemainingNs(t: Task, k: Kernel): bigint | null {
  const tm = t.sig.group.realTimer;
  if (!tm) return null;
  const d = tm.expiresNs - k.monotonicNs();
  return d > 0n ? d : 0n;
}

function timeval(b: DataView, off: number, ns: bigint): void {
  b.setBigInt64(off, ns / NS, true);
  b.setBigInt64(off + 8, (ns % NS) / 1000n, true);
}

/** The CPU-time timer `which` of a process. */
function cpuTimer(g: GroupSignals, which: number): CpuTimer | null {
  return which === ITIMER_VIRTUAL ? g.virtualTimer : g.profTimer;
}

/**
 * The machine charges `ms` of CPU time to `t`: the process and thread
 * clocks advance, the virtual and profiling timers run down, and those that
 * expire send their signal. (Called at every exit from the CPU: plain
 * numbers until a timer is armed.)
 */
export function chargeCpu(t: Task, ms: number): void {
  const g = t.sig.group;
  g.cpuMs += ms;
  threadCpu.set(t, (threadCpu.get(t) ?? 0) + ms);
  if (!g.virtualTimer && !g.profTimer) return;
  const ns = BigInt(Math.round(ms * 1e6));
  for (const [which, sig] of [[ITIMER_VIRTUAL, SIGVTALRM], [ITIMER_PROF, SIGPROF]]) {
    const tm = cpuTimer(g, which);
    if (!tm) continue;
    tm.leftNs -= ns;
    if (tm.leftNs > 0n) continue;
    if (tm.intervalNs > 0n) {
      while (tm.leftNs <= 0n) tm.leftNs += tm.intervalNs;
    } else if (which === ITIMER_VIRTUAL) g.virtualTimer = null;
    else g.profTimer = null;
    queueSignal(t, { signo: sig, code: SI_KERNEL }, false);
  }
}

/** CPU time of each thread in ms (CLOCK_THREAD_CPUTIME_ID, RUSAGE_THREAD). */
const threadCpu = new WeakMap<Task, number>();

/** CPU time used by `t`'s process, all threads (CLOCK_PROCESS_CPUTIME_ID). */
export const processCpuNs = (t: Task): bigint => BigInt(Math.floor(t.sig.group.cpuMs * 1e6));
/** CPU time used by thread `t` (CLOCK_THREAD_CPUTIME_ID). */
export const threadCpuNs = (t: Task): bigint => BigInt(Math.floor((threadCpu.get(t) ?? 0) * 1e6));

/** Whether `t`'s process has a CPU-time timer armed (the machine then enters the CPU in shorter stretches). */
export const cpuTimerArmed = (t: Task): boolean => t.sig.group.virtualTimer !== null || t.sig.group.profTimer !== null;

/** The current value of timer `which` as struct itimerval {it_interval, it_value}. */
function current(t: Task, k: Kernel, which: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  const g = t.sig.group;
  const tm = which === ITIMER_REAL ? g.realTimer : cpuTimer(g, which);
  if (tm) {
    let left = which === ITIMER_REAL ? timerRemainingNs(t, k) ?? 0n : (tm as CpuTimer).leftNs;
    // An armed timer never reads as zero (it would look disarmed): Linux reports at least 1 µs.
    if (left < 1000n) left = 1000n;
    timeval(v, 0, tm.intervalNs);
    timeval(v, 16, left);
  }
  return b;
}

/** getitimer(2) */
export function sysGetitimer(t: Task, a: Args, k: Kernel): number {
  const which = a.i(0);
  if (which < ITIMER_REAL || which > ITIMER_PROF) return -EINVAL;
  return t.mm.copyOut(a.u(1), current(t, k, which)) < 0 ? -EFAULT : 0;
}

/** setitimer(2) */
export function sysSetitimer(t: Task, a: Args, k: Kernel): number {
  const which = a.i(0), nv = a.u(1), ov = a.u(2);
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return -EINVAL;
  let interval = 0n, value = 0n;
  if (nv) {
    const raw = t.mm.copyIn(nv, 32);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset);
    const f = [v.getBigInt64(0, true), v.getBigInt64(8, true), v.getBigInt64(16, true), v.getBigInt64(24, true)];
    if (f[0] < 0n || f[2] < 0n || f[1] < 0n || f[1] >= 1000000n || f[3] < 0n || f[3] >= 1000000n) return -EINVAL;
    interval = f[0] * NS + f[1] * 1000n;
    value = f[2] * NS + f[3] * 1000n;
  }
  if (ov && t.mm.copyOut(ov, current(t, k, which)) < 0) return -EFAULT;
  if (!nv) return 0;
  const g = t.sig.group;
  if (which === ITIMER_REAL) g.realTimer = value > 0n ? { expiresNs: k.monotonicNs() + value, intervalNs: interval } : null;
  else {
    const tm = value > 0n ? { leftNs: value, intervalNs: interval } : null;
    if (which === ITIMER_VIRTUAL) g.virtualTimer = tm; else g.profTimer = tm;
  }
  return 0;
}

/** alarm(2): seconds left on the previous alarm (rounded, never 0 for a pending one). */
export function sysAlarm(t: Task, a: Args, k: Kernel): number {
  const secs = BigInt(a.u(0) >>> 0);
  const left = timerRemainingNs(t, k);
  let old = 0;
  if (left !== null) {
    // alarm_setitimer: round to the nearest second, but a pending alarm reports at least 1.
    old = Number((left + NS / 2n) / NS);
    if (old === 0) old = 1;
  }
  t.sig.group.realTimer = secs > 0n ? { expiresNs: k.monotonicNs() + secs * NS, intervalNs: 0n } : null;
  return old;
}

/**
 * The scheduler's pass over every process's real timer: due ones send
 * SIGALRM (waking a sleeper), and the earliest expiry left is returned so
 * that an idle machine sleeps no longer than that (null: none armed).
 */
export function fireTimers(k: Kernel, processes: Task[]): bigint | null {
  let next: bigint | null = null;
  for (const p of processes) {
    if (!p.sig.group.realTimer || p.exitStatus !== null) continue;
    checkTimers(p, k);
    const tm = p.sig.group.realTimer;
    if (tm && (next === null || tm.expiresNs < next)) next = tm.expiresNs;
  }
  return next;
}
