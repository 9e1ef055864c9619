// The scheduler's CPU-weight sharing (src/kernel/sched.ts): when runnable
// tasks differ in weight, the one with the least virtual runtime (CPU time
// over weight) goes first, so CPU time is shared in proportion to weight
// whatever a slice costs; equal weights keep plain round-robin order.
import { describe, it, expect } from "vitest";
import { Scheduler, type RunGate } from "../../src/kernel/sched";
import type { Task } from "../../src/kernel/task";

/** The fields of a task the scheduler reads: runnable, not exited, its virtual runtime. */
const task = (name: string): Task => ({ name, exitStatus: null, blocked: null, vruntime: 0 }) as unknown as Task;
const nameOf = (t: Task): string => (t as unknown as { name: string }).name;

function machine(weights: Map<Task, number>, held = new Set<Task>()): Scheduler {
  const s = new Scheduler(() => 0n);
  const gate: RunGate = { canRun: (t) => !held.has(t), nextChange: () => null, weight: (t) => weights.get(t) ?? 1 };
  s.gate = gate;
  return s;
}

/** Runs `n` slices: each picked task is charged `cost(task)` ms and queued again. */
function run(s: Scheduler, n: number, cost: (t: Task) => number): Map<string, number> {
  const ms = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const t = s.next()!;
    s.charge(t, cost(t));
    ms.set(nameOf(t), (ms.get(nameOf(t)) ?? 0) + cost(t));
    s.enqueue(t);
  }
  return ms;
}

describe("scheduler: cpu.weight", () => {
  it("shares CPU time 1:3 between weights 1 and 3, whatever each slice costs", () => {
    const a = task("a"), b = task("b");
    const s = machine(new Map([[a, 1], [b, 3]]));
    s.enqueue(a); s.enqueue(b);
    // b's slices cost twice a's: time still splits 1:3.
    const ms = run(s, 700, (t) => (t === a ? 5 : 10));
    expect(ms.get("b")! / ms.get("a")!).toBeGreaterThan(2.9);
    expect(ms.get("b")! / ms.get("a")!).toBeLessThan(3.1);
  });

  it("keeps round-robin order when the weights are equal", () => {
    const a = task("a"), b = task("b"), c = task("c");
    const s = machine(new Map());
    s.enqueue(a); s.enqueue(b); s.enqueue(c);
    const order: string[] = [];
    for (let k = 0; k < 6; k++) { const t = s.next()!; order.push(nameOf(t)); s.charge(t, t === a ? 50 : 1); s.enqueue(t); }
    expect(order.join("")).toBe("abcabc");
  });

  it("a task that ran one very long slice is held back only a bounded time", () => {
    const a = task("a"), b = task("b");
    const s = machine(new Map([[a, 1], [b, 2]]));
    s.enqueue(a); s.enqueue(b);
    const t = s.next()!;
    expect(t).toBe(a);
    s.charge(a, 5000); // 5 s in one slice (say, compiling)
    s.enqueue(a);
    let inRow = 0;
    while (s.next() === b) { s.charge(b, 10); s.enqueue(b); inRow++; expect(inRow).toBeLessThan(100); }
    expect(inRow).toBeGreaterThan(0);
  });

  it("a task joining late starts at the others' virtual runtime, with no backlog", () => {
    const a = task("a"), b = task("b"), c = task("c");
    const s = machine(new Map([[a, 1], [b, 2], [c, 2]]));
    s.enqueue(a); s.enqueue(b);
    run(s, 300, () => 10);
    s.enqueue(c);
    const ms = run(s, 50, () => 10);
    // b and c (equal weights) split their share evenly from here on; c does not run alone to catch up.
    expect(Math.abs(ms.get("c")! - ms.get("b")!)).toBeLessThanOrEqual(20);
  });

  it("a held-back task neither flattens the weights of the others nor bursts when let go", () => {
    const a = task("a"), b = task("b"), f = task("f");
    const held = new Set([f]);
    const s = machine(new Map([[a, 1], [b, 3], [f, 1]]), held);
    s.enqueue(f); s.enqueue(a); s.enqueue(b);
    // f is frozen with virtual runtime 0 and stays queued: a and b still share 1:3.
    const ms = run(s, 400, () => 10);
    expect(ms.get("f")).toBeUndefined();
    expect(ms.get("b")! / ms.get("a")!).toBeGreaterThan(2.9);
    expect(ms.get("b")! / ms.get("a")!).toBeLessThan(3.1);
    // Thawed, f runs at most about MAX_LEAD (100 ms) ahead of its turns, not the ~1 s it missed.
    held.delete(f);
    let inRow = 0;
    while (s.next() === f) { s.charge(f, 10); s.enqueue(f); inRow++; expect(inRow).toBeLessThan(30); }
  });
});
