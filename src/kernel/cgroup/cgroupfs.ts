// The cgroup2 filesystem (cgroup-v2.rst "Interface Files"): a directory
// per cgroup, mkdir makes a child group, rmdir removes an empty one (EBUSY
// while it has tasks or children), and each directory holds the core
// cgroup.* files and the files of the controllers its parent enabled in
// cgroup.subtree_control. Files are generated when read (offset 0, as
// kernfs seq_files) and parsed when written. One CgroupFs per mount: its
// root is the mounting task's cgroup-namespace root.
import { type Inode, type Timespec, type NewNode, type SetAttr, S_IFDIR, S_IFREG, S_IFMT, currentTime } from "../fs/inode";
import type { Task } from "../task";
import { Cgroup, CONTROLLERS, type ControllerName } from "./cgroup";
import { serving, tryCharge } from "./memcg";
import { parseCpuMax, throttledUsec } from "./cpu";
import { EINVAL, EBUSY, ENOENT, EPERM, ESRCH, EAGAIN, EOPNOTSUPP, ENAMETOOLONG } from "../errno";

export const CGROUP2_SUPER_MAGIC = 0x63677270;
const CGROUP_DEV = 0x1b;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A file's read and (when writable) write behaviour. */
interface FileOps {
  read(reader: Task | null): string;
  write?(text: string, writer: Task | null): number;
}

abstract class CgInode {
  readonly dev = CGROUP_DEV;
  uid = 0;
  gid = 0;
  nlink = 1;
  rdev = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  parent: Inode | null = null;
  name = "";
  constructor(readonly ino: number, public mode: number) {
    const now = currentTime();
    this.atime = now; this.mtime = now; this.ctime = now;
  }
  readlink(): string { return ""; }
  setattr(a: SetAttr): number {
    if (a.mode !== undefined) this.mode = (this.mode & S_IFMT) | (a.mode & 0o7777);
    if (a.uid !== undefined) this.uid = a.uid;
    if (a.gid !== undefined) this.gid = a.gid;
    if (a.atime) this.atime = a.atime;
    if (a.mtime) this.mtime = a.mtime;
    this.ctime = a.ctime ?? currentTime();
    return 0; // size (O_TRUNC) is accepted and means nothing, as on kernfs
  }
  fsStats() {
    return { type: CGROUP2_SUPER_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, flags: 0 };
  }
}

let nextFileIno = 1 << 20;

class CgFile extends CgInode implements Inode {
  private snapshot = new Uint8Array(0);
  constructor(private ops: FileOps) { super(nextFileIno++, S_IFREG | (ops.write ? 0o644 : 0o444)); }
  get size(): number { return 0; }
  lookup(): Inode | null { return null; }
  entries(): Array<[string, Inode]> { return []; }
  read(offset: number, len: number): Uint8Array {
    if (offset === 0 || this.snapshot.length === 0) this.snapshot = enc.encode(this.ops.read(serving.task));
    return this.snapshot.subarray(offset, offset + len);
  }
  write(_offset: number, data: Uint8Array): number {
    if (!this.ops.write) return -EINVAL;
    const r = this.ops.write(dec.decode(data), serving.task);
    return r < 0 ? r : data.length;
  }
}

class CgDir extends CgInode implements Inode {
  /** The interface files, made once so that their inode numbers stay put. */
  private files = new Map<string, CgFile>();
  readonly ownsRmdir = true;
  constructor(private fs: CgroupFs, readonly cg: Cgroup) {
    super(cg.id, S_IFDIR | 0o755);
    this.nlink = 2;
  }
  get size(): number { return 0; }
  read(): Uint8Array { return new Uint8Array(0); }

  private fileNames(): string[] {
    const cg = this.cg;
    const names = cg.isRoot
      ? ["cgroup.controllers", "cgroup.max.depth", "cgroup.max.descendants", "cgroup.procs", "cgroup.stat", "cgroup.subtree_control", "cgroup.threads", "cpu.stat", "memory.stat"]
      : ["cgroup.controllers", "cgroup.events", "cgroup.freeze", "cgroup.kill", "cgroup.max.depth", "cgroup.max.descendants", "cgroup.procs", "cgroup.stat", "cgroup.subtree_control", "cgroup.threads", "cgroup.type", "cpu.stat"];
    if (cg.controlled("cpu")) names.push("cpu.max", "cpu.weight");
    if (cg.controlled("memory")) names.push("memory.current", "memory.events", "memory.high", "memory.low", "memory.max", "memory.min", "memory.oom.group", "memory.peak", "memory.stat", "memory.swap.current", "memory.swap.max");
    if (cg.controlled("pids")) names.push("pids.current", "pids.events", "pids.max");
    return names;
  }

  private file(name: string): CgFile | null {
    let f = this.files.get(name);
    if (f) return f;
    const ops = fileOps(this.fs, this.cg, name);
    if (!ops) return null;
    f = new CgFile(ops);
    f.parent = this; f.name = name;
    this.files.set(name, f);
    return f;
  }

  lookup(name: string): Inode | null {
    const c = this.cg.children.get(name);
    if (c) return this.fs.dirOf(c, this);
    return this.fileNames().includes(name) ? this.file(name) : null;
  }

  entries(): Array<[string, Inode]> {
    const out: Array<[string, Inode]> = [];
    for (const n of this.fileNames()) { const f = this.file(n); if (f) out.push([n, f]); }
    for (const [n, c] of this.cg.children) out.push([n, this.fs.dirOf(c, this)]);
    return out;
  }

  /** mkdir(2): a child cgroup; cgroup.max.depth/descendants of every ancestor apply (EAGAIN). */
  create(name: string, n: NewNode): Inode | number {
    if ((n.mode & S_IFMT) !== S_IFDIR) return -EPERM;
    if (name.length > 255) return -ENAMETOOLONG;
    if (name.includes("\n")) return -EINVAL;
    const parent = this.cg;
    if (parent.removed) return -ENOENT;
    for (const a of parent.upward()) {
      if (parent.depth + 1 - a.depth > a.maxDepth) return -EAGAIN;
      if (a.descendantCount + 1 > a.maxDescendants) return -EAGAIN;
    }
    const cg = new Cgroup(name, parent, parent.hierarchy);
    parent.children.set(name, cg);
    const d = this.fs.dirOf(cg, this);
    d.mode = S_IFDIR | (n.mode & 0o7777);
    d.uid = n.uid; d.gid = n.gid;
    this.nlink++;
    return d;
  }

  /** rmdir(2): only a group with no task and no child (EBUSY otherwise); its interface files go with it. */
  remove(name: string): number {
    const cg = this.cg.children.get(name);
    if (!cg) return this.fileNames().includes(name) ? -EPERM : -ENOENT;
    if (cg.populated || cg.children.size) return -EBUSY;
    cg.removed = true;
    this.cg.children.delete(name);
    this.fs.forget(cg);
    this.nlink--;
    return 0;
  }
}

/** One mount of the cgroup2 filesystem, rooted at `rootCg`. */
export class CgroupFs {
  private dirs = new Map<Cgroup, CgDir>();
  readonly root: Inode;
  constructor(readonly rootCg: Cgroup) {
    const r = new CgDir(this, rootCg);
    r.parent = r;
    this.dirs.set(rootCg, r);
    this.root = r;
  }
  dirOf(cg: Cgroup, parent: Inode): CgDir {
    let d = this.dirs.get(cg);
    if (!d) { d = new CgDir(this, cg); this.dirs.set(cg, d); }
    d.parent = parent; d.name = cg.name;
    return d;
  }
  forget(cg: Cgroup): void { this.dirs.delete(cg); }
}

// ---- the interface files ----

const PAGE = 4096;
const maxText = (v: number, scale = 1): string => (v === Infinity ? "max" : String(v * scale));
const ctlList = (s: ReadonlySet<ControllerName>): string => CONTROLLERS.filter((c) => s.has(c)).join(" ");
const lines = (rows: Array<[string, number | string]>): string => rows.map(([k, v]) => `${k} ${v}\n`).join("");

/** "max" or a non-negative integer. */
function parseMax(text: string): number | null {
  const w = text.trim();
  if (w === "max") return Infinity;
  return /^\d+$/.test(w) ? Number(w) : null;
}

/** memparse: bytes with an optional K/M/G/T suffix, or "max"; in pages (rounded down, as memory.max reads back). */
function parseBytes(text: string): number | null {
  const w = text.trim();
  if (w === "max") return Infinity;
  const m = /^(\d+)([kKmMgGtT]?)$/.exec(w);
  if (!m) return null;
  const shift = { "": 0, k: 10, m: 20, g: 30, t: 40 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  return Math.floor((Number(m[1]) * 2 ** shift) / PAGE);
}

/** Pids of `cg`'s processes (threads: `threads`) as the reader's PID namespace numbers them; invisible ones left out. */
function pidList(cg: Cgroup, reader: Task | null, threads: boolean): string {
  const ns = reader?.nsproxy.pid;
  const out = new Set<number>();
  for (const t of cg.tasks) {
    if (t.exitStatus !== null) continue;
    const who = threads ? t : t.group.leader;
    const n = ns ? ns.pidOf(who) : who.tid;
    if (n > 0) out.add(n);
  }
  return [...out].sort((a, b) => a - b).map((n) => `${n}\n`).join("");
}

/** The task numbered by the text (0: the writer) in the writer's PID namespace. */
function taskOf(text: string, writer: Task | null): Task | number {
  const w = text.trim();
  if (!/^\d+$/.test(w)) return -EINVAL;
  const n = Number(w);
  const t = n === 0 ? writer : writer ? writer.nsproxy.pid.task(n) : null;
  if (!t || t.exitStatus !== null || t.group.zombie) return -ESRCH;
  return t;
}

/** Writing a pid to cgroup.procs: the "no internal processes" rule, then the move. */
function moveProcess(cg: Cgroup, text: string, writer: Task | null): number {
  const t = taskOf(text, writer);
  if (typeof t === "number") return t;
  if (cg.removed) return -ENOENT;
  if (!cg.isRoot && cg.subtreeControl.size > 0) return -EBUSY;
  cg.hierarchy.migrate(t, cg);
  return 0;
}

function writeSubtreeControl(cg: Cgroup, text: string): number {
  const ops: Array<[boolean, ControllerName]> = [];
  for (const tok of text.trim().split(/\s+/).filter(Boolean)) {
    const on = tok[0] === "+";
    if (!on && tok[0] !== "-") return -EINVAL;
    const name = tok.slice(1);
    if (!(CONTROLLERS as readonly string[]).includes(name)) return -EINVAL;
    if (!cg.controllers.has(name as ControllerName)) return -ENOENT;
    ops.push([on, name as ControllerName]);
  }
  for (const [on, name] of ops) {
    // No internal processes: a non-root group with tasks cannot give controllers to children.
    if (on && !cg.isRoot && cg.tasks.size > 0 && !cg.subtreeControl.has(name)) return -EBUSY;
    if (!on) for (const c of cg.children.values()) if (c.subtreeControl.has(name)) return -EBUSY;
  }
  for (const [on, name] of ops) if (on) cg.subtreeControl.add(name); else cg.subtreeControl.delete(name);
  return 0;
}

/** After memory.max is lowered below the usage: the OOM killer runs in the group until it fits (no reclaim here). */
function enforceMemoryMax(cg: Cgroup, writer: Task | null): void {
  const oom = cg.hierarchy.oomKiller;
  for (let i = 0; i < 64 && cg.memory.pages > cg.memory.max; i++) {
    const before = cg.memory.pages;
    if (tryCharge(cg, 0, writer)) break;
    const by = writer ?? cg.allTasks().next().value;
    if (!by || !oom.afterFailure(by, false) || cg.memory.pages >= before) break;
  }
}

function memoryStat(cg: Cgroup): string {
  const m = cg.memory;
  const file = m.shmem * PAGE, anon = Math.max(0, m.pages - m.shmem) * PAGE;
  return lines([
    ["anon", anon], ["file", file], ["kernel", 0], ["kernel_stack", 0], ["pagetables", 0], ["sock", 0], ["shmem", file],
    ["file_mapped", 0], ["file_dirty", 0], ["file_writeback", 0], ["anon_thp", 0], ["inactive_anon", anon], ["active_anon", 0],
    ["inactive_file", file], ["active_file", 0], ["unevictable", 0], ["oom_kill", m.events.oom_kill],
  ]);
}

function cpuStat(cg: Cgroup): string {
  const s = cg.cpu;
  const rows: Array<[string, number]> = [["usage_usec", s.usageUs], ["user_usec", s.userUs], ["system_usec", s.systemUs]];
  if (cg.controlled("cpu")) {
    rows.push(["nr_periods", s.nrPeriods], ["nr_throttled", s.nrThrottled], ["throttled_usec", throttledUsec(cg, cg.hierarchy.nowUs())],
      ["nr_bursts", 0], ["burst_usec", 0]);
  }
  return lines(rows.map(([k, v]) => [k, Math.floor(v)]));
}

function fileOps(fs: CgroupFs, cg: Cgroup, name: string): FileOps | null {
  const m = cg.memory;
  const setPages = (key: "max" | "high" | "low" | "min" | "swapMax") => (text: string, w: Task | null): number => {
    const v = parseBytes(text);
    if (v === null) return -EINVAL;
    m[key] = v;
    if (key === "max") enforceMemoryMax(cg, w);
    return 0;
  };
  const readPages = (key: "max" | "high" | "low" | "min" | "swapMax") => (): string => `${maxText(m[key], PAGE)}\n`;
  switch (name) {
    case "cgroup.controllers": return { read: () => ctlList(cg.controllers) + "\n" };
    case "cgroup.subtree_control": return { read: () => ctlList(cg.subtreeControl) + "\n", write: (x) => writeSubtreeControl(cg, x) };
    case "cgroup.procs": return { read: (r) => pidList(cg, r, false), write: (x, w) => moveProcess(cg, x, w) };
    case "cgroup.threads": return {
      read: (r) => pidList(cg, r, true),
      // Only threaded subtrees may split a process's threads; every group here is a domain.
      write: (x, w) => { const t = taskOf(x, w); if (typeof t === "number") return t; return t.group.threads.size > 1 && t.cgroup !== cg ? -EOPNOTSUPP : moveProcess(cg, x, w); },
    };
    case "cgroup.events": return { read: () => `populated ${cg.populated ? 1 : 0}\nfrozen ${cg.frozen && !cg.isRoot ? 1 : 0}\n` };
    case "cgroup.freeze": return {
      read: () => `${cg.freeze ? 1 : 0}\n`,
      write: (x) => { const v = x.trim(); if (v !== "0" && v !== "1") return -EINVAL; cg.freeze = v === "1"; return 0; },
    };
    case "cgroup.kill": return {
      read: () => "",
      write: (x) => {
        if (x.trim() !== "1") return -EINVAL;
        for (const t of [...cg.allTasks()]) cg.hierarchy.host.signal(t, 9);
        return 0;
      },
    };
    case "cgroup.type": return { read: () => "domain\n", write: (x) => (x.trim() === "threaded" ? -EOPNOTSUPP : -EINVAL) };
    case "cgroup.max.depth": return { read: () => `${maxText(cg.maxDepth)}\n`, write: (x) => { const v = parseMax(x); if (v === null) return -EINVAL; cg.maxDepth = v; return 0; } };
    case "cgroup.max.descendants": return { read: () => `${maxText(cg.maxDescendants)}\n`, write: (x) => { const v = parseMax(x); if (v === null) return -EINVAL; cg.maxDescendants = v; return 0; } };
    case "cgroup.stat": return { read: () => lines([["nr_descendants", cg.descendantCount], ["nr_dying_descendants", 0]]) };
    case "cpu.stat": return { read: () => cpuStat(cg) };
    case "cpu.max": return {
      read: () => `${maxText(cg.cpu.quotaUs)} ${cg.cpu.periodUs}\n`,
      write: (x) => {
        const v = parseCpuMax(x, cg.cpu.periodUs);
        if (!v) return -EINVAL;
        [cg.cpu.quotaUs, cg.cpu.periodUs] = v;
        return 0;
      },
    };
    case "cpu.weight": return {
      read: () => `${cg.cpu.weight}\n`,
      write: (x) => { const v = Number(x.trim()); if (!Number.isInteger(v) || v < 1 || v > 10000) return -EINVAL; cg.cpu.weight = v; return 0; },
    };
    case "memory.current": return { read: () => `${m.pages * PAGE}\n` };
    case "memory.peak": return { read: () => `${m.peak * PAGE}\n` };
    case "memory.max": return { read: readPages("max"), write: setPages("max") };
    case "memory.high": return { read: readPages("high"), write: setPages("high") };
    case "memory.low": return { read: readPages("low"), write: setPages("low") };
    case "memory.min": return { read: readPages("min"), write: setPages("min") };
    case "memory.swap.max": return { read: readPages("swapMax"), write: setPages("swapMax") };
    case "memory.swap.current": return { read: () => "0\n" };
    case "memory.oom.group": return {
      read: () => `${m.oomGroup}\n`,
      write: (x) => { const v = x.trim(); if (v !== "0" && v !== "1") return -EINVAL; m.oomGroup = Number(v); return 0; },
    };
    case "memory.events": return { read: () => lines(Object.entries(m.events)) };
    case "memory.stat": return { read: () => memoryStat(cg) };
    case "pids.current": return { read: () => `${cg.taskCount}\n` };
    case "pids.max": return { read: () => `${maxText(cg.pidsMax)}\n`, write: (x) => { const v = parseMax(x); if (v === null) return -EINVAL; cg.pidsMax = v; return 0; } };
    case "pids.events": return { read: () => `max ${cg.pidsEventsMax}\n` };
    default: return null;
  }
  void fs;
}
