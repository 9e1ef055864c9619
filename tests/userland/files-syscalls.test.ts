// progs/files.c — open flags, offsets, holes, renameat2, error cases,
// times, statx, record locks and permission checks as an unprivileged user —
// run natively (as root, in an empty scratch directory) and in Hako (in an
// empty directory of an overlay root over a host tree); the transcripts must
// be identical line for line.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { overlayRoot } from "../../src/kernel/fs/rootfs";
import { runHakoMerged } from "./harness";

const PROGS = join(import.meta.dirname, "progs");
let root: string;
let nativeDir: string;
let m: Machine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hako-files-"));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "work"), { mode: 0o755 });
  execFileSync("gcc", ["-static", "-O1", "-o", join(root, "bin/files"), join(PROGS, "files.c")]);
  nativeDir = mkdtempSync(join(tmpdir(), "hako-files-native-"));
  spawnSync("chmod", ["755", nativeDir]);
  m = await Machine.create({ root: overlayRoot(new HostFs(root).root).root });
}, 60000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(nativeDir, { recursive: true, force: true });
});

describe("file syscalls (progs/files.c)", () => {
  it("give the same results as Linux, line by line", () => {
    const n = spawnSync(join(root, "bin/files"), [], { cwd: nativeDir });
    expect(n.status).toBe(0);
    const r = runHakoMerged(m, ["/bin/files"], "/work", 2e9);
    expect(r.output.split("\n")).toEqual(n.stdout.toString().split("\n"));
    expect(r.status).toBe(0);
  });
});
