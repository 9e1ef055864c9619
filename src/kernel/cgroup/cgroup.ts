// A cgroup v2 node (Documentation/admin-guide/cgroup-v2.rst): one tree per
// machine (cgroup/hierarchy.ts), every task in exactly one node. The node
// carries the tree, its membership and each controller's state; the rules
// live beside it: memory charging in memcg.ts, pids in pids.ts, CPU
// bandwidth in cpu.ts, the freezer in freezer.ts, the interface files in
// cgroupfs.ts.
import type { Task } from "../task";
import type { Hierarchy } from "./hierarchy";

/** Controllers in the order cgroup.controllers lists them on Linux. */
export const CONTROLLERS = ["cpu", "memory", "pids"] as const;
export type ControllerName = (typeof CONTROLLERS)[number];

/** memory.events keys, in the order Linux prints them. */
export interface MemoryEvents { low: number; high: number; max: number; oom: number; oom_kill: number; oom_group_kill: number }

export class MemoryState {
  /** Pages charged here and below (memory.current / 4096). */
  pages = 0;
  peak = 0;
  /** memory.max and memory.high in pages (Infinity is "max"). */
  max = Infinity;
  high = Infinity;
  low = 0;
  min = 0;
  swapMax = Infinity;
  oomGroup = 0;
  /** Pages of tmpfs files charged here and below (memory.stat shmem). */
  shmem = 0;
  readonly events: MemoryEvents = { low: 0, high: 0, max: 0, oom: 0, oom_kill: 0, oom_group_kill: 0 };
}

export class CpuState {
  /** Microseconds of CPU used here and below, split as cpu.stat does. */
  usageUs = 0;
  userUs = 0;
  systemUs = 0;
  /** cpu.max: quota per period in µs (Infinity: "max"), period in µs. */
  quotaUs = Infinity;
  periodUs = 100000;
  weight = 100;
  /** Start of the current enforcement period (monotonic µs); usage counted in it (with the previous periods' overrun). */
  periodStart = 0;
  usedInPeriod = 0;
  /** Throttled until this monotonic µs (0: not throttled). */
  throttledUntil = 0;
  nrPeriods = 0;
  nrThrottled = 0;
  throttledUs = 0;
}

export class Cgroup {
  readonly children = new Map<string, Cgroup>();
  /** Tasks (threads) directly in this group. */
  readonly tasks = new Set<Task>();
  /** Controllers enabled for the children (cgroup.subtree_control). */
  readonly subtreeControl = new Set<ControllerName>();
  /** cgroup.max.depth / cgroup.max.descendants ("max" is Infinity). */
  maxDepth = Infinity;
  maxDescendants = Infinity;
  /** Set once rmdir removed it (a task cannot be moved into it any more). */
  removed = false;
  /** cgroup.freeze as written here (the effective state also looks at the ancestors). */
  freeze = false;
  readonly memory = new MemoryState();
  readonly cpu = new CpuState();
  /** pids.max (Infinity: "max") and pids.events max. */
  pidsMax = Infinity;
  pidsEventsMax = 0;
  /** Serial number, also the directory's inode number in cgroupfs. */
  readonly id: number;
  private static nextId = 1;

  constructor(readonly name: string, readonly parent: Cgroup | null, readonly hierarchy: Hierarchy) {
    this.id = Cgroup.nextId++;
  }

  get depth(): number { return this.parent ? this.parent.depth + 1 : 0; }
  get isRoot(): boolean { return this.parent === null; }

  /** Path from the hierarchy root ("/" for the root). */
  get path(): string { return this.pathFrom(this.hierarchy.root); }

  /** Path as seen from `root` (a cgroup namespace root): ".." per level above it, as Linux prints. */
  pathFrom(root: Cgroup): string {
    const up: string[] = [];
    let anc: Cgroup | null = root;
    while (anc && !anc.isAncestorOrSelf(this)) { up.push(".."); anc = anc.parent; }
    const down: string[] = [];
    for (let c: Cgroup | null = this; c && c !== anc; c = c.parent) down.unshift(c.name);
    return "/" + [...up, ...down].join("/");
  }

  /** `this` is `other` or one of its ancestors. */
  isAncestorOrSelf(other: Cgroup): boolean {
    for (let c: Cgroup | null = other; c; c = c.parent) if (c === this) return true;
    return false;
  }

  /** This group and its ancestors, innermost first. */
  *upward(): Generator<Cgroup> {
    for (let c: Cgroup | null = this; c; c = c.parent) yield c;
  }

  /** This group and every descendant, pre-order. */
  *subtree(): Generator<Cgroup> {
    yield this;
    for (const c of this.children.values()) yield* c.subtree();
  }

  /** Live tasks in this group and its descendants. */
  *allTasks(): Generator<Task> {
    for (const g of this.subtree()) yield* g.tasks;
  }

  /** cgroup.events populated: a live task here or below. */
  get populated(): boolean {
    for (const g of this.subtree()) if (g.tasks.size) return true;
    return false;
  }

  get descendantCount(): number {
    let n = -1;
    for (const _ of this.subtree()) n++;
    return n;
  }

  /** Tasks here and below (pids.current). */
  get taskCount(): number {
    let n = 0;
    for (const g of this.subtree()) n += g.tasks.size;
    return n;
  }

  /** Controllers available here (cgroup.controllers): all at the root, the parent's subtree_control below. */
  get controllers(): ReadonlySet<ControllerName> {
    return this.parent ? this.parent.subtreeControl : new Set(CONTROLLERS);
  }

  /** The controller's interface files and limits apply here (enabled in the parent's subtree_control). */
  controlled(c: ControllerName): boolean {
    return this.parent !== null && this.parent.subtreeControl.has(c);
  }

  /** cgroup.freeze of this group or an ancestor: its tasks do not run. */
  get frozen(): boolean {
    for (const c of this.upward()) if (c.freeze) return true;
    return false;
  }
}
