// The `hako` command (Node): `hako run [--image NAME] [--root DIR] [--stats]
// -- CMD [ARGS...]` runs one command in a fresh machine and exits with its
// status (128+N after signal N), passing the standard streams through.
import { Machine, DEFAULT_PATH, type RunStats } from "../kernel/machine";
import { hostStdio } from "./stdio";
import { imageRoot, hostRoot, type RootFs } from "./rootfs";

const USAGE = `usage: hako run [--image NAME] [--root DIR] [--stats] [--] [CMD [ARGS...]]

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
  if (sub !== "run") {
    process.stderr.write(`hako: unknown command ${sub}\n${USAGE}`);
    return 2;
  }
  const o = parseRun(rest);
  if (typeof o === "string") {
    process.stderr.write(`hako run: ${o}\n${USAGE}`);
    return 2;
  }
  let fs: RootFs;
  try {
    fs = o.root !== null ? hostRoot(o.root) : await imageRoot(o.image);
  } catch (e) {
    process.stderr.write(`hako: ${(e as Error).message}\n`);
    return 125;
  }
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
