// The machine's one cgroup v2 hierarchy (cgroup-v2.rst "Basic Operations"):
// its root, task membership (a task is born in its parent's cgroup, moves
// when a pid is written to cgroup.procs, leaves when it exits), and the
// hooks the rest of the kernel calls: clone asks `canFork` (pids.max),
// the scheduler asks `canRun` (freezer, cpu.max throttling), the machine
// reports CPU time with `accountCpu` and memory pressure with `oom`.
import type { Task } from "../task";
import { Cgroup, CONTROLLERS } from "./cgroup";
import { CgroupNamespace } from "./cgns";
import { pidsCharge } from "./pids";
import { accountCpu, cpuRunnable, cpuNextChange } from "./cpu";
import { MemcgCharge } from "./memcg";
import { OomKiller } from "./oom";
import type { MemCharge } from "../mm/addrspace";

/** What the hierarchy needs from the machine. */
export interface CgroupHost {
  monotonicNs(): bigint;
  /** Ends a process with a wait status (the OOM killer's SIGKILL: 9). */
  exitGroup(t: Task, waitStatus: number): void;
  /** Every live task (threads included). */
  allTasks(): Iterable<Task>;
  /** Sends a signal (the OOM killer's SIGKILL to the task being served). */
  signal(t: Task, sig: number): void;
  /** The kernel log (dmesg). */
  readonly klog: { printk(level: number, msg: string): void };
}

export class Hierarchy {
  readonly root: Cgroup;
  /** The initial cgroup namespace (rooted at the hierarchy root). */
  readonly initNs: CgroupNamespace;
  readonly oomKiller: OomKiller;
  /** Drops the unmapped page-cache pages charged inside a group (mm/pagecache.ts), how many; set by the machine. */
  reclaimCache: ((domain: Cgroup) => number) | null = null;

  constructor(readonly host: CgroupHost) {
    this.root = new Cgroup("", null, this);
    // Every machine boots with all controllers enabled for the root's children (as systemd does).
    for (const c of CONTROLLERS) this.root.subtreeControl.add(c);
    this.initNs = new CgroupNamespace(this.root);
    this.oomKiller = new OomKiller(this);
  }

  nowUs(): number { return Number(this.host.monotonicNs() / 1000n); }

  /** Puts a task that has no cgroup yet (the host-started process) into `cg`, the root by default. */
  attach(t: Task, cg: Cgroup = this.root): void {
    t.cgroup = cg;
    cg.tasks.add(t);
    if (!t.mm.charge) t.mm.charge = new MemcgCharge(t);
  }

  /** clone(2)'s check before the child exists: pids.max of the parent's cgroup and ancestors; false is EAGAIN. */
  canFork(parent: Task): boolean {
    return parent.cgroup ? pidsCharge(parent.cgroup) : true;
  }

  /**
   * The child joins its parent's cgroup. A new address space (fork) gets its
   * own charge record: the frames fork charged on the parent's record move to
   * the child's so they follow the child if it changes cgroup.
   */
  forked(parent: Task, child: Task, sharedMm: boolean): void {
    const cg = parent.cgroup ?? this.root;
    child.cgroup = cg;
    cg.tasks.add(child);
    if (sharedMm) return;
    const old = child.mm.charge;
    const own = new MemcgCharge(child);
    if (old instanceof MemcgCharge) old.handOver(own, child.mm.chargedRss);
    child.mm.charge = own;
  }

  /** The task has exited: it leaves its cgroup (populated may drop to 0). */
  exited(t: Task): void {
    t.cgroup?.tasks.delete(t);
  }

  /** Moves every thread of `t`'s process to `cg` (a write to cgroup.procs); memory charged so far moves with it. */
  migrate(t: Task, cg: Cgroup): void {
    for (const th of t.group.threads) {
      if (th.exitStatus !== null) continue;
      th.cgroup?.tasks.delete(th);
      th.cgroup = cg;
      cg.tasks.add(th);
      const charge: MemCharge | null = th.mm.charge;
      if (charge instanceof MemcgCharge) charge.moveTo(cg);
    }
  }

  // ---- the scheduler's gate ----

  /** Whether `t` may be given the CPU now: not frozen (a pending SIGKILL thaws it to die), not throttled. */
  canRun(t: Task): boolean {
    const cg = t.cgroup;
    if (!cg) return true;
    if (cg.frozen && !sigkillPending(t)) return false;
    return cpuRunnable(cg, this.nowUs());
  }

  /** Monotonic ns when a throttled group may run again (the scheduler sleeps no longer than that), or null. */
  nextChange(): bigint | null {
    const us = cpuNextChange(this.root);
    return us === null ? null : BigInt(Math.ceil(us)) * 1000n;
  }

  /** CPU time the task just used (user: in the CPU, system: in the kernel serving it). */
  accountCpu(t: Task, userUs: number, systemUs: number): void {
    if (t.cgroup) accountCpu(t.cgroup, userUs, systemUs, this.nowUs());
  }

  /**
   * The instruction budget of `t`'s next slice: a task under a cpu.max
   * quota runs in short slices so that throttling is precise.
   */
  sliceFor(t: Task, base: number): number {
    for (const c of t.cgroup?.upward() ?? []) if (c.cpu.quotaUs !== Infinity) return Math.min(base, 1 << 15);
    return base;
  }

  /**
   * `t`'s share of the CPU against a task of the default weight: its
   * group's cpu.weight over 100, times its ancestors' factors (cgroup-v2.rst
   * "Weights"), kept within 1/16..16. The scheduler divides the CPU time a
   * task uses by it (sched.ts), so time, not instructions, is shared.
   */
  weight(t: Task): number {
    let f = 1;
    for (const c of t.cgroup?.upward() ?? []) if (c.controlled("cpu")) f *= c.cpu.weight / 100;
    return Math.min(16, Math.max(1 / 16, f));
  }
}

function sigkillPending(t: Task): boolean {
  const bit = 1n << 8n;
  return ((t.sig.pending.mask | t.sig.group.pending.mask) & bit) !== 0n || t.group.exitCode !== null;
}
