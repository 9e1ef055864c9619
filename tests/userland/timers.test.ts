// Sleeps and CPU-time timers against the real thing: progs/timers.c, built
// with gcc -static and musl-gcc -static, runs natively and in Hako with
// identical output and status. stop: a nanosleep/clock_nanosleep stopped
// (SIGSTOP) and continued sleeps only the time that was left, through
// restart_syscall(2); eintr: after a handler the sleep ends with EINTR and
// the time left in rem, SA_RESTART or not; cont: SIGCONT without a handler
// does not cut a sleep short; itimer: ITIMER_VIRTUAL/ITIMER_PROF fire while
// the process computes, not while it sleeps, stop when disarmed, and are not
// inherited by fork; cputime: the process CPU clock counts the process's own
// computing only. Times are compared in rounded tenths of a second, and
// the signal counts loosely ("fired"), since the emulated CPU is slower.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { runHakoMerged } from "./harness";

let root: string;
let m: Machine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hako-timers-"));
  mkdirSync(join(root, "bin"));
  const src = join(import.meta.dirname, "progs/timers.c");
  execFileSync("gcc", ["-static", "-O1", "-o", join(root, "bin/timers-glibc"), src]);
  execFileSync("musl-gcc", ["-static", "-O1", "-o", join(root, "bin/timers-musl"), src]);
  m = await Machine.create({ root: new HostFs(root).root });
}, 60000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

for (const libc of ["glibc", "musl"]) {
  describe(`sleeps and itimers, native vs Hako (${libc})`, () => {
    for (const probe of ["stop", "eintr", "cont", "itimer", "cputime"]) {
      it(probe, () => {
        const bin = `timers-${libc}`;
        const n = spawnSync(join(root, "bin", bin), [probe], { encoding: "utf8", timeout: 60000 });
        expect(n.stdout).not.toContain("?");
        const h = runHakoMerged(m, [`/bin/${bin}`, probe], "/", 20e9);
        expect(h).toEqual({ output: n.stdout + n.stderr, status: n.status });
      }, 90000);
    }
  });
}
