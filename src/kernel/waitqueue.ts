// Wait queues (Linux's wait_queue_head_t). A blocking syscall handler that
// cannot complete parks its task on one or more queues and returns -EBLOCK;
// the dispatcher then takes the task off the run queue. Whoever changes the
// condition (a pipe write, a child's exit, a futex wake) calls wakeAll(), and
// each parked task becomes runnable again: its syscall is executed once more
// from the start with the same registers, re-checks its condition and either
// completes or parks again. Handlers that made progress keep it on the task
// (see Task.sys), so a restart never repeats a side effect.
import type { Task } from "./task";

/**
 * Internal result of a handler meaning "parked, run me again when woken".
 * Above every real errno (Linux's are < 4096), so it never reaches user space.
 */
export const EBLOCK = 4096;

/** How the scheduler wakes a parked task (it owns the run queue). */
export interface Waker { wake(t: Task, why: WakeReason): void }

export type WakeReason = "event" | "timeout" | "signal";

export class WaitQueue {
  private waiters = new Set<Task>();

  /**
   * `external`: the event comes from outside the machine (terminal input),
   * so a machine whose tasks all wait on such queues is idle, not deadlocked.
   */
  constructor(readonly external = false) {}

  /** Whether `t` is parked here. */
  has(t: Task): boolean { return this.waiters.has(t); }
  add(t: Task): void { this.waiters.add(t); }
  remove(t: Task): void { this.waiters.delete(t); }
  get size(): number { return this.waiters.size; }

  /** Wakes every parked task; returns how many were woken. */
  wakeAll(): number {
    if (this.waiters.size === 0) return 0;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const t of ws) t.waker.wake(t, "event");
    return ws.length;
  }

  /** Wakes at most `n` parked tasks in arrival order (futex wake); returns how many. */
  wake(n: number): number {
    let done = 0;
    for (const t of [...this.waiters]) {
      if (done >= n) break;
      this.waiters.delete(t);
      t.waker.wake(t, "event");
      done++;
    }
    return done;
  }
}
