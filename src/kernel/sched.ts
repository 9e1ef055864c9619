// The scheduler: round-robin over runnable tasks, each running for an
// instruction budget before the next one gets the CPU (there is one virtual
// CPU). A task that blocks in a syscall leaves the run queue, parked on wait
// queues and/or a timer deadline; wake() puts it back at the end of the
// queue with its syscall marked for restart (see waitqueue.ts). The machine
// asks `next()` for the task to run and `nextDeadline()` for how long it may
// sleep when nothing is runnable.
import type { Task } from "./task";
import { EBLOCK, type Waker, type WakeReason, type WaitQueue } from "./waitqueue";

/**
 * Who may run now beyond being runnable (cgroup/hierarchy.ts: the freezer
 * and cpu.max throttling), when that may next change, and each task's CPU
 * weight (cpu.weight; 1 for the default).
 */
export interface RunGate { canRun(t: Task): boolean; nextChange(): bigint | null; weight(t: Task): number }

/** How far (ms of CPU time over weight) a task's virtual runtime may be ahead of or behind the least runnable one's. */
const MAX_LEAD = 100;

export class Scheduler implements Waker {
  private runq: Task[] = [];
  private queued = new Set<Task>();
  private timed = new Set<Task>();
  /** Held-back tasks stay queued in order and are skipped until the gate lets them run. */
  gate: RunGate | null = null;
  /**
   * The least virtual runtime among the running and queued tasks (it only
   * grows; CFS's min_vruntime): a task joining the queue starts no lower,
   * so a new or long-sleeping one gets no backlog of CPU time.
   */
  private floor = 0;

  constructor(private now: () => bigint) {}

  get runnable(): number { const g = this.gate; return g ? this.runq.filter((t) => g.canRun(t)).length : this.runq.length; }
  get sleeping(): number { return this.timed.size; }

  /** Puts a runnable task at the end of the run queue. */
  enqueue(t: Task): void {
    if (this.queued.has(t) || t.exitStatus !== null || t.blocked) return;
    t.vruntime = Math.max(t.vruntime, this.floor);
    this.queued.add(t);
    this.runq.push(t);
  }

  /**
   * The next task to run (removed from the queue; enqueue it again if it
   * stays runnable). Expired timers wake first. Tasks take turns in queue
   * order; when the runnable ones differ in CPU weight, the one with the
   * least virtual runtime (CPU time over weight) goes first, as CFS does,
   * so each gets CPU time in proportion to its weight.
   */
  next(): Task | null {
    if (this.timed.size) this.expire(this.now());
    const g = this.gate;
    let i = g ? this.runq.findIndex((x) => g.canRun(x)) : 0;
    if (i < 0 || i >= this.runq.length) return null;
    if (g) {
      const w = g.weight(this.runq[i]);
      let best = i, mixed = false;
      for (let j = i + 1; j < this.runq.length; j++) {
        const x = this.runq[j];
        if (!g.canRun(x)) continue;
        if (g.weight(x) !== w) mixed = true;
        if (x.vruntime < this.runq[best].vruntime) best = j;
      }
      if (mixed) i = best;
    }
    const t = this.runq.splice(i, 1)[0];
    this.queued.delete(t);
    // Held back (frozen, throttled) while the others ran: no burst to catch up.
    t.vruntime = Math.max(t.vruntime, this.floor - MAX_LEAD);
    return t;
  }

  /**
   * Charges `ms` of CPU time to `t`, which just ran, in its virtual runtime.
   * A task stays at most MAX_LEAD ahead of the least runnable one: a single
   * long slice (the first run of code that is then compiled can take
   * hundreds of ms) must not hold it back for as long afterwards. Tasks the
   * gate holds back do not count: a frozen one would keep the floor down.
   */
  charge(t: Task, ms: number): void {
    const g = this.gate;
    t.vruntime += ms / (g?.weight(t) ?? 1);
    let least = t.vruntime;
    for (const x of this.runq) if (x.vruntime < least && (!g || g.canRun(x))) least = x.vruntime;
    this.floor = Math.max(this.floor, least);
    t.vruntime = Math.min(t.vruntime, this.floor + MAX_LEAD);
  }

  /** Parks `t` on `queues` until one wakes it or the monotonic `deadline` passes; the handler returns the result. */
  block(t: Task, queues: WaitQueue[], deadline: bigint | null, stopped = false): number {
    t.blocked = { queues, deadline, stopped };
    for (const q of queues) q.add(t);
    if (deadline !== null) this.timed.add(t);
    this.unqueue(t);
    return -EBLOCK;
  }

  wake(t: Task, why: WakeReason): void {
    const b = t.blocked;
    if (!b) return;
    for (const q of b.queues) q.remove(t);
    this.timed.delete(t);
    t.blocked = null;
    // A task parked because its process stopped has no syscall to finish.
    t.restartSyscall = !b.stopped;
    t.sys.woken = why;
    this.enqueue(t);
  }

  /** Takes an exiting task out of every queue. */
  remove(t: Task): void {
    if (t.blocked) {
      for (const q of t.blocked.queues) q.remove(t);
      t.blocked = null;
    }
    this.timed.delete(t);
    this.unqueue(t);
    t.restartSyscall = false;
  }

  /** Earliest timer deadline of a parked task, or null when none sleeps with a timeout. */
  nextDeadline(): bigint | null {
    let d: bigint | null = this.runq.length ? this.gate?.nextChange() ?? null : null;
    for (const t of this.timed) {
      const x = t.blocked?.deadline ?? null;
      if (x !== null && (d === null || x < d)) d = x;
    }
    return d;
  }

  private expire(now: bigint): void {
    for (const t of [...this.timed]) {
      const d = t.blocked?.deadline ?? null;
      if (d !== null && d <= now) this.wake(t, "timeout");
    }
  }

  private unqueue(t: Task): void {
    if (!this.queued.delete(t)) return;
    const i = this.runq.indexOf(t);
    if (i >= 0) this.runq.splice(i, 1);
  }
}
