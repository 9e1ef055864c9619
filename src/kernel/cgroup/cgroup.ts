// A cgroup v2 node (Documentation/admin-guide/cgroup-v2.rst): one tree per
// machine, every task in exactly one node. Controllers hang their state on
// the node (cgroup/memory.ts, pids.ts, cpu.ts, freezer.ts); this file keeps
// only the tree, membership and the rules that are not a controller's
// (no internal processes, max.depth/descendants, populated).
import type { Task } from "../task";

/** Controllers in the order cgroup.controllers lists them on Linux. */
export const CONTROLLERS = ["cpu", "memory", "pids"] as const;
export type ControllerName = (typeof CONTROLLERS)[number];

export class Cgroup {
  readonly children = new Map<string, Cgroup>();
  /** Tasks (threads) directly in this group. */
  readonly tasks = new Set<Task>();
  /** Controllers enabled for the children (cgroup.subtree_control). */
  readonly subtreeControl = new Set<ControllerName>();
  /** cgroup.max.depth / cgroup.max.descendants ("max" is Infinity). */
  maxDepth = Infinity;
  maxDescendants = Infinity;
  /** Descendants destroyed so far (cgroup.stat nr_dying_descendants is always 0 here: removal is immediate). */
  removed = false;
  /** Inode-like serial so /proc/PID/cgroup and the fs can compare groups cheaply. */
  readonly id: number;
  private static nextId = 1;

  constructor(readonly name: string, readonly parent: Cgroup | null) {
    this.id = Cgroup.nextId++;
  }

  get depth(): number { return this.parent ? this.parent.depth + 1 : 0; }
  get isRoot(): boolean { return this.parent === null; }

  /** Path from the hierarchy root ("/" for the root). */
  get path(): string {
    if (!this.parent) return "/";
    const up = this.parent.path;
    return (up === "/" ? "" : up) + "/" + this.name;
  }

  /** Path as seen from `root` (a cgroup namespace root): "/.." per level above it, as Linux prints. */
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

  /** Controllers available here (cgroup.controllers): all at the root, the parent's subtree_control below. */
  get controllers(): Set<ControllerName> {
    return this.parent ? this.parent.subtreeControl : new Set(CONTROLLERS);
  }

  /** A controller's limits apply here: enabled by every ancestor's subtree_control. */
  controlled(c: ControllerName): boolean {
    return this.parent !== null && this.parent.subtreeControl.has(c);
  }
}
