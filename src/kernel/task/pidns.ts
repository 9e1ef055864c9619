// PID and UTS namespaces (pid_namespaces(7), uts_namespaces(7)). A PID
// namespace numbers the tasks created inside it and in its descendants: a
// task has one number per level, from the root namespace down to its own.
// Its pid 1 is the namespace's init, to which orphans are reparented; once
// that init has exited the namespace takes no new task (fork: ENOMEM).
// clone/unshare(CLONE_NEWPID) make child namespaces (task/nsproxy.ts).
import type { Task } from "../task";
import { EAGAIN, ENOMEM } from "../errno";

/** Linux's default /proc/sys/kernel/pid_max. */
export const PID_MAX = 4194304;

export class PidNamespace {
  readonly level: number;
  private next = 1;
  private byPid = new Map<number, Task>();
  private ofTask = new Map<Task, number>();
  /** The init has exited (Linux clears PIDNS_ADDING): alloc fails with ENOMEM from then on. */
  dead = false;

  constructor(readonly parent: PidNamespace | null, readonly pidMax = PID_MAX) {
    this.level = parent ? parent.level + 1 : 0;
  }

  /** Number of tasks that have a pid here (the pids cgroup will count per cgroup instead). */
  get count(): number { return this.byPid.size; }

  /**
   * Gives `t` a number in this namespace and every ancestor (alloc_pid).
   * Returns the numbers root first, or -EAGAIN when a namespace is full.
   */
  alloc(t: Task): number[] | number {
    const chain: PidNamespace[] = [];
    for (let ns: PidNamespace | null = this; ns; ns = ns.parent) chain.unshift(ns);
    if (this.closed) return -ENOMEM;
    const nums: number[] = [];
    for (const ns of chain) {
      const n = ns.take();
      if (n < 0) return -EAGAIN;
      nums.push(n);
    }
    chain.forEach((ns, i) => { ns.byPid.set(nums[i], t); ns.ofTask.set(t, nums[i]); });
    return nums;
  }

  /** Next free number, wrapping past pid_max like Linux (starting above 300 after a wrap). */
  private take(): number {
    for (let tries = 0; tries < this.pidMax; tries++) {
      const n = this.next;
      this.next = n + 1 >= this.pidMax ? 300 : n + 1;
      if (!this.byPid.has(n)) return n;
    }
    return -1;
  }

  /** Swaps the numbers of `a` and `b` here and in every ancestor (exchange_tids: execve from a non-leader thread). */
  exchange(a: Task, b: Task): void {
    for (let ns: PidNamespace | null = this; ns; ns = ns.parent) {
      const na = ns.ofTask.get(a), nb = ns.ofTask.get(b);
      if (na === undefined || nb === undefined) continue;
      ns.ofTask.set(a, nb); ns.byPid.set(nb, a);
      ns.ofTask.set(b, na); ns.byPid.set(na, b);
    }
  }

  /** Releases `t`'s numbers here and in every ancestor. */
  free(t: Task): void {
    for (let ns: PidNamespace | null = this; ns; ns = ns.parent) {
      const n = ns.ofTask.get(t);
      if (n === undefined) continue;
      ns.ofTask.delete(t);
      ns.byPid.delete(n);
    }
  }

  /** The task numbered `pid` here, if visible. */
  task(pid: number): Task | null { return this.byPid.get(pid) ?? null; }
  /** `t`'s number here, or 0 when `t` is not visible from this namespace (as getppid reports). */
  pidOf(t: Task): number { return this.ofTask.get(t) ?? 0; }
  /** Every task visible here. */
  all(): Task[] { return [...this.ofTask.keys()]; }
  /** The namespace's init. */
  get init(): Task | null { return this.task(1); }
  /** This namespace or an ancestor has lost its init: no task can be created in it any more. */
  get closed(): boolean {
    for (let ns: PidNamespace | null = this; ns; ns = ns.parent) if (ns.dead) return true;
    return false;
  }
  /** Whether this namespace is `other` or one of its descendants. */
  isWithin(other: PidNamespace): boolean {
    for (let ns: PidNamespace | null = this; ns; ns = ns.parent) if (ns === other) return true;
    return false;
  }
}

/** hostname and domainname (struct new_utsname's settable fields). */
export class UtsNamespace {
  constructor(public hostname: string, public domainname = "(none)") {}
}
