// The OOM killer (mm/oom_kill.c, cgroup-v2.rst "OOM Killer"): when an
// allocation fails because a memory cgroup is at memory.max, or the
// machine has no free frame, the process with the largest footprint in
// that group (or on the machine) is killed with SIGKILL and the
// allocation is retried. The footprint (oom_badness) is the resident
// frames of its address space; the root namespace's init is spared while
// another candidate exists. The victim's group and its ancestors count an
// "oom_kill" event, the group at its limit an "oom" event, and the kernel
// log gets Linux's line: "Memory cgroup out of memory: Killed process N
// (comm) …" or "Out of memory: Killed process N (comm) …". With memory.oom.group
// set, the victim's whole group goes (oom_group_kill).
import type { Task } from "../task";
import type { Cgroup } from "./cgroup";
import type { Hierarchy } from "./hierarchy";
import { memoryEvent } from "./memcg";
import { KERN_ERR } from "../klog";

const SIGKILL = 9;

export class OomKiller {
  /** The last failed charge: the group at its limit and the task that asked (consumed by afterFailure). */
  pending: { domain: Cgroup; task: Task | null } | null = null;
  /** The kill lines printed to the kernel log so far. */
  readonly log: string[] = [];
  kills = 0;

  constructor(private h: Hierarchy) {}

  /**
   * After an allocation by `t` failed: runs the memory cgroup's OOM killer
   * when a group limit was the cause, the machine-wide one when `memFull`.
   * True when the allocation may be retried (a victim was killed, or `t`
   * itself got SIGKILL); false when memory was not the cause.
   */
  afterFailure(t: Task, memFull: boolean, spareCaller = false): boolean {
    const p = this.pending;
    this.pending = null;
    const domain = p && (p.task === t || p.task === null) ? p.domain : null;
    if (!domain && !memFull) return false;
    if (domain) memoryEvent(domain, "oom");
    if (dying(t)) return true;
    // exec cannot be retried after the caller's own death mid-way: there it fails with ENOMEM instead.
    const victim = this.select(domain, spareCaller ? t : null) ?? (spareCaller ? null : t);
    if (!victim) return false;
    this.kill(victim, domain, t);
    return true;
  }

  /** The process with the largest footprint among the candidates (first found wins a tie, as Linux's scan). */
  private select(domain: Cgroup | null, spare: Task | null = null): Task | null {
    let best: Task | null = null, bestPts = -1, init: Task | null = null;
    const seen = new Set<object>();
    if (spare) seen.add(spare.group);
    for (const th of domain ? domain.allTasks() : this.h.host.allTasks()) {
      const leader = th.group.leader;
      if (seen.has(th.group)) continue;
      seen.add(th.group);
      if (th.group.zombie || th.group.exitCode !== null || th.exitStatus !== null) continue;
      if (leader.pids[0] === 1) { init = leader; continue; }
      const pts = badness(th);
      if (pts > bestPts) { best = leader; bestPts = pts; }
    }
    // init goes only as the last resort of a fault or fork, never to make room for another process's exec.
    return best ?? (spare ? null : init);
  }

  private kill(victim: Task, domain: Cgroup | null, current: Task): void {
    const rss = badness(victim) * 4;
    const vm = victim.mm.vmas.reduce((n, v) => n + (v.end - v.start), 0) / 1024;
    const line = `${domain ? "Memory cgroup out of memory" : "Out of memory"}: Killed process ${victim.tgid} (${victim.comm}) `
      + `total-vm:${vm}kB, anon-rss:${rss}kB, file-rss:0kB, shmem-rss:0kB, UID:${victim.cred.uid} pgtables:0kB oom_score_adj:0`;
    this.log.push(line);
    this.h.host.klog.printk(KERN_ERR, line);
    this.kills++;
    if (victim.cgroup) memoryEvent(victim.cgroup, "oom_kill");
    // memory.oom.group: the outermost group up to the OOM domain that asks for it dies whole.
    let whole: Cgroup | null = null;
    for (let c = victim.cgroup; c && !c.isRoot; c = c.parent) {
      if (c.memory.oomGroup) whole = c;
      if (c === domain) break;
    }
    const victims = new Set<Task>([victim]);
    if (whole) {
      memoryEvent(whole, "oom_group_kill");
      for (const t of whole.allTasks()) victims.add(t.group.leader);
    }
    for (const v of victims) this.end(v, current);
  }

  /** The faulting process dies on its way back to user mode; another one at once, so that its memory is free for the retry. */
  private end(victim: Task, current: Task): void {
    if (victim.group === current.group) this.h.host.signal(current, SIGKILL);
    else if (victim.group.exitCode === null) this.h.host.exitGroup(victim, SIGKILL);
  }
}

/** oom_badness: resident frames of the process's address spaces. */
function badness(t: Task): number {
  const mms = new Set<object>();
  let n = 0;
  for (const th of t.group.threads) {
    if (th.exitStatus !== null || mms.has(th.mm)) continue;
    mms.add(th.mm);
    n += th.mm.rss;
  }
  return n;
}

const dying = (t: Task): boolean =>
  t.exitStatus !== null || ((t.sig.pending.mask | t.sig.group.pending.mask) & (1n << 8n)) !== 0n;
