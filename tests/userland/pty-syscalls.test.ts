// progs/pty.c — posix_openpt/grantpt/unlockpt/ptsname, the slave lock, data
// through the line discipline both ways, VMIN/VTIME, O_NONBLOCK, FIONREAD,
// window size, poll, controlling terminal (setsid, TIOCSCTTY, /dev/tty,
// TIOCGSID/TIOCGPGRP), SIGTTIN for a background reader, hangup on either
// side — built with gcc -static and run natively and in Hako; the
// transcripts must be identical line for line.
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
  root = mkdtempSync(join(tmpdir(), "hako-pty-"));
  mkdirSync(join(root, "bin"));
  execFileSync("gcc", ["-static", "-O1", "-o", join(root, "bin/pty"), join(PROGS, "pty.c")]);
  m = await Machine.create({ root: new HostFs(root).root });
}, 60000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("pseudo-terminal syscalls (progs/pty.c)", () => {
  it("give the same results as Linux, line by line", () => {
    // Natively in a new session (setsid), as Hako's process is: a session leader without a terminal.
    const n = spawnSync("setsid", [join(root, "bin/pty")], { cwd: root, timeout: 30000 });
    expect(n.status).toBe(0);
    const r = runHakoMerged(m, ["/bin/pty"], "/", 5e9);
    expect(r.output.split("\n")).toEqual(n.stdout.toString().split("\n"));
    expect(r.status).toBe(0);
  }, 60000);
});
