// The `hako` command (Node): `hako run [--image NAME] [--root DIR] [--stats]
// -- CMD [ARGS...]` runs one command in a fresh machine and exits with its
// status (128+N after signal N), passing the standard streams through.
// `hako shell [--image NAME] [--root DIR]` boots a machine whose init logs
// root in on a pseudo-terminal (kernel/boot.ts) and connects it to this
// terminal (raw mode, window size, SIGWINCH), or to piped input; it ends
// when that login shell exits, with its status.
import { Machine, DEFAULT_PATH, type RunStats } from "../kernel/machine";
import { hostStdio } from "./stdio";
import { boot } from "../kernel/boot";
import { IMAGE_AT } from "../kernel/fs/overlay/layerdir";
import { writeSync } from "node:fs";
import { imageRoot, hostRoot, type RootFs } from "./rootfs";

const USAGE = `usage: hako run [--image NAME] [--root DIR] [--stats] [--] [CMD [ARGS...]]
       hako shell [--image NAME] [--root DIR]

  shell: boots a machine — init (PID 1) logs root in on a pty connected to
  this terminal — and exits with the login shell's status when it exits
  (poweroff, halt and reboot stop the machine too: status 0). With piped
  input, the input is typed at the terminal and ends with ^D.

  Runs CMD (looked up in PATH when it has no slash) in a fresh machine and
  exits with its status (128+N after signal N). Without CMD, the image's
  Entrypoint and Cmd run.

  --image NAME   root filesystem from images/NAME (default: busybox)
  --root DIR     root filesystem from a host directory (read-only)
  --stats        print instructions, MIPS, wall time and syscall counts to stderr
`;

interface RunArgs { image: string; root: string | null; stats: boolean; cmd: string[] }

function parseRun(argv: string[]): RunArgs | string {
  const o: RunArgs = { image: "busybox", root: null, stats: false, cmd: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { i++; break; }
    if (a === "--image") o.image = argv[++i] ?? "";
    else if (a.startsWith("--image=")) o.image = a.slice(8);
    else if (a === "--root") o.root = argv[++i] ?? "";
    else if (a.startsWith("--root=")) o.root = a.slice(7);
    else if (a === "--stats") o.stats = true;
    else if (a.startsWith("-")) return `unknown option ${a}`;
    else break;
  }
  o.cmd = argv.slice(i);
  return o;
}

export function formatStats(s: RunStats): string {
  const mips = s.cpuMs > 0 ? s.instructions / s.cpuMs / 1000 : 0;
  const lines = [
    `hako: ${s.instructions} instructions in ${s.wallMs.toFixed(1)} ms wall (${s.cpuMs.toFixed(1)} ms in the CPU): ${mips.toFixed(1)} MIPS`,
    `hako: ${s.pageFaults} page faults; syscalls: ` + [...s.syscalls].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n}×${c}`).join(" "),
  ];
  if (s.enosys.size > 0) lines.push(`hako: ENOSYS: ` + [...s.enosys].map(([n, c]) => `${n}×${c}`).join(" "));
  return lines.join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "-h" || sub === "--help" || sub === "help" || sub === undefined) {
    process.stdout.write(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === "shell") return shell(rest);
  if (sub !== "run") {
    process.stderr.write(`hako: unknown command ${sub}\n${USAGE}`);
    return 2;
  }
  const o = parseRun(rest);
  if (typeof o === "string") {
    process.stderr.write(`hako run: ${o}\n${USAGE}`);
    return 2;
  }
  const fs = await rootFor(o);
  if (!fs) return 125;
  // Without a command, the image's Entrypoint + Cmd run, as `docker run IMAGE` does.
  const cmd = o.cmd.length > 0 ? [...(fs.config?.Entrypoint ?? []), ...o.cmd] : [...(fs.config?.Entrypoint ?? []), ...(fs.config?.Cmd ?? [])];
  if (cmd.length === 0) {
    process.stderr.write(`hako run: no command given and the image has none\n${USAGE}`);
    return 2;
  }
  const env = [...(fs.config?.Env ?? [`PATH=${DEFAULT_PATH}`])];
  if (!env.some((e) => e.startsWith("HOME="))) env.push("HOME=/root");
  const m = await Machine.create({ root: fs.root });
  const r = m.run({ argv: cmd, env, cwd: fs.config?.WorkingDir || "/", stdio: hostStdio() });
  if (o.stats) process.stderr.write(formatStats(r.stats));
  return r.status;
}

/** The root filesystem `--root`/`--image` name; null (after saying why) when it cannot be loaded. */
async function rootFor(o: { root: string | null; image: string }): Promise<RootFs | null> {
  try {
    return o.root !== null ? hostRoot(o.root) : await imageRoot(o.image);
  } catch (e) {
    process.stderr.write(`hako: ${(e as Error).message}\n`);
    return null;
  }
}

/** Writes all of `d` to a host descriptor (stdout may be a non-blocking pipe). */
function writeAll(fd: number, d: Uint8Array): void {
  let off = 0;
  while (off < d.length) {
    try { off += writeSync(fd, d, off, d.length - off); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** `hako shell`: the booted machine's terminal on this one. */
async function shell(argv: string[]): Promise<number> {
  const o = parseRun(argv);
  if (typeof o === "string" || o.cmd.length > 0) {
    process.stderr.write(`hako shell: ${typeof o === "string" ? o : "unexpected arguments"}\n${USAGE}`);
    return 2;
  }
  const fs = await rootFor(o);
  if (!fs) return 125;
  const m = await Machine.create({ root: fs.root, imageAt: IMAGE_AT });
  const out = process.stdout, inp = process.stdin;
  const interactive = inp.isTTY === true;
  const size = (): [number, number] => [out.isTTY ? out.columns || 80 : 80, out.isTTY ? out.rows || 24 : 24];
  const [cols, rows] = size();
  const imageEnv = (fs.config?.Env ?? []).filter((e) => !e.startsWith("HOME=") && !e.startsWith("PATH="));
  const b = boot(m, { cols, rows, env: imageEnv, endWithLogin: true });
  if (!("master" in b)) return b.status;
  // Piped input waits for the shell's first prompt: login flushes type-ahead, as getty does.
  let held: Uint8Array[] | null = interactive ? null : [];
  b.master.onOutput((bytes) => {
    writeAll(1, bytes);
    // Without a terminal on our side nobody answers the line editor's cursor-position query: answer it here.
    if (!interactive) for (let i = 0; i + 3 < bytes.length; i++) {
      if (bytes[i] === 0x1b && bytes[i + 1] === 0x5b && bytes[i + 2] === 0x36 && bytes[i + 3] === 0x6e) {
        b.master.write(`\x1b[${rows};1R`);
        if (held) { const h = held; held = null; for (const d of h) b.master.write(d); }
      }
    }
  });
  const type = (d: Uint8Array): void => { if (held) held.push(d); else b.master.write(d); };
  if (interactive) inp.setRawMode(true);
  const onResize = (): void => { const [c, r] = size(); b.master.resize(c, r); };
  out.on("resize", onResize);
  return new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const schedule = (ms: number): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(tick, ms);
    };
    const tick = (): void => {
      timer = null;
      if (b.step(20)) {
        if (interactive) inp.setRawMode(false);
        inp.off("data", onData);
        inp.pause();
        out.off("resize", onResize);
        resolve(b.status ?? 0);
        return;
      }
      // Runnable tasks: go on at once (after host events); otherwise sleep until the next timer or input.
      const next = b.nextTimerMs();
      schedule(next === null ? 100 : Math.min(next, 100));
    };
    const onData = (d: Buffer): void => { type(new Uint8Array(d)); schedule(0); };
    inp.on("data", onData);
    // Piped input ends with ^D: the shell sees end of file at its prompt and exits.
    inp.on("end", () => { type(new Uint8Array([4])); schedule(0); });
    schedule(0);
  });
}
