// The cpu controller's bandwidth limit and accounting (cgroup-v2.rst "CPU",
// Documentation/scheduler/sched-bwc.rst). CPU time is wall time: the time
// the machine spends in cpu.run for a task (user) and serving its syscalls
// and faults (system), so cpu.stat usage_usec of a busy loop follows the
// wall clock as it does on a Linux CPU. cpu.max "quota period": once a
// group has used `quota` µs in the current period its tasks are not
// scheduled until the period ends (nr_throttled, throttled_usec). An
// overrun (a slice is not cut in the middle) is carried into the next
// periods, so the long-run share is quota/period.
import type { Cgroup } from "./cgroup";

/** Adds `user`+`system` µs to the group and its ancestors; starts a throttle when a quota is used up. */
export function accountCpu(cg: Cgroup, userUs: number, systemUs: number, nowUs: number): void {
  for (const c of cg.upward()) {
    const s = c.cpu;
    s.usageUs += userUs + systemUs;
    s.userUs += userUs;
    s.systemUs += systemUs;
    if (s.quotaUs === Infinity) continue;
    roll(c, nowUs);
    s.usedInPeriod += userUs + systemUs;
  }
}

/** Ends the periods that have passed: their quota pays back what was used (overrun stays as debt). */
function roll(c: Cgroup, nowUs: number): void {
  const s = c.cpu;
  if (s.periodStart === 0) { s.periodStart = nowUs; return; }
  const k = Math.floor((nowUs - s.periodStart) / s.periodUs);
  if (k < 1) return;
  if (s.usedInPeriod > 0) s.nrPeriods++;
  s.usedInPeriod = Math.max(0, s.usedInPeriod - s.quotaUs * k);
  s.periodStart += k * s.periodUs;
}

/** Whether no group from `cg` up is throttled at `nowUs` (updates the throttle state and its statistics). */
export function cpuRunnable(cg: Cgroup, nowUs: number): boolean {
  let ok = true;
  for (const c of cg.upward()) {
    const s = c.cpu;
    if (s.quotaUs === Infinity) {
      if (s.throttledUntil) { s.throttledUs += Math.max(0, nowUs - throttleStart(c)); s.throttledUntil = 0; }
      continue;
    }
    roll(c, nowUs);
    if (s.usedInPeriod >= s.quotaUs) {
      // nr_throttled counts the periods the group spent throttled (a long overrun spans several).
      const until = s.periodStart + s.periodUs;
      if (!s.throttledUntil) starts.set(c, nowUs);
      if (s.throttledUntil !== until) s.nrThrottled++;
      s.throttledUntil = until;
      ok = false;
    } else if (s.throttledUntil) {
      s.throttledUs += Math.max(0, nowUs - throttleStart(c));
      s.throttledUntil = 0;
    }
  }
  return ok;
}

const starts = new WeakMap<Cgroup, number>();
const throttleStart = (c: Cgroup): number => starts.get(c) ?? c.cpu.throttledUntil;

/** cpu.stat throttled_usec: the throttles that ended plus the one going on. */
export function throttledUsec(c: Cgroup, nowUs: number): number {
  const s = c.cpu;
  return s.throttledUs + (s.throttledUntil ? Math.max(0, Math.min(nowUs, s.throttledUntil) - throttleStart(c)) : 0);
}

/** Earliest end of a throttle in the tree (monotonic µs), or null. */
export function cpuNextChange(root: Cgroup): number | null {
  let d: number | null = null;
  for (const c of root.subtree()) {
    const u = c.cpu.throttledUntil;
    if (u && (d === null || u < d)) d = u;
  }
  return d;
}

/** Parses cpu.max ("max", "max 100000", "10000 100000"): [quota, period] or null when malformed. */
export function parseCpuMax(text: string, periodUs: number): [number, number] | null {
  const w = text.trim().split(/\s+/);
  if (w.length < 1 || w.length > 2 || !w[0]) return null;
  const quota = w[0] === "max" ? Infinity : Number(w[0]);
  const period = w.length === 2 ? Number(w[1]) : periodUs;
  if (!Number.isInteger(period) || period < 1000 || period > 1000000) return null;
  if (quota !== Infinity && (!Number.isInteger(quota) || quota < 1000)) return null;
  return [quota, period];
}
