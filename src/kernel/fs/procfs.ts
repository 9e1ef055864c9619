// procfs (proc(5)): files generated from kernel state when they are read.
// This first version has what single-process busybox applets read: /proc/self,
// /proc/PID/{exe,cwd,root,cmdline,comm,stat,status,maps,fd/,ns/,mounts,mountinfo},
// and /proc/{meminfo,uptime,loadavg,version,cpuinfo,stat,mounts,filesystems}.
// Each instance belongs to the PID namespace it was mounted from
// (pid_namespaces(7)): it lists and numbers the tasks as that namespace sees them.
// Files report size 0 and produce their text on a read at offset 0, as
// procfs's seq_files do; later reads of the same open see that snapshot.
import { type Inode, type Timespec, S_IFDIR, S_IFREG, S_IFLNK, S_IFMT } from "./inode";
import type { Task } from "../task";
import { controllingTty } from "../tty/tty";
import { PROC_NET_FILES } from "../net/procnet";
import { netOf } from "../net/netns";
import { procCgroupText } from "../cgroup/cgns";
import type { Path } from "./mount";
import { UTS_RELEASE, UTS_VERSION } from "../syscall/proc";
import type { PidNamespace } from "../task/pidns";
import { setMagicLink } from "./vfs";
import { filesystemsText, registerFilesystem } from "./fstypes";
import { ENODEV } from "../errno";
import { type NsKind, nsInode, nsLinkText } from "./nsfs";
import { INIT_USER_NS, INIT_TIME_NS, INIT_CGROUP_NS } from "../task/nsproxy";

/** What procfs needs from the kernel. */
export interface ProcSource {
  /** The task making the current system call (what /proc/self names). */
  current(): Task | null;
  tasks(): Task[];
  monotonicNs(): bigint;
  /** CPU time the machine has spent running guest code (the "user" column of /proc/stat). */
  cpuTimeNs(): bigint;
  bootTimeMs: number;
  totalRam: number;
  freeRam(): number;
  /** Bytes of the page cache (meminfo's Cached; mm/pagecache.ts). */
  cachedRam?(): number;
}

const PROC_DEV = 0x14;
const PROC_SUPER_MAGIC = 0x9fa0;
let nextIno = 0x1000;
const enc = new TextEncoder();

class ProcInode implements Inode {
  readonly dev = PROC_DEV;
  readonly ino = nextIno++;
  uid = 0;
  gid = 0;
  nlink = 1;
  rdev = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  parent: Inode | null = null;
  name = "";
  private snapshot: Uint8Array = new Uint8Array(0);

  constructor(
    public mode: number,
    time: Timespec,
    private gen: {
      text?: () => string;
      link?: () => string;
      dir?: () => Array<[string, Inode]>;
    },
  ) {
    this.atime = time; this.mtime = time; this.ctime = time;
    if ((mode & S_IFMT) === S_IFDIR) this.nlink = 2;
  }

  get size(): number { return (this.mode & S_IFMT) === S_IFLNK ? enc.encode(this.readlink()).length : 0; }

  lookup(name: string): Inode | null {
    const hit = this.entries().find(([n]) => n === name);
    return hit ? hit[1] : null;
  }
  entries(): Array<[string, Inode]> {
    const list = this.gen.dir?.() ?? [];
    for (const [n, i] of list) if ((i.mode & S_IFMT) === S_IFDIR) { i.parent = this; i.name = n; }
    return list;
  }
  read(offset: number, len: number): Uint8Array {
    if (offset === 0 || this.snapshot.length === 0) this.snapshot = enc.encode(this.gen.text?.() ?? "");
    return this.snapshot.subarray(offset, offset + len);
  }
  readlink(): string { return this.gen.link?.() ?? ""; }
  fsStats() {
    return { type: PROC_SUPER_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, flags: 0 };
  }
}

const dir = (t: Timespec, list: () => Array<[string, Inode]>, mode = 0o555): ProcInode => new ProcInode(S_IFDIR | mode, t, { dir: list });
const file = (t: Timespec, text: () => string, mode = 0o444): ProcInode => new ProcInode(S_IFREG | mode, t, { text });
const link = (t: Timespec, target: () => string): ProcInode => new ProcInode(S_IFLNK | 0o777, t, { link: target });

const kB = (bytes: number): string => `${Math.floor(bytes / 1024)} kB`.padStart(11);
const hex16 = (x: bigint): string => x.toString(16).padStart(16, "0");

function ticks(ns: bigint): bigint { return ns / 10000000n; }

function protString(prot: number): string {
  return (prot & 1 ? "r" : "-") + (prot & 2 ? "w" : "-") + (prot & 4 ? "x" : "-") + "p";
}

/** Builds /proc over `k`; mount its `root` at /proc. */
const STATE_NAMES: Record<string, string> = { R: "R (running)", S: "S (sleeping)", T: "T (stopped)", Z: "Z (zombie)" };

export class ProcFs {
  readonly root: Inode;
  /** Per-task directories, kept so that their inode numbers stay stable. */
  private pidDirs = new WeakMap<Task, ProcInode>();

  constructor(private k: ProcSource, readonly ns: PidNamespace) {
    let byNs = machines.get(k);
    if (!byNs) machines.set(k, (byNs = { source: k, byNs: new WeakMap() }));
    byNs.byNs.set(ns, this);
    const t0 = { sec: Math.floor(k.bootTimeMs / 1000), nsec: 0 };
    const pidOf = (t: Task | null | undefined): string => { const n = t ? ns.pidOf(t.group.leader) : 0; return n ? String(n) : ""; };
    const fixed: Array<[string, Inode]> = [
      ["self", link(t0, () => pidOf(k.current()))],
      ["thread-self", link(t0, () => { const c = k.current(); return c && ns.pidOf(c) ? `${pidOf(c)}/task/${ns.pidOf(c)}` : ""; })],
      ["meminfo", file(t0, () => this.meminfo())],
      ["uptime", file(t0, () => {
        const s = Number(k.monotonicNs()) / 1e9;
        return `${s.toFixed(2)} ${s.toFixed(2)}\n`;
      })],
      ["loadavg", file(t0, () => `0.00 0.00 0.00 ${k.tasks().filter((t) => this.state(t) === "R").length}/${k.tasks().length} ${Math.max(0, ...k.tasks().map((t) => t.tid))}\n`)],
      ["version", file(t0, () => `Linux version ${UTS_RELEASE} (hako@hako) (TypeScript) ${UTS_VERSION}\n`)],
      ["cpuinfo", file(t0, () => CPUINFO)],
      ["stat", file(t0, () => this.stat())],
      // The reader's network namespace (proc(5): /proc/net is a link to self/net).
      ["net", link(t0, () => "self/net")],
      ["mounts", link(t0, () => "self/mounts")],
      ["filesystems", file(t0, () => filesystemsText())],
    ];
    const root = dir(t0, () => [
      ...fixed,
      ...k.tasks().flatMap((t): Array<[string, Inode]> => { const n = ns.pidOf(t); return n ? [[String(n), this.pidDir(t)]] : []; }),
    ]);
    root.parent = root;
    this.root = root;
  }

  private pidDir(t: Task): ProcInode {
    let d = this.pidDirs.get(t);
    if (d) return d;
    const ts = { sec: Math.floor(this.k.bootTimeMs / 1000) + Number(t.startNs / 1000000000n), nsec: 0 };
    const fdDir = dir(ts, () => t.files.fds.flatMap((e, fd): Array<[string, Inode]> => (e ? [[String(fd), link(ts, () => e.file.path)]] : [])), 0o500);
    const cwd = link(ts, () => this.pathFor(t.fs.cwd));
    setMagicLink(cwd, () => t.fs.cwd);
    const root = link(ts, () => this.pathFor(t.fs.root));
    setMagicLink(root, () => t.fs.root);
    // /proc/PID/net: the files of that task's network namespace (net/procnet.ts).
    const netFiles = PROC_NET_FILES.map(([n, gen]): [string, Inode] => [n, file(ts, () => gen(netOf(t)))]);
    const entries: Array<[string, Inode]> = [
      ["exe", link(ts, () => t.exe)],
      ["cwd", cwd],
      ["root", root],
      ["ns", this.nsDir(t, ts)],
      ["mounts", file(ts, () => t.nsproxy.mnt.mountsText(t.fs.root).map((l) => l + "\n").join(""))],
      ["mountinfo", file(ts, () => t.nsproxy.mnt.mountinfoText(t.fs.root).map((l) => l + "\n").join(""))],
      // A zombie has no memory left to read its arguments from: empty, as on Linux.
      ["cmdline", file(ts, () => (t.group.zombie ? "" : t.argv.map((a) => a + "\0").join("")))],
      ["comm", file(ts, () => t.comm + "\n", 0o644)],
      ["cgroup", file(ts, () => procCgroupText(t, this.k.current()))],
      ["stat", file(ts, () => this.pidStat(t))],
      ["statm", file(ts, () => { const p = this.vmPages(t); return `${p} ${p} 0 0 0 ${p} 0\n`; })],
      ["status", file(ts, () => this.pidStatus(t))],
      ["maps", file(ts, () => this.maps(t))],
      ["environ", file(ts, () => t.env.map((e) => e + "\0").join(""), 0o400)],
      ["fd", fdDir],
      ["net", dir(ts, () => netFiles)],
    ];
    d = dir(ts, () => entries);
    this.pidDirs.set(t, d);
    return d;
  }

  /** Drops a task's directory when it is reaped. */
  forget(t: Task): void { this.pidDirs.delete(t); }

  /** A place as the reading task sees it (d_path from the reader's root), for the cwd and root links. */
  private pathFor(p: Path): string {
    const r = this.k.current();
    return r ? r.nsproxy.mnt.pathOf(p, r.fs.root) : "/";
  }

  /** /proc/PID/ns: one magic link per namespace kind, leading to its nsfs inode (what setns takes). */
  private nsDir(t: Task, ts: Timespec): ProcInode {
    const n = (): Array<[string, NsKind, object]> => {
      const x = t.nsproxy;
      return [["cgroup", "cgroup", x.cgroup ?? INIT_CGROUP_NS], ["ipc", "ipc", x.ipc], ["mnt", "mnt", x.mnt], ["net", "net", x.net], ["pid", "pid", x.pid],
        ["pid_for_children", "pid", x.pidForChildren], ["time", "time", INIT_TIME_NS], ["time_for_children", "time", INIT_TIME_NS],
        ["user", "user", INIT_USER_NS], ["uts", "uts", x.uts]];
    };
    const links = new Map<string, ProcInode>();
    for (const [name] of n()) {
      const l = link(ts, () => { const e = n().find(([m]) => m === name)!; return nsLinkText(e[1], e[2]); });
      setMagicLink(l, () => { const e = n().find(([m]) => m === name)!; return nsInode(e[1], e[2]); });
      links.set(name, l);
    }
    return dir(ts, () => [...links], 0o511);
  }

  /** The parent's pid as this procfs's namespace sees it (0 when it is outside, as for a namespace's init). */
  private ppid(t: Task): number {
    const p = t.group.parent;
    return p ? this.ns.pidOf(p.leader) : 0;
  }

  /** The process group id in this procfs's namespace (0 when it was set in another one). */
  private pgidOf(t: Task): number {
    return (t.group.pgidNs ?? null) === (this.ns.parent ? this.ns : null) ? t.group.pgid : 0;
  }

  /** proc_pid_stat(5) state letter: R running/runnable, S sleeping, T stopped, Z zombie. */
  private state(t: Task): string {
    if (t.group.zombie || t.exitStatus !== null) return "Z";
    if (t.sig.group.stopSig) return "T";
    return t.blocked ? "S" : "R";
  }

  private vmPages(t: Task): number {
    return t.mm.vmas.reduce((n, v) => n + (v.end - v.start) / 4096, 0);
  }

  private meminfo(): string {
    const total = this.k.totalRam, free = this.k.freeRam(), cached = this.k.cachedRam?.() ?? 0;
    const rows: Array<[string, number]> = [
      // The page cache can be dropped under pressure, so it counts as available (an upper bound: mapped pages stay).
      ["MemTotal", total], ["MemFree", free], ["MemAvailable", free + cached], ["Buffers", 0], ["Cached", cached], ["SwapCached", 0],
      ["Active", total - free], ["Inactive", 0], ["SwapTotal", 0], ["SwapFree", 0], ["Dirty", 0], ["Writeback", 0],
      ["AnonPages", total - free - cached], ["Mapped", 0], ["Shmem", 0], ["Slab", 0], ["SReclaimable", 0], ["SUnreclaim", 0],
      ["PageTables", 0], ["CommitLimit", total], ["Committed_AS", total - free], ["VmallocTotal", 0], ["VmallocUsed", 0],
    ];
    // fs/proc/meminfo.c: the name padded to 16 columns, the value to 8.
    return rows.map(([n, v]) => `${(n + ":").padEnd(16)}${kB(v)}\n`).join("");
  }

  private stat(): string {
    const up = ticks(this.k.monotonicNs());
    const busy = ticks(this.k.cpuTimeNs());
    const idle = up > busy ? up - busy : 0n;
    return `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 ${busy} 0 0 ${idle} 0 0 0 0 0 0\nintr 0\nctxt 0\n`
      + `btime ${Math.floor(this.k.bootTimeMs / 1000)}\nprocesses ${this.k.tasks().length}\nprocs_running ${this.k.tasks().filter((t) => this.state(t) === "R").length}\nprocs_blocked 0\n`;
  }

  private pidStat(t: Task): string {
    // tty_nr and tpgid: the controlling terminal (/dev/pts/N is 136:N, new_encode_dev) and its foreground group.
    const ttyFields = (x: Task): [number, number] => {
      const tty = controllingTty(x);
      return tty ? [(tty.index & 0xff) | (136 << 8) | ((tty.index & ~0xff) << 12), tty.pgrp || -1] : [0, -1];
    };
    const vsize = this.vmPages(t) * 4096;
    // utime from the instructions retired, at a nominal 100 MIPS (the CPU's order of magnitude).
    const utime = BigInt(Math.floor(t.regs.get(168 /* ICOUNT */) / 1e6));
    // Fields of proc_pid_stat(5), in order; unknown ones are 0.
    const f: Array<string | number | bigint> = [
      this.ns.pidOf(t.group.leader), `(${t.comm})`, this.state(t), this.ppid(t), this.pgidOf(t), t.group.sid, ...ttyFields(t), 0x400000,
      0, 0, 0, 0, utime, 0, 0, 0, 20, 0, t.group.threads.size, 0, ticks(t.startNs), vsize, t.mm.rss, "18446744073709551615",
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    return f.join(" ") + "\n";
  }

  private pidStatus(t: Task): string {
    const c = t.cred;
    const kbVm = this.vmPages(t) * 4;
    const caught = [...t.sig.actions].filter(([, a]) => a.handler > 1n).reduce((m, [s]) => m | (1n << BigInt(s - 1)), 0n);
    const ignored = [...t.sig.actions].filter(([, a]) => a.handler === 1n).reduce((m, [s]) => m | (1n << BigInt(s - 1)), 0n);
    return [
      `Name:\t${t.comm}`, `Umask:\t${t.fs.umask.toString(8).padStart(4, "0")}`, `State:\t${STATE_NAMES[this.state(t)]}`,
      `Tgid:\t${this.ns.pidOf(t.group.leader)}`, `Ngid:\t0`, `Pid:\t${this.ns.pidOf(t)}`, `PPid:\t${this.ppid(t)}`, `TracerPid:\t0`,
      `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}`, `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}`,
      `FDSize:\t${Math.max(64, t.files.fds.length)}`, `Groups:\t${c.groups.join(" ")}`,
      `VmPeak:\t${String(kbVm).padStart(8)} kB`, `VmSize:\t${String(kbVm).padStart(8)} kB`, `VmRSS:\t${String(t.mm.rss * 4).padStart(8)} kB`,
      `RssAnon:\t${String(t.mm.chargedRss * 4).padStart(8)} kB`, `RssFile:\t${String(t.mm.fileRss * 4).padStart(8)} kB`,
      `Threads:\t${t.group.threads.size}`, `SigQ:\t0/63704`, `SigPnd:\t${hex16(t.sig.pending.mask)}`, `ShdPnd:\t${hex16(t.sig.group.pending.mask)}`, `SigBlk:\t${hex16(t.sig.blocked)}`,
      `SigIgn:\t${hex16(ignored)}`, `SigCgt:\t${hex16(caught)}`, `CapInh:\t${hex16(0n)}`, `CapPrm:\t000001ffffffffff`,
      `CapEff:\t000001ffffffffff`, `CapBnd:\t000001ffffffffff`, `CapAmb:\t${hex16(0n)}`, `NoNewPrivs:\t0`, `Seccomp:\t0`,
      `Cpus_allowed:\t1`, `Cpus_allowed_list:\t0`,
    ].join("\n") + "\n";
  }

  private maps(t: Task): string {
    return t.mm.vmas.map((v) => {
      const range = `${v.start.toString(16).padStart(8, "0")}-${v.end.toString(16).padStart(8, "0")}`;
      const line = `${range} ${protString(v.prot)} 00000000 00:00 0`;
      return v.name ? `${line.padEnd(73)}${v.name}` : line;
    }).join("\n") + (t.mm.vmas.length ? "\n" : "");
  }
}

/** The procfs of each (kernel, PID namespace): proc mounts of one namespace share it, as Linux reuses the superblock. */
const machines = new WeakMap<object, { source: ProcSource; byNs: WeakMap<PidNamespace, ProcFs> }>();

// mount -t proc: the /proc of the mounter's PID namespace.
registerFilesystem({
  name: "proc", nodev: true,
  mount: (r) => {
    const m = machines.get(r.kernel);
    if (!m) return -ENODEV;
    const ns = r.task.nsproxy.pid;
    return { root: (m.byNs.get(ns) ?? new ProcFs(m.source, ns)).root, options: "" };
  },
});

const CPUINFO = `processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 6
model name\t: Hako x86-64 (WebAssembly)
stepping\t: 3
cpu MHz\t\t: 1000.000
cache size\t: 512 KB
physical id\t: 0
siblings\t: 1
core id\t\t: 0
cpu cores\t: 1
fpu\t\t: yes
fpu_exception\t: yes
cpuid level\t: 13
wp\t\t: yes
flags\t\t: fpu de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 syscall nx lm
bogomips\t: 2000.00
clflush size\t: 64
cache_alignment\t: 64
address sizes\t: 40 bits physical, 48 bits virtual

`;
