// The machine: one CPU instance, its physical memory, the filesystem tree,
// the PID namespace and the tasks it schedules. `schedule` is the kernel's
// main loop: it picks a runnable task (sched.ts), enters the CPU for an
// instruction budget and serves each exit — a syscall through the table, a
// page fault by demand paging or copy-on-write (or SIGSEGV), and the other
// CPU exceptions as the signals Linux sends for them (#UD → SIGILL,
// #DE/#MF/#XM → SIGFPE, #GP → SIGSEGV, int3 → SIGTRAP). When nothing is
// runnable it sleeps until the next timer. A fatal signal ends the process;
// the host sees the status as a shell does, 128+N.
import {
  type CpuExports, loadCpuNode, RAX, ICOUNT, EXIT_REASON, FAULT_ADDR, FAULT_CODE,
  EXIT_SYSCALL, EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_GP, EXIT_BREAKPOINT, EXIT_BUDGET, EXIT_MF, EXIT_XM,
  RIP,
} from "./cpu";
import { PhysMem, PAGE_SIZE } from "./mm/physmem";
import { AddressSpace } from "./mm/addrspace";
import { Regs } from "./regs";
import { Task, ThreadGroup, rootCredentials, freshProgress, type RunStats } from "./task";
import { PidNamespace, UtsNamespace } from "./task/pidns";
import {
  type NsProxy, IpcNamespace, setInitialInum, PROC_PID_INIT_INO, PROC_UTS_INIT_INO, PROC_IPC_INIT_INO, INIT_NET_INO,
  INIT_MNT_INO, PROC_CGROUP_INIT_INO,
} from "./task/nsproxy";
import { NetNamespace } from "./net/netns";
import { cloneTask, type CloneArgs } from "./task/clone";
import { exitThread, exitGroup, releaseVfork } from "./task/exit";
import { doWait, type WaitRequest, type WaitReport } from "./task/wait";
import { Scheduler } from "./sched";
import { EBLOCK, WaitQueue } from "./waitqueue";
import { PipeFs } from "./pipe";
import type { Vfs, Path } from "./fs/vfs";
import { createRootVfs } from "./fs/rootfs";
import { MemFs } from "./fs/memfs";
import { ProcFs } from "./fs/procfs";
import { DevPts } from "./fs/devpts";
import { type Inode, isDir, isReg, S_IFIFO, S_IFCHR } from "./fs/inode";
import { type CharDevice, makedev } from "./fs/device";
import { FdTable, OpenFile, O_RDONLY, O_WRONLY, O_RDWR } from "./fs/file";
import { buildImage, initRegisters } from "./exec";
import { cacheKey } from "./mm/filemap";
import { SYSCALLS, syscallName } from "./syscall/table";
import { Args, type Kernel } from "./syscall/types";
import { beforeUserMode, faultSignal, sendSignal, interruptedResult } from "./signal/deliver";
import { signalPending } from "./signal/queue";
import { SI_USER } from "./signal/info";
import { fireTimers, chargeCpu, cpuTimerArmed } from "./signal/itimer";
import { Hierarchy } from "./cgroup/hierarchy";
import { KernelLog } from "./klog";
import { mountSysfs } from "./cgroup/sysfs";
import { serving, MemcgCharge } from "./cgroup/memcg";
import { ENOSYS, ENOENT, EACCES, ENOEXEC, ELOOP, EINTR, ENOMEM } from "./errno";

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
  /** Most tasks alive at once (threads-max; the pids cgroup limit of issue 5); fork gives EAGAIN beyond. */
  maxTasks?: number;
  /** Show the root's lower tree (the image) read-only at this path too, for overlays made by hand (fs/rootfs.ts). */
  imageAt?: string;
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

export type { RunStats };

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
  readonly bootTimeMs = Date.now();
  private bootPerf = performance.now();
  private pipefs = new MemFs();
  readonly pipes = new PipeFs();
  private sleeper: Int32Array | null = null;
  private cpuMs = 0;
  /** Every task by its root-namespace tid, zombies included until reaped. */
  private live = new Map<number, Task>();
  private nextTid = 1;
  private running: Task | null = null;
  /** Processes whose exit the host collects (Process objects), not a guest parent. */
  private hostOwned = new Set<ThreadGroup>();
  private futexes = new Map<AddressSpace, Map<number, WaitQueue>>();
  readonly proc: ProcFs;
  readonly devpts: DevPts;
  readonly sched: Scheduler;
  readonly pidns = new PidNamespace(null);
  readonly uts: UtsNamespace;
  /** The initial namespaces, which host-started processes get (task/nsproxy.ts). */
  readonly initNs: NsProxy;
  readonly maxTasks: number;
  /** Called when a process has ended (a zombie now, or reaped): boot.ts watches the console's login. */
  onProcessExit: ((g: ThreadGroup) => void) | null = null;
  /** Set once reboot(2) or the host stopped the machine: every task was killed (syscall/reboot.ts). */
  haltedAs: "halt" | "poweroff" | "restart" | null = null;
  /** Ctrl-Alt-Del reboots at once (C_A_D, reboot(2) LINUX_REBOOT_CMD_CAD_ON); init turns it off to get SIGINT. */
  cadReboots = true;
  /** The cgroup v2 hierarchy (cgroup/), mounted on /sys/fs/cgroup. */
  readonly cgroups: Hierarchy;
  /** The kernel log (dmesg): the OOM killer's reports. */
  readonly klog = new KernelLog(() => this.monotonicNs() - 1000000000n);

  private constructor(readonly cpu: CpuExports, o: MachineOptions) {
    this.mem = new PhysMem(cpu, o.ramBytes ?? 256 << 20);
    this.uts = new UtsNamespace(o.hostname ?? "hako");
    this.maxTasks = o.maxTasks ?? 4096;
    this.sched = new Scheduler(() => this.monotonicNs());
    // The root is an overlay of o.root (read-only, shareable) and a tmpfs; /dev and /tmp (half of RAM, as tmpfs's default) are mounted (fs/rootfs.ts).
    this.vfs = createRootVfs(o.root, { tmpBytes: Math.floor(this.totalRam / 2), imageAt: o.imageAt });
    this.initNs = {
      pid: this.pidns, pidForChildren: this.pidns, mnt: this.vfs, uts: this.uts, ipc: new IpcNamespace(),
      // null: the initial cgroup namespace until the cgroup hierarchy (cgroup/) gives it its root group.
      net: NetNamespace.initial(), cgroup: null,
    };
    const ns = this.initNs;
    for (const [o, n] of [[ns.pid, PROC_PID_INIT_INO], [ns.uts, PROC_UTS_INIT_INO], [ns.ipc, PROC_IPC_INIT_INO], [ns.net, INIT_NET_INO],
      [ns.mnt, INIT_MNT_INO]] as Array<[object, number]>) setInitialInum(o, n);
    this.proc = new ProcFs(this, this.pidns);
    this.vfs.mount(this.vfs.root, "proc", this.proc.root, { source: "proc", target: "/proc", fstype: "proc", options: "rw,nosuid,nodev,noexec,relatime" });
    // devpts on /dev/pts: the pseudo-terminals /dev/ptmx creates (fs/devpts.ts).
    this.devpts = new DevPts(this);
    const dev = this.vfs.resolve(this.vfs.root, this.vfs.root, "/dev", true);
    if (typeof dev !== "number") this.vfs.mount(dev.inode, "pts", this.devpts.root, { source: "devpts", target: "/dev/pts", fstype: "devpts", options: "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000" });
    // cgroup v2: sysfs on /sys, the hierarchy on /sys/fs/cgroup; the scheduler asks it who may run (freezer, cpu.max).
    this.cgroups = new Hierarchy(this);
    this.cgroups.reclaimCache = (domain) => this.mem.cache.reclaim(domain);
    this.initNs.cgroup = this.cgroups.initNs;
    setInitialInum(this.cgroups.initNs, PROC_CGROUP_INIT_INO);
    mountSysfs(this.vfs, this.cgroups);
    this.sched.gate = this.cgroups;
  }

  get hostname(): string { return this.uts.hostname; }

  /** The task being served (what /proc/self names). */
  current(): Task | null { return this.running; }
  /** Processes (thread-group leaders), zombies included. */
  tasks(): Task[] { return [...this.live.values()].filter((t) => t.group.leader === t); }
  /** The task with root-namespace id `tid`. */
  task(tid: number): Task | null { return this.live.get(tid) ?? null; }
  /** The task numbered `pid` in `t`'s PID namespace (kill, wait, /proc lookups). */
  taskByPid(t: Task, pid: number): Task | null { return t.nsproxy.pid.task(pid); }
  /** The live processes of process group `pgid` (kill(-pgid), terminal signals). */
  processGroup(pgid: number, ns?: PidNamespace): Task[] {
    // Group ids are numbers of the namespace that set them (setpgid/setsid): with `ns`, only groups numbered there.
    const want = ns?.parent ? ns : null;
    return this.tasks().filter((t) => t.group.pgid === pgid && (!ns || (t.group.pgidNs ?? null) === want) && !t.group.zombie);
  }
  taskCount(): number { return this.live.size; }
  /** Every task, threads and zombies included (the OOM killer's scan). */
  allTasks(): Iterable<Task> { return this.live.values(); }
  processCount(uid: number): number { return this.tasks().filter((t) => t.cred.uid === uid && !t.group.zombie).length; }
  newTid(): number { return this.nextTid++; }

  static async create(o: MachineOptions): Promise<Machine> {
    return new Machine(o.cpu ?? (await loadCpuNode()), o);
  }

  get totalRam(): number { return this.mem.totalFrames * PAGE_SIZE; }
  readonly freeRam = (): number => (this.mem.totalFrames - this.mem.usedFrames) * PAGE_SIZE;
  readonly cachedRam = (): number => this.mem.cache.frames * PAGE_SIZE;

  realtimeNs(): bigint {
    const ms = this.bootTimeMs + (performance.now() - this.bootPerf);
    return BigInt(Math.floor(ms * 1e6));
  }
  monotonicNs(): bigint { return BigInt(Math.floor((performance.now() - this.bootPerf) * 1e6)) + 1000000000n; }
  cpuTimeNs(): bigint { return BigInt(Math.floor(this.cpuMs * 1e6)); }

  // ---- blocking (waitqueue.ts) ----

  /** Parks `t` until a queue wakes it or the monotonic `deadline`; returns -EBLOCK for the handler to return. */
  block(t: Task, queues: WaitQueue[], deadline: bigint | null): number {
    return this.sched.block(t, queues, deadline);
  }

  /**
   * Sleeps `t` for `ns` (nanosleep): the deadline is fixed by the first call
   * of the syscall and kept across its restarts; 0 once it has passed.
   */
  sleep(t: Task | bigint, ns = 0n): number {
    if (typeof t === "bigint") { if (t > 0n) this.hostSleep(Number(t / 1000000n)); return 0; }
    if (t.sys.deadline === null) {
      if (ns <= 0n) return 0;
      t.sys.deadline = this.monotonicNs() + ns;
    }
    if (this.monotonicNs() >= t.sys.deadline) return 0;
    return this.block(t, [], t.sys.deadline);
  }

  /** Wakes a parked task for a signal (the signal code calls it; the syscall then sees EINTR or restarts). */
  interrupt(t: Task): void { this.sched.wake(t, "signal"); }

  /** Whether `t` has a signal to handle before its blocking syscall may sleep. */
  hasPendingSignal(t: Task): boolean { return signalPending(t); }

  // ---- futexes ----

  futexQueue(mm: AddressSpace, addr: number, create: boolean): WaitQueue | null {
    let m = this.futexes.get(mm);
    if (!m) { if (!create) return null; m = new Map(); this.futexes.set(mm, m); }
    let q = m.get(addr);
    if (!q) { if (!create) return null; q = new WaitQueue(); m.set(addr, q); }
    return q;
  }

  futexWake(mm: AddressSpace, addr: number, n: number): number {
    const q = this.futexQueue(mm, addr, false);
    if (!q) return 0;
    const k = q.wake(n);
    if (q.size === 0) this.futexes.get(mm)?.delete(addr);
    return k;
  }

  // ---- processes (task/*.ts) ----

  clone(t: Task, a: CloneArgs): number {
    let r = cloneTask(this, t, a);
    // Out of memory (memory.max or the machine's RAM): the OOM killer makes room and fork tries again, as on Linux.
    // (Not when the PID namespace is closed: its init has exited, and that ENOMEM is not about memory.)
    for (let i = 0; r === -ENOMEM && !t.nsproxy.pidForChildren.closed && i < 8 && t.exitStatus === null && !signalPending(t); i++) {
      if (!this.cgroups.oomKiller.afterFailure(t, true)) break;
      r = cloneTask(this, t, a);
    }
    return r;
  }
  wait(t: Task, r: WaitRequest): WaitReport | number { return doWait(this, t, r); }
  exitThread(t: Task, waitStatus: number): void { exitThread(this, t, waitStatus); }
  exitGroup(t: Task, waitStatus: number): void { exitGroup(this, t, waitStatus); }

  /** A new task joins the machine, runnable. */
  addTask(t: Task): void {
    // A signal for a task parked in an interruptible wait wakes it (signal_wake_up).
    t.sig.wake = (x) => this.interrupt(x);
    this.live.set(t.tid, t);
    this.sched.enqueue(t);
  }

  /** The machine stops (kernel_halt, kernel_power_off, kernel_restart): every task is killed. */
  halt(how: "halt" | "poweroff" | "restart"): void {
    if (this.haltedAs) return;
    this.haltedAs = how;
    for (const t of this.live.values()) if (t.exitStatus === null) exitGroup(this, t, 9);
  }

  signal(t: Task, sig: number): void {
    if (t.exitStatus !== null) return;
    sendSignal(t, { signo: sig, code: SI_USER, pid: 0, uid: 0 });
  }

  /** Whether the host (a Process) will collect `g`'s exit. */
  hostWaits(g: ThreadGroup): boolean { return this.hostOwned.has(g); }

  /** Frees a zombie process: pids, state blocks, its entry in its parent. */
  reap(g: ThreadGroup): void {
    g.parent?.children.delete(g);
    if (g.parent) g.parent.childInstructions += g.leader.regs.get(ICOUNT) + g.childInstructions;
    this.hostOwned.delete(g);
    for (const th of g.threads) {
      if (!this.live.has(th.tid)) continue;
      if (th.exitStatus === null) exitThread(this, th, 9);
      this.live.delete(th.tid);
      th.nsproxy.pid.free(th);
      this.proc.forget(th);
      this.mem.release(th.regs.base);
    }
    for (let fd = 0; fd < 3; fd++) this.pipefs.remove(`fd${g.leader.tid}-${fd}`);
  }

  /**
   * Finds the program for execve: a path with a slash is used as is, a bare
   * name is searched in PATH (as execvp and the shell do). Returns the path.
   */
  which(cmd: string, cwd: Path, path = DEFAULT_PATH): string | number {
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
    const r = t.nsproxy.mnt.resolve(t.fs.root, t.fs.cwd, path, true);
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
    const exe = t.nsproxy.mnt.pathOf(r.dir, t.fs.root).replace(/\/$/, "") + "/" + r.name;
    const opts = { argv, envp, execfn: path, name: exe, cred: t.cred, file: { inode: ino, key: cacheKey(ino) } };
    let img = buildImage(this.mem, bytes, opts);
    // No frame left for the new image: the OOM killer makes room (never the caller's own process) and exec tries again.
    for (let i = 0; img === -ENOMEM && i < 8 && this.cgroups.oomKiller.afterFailure(t, true, true); i++) {
      img = buildImage(this.mem, bytes, opts);
    }
    if (typeof img === "number") return img;
    // de_thread: the other threads of the process end; the caller carries on alone, as the leader.
    for (const th of [...t.group.threads]) if (th !== t && th.exitStatus === null) exitThread(this, th, 9);
    if (t.group.leader !== t) this.takeOverLeader(t);
    for (const th of [...t.group.threads]) if (th !== t) this.releaseThread(th);
    const old = t.mm;
    t.mm = img.mm;
    img.mm.charge = old.charge;
    // The image's frames were mapped before it had a charge record: they count now (cgroup/memcg.ts).
    if (old.charge instanceof MemcgCharge) old.charge.adopt(img.mm.chargedRss);
    if (--old.users === 0) old.destroy();
    releaseVfork(t);
    const icount = t.regs.get(ICOUNT);
    initRegisters(t.regs, img);
    t.regs.set(ICOUNT, icount);
    this.mem.cpu.flushTlb();
    t.exe = exe;
    t.comm = (path.split("/").pop() ?? "").slice(0, 15);
    t.argv = argv;
    t.env = envp;
    t.clearChildTid = 0;
    // A shared descriptor table becomes private (unshare_files), then close-on-exec descriptors go.
    if (t.files.users > 1) { t.files.users--; t.files = t.files.clone(); }
    t.files.closeAll(true);
    // Caught signals return to their default action.
    if (t.sig.actions.size) t.sig.actions = new Map(t.sig.actions);
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
    const root = this.vfs.rootPath;
    const fail = (msg: string, status: number): RunResult => {
      o.stdio.stderr.write(new TextEncoder().encode(`hako: ${msg}\n`));
      stats.wallMs = performance.now() - t0;
      return { status, waitStatus: status << 8, stats };
    };
    let cwd = root;
    if (o.cwd) {
      const c = this.vfs.resolve(root, root, o.cwd, true);
      if (typeof c === "number" || !isDir(c.inode)) return fail(`${o.cwd}: no such directory`, 125);
      cwd = c.path;
    }
    const env = o.env ?? [`PATH=${DEFAULT_PATH}`, `HOME=/root`, `HOSTNAME=${this.hostname}`];
    const pathVar = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
    const file = this.which(o.argv[0] ?? "", cwd, pathVar);
    if (typeof file === "number") return fail(`${o.argv[0]}: command not found`, 127);
    if (this.live.size >= this.maxTasks) return fail("too many tasks", 125);

    const statePa = this.mem.alloc();
    if (statePa < 0) return fail("out of memory", 125);
    const regs = new Regs(this.mem, statePa);
    const tid = this.newTid();
    const files = new FdTable();
    const stdio: Array<[CharDevice, number]> = [[o.stdio.stdin, O_RDONLY], [o.stdio.stdout, O_WRONLY], [o.stdio.stderr, O_WRONLY]];
    stdio.forEach(([dev, acc], fd) => {
      const ino = stdioInode(this.pipefs, `fd${tid}-${fd}`, dev);
      files.installAt(fd, new OpenFile(ino, dev.isTty ? O_RDWR : acc, `pipe:[${ino.ino}]`), false);
    });
    // The task starts with an empty address space that exec replaces.
    const mm = AddressSpace.create(this.mem);
    if (!mm) { this.mem.release(statePa); files.closeAll(); return fail("out of memory", 125); }
    const t = new Task(tid, tid, rootCredentials(), { root, cwd, umask: 0o022 }, files, mm, regs,
      { ...this.initNs }, this.sched);
    const g = new ThreadGroup(t);
    t.group = g;
    g.threads.add(t);
    const pids = this.pidns.alloc(t);
    if (typeof pids === "number") { this.mem.release(statePa); files.closeAll(); return fail("no free pid", 125); }
    t.pids = pids;
    g.pgid = g.sid = t.vpid;
    t.stats = stats;
    t.maxInstructions = o.maxInstructions ?? Infinity;
    t.startNs = this.monotonicNs();
    this.live.set(tid, t);
    this.cgroups.attach(t);
    t.sig.wake = (x) => this.interrupt(x);
    this.hostOwned.add(g);
    this.running = t;
    const e = this.exec(t, file, o.argv, env);
    this.running = null;
    if (e < 0) {
      exitThread(this, t, 0);
      this.reap(g);
      const why = e === -ENOENT ? "no such file or directory" : e === -EACCES ? "permission denied" : e === -ENOEXEC ? "exec format error" : `error ${-e}`;
      return fail(`${file}: ${why}`, e === -ENOENT ? 127 : 126);
    }
    this.sched.enqueue(t);
    return new Process(this, t, stats, t0);
  }

  /**
   * The scheduler loop: runs tasks until `done()` holds or `deadline`
   * (performance.now() ms) passes. With nothing runnable it sleeps until the
   * next timer; returns "idle" when nothing can ever run again (every task
   * waits for an event no timer will bring).
   */
  schedule(deadline: number, done: () => boolean): "done" | "deadline" | "idle" {
    const slice = deadline === Infinity ? 1 << 21 : 1 << 17;
    for (;;) {
      if (done()) return "done";
      const now = performance.now();
      if (now > deadline) return "deadline";
      // Processes' real timers (signal/itimer.ts): due ones send SIGALRM; the next one bounds an idle wait.
      const timer = fireTimers(this, this.tasks());
      const t = this.sched.next();
      if (!t) {
        const d0 = this.sched.nextDeadline();
        const d = d0 === null || (timer !== null && timer < d0) ? timer : d0;
        if (d === null) return "idle";
        const waitMs = Math.min(Number(d - this.monotonicNs()) / 1e6, deadline - now);
        if (waitMs > 0) this.hostSleep(waitMs);
        continue;
      }
      this.running = serving.task = t;
      const t0 = performance.now(), user0 = (t.stats ?? this.orphanStats).cpuMs;
      try {
        // A task under a cpu.max quota runs in short slices (cgroup/hierarchy.ts); cpu.weight acts through charge().
        this.runSlice(t, this.cgroups.sliceFor(t, slice));
      } finally {
        this.running = serving.task = null;
        // CPU time for cpu.stat: time in cpu.run is user time, the rest of the slice is the kernel serving the task.
        const all = performance.now() - t0, user = Math.min(all, (t.stats ?? this.orphanStats).cpuMs - user0);
        this.cgroups.accountCpu(t, user * 1000, (all - user) * 1000);
        this.sched.charge(t, all);
      }
      if (t.exitStatus === null && !t.blocked) this.sched.enqueue(t);
      else if (t.exitStatus !== null && t.group.leader !== t) this.releaseThread(t);
    }
  }

  /**
   * execve(2) from a thread other than the leader (de_thread, exchange_tids):
   * the thread takes over the leader's ids in every PID namespace and its
   * place in the process; the old leader, already ended, keeps the thread's
   * old ids and is released with the other threads.
   */
  private takeOverLeader(t: Task): void {
    const old = t.group.leader;
    t.nsproxy.pid.exchange(t, old);
    this.live.delete(t.tid);
    this.live.delete(old.tid);
    [t.tid, old.tid] = [old.tid, t.tid];
    [t.pids, old.pids] = [old.pids, t.pids];
    t.tgid = t.tid;
    t.startNs = old.startNs;
    this.live.set(t.tid, t);
    this.live.set(old.tid, old);
    t.group.leader = t;
    this.proc.forget(t);
    this.proc.forget(old);
  }

  /** A finished thread other than the leader needs no state block or pid any more (the leader waits for reaping). */
  private releaseThread(t: Task): void {
    if (!this.live.has(t.tid)) return;
    this.live.delete(t.tid);
    t.group.threads.delete(t);
    t.nsproxy.pid.free(t);
    this.proc.forget(t);
    this.mem.release(t.regs.base);
  }

  /** Waits on the host without spinning (Atomics.wait needs a SharedArrayBuffer: Node or an isolated worker). */
  hostSleep(ms: number): void {
    if (!this.sleeper && typeof SharedArrayBuffer === "function") this.sleeper = new Int32Array(new SharedArrayBuffer(4));
    if (this.sleeper) { Atomics.wait(this.sleeper, 0, 0, ms); return; }
    const end = performance.now() + ms;
    while (performance.now() < end) { /* no other way to wait synchronously here */ }
  }

  /** Whether some task waits for input from outside the machine (an external wait queue): idle, not deadlocked. */
  waitsForInput(): boolean {
    for (const t of this.live.values()) if (t.blocked?.queues.some((q) => q.external)) return true;
    return false;
  }

  /** Milliseconds until the next timer of a sleeping task (for a host that waits between slices), or null. */
  nextTimerMs(): number | null {
    if (this.sched.runnable) return 0;
    const d = this.sched.nextDeadline();
    return d === null ? null : Math.max(0, Number(d - this.monotonicNs()) / 1e6);
  }

  /**
   * Before the task re-enters user mode: timers, syscall restart codes and
   * signal delivery (signal/deliver.ts). False when it must not run now:
   * it exited, or its process is stopped — then it is parked until a
   * signal (SIGCONT, SIGKILL) wakes it.
   */
  private returnToUser(t: Task): boolean {
    if (beforeUserMode(t, this)) return true;
    if (t.exitStatus === null && !t.blocked) this.sched.block(t, [], null, true);
    return false;
  }

  /** Runs `t` for up to `budget` instructions, or until it blocks or exits. */
  private runSlice(t: Task, budget: number): void {
    const cpu = this.cpu;
    const stats = t.stats ?? this.orphanStats;
    if (t.restartSyscall) {
      t.restartSyscall = false;
      if (t.sys.result !== null) this.complete(t, t.sys.result);
      else this.syscall(t, stats);
      if (t.exitStatus !== null || t.blocked) return;
    }
    const stop = t.regs.get(ICOUNT) + budget;
    while (t.exitStatus === null && !t.blocked) {
      if (!this.returnToUser(t)) return;
      const left = stop - t.regs.get(ICOUNT);
      if (left <= 0) return;
      const c0 = performance.now();
      // With a CPU-time itimer armed, shorter stretches let SIGVTALRM/SIGPROF come on time (signal/itimer.ts).
      const exit = cpu.run(t.regs.base, Math.min(left, cpuTimerArmed(t) ? 1 << 17 : 1 << 22));
      const dt = performance.now() - c0;
      this.cpuMs += dt;
      stats.cpuMs += dt;
      chargeCpu(t, dt);
      switch (exit) {
        case EXIT_SYSCALL: this.syscall(t, stats); break;
        case EXIT_PAGE_FAULT: {
          stats.pageFaults++;
          const addr = t.regs.get(FAULT_ADDR);
          // Out of memory (the cgroup's memory.max or the machine's RAM): the OOM killer frees some and the access retries.
          if (!t.mm.fault(addr, t.regs.u32(FAULT_CODE)) && !this.cgroups.oomKiller.afterFailure(t, this.mem.usedFrames >= this.mem.totalFrames)) faultSignal(t, exit);
          break;
        }
        case EXIT_UD: case EXIT_DE: case EXIT_MF: case EXIT_XM: case EXIT_GP: case EXIT_BREAKPOINT: faultSignal(t, exit); break;
        case EXIT_BUDGET: break;
        default: throw new Error(`cpu.run returned unknown exit ${exit} (state says ${t.regs.u32(EXIT_REASON)}) at rip ${t.regs.get(RIP).toString(16)}`);
      }
      if (t.regs.get(ICOUNT) > t.maxInstructions && t.exitStatus === null) this.exitGroup(t, SIGXCPU);
    }
  }

  private orphanStats: RunStats = { instructions: 0, wallMs: 0, cpuMs: 0, syscalls: new Map(), enosys: new Map(), pageFaults: 0 };

  /** The syscall's result goes to RAX and its restart state is dropped. */
  private complete(t: Task, r: number): void {
    t.sys = freshProgress();
    if (t.exitStatus === null) t.regs.set(RAX, r);
  }

  private syscall(t: Task, stats: RunStats): void {
    const nr = t.regs.get(RAX);
    // The signal code reads which syscall produced RAX (restart codes, SIGPIPE).
    t.sig.sysnr = nr; // for the restart codes on the way back to user mode (signal/deliver.ts)
    const row = SYSCALLS[nr];
    const name = row?.name || syscallName(nr);
    if (!t.sys.woken) stats.syscalls.set(name, (stats.syscalls.get(name) ?? 0) + 1);
    let r: number;
    if (!row || !row.handler) {
      stats.enosys.set(name, (stats.enosys.get(name) ?? 0) + 1);
      r = -ENOSYS;
    } else {
      r = row.handler(t, new Args(t), this);
    }
    if (r === -EBLOCK) {
      // Parked: RAX keeps the syscall number for the restart. A pending signal interrupts instead.
      if (t.blocked && this.hasPendingSignal(t)) { this.sched.wake(t, "signal"); t.restartSyscall = false; this.complete(t, interruptedResult(nr)); }
      return;
    }
    this.complete(t, r);
  }
}

/**
 * A process started by the host. `step(ms)` runs the machine (this process
 * and every other runnable task) for at most about `ms` milliseconds of wall
 * time so that a caller (the Worker) can interleave other work; once it
 * returns true, `result()` gives the status and statistics.
 */
export class Process {
  private res: RunResult | null = null;
  /**
   * When no task can run and none waits for input from outside, end this
   * process as SIGKILL would (a `hako run` command waiting on a pipe nobody
   * writes). A booted machine's init clears it: a real machine whose tasks
   * all sleep just sleeps, and a host slice can find it so only for a moment.
   */
  endWhenStuck = true;

  constructor(private m: Machine, readonly task: Task, private stats: RunStats, private t0: number) {}

  get pid(): number { return this.task.tgid; }
  get done(): boolean { return this.res !== null; }

  step(ms: number): boolean {
    if (this.res) return true;
    const g = this.task.group;
    const deadline = ms === Infinity ? Infinity : performance.now() + ms;
    const how = this.m.schedule(deadline, () => g.zombie);
    if (how === "idle" && !g.zombie) {
      // Waiting for input from outside: without a deadline, nap instead of spinning; otherwise every
      // task waits for something that can never come (a pipe nobody writes): end it as SIGKILL would.
      if (this.m.waitsForInput() || !this.endWhenStuck) { if (ms === Infinity) this.m.hostSleep(5); } else this.m.exitGroup(this.task, 9);
    }
    if (!g.zombie) return false;
    this.stats.instructions = g.leader.regs.get(ICOUNT) + g.childInstructions;
    this.stats.wallMs = performance.now() - this.t0;
    const ws = g.exitCode ?? 0;
    this.m.reap(g);
    const sig = ws & 0x7f;
    this.res = { status: sig ? 128 + sig : (ws >> 8) & 0xff, waitStatus: ws, stats: this.stats };
    return true;
  }

  /**
   * Sends a signal from the host to the process's whole process group, as a
   * terminal's ^C reaches every process of the foreground job (kill(-pgid)).
   */
  kill(sig: number): void {
    if (this.res) return;
    const g = this.task.group;
    const members = this.m.processGroup(g.pgid);
    if (!members.includes(this.task)) members.push(this.task);
    for (const t of members) this.m.signal(t, sig);
  }

  result(): RunResult {
    if (!this.res) throw new Error("process still running");
    return this.res;
  }
}
