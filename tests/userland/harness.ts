// Shared by the userland tests and the benchmark: a scratch root holding the
// real busybox (Debian's busybox-static, fetched by scripts/build-images into
// .cache/) with one link per applet, and two ways to run a command line in
// it — natively, and in a Hako machine whose root is the same directory
// through hostfs — so the two can be compared byte for byte.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, copyFileSync, symlinkSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeBusybox } from "../../scripts/build-images";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";

export interface Outcome { stdout: string; stderr: string; status: number }

export interface Scratch {
  dir: string;
  /** Where commands run: <dir>/work natively, /work in Hako. */
  work: string;
  busybox: string;
}

/** Builds the scratch root: bin/ with busybox and its applet links, etc/ from the host, work/ for data. */
export function makeScratch(): Scratch {
  const busybox = nativeBusybox();
  const dir = mkdtempSync(join(tmpdir(), "hako-userland-"));
  mkdirSync(join(dir, "bin"));
  copyFileSync(busybox, join(dir, "bin/busybox"));
  spawnSync("chmod", ["755", join(dir, "bin/busybox")]);
  const list = spawnSync(busybox, ["--list"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const applet of list) if (applet !== "busybox") symlinkSync("busybox", join(dir, "bin", applet));
  mkdirSync(join(dir, "etc"));
  // ls -l and id map ids to names through these, natively from the host's /etc.
  for (const f of ["passwd", "group"]) if (existsSync(`/etc/${f}`)) writeFileSync(join(dir, "etc", f), readFileSync(`/etc/${f}`));
  mkdirSync(join(dir, "work"));
  return { dir, work: join(dir, "work"), busybox };
}

export const ENV = ["TZ=UTC", "HOME=/root", "LC_ALL=C"];

/** Runs argv natively: PATH holds only the busybox links. */
export function runNative(s: Scratch, argv: string[], stdin = ""): Outcome {
  const env: Record<string, string> = { PATH: join(s.dir, "bin") };
  for (const e of ENV) { const [k, v] = e.split("="); env[k] = v; }
  const r = spawnSync(argv[0], argv.slice(1), { cwd: s.work, env, input: Buffer.from(stdin, "latin1"), timeout: 30000 });
  // EPIPE only means the command exited without reading all of its input.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== "EPIPE") throw r.error;
  return {
    stdout: r.stdout.toString("latin1"),
    stderr: r.stderr.toString("latin1"),
    status: r.status ?? 128 + (r.signal ? (({ SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGFPE: 8, SIGSEGV: 11 } as Record<string, number>)[r.signal] ?? 0) : 0),
  };
}

/** A machine whose root filesystem is the scratch directory. */
export async function scratchMachine(s: Scratch): Promise<Machine> {
  return Machine.create({ root: new HostFs(s.dir).root });
}

/** Runs argv in `m` in process, with `stdin` as input; output is captured. */
export function runHako(m: Machine, argv: string[], stdin: string | Uint8Array = "", cwd = "/work"): Outcome & { instructions: number; cpuMs: number } {
  const out: Uint8Array[] = [], err: Uint8Array[] = [];
  const input = typeof stdin === "string" ? Buffer.from(stdin, "latin1") : stdin;
  const r = m.run({
    argv, cwd, env: ["PATH=/bin", ...ENV],
    stdio: { stdin: sourceDevice(bufferSource(input)), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => err.push(d)) },
    maxInstructions: 20e9,
  });
  const text = (parts: Uint8Array[]): string => Buffer.concat(parts).toString("latin1");
  return { stdout: text(out), stderr: text(err), status: r.status, instructions: r.stats.instructions, cpuMs: r.stats.cpuMs };
}

/**
 * Runs a test program in Hako with no input and its stdout and stderr merged
 * in write order, as a native run's interleaved output reads (the *-syscalls
 * probes compare that with Linux line by line).
 */
export function runHakoMerged(m: Machine, argv: string[], cwd: string, maxInstructions: number): { output: string; status: number } {
  const out: Uint8Array[] = [];
  const r = m.run({
    argv, env: [], cwd,
    stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => out.push(d)) },
    maxInstructions,
  });
  return { output: Buffer.concat(out).toString(), status: r.status };
}
