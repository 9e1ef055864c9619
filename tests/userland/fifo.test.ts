// Named pipes against the real thing: progs/fifo.c (open rules with and
// without O_NONBLOCK, data, EOF, EPIPE, fstat, a waiting open interrupted or
// restarted, data dropped at the last close) built with gcc -static runs
// natively and in Hako with identical output and status; busybox command
// lines with mkfifo compare the same way (fifo(7)).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { makeScratch, runNative, runHako, runHakoMerged, scratchMachine, type Scratch } from "./harness";
import type { Machine } from "../../src/kernel/machine";

let s: Scratch;
let m: Machine;

beforeAll(async () => {
  s = makeScratch();
  execFileSync("gcc", ["-static", "-O1", "-o", join(s.dir, "bin/fifo-probe"), join(import.meta.dirname, "progs/fifo.c")]);
  m = await scratchMachine(s);
}, 120000);

afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

describe("named pipes: native vs Hako", () => {
  it("progs/fifo.c", () => {
    const n = spawnSync(join(s.dir, "bin/fifo-probe"), [], { cwd: s.work, encoding: "utf8", timeout: 30000 });
    expect(n.stdout).toContain("blocking read open: 11 from child");
    const h = runHakoMerged(m, ["/bin/fifo-probe"], "/work", 5e9);
    expect(h).toEqual({ output: n.stdout + n.stderr, status: n.status });
  }, 60000);

  for (const cmd of [
    "mkfifo f; (echo hi > f &) ; cat f; rm f",
    "mkfifo f; cat f & sleep 0.1; echo one > f; wait; ls -l f | cut -c1-10; rm f",
    "mkfifo f; exec 3<>f; echo x >&3; read l <&3; echo got $l; rm f",
    "mkfifo f; seq 1000 > f & wc -l < f; wait; rm f",
    "mkfifo f; echo nobody > f & sleep 0.2; kill $!; wait $!; echo st=$?; rm f",
    "mkfifo -m 600 f; stat -c '%A %F' f; rm f",
  ]) {
    it(cmd, () => {
      const argv = ["sh", "-c", cmd];
      const n = runNative(s, argv);
      const h = runHako(m, argv);
      expect({ stdout: h.stdout, stderr: h.stderr, status: h.status }).toEqual(n);
    }, 30000);
  }
});
