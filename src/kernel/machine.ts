// The machine: one CPU instance, its physical memory, the filesystem tree
// and the task it runs. `run` is the kernel's main loop: it enters the CPU
// and serves each exit — a syscall through the table, a page fault by
// demand paging (or SIGSEGV), and the other CPU exceptions as the signals
// Linux sends for them (#UD → SIGILL, #DE/#MF/#XM → SIGFPE, #GP → SIGSEGV,
// int3 → SIGTRAP). A fatal signal ends the process; the status is reported
// as a shell does, 128+N.
import {
  type CpuExports, loadCpuNode, RAX, ICOUNT, EXIT_REASON, FAULT_ADDR, FAULT_CODE,
  EXIT_SYSCALL, EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_GP, EXIT_BREAKPOINT, EXIT_BUDGET, EXIT_MF, EXIT_XM,
  RIP,
} from "./cpu";
import { PhysMem, PAGE_SIZE } from "./mm/physmem";
import { AddressSpace } from "./mm/addrspace";
import { Regs } from "./regs";
import { Task, rootCredentials } from "./task";
import type { Vfs } from "./fs/vfs";
import { createRootVfs } from "./fs/rootfs";
import { MemFs } from "./fs/memfs";
import { ProcFs } from "./fs/procfs";
import { type Inode, isDir, isReg, S_IFIFO, S_IFCHR } from "./fs/inode";
import { type CharDevice, makedev } from "./fs/device";
import { FdTable, OpenFile, O_RDONLY, O_WRONLY, O_RDWR } from "./fs/file";
import { buildImage, initRegisters } from "./exec";
import { SYSCALLS, syscallName } from "./syscall/table";
import { Args, type Kernel } from "./syscall/types";
import { SI_USER } from "./signal/info";
import { beforeUserMode, faultSignal, sendSignal } from "./signal/deliver";
import { ENOSYS, ENOENT, EACCES, ENOEXEC, ELOOP } from "./errno";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const SIGXCPU = 24;

export interface Stdio { stdin: CharDevice; stdout: CharDevice; stderr: CharDevice }

export interface MachineOptions {
  /** Root directory of the filesystem tree. */
  root: Inode;
  /** Bytes of guest RAM (default 256 MiB). */
  ramBytes?: number;
  hostname?: string;
  /** An already instantiated CPU (else build/cpu.wasm is loaded, Node only). */
  cpu?: CpuExports;
}

export interface SpawnOptions {
  argv: string[];
  env?: string[];
  /** Working directory inside the machine (default "/"). */
  cwd?: string;
  stdio: Stdio;
  /** Stop the process with SIGXCPU after this many instructions (runaway guard). */
  maxInstructions?: number;
}

export interface RunStats {
  instructions: number;
  wallMs: number;
  /** Milliseconds spent inside the CPU's run(). */
  cpuMs: number;
  syscalls: Map<string, number>;
  enosys: Map<string, number>;
  pageFaults: number;
}

export interface RunResult {
  /** Exit status as the shell reports it: the code, or 128+N after signal N. */
  status: number;
  /** The raw wait status (code << 8, or the signal number). */
  waitStatus: number;
  stats: RunStats;
}

/** Makes the stdio inode for a host stream: a pipe unless it is a terminal. */
function stdioInode(pipefs: MemFs, name: string, dev: CharDevice): Inode {
  const n = pipefs.mknod(name, dev, { mode: 0o600 });
  n.mode = dev.isTty ? S_IFCHR | 0o620 : S_IFIFO | 0o600;
  if (dev.isTty) n.rdev = makedev(136, 0);
  return n;
}

export class Machine implements Kernel {
  readonly mem: PhysMem;
  readonly vfs: Vfs;
  readonly hostname: string;
  readonly bootTimeMs = Date.now();
  private bootPerf = performance.now();
  private nextPid = 1;
  private pipefs = new MemFs();
  private sleeper: Int32Array | null = null;
  private cpuMs = 0;
  private live = new Map<number, Task>();
  private running: Task | null = null;
  readonly proc: ProcFs;

  private constructor(readonly cpu: CpuExports, o: MachineOptions) {
    this.mem = new PhysMem(cpu, o.ramBytes ?? 256 << 20);
    this.hostname = o.hostname ?? "hako";
    // The root is an overlay of o.root (read-only, shareable) and a tmpfs; /dev and /tmp are mounted (fs/rootfs.ts).
    this.vfs = createRootVfs(o.root);
    this.proc = new ProcFs(this);
    this.proc.pathOf = (t, i) => this.vfs.pathOf(i, t.fs.root);
    this.vfs.mount(this.vfs.root, "proc", this.proc.root, { source: "proc", target: "/proc", fstype: "proc", options: "rw,nosuid,nodev,noexec,relatime" });
  }

  /** The task being served (what /proc/self names). */
  current(): Task | null { return this.running; }
  tasks(): Task[] { return [...this.live.values()]; }
  mounts(): string[] {
    return this.vfs.mountsText();
  }

  static async create(o: MachineOptions): Promise<Machine> {
    return new Machine(o.cpu ?? (await loadCpuNode()), o);
  }

  get totalRam(): number { return this.mem.totalFrames * PAGE_SIZE; }
  readonly freeRam = (): number => (this.mem.totalFrames - this.mem.usedFrames) * PAGE_SIZE;

  realtimeNs(): bigint {
    const ms = this.bootTimeMs + (performance.now() - this.bootPerf);
    return BigInt(Math.floor(ms * 1e6));
  }
  monotonicNs(): bigint { return BigInt(Math.floor((performance.now() - this.bootPerf) * 1e6)) + 1000000000n; }
  cpuTimeNs(): bigint { return BigInt(Math.floor(this.cpuMs * 1e6)); }
  /**
   * Blocks for `ns` (one task, so the machine simply waits). Atomics.wait
   * needs a SharedArrayBuffer (Node, or a cross-origin-isolated worker);
   * elsewhere the clock is polled. The scheduler of issue 4 replaces this
   * with a timer wait queue.
   */
  sleep(ns: bigint): void {
    const ms = Number(ns / 1000000n);
    if (ms <= 0) return;
    if (!this.sleeper && typeof SharedArrayBuffer === "function") this.sleeper = new Int32Array(new SharedArrayBuffer(4));
    if (this.sleeper) { Atomics.wait(this.sleeper, 0, 0, ms); return; }
    const end = performance.now() + ms;
    while (performance.now() < end) { /* no other way to wait synchronously here */ }
  }

  exitGroup(t: Task, waitStatus: number): void {
    if (t.exitStatus === null) t.exitStatus = waitStatus;
  }

  signal(t: Task, sig: number): void {
    sendSignal(t, { signo: sig, code: SI_USER, pid: 0, uid: 0 });
  }

  /**
   * Finds the program for execve: a path with a slash is used as is, a bare
   * name is searched in PATH (as execvp and the shell do). Returns the path.
   */
  which(cmd: string, cwd: Inode, path = DEFAULT_PATH): string | number {
    if (cmd.includes("/")) return cmd;
    for (const dir of path.split(":")) {
      const p = `${dir || "."}/${cmd}`;
      const r = this.vfs.resolve(this.vfs.root, cwd, p, true);
      if (typeof r !== "number" && isReg(r.inode) && (r.inode.mode & 0o111)) return p;
    }
    return -ENOENT;
  }

  /**
   * Loads `path` into task `t` (execve's work): resolves it, follows "#!"
   * interpreter lines, builds the new address space and resets the
   * per-image state. On error `t` is unchanged.
   */
  exec(t: Task, path: string, argv: string[], envp: string[], depth = 0): number {
    const r = this.vfs.resolve(t.fs.root, t.fs.cwd, path, true);
    if (typeof r === "number") return r;
    const ino = r.inode;
    if (isDir(ino)) return -EACCES;
    if (!isReg(ino) || !(ino.mode & 0o111)) return -EACCES;
    const bytes = ino.read(0, ino.size);
    if (bytes[0] === 0x23 && bytes[1] === 0x21) {
      // binfmt_script: "#!interp [one optional argument]"
      if (depth > 4) return -ELOOP;
      let end = bytes.indexOf(0x0a);
      if (end < 0) end = Math.min(bytes.length, 256);
      const line = new TextDecoder().decode(bytes.subarray(2, end)).trim();
      const sp = line.search(/[ \t]/);
      const interp = sp < 0 ? line : line.slice(0, sp);
      const arg = sp < 0 ? "" : line.slice(sp).trim();
      if (!interp) return -ENOEXEC;
      return this.exec(t, interp, [interp, ...(arg ? [arg] : []), path, ...argv.slice(1)], envp, depth + 1);
    }
    const exe = this.vfs.pathOf(r.parent, t.fs.root).replace(/\/$/, "") + "/" + r.name;
    const img = buildImage(this.mem, bytes, { argv, envp, execfn: path, name: exe, cred: t.cred });
    if (typeof img === "number") return img;
    const old = t.mm;
    t.mm = img.mm;
    old.destroy();
    const icount = t.regs.get(ICOUNT);
    initRegisters(t.regs, img);
    t.regs.set(ICOUNT, icount);
    this.mem.cpu.flushTlb();
    t.exe = exe;
    t.comm = (path.split("/").pop() ?? "").slice(0, 15);
    t.argv = argv;
    // Close-on-exec descriptors go; caught signals return to their default action.
    t.files.fds.forEach((e, fd) => { if (e?.cloexec) t.files.fds[fd] = undefined; });
    for (const [sig, act] of t.sig.actions) if (act.handler > 1n) t.sig.actions.delete(sig);
    t.sig.altStack = { sp: 0n, flags: 2 /* SS_DISABLE */, size: 0n };
    return 0;
  }

  /** Creates the process for `o.argv` and runs it to completion. */
  run(o: SpawnOptions): RunResult {
    const p = this.spawn(o);
    if (!(p instanceof Process)) return p;
    while (!p.step(Infinity)) { /* runs to the end */ }
    return p.result();
  }

  /**
   * Creates the process for `o.argv` (PATH lookup, stdio, execve) without
   * running it; drive it with `Process.step`. A RunResult means it could not
   * start (status 127: not found, 126: not executable, 125: other).
   */
  spawn(o: SpawnOptions): Process | RunResult {
    const stats: RunStats = { instructions: 0, wallMs: 0, cpuMs: 0, syscalls: new Map(), enosys: new Map(), pageFaults: 0 };
    const t0 = performance.now();
    const root = this.vfs.root;
    const fail = (msg: string, status: number): RunResult => {
      o.stdio.stderr.write(new TextEncoder().encode(`hako: ${msg}\n`));
      stats.wallMs = performance.now() - t0;
      return { status, waitStatus: status << 8, stats };
    };
    let cwd = root;
    if (o.cwd) {
      const c = this.vfs.resolve(root, root, o.cwd, true);
      if (typeof c === "number" || !isDir(c.inode)) return fail(`${o.cwd}: no such directory`, 125);
      cwd = c.inode;
    }
    const env = o.env ?? [`PATH=${DEFAULT_PATH}`, `HOME=/root`, `HOSTNAME=${this.hostname}`];
    const pathVar = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
    const file = this.which(o.argv[0] ?? "", cwd, pathVar);
    if (typeof file === "number") return fail(`${o.argv[0]}: command not found`, 127);

    const statePa = this.mem.alloc();
    if (statePa < 0) return fail("out of memory", 125);
    const regs = new Regs(this.mem, statePa);
    const pid = this.nextPid++;
    const files = new FdTable();
    const stdio: Array<[CharDevice, number]> = [[o.stdio.stdin, O_RDONLY], [o.stdio.stdout, O_WRONLY], [o.stdio.stderr, O_WRONLY]];
    stdio.forEach(([dev, acc], fd) => {
      const ino = stdioInode(this.pipefs, `fd${pid}-${fd}`, dev);
      files.installAt(fd, new OpenFile(ino, dev.isTty ? O_RDWR : acc, `pipe:[${ino.ino}]`), false);
    });
    // The task starts with an empty address space that exec replaces.
    const t = new Task(pid, pid, 0, rootCredentials(), { root, cwd, umask: 0o022 }, files, new AddressSpace(this.mem), regs);
    t.startNs = this.monotonicNs();
    this.live.set(pid, t);
    this.running = t;
    const e = this.exec(t, file, o.argv, env);
    this.running = null;
    if (e < 0) {
      this.reap(t);
      const why = e === -ENOENT ? "no such file or directory" : e === -EACCES ? "permission denied" : e === -ENOEXEC ? "exec format error" : `error ${-e}`;
      return fail(`${file}: ${why}`, e === -ENOENT ? 127 : 126);
    }
    return new Process(this, t, stats, t0, o.maxInstructions ?? Infinity);
  }

  /** Runs `t` until it exits or `deadline` (performance.now() ms) passes; true when it has exited. */
  runUntil(t: Task, stats: RunStats, maxInstr: number, deadline: number): boolean {
    this.running = t;
    try {
      this.loop(t, stats, maxInstr, deadline);
    } finally {
      this.running = null;
    }
    return t.exitStatus !== null;
  }

  /** Frees an exited task's memory and state block. */
  reap(t: Task): void {
    for (let fd = 0; fd < 3; fd++) this.pipefs.remove(`fd${t.tid}-${fd}`);
    this.live.delete(t.tid);
    this.proc.forget(t);
    t.mm.destroy();
    this.mem.release(t.regs.base);
  }

  private loop(t: Task, stats: RunStats, maxInstr: number, deadline: number): void {
    const cpu = this.cpu;
    const args = new Args(t);
    // Run to completion in big slices; under a deadline, slices of a few ms (at tens of MIPS).
    const BUDGET = deadline === Infinity ? 1 << 22 : 1 << 18;
    while (t.exitStatus === null) {
      // Return to user mode: timers, syscall restart, signal delivery (signal/deliver.ts).
      if (!beforeUserMode(t, this)) break;
      const c0 = performance.now();
      if (c0 > deadline) return;
      const exit = cpu.run(t.regs.base, BUDGET);
      const dt = performance.now() - c0;
      this.cpuMs += dt;
      stats.cpuMs += dt;
      switch (exit) {
        case EXIT_SYSCALL: t.sig.sysnr = t.regs.get(RAX); this.syscall(t, args, stats); break;
        case EXIT_PAGE_FAULT: {
          stats.pageFaults++;
          const addr = t.regs.get(FAULT_ADDR);
          if (!t.mm.fault(addr, t.regs.u32(FAULT_CODE))) faultSignal(t, exit);
          break;
        }
        case EXIT_UD: case EXIT_DE: case EXIT_MF: case EXIT_XM: case EXIT_GP: case EXIT_BREAKPOINT: faultSignal(t, exit); break;
        case EXIT_BUDGET: break;
        default: throw new Error(`cpu.run returned unknown exit ${exit} (state says ${t.regs.u32(EXIT_REASON)}) at rip ${t.regs.get(RIP).toString(16)}`);
      }
      if (t.regs.get(ICOUNT) > maxInstr && t.exitStatus === null) this.exitGroup(t, SIGXCPU);
    }
  }

  private syscall(t: Task, args: Args, stats: RunStats): void {
    const nr = t.regs.get(RAX);
    const row = SYSCALLS[nr];
    const name = row?.name || syscallName(nr);
    stats.syscalls.set(name, (stats.syscalls.get(name) ?? 0) + 1);
    let r: number;
    if (!row || !row.handler) {
      stats.enosys.set(name, (stats.enosys.get(name) ?? 0) + 1);
      r = -ENOSYS;
    } else {
      r = row.handler(t, args, this);
    }
    if (t.exitStatus === null) t.regs.set(RAX, r);
  }
}

/**
 * A started process. `step(ms)` runs it for at most about `ms` milliseconds
 * of wall time so that a caller (the Worker) can interleave other work;
 * once it returns true, `result()` gives the status and statistics.
 */
export class Process {
  private res: RunResult | null = null;

  constructor(private m: Machine, readonly task: Task, private stats: RunStats, private t0: number, private maxInstr: number) {}

  get pid(): number { return this.task.tgid; }
  get done(): boolean { return this.res !== null; }

  step(ms: number): boolean {
    if (this.res) return true;
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    if (!this.m.runUntil(this.task, this.stats, this.maxInstr, deadline)) return false;
    this.stats.instructions = this.task.regs.get(ICOUNT);
    this.stats.wallMs = performance.now() - this.t0;
    const ws = this.task.exitStatus ?? 0;
    this.m.reap(this.task);
    const sig = ws & 0x7f;
    this.res = { status: sig ? 128 + sig : (ws >> 8) & 0xff, waitStatus: ws, stats: this.stats };
    return true;
  }

  /** Sends a signal from the host (as kill(2) from outside the machine). */
  kill(sig: number): void {
    if (!this.res) this.m.signal(this.task, sig);
  }

  result(): RunResult {
    if (!this.res) throw new Error("process still running");
    return this.res;
  }
}
