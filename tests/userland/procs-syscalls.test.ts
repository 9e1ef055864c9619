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
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";

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
    const out: Uint8Array[] = [];
    const r = m.run({
      argv: ["/bin/procs"], env: [], cwd: "/",
      stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => out.push(d)) },
      maxInstructions: 5e9,
    });
    const lines = (s: string): string[] => s.split("\n");
    expect(lines(Buffer.concat(out).toString())).toEqual(lines(n.stdout.toString()));
    expect(r.status).toBe(0);
  }, 60000);
});
