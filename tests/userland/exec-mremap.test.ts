// execve(2) from a thread that is not the leader, and mremap(2), against the
// real thing: progs/execthread.c (the calling thread takes over the PID, the
// other threads go, the parent waits the same pid) and progs/mremap.c (grow
// in place, move with MREMAP_MAYMOVE — a MAP_SHARED mapping moved while a
// child writes to it shows the frames move rather than being copied —,
// MREMAP_FIXED, MREMAP_DONTUNMAP, shrink, errors), built with gcc -static,
// run natively and in Hako: identical output and status.
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
  root = mkdtempSync(join(tmpdir(), "hako-exec-mremap-"));
  mkdirSync(join(root, "bin"));
  const progs = join(import.meta.dirname, "progs");
  execFileSync("gcc", ["-static", "-O1", "-pthread", "-o", join(root, "bin/execthread-glibc"), join(progs, "execthread.c")]);
  execFileSync("musl-gcc", ["-static", "-O1", "-o", join(root, "bin/execthread-musl"), join(progs, "execthread.c")]);
  execFileSync("gcc", ["-static", "-O1", "-o", join(root, "bin/mremap"), join(progs, "mremap.c")]);
  m = await Machine.create({ root: new HostFs(root).root });
}, 60000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("execve from a non-leader thread, mremap: native vs Hako", () => {
  for (const bin of ["execthread-glibc", "execthread-musl", "mremap"]) {
    it(bin, () => {
      const n = spawnSync(join(root, "bin", bin), [], { encoding: "utf8", timeout: 30000 });
      expect(n.stdout).not.toBe("");
      const h = runHakoMerged(m, [`/bin/${bin}`], "/", 5e9);
      expect(h).toEqual({ output: n.stdout + n.stderr, status: n.status });
    }, 60000);
  }
});
