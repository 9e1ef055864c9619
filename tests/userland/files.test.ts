// Differential: busybox command lines that write files, run natively in a
// scratch directory and in Hako, whose root is the same directory as the
// read-only lower layer of an overlay with a tmpfs upper layer. Each case
// gets its own directory with the same starting files on both sides; its
// steps run in order (one applet each, no shell needed) and every step's
// stdout, stderr and status must match. Hako runs first, so its lower layer
// is the untouched starting state and every change it makes goes through
// copy-up, whiteouts and the upper layer. Masked: clock times of files
// made during the run (ls -l dates, dd's rate), and listings whose order is
// the filesystem's directory order are compared sorted.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { writeFileSync, mkdirSync, symlinkSync, utimesSync, lutimesSync, rmSync, chmodSync } from "node:fs";
import { join, dirname } from "node:path";
import { makeScratch, runNative, runHako, type Scratch, type Outcome } from "./harness";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { overlayRoot } from "../../src/kernel/fs/rootfs";

type Fixture = Record<string, string | { link: string } | { dir: true; mode?: number } | { data: string; mode: number }>;

interface Step { argv: string[]; stdin?: string; sort?: boolean }
interface Case { name: string; files?: Fixture; steps: Array<string[] | Step> }

const T0 = 1000000000; // fixed times of the starting files

const TEXT = "alpha\nbeta\ngamma\nalpha beta\ndelta\n";
const TREE: Fixture = {
  "src/a.txt": "A\n", "src/b.txt": "BB\n", "src/sub/c.txt": "CCC\n", "src/sub/d.bin": "\x00\x01\x02",
  "src/link": { link: "a.txt" }, "src/x.sh": { data: "#!/bin/sh\n", mode: 0o755 },
};

const CASES: Case[] = [
  { name: "mkdir -p, rmdir, mkdir errors", steps: [
    ["mkdir", "-p", "a/b/c"], ["ls", "-R", "a"], ["rmdir", "a/b/c"], ["ls", "a/b"], ["mkdir", "a"], ["rmdir", "a"],
    ["mkdir", "-m", "700", "m"], ["stat", "-c", "%a %F", "m"], ["rmdir", "nope"], ["mkdir", "x/y"],
  ] },
  { name: "touch -d and stat -c", files: { "old.txt": "old\n" }, steps: [
    ["touch", "-d", "2020-01-02 03:04:05", "f"], ["stat", "-c", "%a %s %F %U %G %Y %X %h", "f"],
    ["touch", "-d", "2001-02-03 04:05:06", "old.txt"], ["stat", "-c", "%n %s %Y", "old.txt"], ["cat", "old.txt"],
    ["touch", "-c", "nothere"], ["ls"], ["touch", "-r", "f", "old.txt"], ["stat", "-c", "%Y", "old.txt"],
  ] },
  { name: "cp -a keeps modes, times, links", files: TREE, steps: [
    ["cp", "-a", "src", "dst"], { argv: ["find", "dst"], sort: true },
    { argv: ["stat", "-c", "%n %a %s %F %Y", "dst/a.txt", "dst/b.txt", "dst/sub/c.txt", "dst/sub/d.bin", "dst/x.sh"] },
    // Not the link's %Y: cp -a leaves a copied symlink the time it was made (utimensat follows links), so
    // the two runs' seconds differ whenever they straddle a second boundary (seen under load).
    { argv: ["stat", "-c", "%n %a %s %F", "dst/link"] },
    ["readlink", "dst/link"], ["cmp", "src/sub/d.bin", "dst/sub/d.bin"], ["cp", "src/a.txt", "src/b.txt"], ["cat", "src/b.txt"],
    ["cp", "src", "nodir"],
  ] },
  { name: "mv files and directories (lower dirs move by copying)", files: TREE, steps: [
    ["mv", "src/a.txt", "moved.txt"], ["cat", "moved.txt"], ["ls", "src"], ["mv", "src", "dest"], { argv: ["find", "."], sort: true },
    ["mkdir", "newdir"], ["mv", "newdir", "renamed"], ["ls"], ["mv", "dest", "dest/sub"], ["mv", "nope", "x"],
    ["mv", "-f", "moved.txt", "dest/b.txt"], ["cat", "dest/b.txt"],
  ] },
  { name: "rm -r over the lower layer, then the same names again", files: TREE, steps: [
    ["rm", "-r", "src/sub"], ["ls", "src"], ["mkdir", "src/sub"], ["ls", "src/sub"], ["rm", "src/a.txt"], ["ls", "src"],
    ["rm", "-rf", "src"], ["ls"], ["rm", "nothere"], ["rm", "-f", "nothere"], ["rmdir", "."],
  ] },
  { name: "ln -s, ln, link counts", files: { "t.txt": "target\n" }, steps: [
    ["ln", "-s", "t.txt", "sl"], ["readlink", "sl"], ["cat", "sl"], ["stat", "-c", "%N %F", "sl"], ["ln", "t.txt", "hard"],
    ["stat", "-c", "%h %s", "t.txt", "hard"], ["ln", "t.txt", "hard"], ["ln", "-sf", "other", "sl"], ["readlink", "sl"],
    ["cat", "sl"], ["rm", "t.txt"], ["stat", "-c", "%h", "hard"], ["cat", "hard"], ["ln", "-s", "dangling", "dl"], ["ls", "-L", "dl"],
  ] },
  { name: "chmod and chown", files: { "f": "x\n", "d/g": "y\n" }, steps: [
    ["chmod", "4755", "f"], ["stat", "-c", "%a %A", "f"], ["chmod", "u-s,g+w,o-rx", "f"], ["stat", "-c", "%a %A", "f"],
    ["chown", "1:2", "f"], ["stat", "-c", "%u %g", "f"], ["chmod", "2755", "f"], ["chown", "3", "f"], ["stat", "-c", "%a %u %g", "f"],
    ["chmod", "-R", "700", "d"], ["stat", "-c", "%a", "d", "d/g"], ["chmod", "755", "nothere"], ["chown", "-h", "5:6", "d/g"],
    ["stat", "-c", "%u %g", "d/g"],
  ] },
  { name: "du and find", files: TREE, steps: [
    ["du", "-s", "src"], { argv: ["du", "-a", "src/sub"], sort: true }, { argv: ["find", ".", "-name", "*.txt", "-type", "f"], sort: true },
    { argv: ["find", "src", "-type", "l"], sort: true }, { argv: ["find", "src", "-type", "d"], sort: true },
    ["dd", "if=/dev/zero", "of=src/big", "bs=4096", "count=3"], ["du", "-s", "src"],
  ] },
  { name: "tar create, list, extract", files: TREE, steps: [
    ["tar", "cf", "x.tar", "src"], { argv: ["tar", "tf", "x.tar"], sort: true }, ["mkdir", "out"], ["tar", "xf", "x.tar", "-C", "out"],
    { argv: ["find", "out"], sort: true }, ["cmp", "src/sub/d.bin", "out/src/sub/d.bin"], ["readlink", "out/src/link"],
    ["stat", "-c", "%n %a %s %Y", "out/src/a.txt", "out/src/x.sh"], { argv: ["tar", "tvf", "x.tar", "src/a.txt", "src/link"], sort: true },
  ] },
  { name: "sed -i, sort -o, tee, wc", files: { "t.txt": TEXT }, steps: [
    ["sed", "-i", "s/alpha/ALPHA/", "t.txt"], ["cat", "t.txt"], ["sort", "-o", "t.txt", "t.txt"], ["cat", "t.txt"],
    { argv: ["tee", "new.txt"], stdin: "one\ntwo\n" }, { argv: ["tee", "-a", "new.txt"], stdin: "three\n" }, ["wc", "new.txt", "t.txt"],
    ["sed", "-i", "-e", "1d", "new.txt"], ["cat", "new.txt"],
  ] },
  { name: "dd, truncate, cmp", files: { "f": "0123456789" }, steps: [
    ["dd", "if=f", "of=g", "bs=1", "skip=2", "count=5"], ["cat", "g"], ["dd", "if=f", "of=g", "bs=1", "seek=3", "count=2", "conv=notrunc"],
    ["cat", "g"], ["truncate", "-s", "10000", "g"], ["stat", "-c", "%s %b", "g"], ["dd", "if=f", "of=g", "bs=1", "seek=9000", "conv=notrunc"],
    ["stat", "-c", "%s %b", "g"], ["du", "g"], ["truncate", "-s", "4", "g"], ["cat", "g"],
    ["truncate", "-s", "+2", "f"], ["od", "-c", "f"], ["dd", "if=/dev/urandom", "of=r", "bs=1000", "count=3"], ["stat", "-c", "%s", "r"],
    ["cmp", "f", "g"],
  ] },
  { name: "ls -la of a changed tree", files: TREE, steps: [
    ["chmod", "600", "src/b.txt"], ["rm", "src/sub/c.txt"], ["mkdir", "src/new"], { argv: ["ls", "-la", "src", "src/sub"] },
    ["ls", "-ln", "src"], ["ls", "-1F", "src"],
  ] },
  { name: "fallocate, mkfifo, mknod, gzip, shred", files: { "t.txt": TEXT }, steps: [
    ["fallocate", "-l", "10000", "fa"], ["stat", "-c", "%s %b", "fa"], ["fallocate", "-o", "20000", "-l", "100", "fa"], ["stat", "-c", "%s %b", "fa"],
    ["mkfifo", "p"], ["stat", "-c", "%F %a", "p"], ["mkfifo", "-m", "600", "p2"], ["stat", "-c", "%F %a", "p2"], ["mknod", "n", "c", "1", "3"],
    ["stat", "-c", "%F %t %T %a", "n"], ["gzip", "-k", "t.txt"], ["gzip", "-t", "t.txt.gz"], ["rm", "t.txt"], ["gunzip", "t.txt.gz"],
    ["cat", "t.txt"], ["sync"], ["shred", "-u", "t.txt"], ["ls"],
  ] },
  { name: "shell redirections and pipelines writing files", files: TREE, steps: [
    ["sh", "-c", "echo one > f; echo two >> f; cat f; cat < f | wc -l"],
    ["sh", "-c", "printf '%s\\n' c b a > u; sort u > s; cat s; sort -r -o u u; cat u"],
    ["sh", "-c", "mkdir -p t/a t/b; touch t/a/1 t/b/2; find t -type f | sort | xargs rm; find t | sort"],
    ["sh", "-c", "exec 3> fd3; echo via3 >&3; exec 3>&-; cat fd3"],
    ["sh", "-c", "echo x > ro; chmod 444 ro; echo y > ro; echo $?; cat ro"],
    ["sh", "-c", "set -C; echo a > nc; echo b > nc; echo $?; cat nc"],
    ["sh", "-c", "umask 077; touch um; mkdir umd; stat -c %a um umd"],
    ["sh", "-c", "tar cf - src | (mkdir dst && cd dst && tar xf -); find dst | sort; cmp src/sub/d.bin dst/src/sub/d.bin"],
    ["sh", "-c", "cat > heredoc <<EOF\nline1\nline2\nEOF\ncat heredoc; wc -c heredoc"],
    ["sh", "-c", "for i in 1 2 3; do echo $i > n$i; done; cat n*; rm n*; ls n* 2>&1; echo $?"],
    ["sh", "-c", "dd if=/dev/zero bs=1k count=64 2>/dev/null | wc -c; echo data | tee a b > /dev/null; cat a b"],
    ["sh", "-c", "cd src && mv a.txt ../moved && cd .. && ls src && cat moved && rm -rf src && ls"],
  ] },
  { name: "error messages", files: { "f": "x", "d/e": "y" }, steps: [
    ["cat", "d"], ["rmdir", "d"], ["mkdir", "f"], ["ln", "f", "d/e"], ["touch", "nodir/x"], ["rm", "d"], ["mv", "d", "f"],
    ["mv", "f", "d/e/x"], ["cp", "f", "d/e/x"], ["ls", "nothere"], ["cat", "f/x"], ["ln", "-s", "x", "f"], ["rmdir", "f"],
  ] },
];

let s: Scratch;
let m: Machine;

function makeFixture(dir: string, files: Fixture): void {
  mkdirSync(dir, { recursive: true });
  const dirs: string[] = [];
  for (const [p, v] of Object.entries(files)) {
    const full = join(dir, p);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof v === "string") writeFileSync(full, v, "latin1");
    else if ("link" in v) { symlinkSync(v.link, full); lutimesSync(full, T0, T0); continue; }
    else if ("dir" in v) { mkdirSync(full, { recursive: true }); if (v.mode) chmodSync(full, v.mode); dirs.push(full); continue; }
    else { writeFileSync(full, v.data, "latin1"); chmodSync(full, v.mode); }
    utimesSync(full, T0, T0);
  }
  for (const d of dirs) utimesSync(d, T0, T0);
}

beforeAll(async () => {
  s = makeScratch();
  CASES.forEach((c, n) => makeFixture(join(s.work, `c${n}`), c.files ?? {}));
  m = await Machine.create({ root: overlayRoot(new HostFs(s.dir).root).root });
}, 120000);

afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

/** Masks what may differ between two runs at different moments. */
function mask(o: Outcome, step: Step): Outcome {
  const m = (x: string): string => {
    let y = x
      .replace(/\b[A-Z][a-z]{2} [ \d]\d +(\d\d:\d\d|\d{4})\b/g, "DATE")
      .replace(/\d+ bytes \([\d.]+ ?[kKMG]?B\) copied, [\d.]+ seconds, [\d.]+ ?[kKMG]?B\/s/g, "N bytes copied");
    if (step.sort) y = y.split("\n").sort().join("\n");
    return y;
  };
  return { stdout: m(o.stdout), stderr: m(o.stderr), status: o.status };
}

describe("file command lines: Hako (overlay root) vs native busybox", () => {
  CASES.forEach((c, n) => {
    it(c.name, () => {
      const steps = c.steps.map((x): Step => (Array.isArray(x) ? { argv: x } : x));
      const hako = steps.map((st) => mask(runHako(m, st.argv, st.stdin ?? "", `/work/c${n}`), st));
      const nativeScratch = { ...s, work: join(s.work, `c${n}`) };
      const native = steps.map((st) => mask(runNative(nativeScratch, st.argv, st.stdin ?? ""), st));
      steps.forEach((st, i) => expect({ argv: st.argv.join(" "), ...hako[i] }).toEqual({ argv: st.argv.join(" "), ...native[i] }));
    });
  });
});
