// The memory controller (cgroup-v2.rst "Memory"): every frame a process
// maps and every tmpfs page it writes is charged to its cgroup and to each
// ancestor (memory.current is hierarchical). A charge that would take a
// group past memory.max fails and names the group for the OOM killer
// (oom.ts), which kills in that group and lets the allocation retry.
// memory.high cannot throttle or reclaim here (there is no reclaim to
// do: every page is anonymous or tmpfs, and there is no swap), so going
// past it only counts "high" events.
//
// Ownership: an address space's frames are counted on its MemcgCharge,
// which follows the process when it moves to another cgroup (like v1's
// move_charge_at_immigrate; v2 leaves them behind, which would make a
// moved shell's memory count in a group it left). tmpfs pages are charged
// to the writer's cgroup and uncharged from the same groups when freed.
import type { Task } from "../task";
import type { MemCharge } from "../mm/addrspace";
import type { Cgroup, MemoryEvents } from "./cgroup";
import { pageCharging } from "../fs/memfs";
import { cacheCharging } from "../mm/pagecache";

/** The task the kernel serves right now (Linux's `current`): the machine sets it around each slice. */
export const serving: { task: Task | null } = { task: null };

/** Counts a memory event in `c` and its ancestors (memory.events is hierarchical; memory.events.local is not kept). */
export function memoryEvent(c: Cgroup, key: keyof MemoryEvents): void {
  for (const a of c.upward()) if (!a.isRoot) a.memory.events[key]++;
}

/** Charges `n` pages to `cg` and its ancestors; false (and the OOM killer told which group) past a memory.max. */
export function tryCharge(cg: Cgroup, n: number, by: Task | null): boolean {
  for (const c of cg.upward()) {
    if (c.controlled("memory") && c.memory.pages + n > c.memory.max) {
      memoryEvent(c, "max");
      // Unmapped page-cache pages charged in the group go before anything is refused (try_charge_memcg reclaims, then OOMs).
      if (cg.hierarchy.reclaimCache?.(c) && c.memory.pages + n <= c.memory.max) continue;
      cg.hierarchy.oomKiller.pending = { domain: c, task: by };
      return false;
    }
  }
  forceCharge(cg, n);
  cg.hierarchy.oomKiller.pending = null;
  return true;
}

/** Charges without checking the limits (pages that already exist and change hands). */
export function forceCharge(cg: Cgroup, n: number): void {
  for (const c of cg.upward()) {
    const m = c.memory;
    m.pages += n;
    if (m.pages > m.peak) m.peak = m.pages;
    if (n > 0 && c.controlled("memory") && m.pages > m.high) memoryEvent(c, "high");
  }
}

export function uncharge(cg: Cgroup, n: number): void {
  for (const c of cg.upward()) c.memory.pages = Math.max(0, c.memory.pages - n);
}

/** An address space's charge record (AddressSpace.charge): its frames and the group they are charged to. */
export class MemcgCharge implements MemCharge {
  frames = 0;
  private cg: Cgroup | null;

  constructor(owner: Task) { this.cg = owner.cgroup; }

  charge(n: number): boolean {
    if (this.cg && !tryCharge(this.cg, n, serving.task)) return false;
    this.frames += n;
    return true;
  }

  uncharge(n: number): void {
    const k = Math.min(n, this.frames);
    if (this.cg) uncharge(this.cg, k);
    this.frames -= k;
  }

  /** Frames the machine mapped before this record was attached (an exec image): counted without a limit check. */
  adopt(n: number): void {
    if (this.cg) forceCharge(this.cg, n);
    this.frames += n;
  }

  /** Gives `n` of this record's frames to `other` (a forked child's copy-on-write share). */
  handOver(other: MemcgCharge, n: number): void {
    const k = Math.min(n, this.frames);
    this.frames -= k;
    other.frames += k;
    if (this.cg !== other.cg) {
      if (this.cg) uncharge(this.cg, k);
      if (other.cg) forceCharge(other.cg, k);
    }
  }

  /** The process moved to `cg`: its frames go along. */
  moveTo(cg: Cgroup): void {
    if (cg === this.cg) return;
    if (this.cg) uncharge(this.cg, this.frames);
    forceCharge(cg, this.frames);
    this.cg = cg;
  }
}

/** tmpfs pages per inode and group, to uncharge the groups that were charged. */
const filePages = new WeakMap<object, Map<Cgroup, number>>();

/**
 * MemFs's page-charging hook: `delta` pages of `inode` appear (written by
 * the current task) or go (truncate, unlink). False refuses the pages
 * (ENOSPC to the writer) after the OOM killer found nothing to kill, or
 * chose the writer.
 */
export function chargeFilePages(delta: number, inode: object): boolean {
  if (delta < 0) {
    const m = filePages.get(inode);
    if (!m) return true;
    let left = -delta;
    for (const [cg, n] of m) {
      const k = Math.min(n, left);
      uncharge(cg, k);
      for (const c of cg.upward()) c.memory.shmem = Math.max(0, c.memory.shmem - k);
      if (n - k) m.set(cg, n - k); else m.delete(cg);
      left -= k;
      if (!left) break;
    }
    return true;
  }
  const t = serving.task;
  const cg = t?.cgroup;
  if (!t || !cg || delta === 0) return true;
  for (let tries = 0; !tryCharge(cg, delta, t); tries++) {
    // The OOM killer frees memory by killing; tmpfs pages of the dead stay, so this may need several victims.
    if (tries > 16 || !cg.hierarchy.oomKiller.afterFailure(t, false)) return false;
    if (t.group.exitCode !== null || dying(t)) return false;
  }
  for (const c of cg.upward()) c.memory.shmem += delta;
  let m = filePages.get(inode);
  if (!m) filePages.set(inode, (m = new Map()));
  m.set(cg, (m.get(cg) ?? 0) + delta);
  return true;
}

const dying = (t: Task): boolean => ((t.sig.pending.mask | t.sig.group.pending.mask) & (1n << 8n)) !== 0n;
pageCharging.hook = chargeFilePages;

// Page-cache pages (mm/pagecache.ts) are charged once, to the group of the task that brings them in
// (cgroup-v2.rst "Memory Ownership"), and uncharged from it when the cache drops them.
cacheCharging.charge = (): Cgroup | null | undefined => {
  const t = serving.task, cg = t?.cgroup;
  if (!t || !cg) return undefined;
  return tryCharge(cg, 1, t) ? cg : null;
};
cacheCharging.uncharge = (owner) => uncharge(owner as Cgroup, 1);
cacheCharging.within = (owner, domain) => {
  for (const c of (owner as Cgroup).upward()) if (c === domain) return true;
  return false;
};
