// progs/procs.c — fork and copy-on-write, wait status encoding, waitid,
// MAP_SHARED across fork, vfork, sessions and groups, pipe(7) capacity and
// readiness, poll/select timeouts, pthreads — built with gcc -static and
// run natively and in Hako; the transcripts must be identical line for line.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { runHakoMerged } from "./harness";

const PROGS = join(import.meta.dirname, "progs");
let root: string;
let m: Machine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hako-procs-"));
  mkdirSync(join(root, "bin"));
  execFileSync("gcc", ["-static", "-O1", "-pthread", "-o", join(root, "bin/procs"), join(PROGS, "procs.c")]);
  m = await Machine.create({ root: new HostFs(root).root });
}, 60000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("process syscalls (progs/procs.c)", () => {
  it("give the same results as Linux, line by line", () => {
    const n = spawnSync(join(root, "bin/procs"), [], { cwd: root });
    expect(n.status).toBe(0);
    const r = runHakoMerged(m, ["/bin/procs"], "/", 5e9);
    expect(r.output.split("\n")).toEqual(n.stdout.toString().split("\n"));
    expect(r.status).toBe(0);
  }, 60000);
});
