// A guest fault is a signal, not a crash: tiny static programs (assembled
// or built with musl-gcc at test time) that execute ud2, divide by zero,
// write to bad or read-only addresses, or hit int3 end with the status a
// shell reports natively (128+N), and the same machine runs the next
// program. mm.c checks mmap/munmap/mprotect/brk and EFAULT against Linux;
// libc.c is a glibc-static program (IFUNCs, malloc via brk/mmap/mremap,
// stdio, readdir, stat, time, long double printf).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine, Process } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";

const PROGS = join(import.meta.dirname, "progs");
let root: string;
let m: Machine;

const ASM = ["ud2", "div0", "badwrite", "textwrite", "int3", "exit7"];
const EXTRA_ASM = ["spin"];
const SIGNALS: Record<string, number> = { SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGFPE: 8, SIGSEGV: 11 };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hako-faults-"));
  mkdirSync(join(root, "bin"));
  for (const p of [...ASM, ...EXTRA_ASM]) execFileSync("gcc", ["-static", "-nostdlib", "-o", join(root, "bin", p), join(PROGS, `${p}.S`)]);
  execFileSync("musl-gcc", ["-static", "-O1", "-o", join(root, "bin/mm"), join(PROGS, "mm.c")]);
  execFileSync("gcc", ["-static", "-O1", "-o", join(root, "bin/libc"), join(PROGS, "libc.c")]);
  m = await Machine.create({ root: new HostFs(root).root });
}, 60000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Out { stdout: string; status: number }

function native(argv: string[], stdin: string): Out {
  const r = spawnSync(join(root, "bin", argv[0]), argv.slice(1), { input: stdin });
  if (r.error) throw r.error;
  return { stdout: r.stdout.toString(), status: r.status ?? 128 + (SIGNALS[r.signal ?? ""] ?? 0) };
}

function hako(argv: string[], stdin: string): Out {
  const out: Uint8Array[] = [];
  const r = m.run({
    argv: [`/bin/${argv[0]}`, ...argv.slice(1)], env: [],
    stdio: { stdin: sourceDevice(bufferSource(Buffer.from(stdin))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice(() => {}) },
    maxInstructions: 1e9,
  });
  return { stdout: Buffer.concat(out).toString(), status: r.status };
}

describe("guest faults end the process with a signal status", () => {
  const expected: Record<string, number> = { ud2: 132, div0: 136, badwrite: 139, textwrite: 139, int3: 133, exit7: 7 };
  for (const p of ASM) {
    it(`${p} → ${expected[p]}`, () => {
      const n = native([p], "");
      expect(n.status).toBe(expected[p]);
      expect(hako([p], "")).toEqual(n);
    });
  }
  it("the machine keeps running after a fault, and every frame comes back", () => {
    // The page cache keeps the pages of the programs run (mm/pagecache.ts): dropped first, as drop_caches does.
    m.mem.cache.reclaim(null);
    const frames = m.mem.usedFrames;
    expect(hako(["ud2"], "").status).toBe(132);
    expect(hako(["exit7"], "")).toEqual({ stdout: "hi\n", status: 7 });
    expect(hako(["mm", "hole"], "x").status).toBe(139);
    expect(hako(["../bin"], "").status).toBe(126); // a directory: execve fails with EACCES
    expect(hako(["nothing-here"], "").status).toBe(127);
    expect(m.mem.cache.reclaim(null)).toBeGreaterThan(0); // the programs' pages were cached, and nobody maps them now
    expect(m.mem.usedFrames).toBe(frames);
  });
});

describe("memory syscalls and EFAULT, native vs Hako (musl-gcc -static)", () => {
  for (const arg of ["", "hole", "ro", "none", "abort"]) {
    it(`mm ${arg || "(no fault)"}`, () => {
      const argv = arg ? ["mm", arg] : ["mm"];
      expect(hako(argv, "x")).toEqual(native(argv, "x"));
    });
  }
});

describe("a glibc-static program, native vs Hako", () => {
  // Natively in the same directory layout through chroot(2), which needs root (as CI runs).
  it.skipIf(process.getuid?.() !== 0)("libc", () => {
    const n = spawnSync("chroot", [root, "/bin/libc"], { env: { HOME: "/root", PATH: process.env.PATH } });
    if (n.error) throw n.error;
    const out: Uint8Array[] = [];
    const r = m.run({
      argv: ["/bin/libc"], env: ["HOME=/root"],
      stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice(() => {}) },
    });
    expect({ stdout: Buffer.concat(out).toString(), status: r.status }).toEqual({ stdout: n.stdout.toString(), status: n.status });
  });
});

describe("a process run in slices", () => {
  const stdio = () => ({ stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice(() => {}), stderr: sinkDevice(() => {}) });

  it("yields after the time slice and ends with 137 on SIGKILL", () => {
    const p = m.spawn({ argv: ["/bin/spin"], env: [], stdio: stdio() });
    expect(p).toBeInstanceOf(Process);
    const proc = p as Process;
    expect(proc.step(20)).toBe(false);
    expect(proc.step(20)).toBe(false);
    proc.kill(9);
    expect(proc.step(20)).toBe(true);
    expect(proc.result().status).toBe(137);
    expect(proc.result().stats.instructions).toBeGreaterThan(1000);
  });

  it("stops a runaway at the instruction limit with SIGXCPU (152)", () => {
    expect(m.run({ argv: ["/bin/spin"], env: [], stdio: stdio(), maxInstructions: 5e6 }).status).toBe(152);
  });
});
