// Clocks and sleeping: clock_gettime(2), clock_getres(2), gettimeofday(2),
// time(2), nanosleep(2), clock_nanosleep(2), times(2), getrusage(2).
// There is no vDSO: glibc falls back to these syscalls.
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import { EINVAL, EFAULT } from "../errno";
import { signalPending } from "../signal/queue";
import { ERESTARTNOHAND, ERESTART_RESTARTBLOCK } from "../signal/deliver";
import { setRestartBlock, clearRestartBlock } from "../signal/restart";
import { processCpuNs, threadCpuNs } from "../signal/itimer";

export const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
  CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7,
  CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;

function clockNs(t: Task, k: Kernel, id: number): bigint | null {
  switch (id) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_REALTIME_ALARM: return k.realtimeNs();
    case CLOCK_TAI: return k.realtimeNs() + 37000000000n;
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM:
      return k.monotonicNs();
    case CLOCK_PROCESS_CPUTIME_ID: return processCpuNs(t);
    case CLOCK_THREAD_CPUTIME_ID: return threadCpuNs(t);
    default: return null;
  }
}

function timespec(ns: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, ns / 1000000000n, true);
  v.setBigInt64(8, ns % 1000000000n, true);
  return b;
}

/** clock_gettime(2) */
export function sysClockGettime(t: Task, a: Args, k: Kernel): number {
  const ns = clockNs(t, k, a.i(0));
  if (ns === null) return -EINVAL;
  return t.mm.copyOut(a.u(1), timespec(ns));
}

/** clock_getres(2): 1 ns for the fine clocks, 4 ms for the coarse ones (HZ=250). */
export function sysClockGetres(t: Task, a: Args, k: Kernel): number {
  const id = a.i(0);
  if (clockNs(t, k, id) === null) return -EINVAL;
  if (!a.u(1)) return 0;
  return t.mm.copyOut(a.u(1), timespec(id === CLOCK_REALTIME_COARSE || id === CLOCK_MONOTONIC_COARSE ? 4000000n : 1n));
}

/** gettimeofday(2); the timezone argument is filled with zeros (UTC). */
export function sysGettimeofday(t: Task, a: Args, k: Kernel): number {
  const ns = k.realtimeNs();
  if (a.u(0)) {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigInt64(0, ns / 1000000000n, true);
    v.setBigInt64(8, (ns % 1000000000n) / 1000n, true);
    const e = t.mm.copyOut(a.u(0), b);
    if (e < 0) return e;
  }
  if (a.u(1)) return t.mm.copyOut(a.u(1), new Uint8Array(8));
  return 0;
}

/** time(2) */
export function sysTime(t: Task, a: Args, k: Kernel): number {
  const s = Number(k.realtimeNs() / 1000000000n);
  if (a.u(0)) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(s), true);
    if (t.mm.copyOut(a.u(0), b) < 0) return -EFAULT;
  }
  return s;
}

function readTimespec(t: Task, ptr: number): bigint | number {
  const raw = t.mm.copyIn(ptr, 16);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  const sec = v.getBigInt64(0, true), nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1000000000n) return -EINVAL;
  return sec * 1000000000n + nsec;
}

/** nanosleep(2): sleeps on the monotonic clock; a signal interrupts it (see interruptedSleep). */
export function sysNanosleep(t: Task, a: Args, k: Kernel): number {
  const ns = readTimespec(t, a.u(0));
  if (typeof ns === "number") return ns;
  return sleepUntil(t, k, ns, a.u(1));
}

/**
 * A relative sleep of `ns` (the deadline fixed by the call's first run and
 * kept across its re-runs after wake-ups); `rem` gets the time left if a
 * signal interrupts it.
 */
function sleepUntil(t: Task, k: Kernel, ns: bigint, rem: number): number {
  if (t.sys.deadline === null && ns > 0n) t.sys.deadline = k.monotonicNs() + ns;
  if (signalPending(t)) return interruptedSleep(t, k, rem);
  const r = k.sleep(t, ns);
  if (r === 0) clearRestartBlock(t);
  return r;
}

/**
 * A sleep woken by a signal (hrtimer_nanosleep, do_nanosleep): the time
 * left goes to `rem` now, and the call ends with -ERESTART_RESTARTBLOCK —
 * EINTR after a handler (never restarted, whatever SA_RESTART says), else
 * restart_syscall resumes it until the same deadline (signal/restart.ts):
 * a sleep stopped by ^Z and continued by fg sleeps only the time that was left.
 */
function interruptedSleep(t: Task, k: Kernel, rem: number): number {
  const deadline = t.sys.deadline;
  const left = deadline === null ? 0n : deadline - k.monotonicNs();
  if (rem && t.mm.copyOut(rem, timespec(left > 0n ? left : 0n)) < 0) return -EFAULT;
  if (deadline === null || left <= 0n) return -ERESTARTNOHAND;
  setRestartBlock(t, (u, kk) => {
    // restart_syscall runs this, then again after each wake-up of its own wait.
    if (u.sys.deadline === null) u.sys.deadline = deadline;
    return sleepUntil(u, kk, 0n, rem);
  });
  return -ERESTART_RESTARTBLOCK;
}

const TIMER_ABSTIME = 1;

/**
 * clock_nanosleep(2): relative sleeps are interrupted and resumed as
 * nanosleep's; an absolute one (TIMER_ABSTIME) simply runs again with the
 * same arguments after a stop (-ERESTARTNOHAND), as Linux does.
 */
export function sysClockNanosleep(t: Task, a: Args, k: Kernel): number {
  const id = a.i(0), flags = a.i(1);
  const now = clockNs(t, k, id);
  if (now === null || id === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  const ns = readTimespec(t, a.u(2));
  if (typeof ns === "number") return ns;
  if (flags & TIMER_ABSTIME) {
    if (signalPending(t)) return -ERESTARTNOHAND;
    return k.sleep(t, ns - now);
  }
  return sleepUntil(t, k, ns, a.u(3));
}

/** times(2): clock ticks at 100 Hz. */
export function sysTimes(t: Task, a: Args, k: Kernel): number {
  const ticks = processCpuNs(t) / 10000000n;
  if (a.u(0)) {
    const b = new Uint8Array(32);
    new DataView(b.buffer).setBigInt64(0, ticks, true);
    const e = t.mm.copyOut(a.u(0), b);
    if (e < 0) return e;
  }
  return Number(k.monotonicNs() / 10000000n);
}

/** getrusage(2): user time is the CPU time the machine charged (RUSAGE_SELF, RUSAGE_THREAD); everything else zero. */
export function sysGetrusage(t: Task, a: Args, k: Kernel): number {
  const who = a.i(0);
  if (who !== 0 && who !== -1 && who !== 1) return -EINVAL;
  const b = new Uint8Array(144);
  if (who !== -1) {
    const us = (who === 1 /* RUSAGE_THREAD */ ? threadCpuNs(t) : processCpuNs(t)) / 1000n;
    const v = new DataView(b.buffer);
    v.setBigInt64(0, us / 1000000n, true);
    v.setBigInt64(8, us % 1000000n, true);
  }
  return t.mm.copyOut(a.u(1), b);
}
