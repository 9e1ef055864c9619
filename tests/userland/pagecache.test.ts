// The page cache (src/kernel/mm/pagecache.ts): processes running one
// executable share its file pages, whether they reach it by one path or
// through different overlay mounts of the same lower layer; /proc tells the
// truth about it (VmRSS = RssAnon + RssFile, meminfo's Cached); a private
// file mapping written to changes neither the file nor anyone else's view,
// as on Linux (tests/userland/progs/filemap.c, compared with a native run);
// a file rewritten in place is never run or mapped from stale pages; the
// ELF loader leaves the same bytes around segments as Linux's
// (tests/userland/progs/elfpages.c, musl and glibc builds).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { rmSync, copyFileSync, chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { makeScratch, runHako, runNative, scratchMachine, type Scratch } from "./harness";
import type { Machine } from "../../src/kernel/machine";

const PROGS = join(import.meta.dirname, "progs");
let s: Scratch;
let m: Machine;

beforeAll(async () => {
  s = makeScratch();
  execFileSync("musl-gcc", ["-static", "-O1", "-o", join(s.work, "filemap"), join(PROGS, "filemap.c")]);
  execFileSync("musl-gcc", ["-static", "-O1", "-o", join(s.work, "elfpages"), join(PROGS, "elfpages.c")]);
  execFileSync("gcc", ["-static", "-O1", "-o", join(s.work, "elfpages-glibc"), join(PROGS, "elfpages.c")]);
  m = await scratchMachine(s);
}, 60000);

afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

/** The kB figures of lines "Name: N kB" in `text`, in order, for `name`. */
const kb = (text: string, name: string): number[] =>
  [...text.matchAll(new RegExp(`^(?:\\S+:)?${name}:\\s+(\\d+) kB$`, "gm"))].map((x) => Number(x[1]));

// Starts `bb sleep` (bb: a path to a busybox named busybox) in the background and prints MemFree once it has exec'd.
const START = (bb: string): string =>
  `${bb} sleep 30 & p=$!; i=0; while [ "$(cat /proc/$p/comm)" != busybox ] && [ $i -lt 200 ]; do i=$((i+1)); done; `
  + `grep MemFree /proc/meminfo; `;

describe("page cache", () => {
  it("a second process running the same file costs a fraction of the first: the image's pages are shared", () => {
    // A copy of busybox: a new file, so nothing of it is cached yet (the shell itself runs /bin/busybox).
    const r = runHako(m, ["sh", "-c", "mkdir /work/c; cp /bin/busybox /work/c/; grep MemFree /proc/meminfo; "
      + START("/work/c/busybox") + "a=$p; " + START("/work/c/busybox")
      + "grep -E 'VmRSS|RssAnon|RssFile' /proc/$a/status /proc/$p/status; grep -E '^Cached' /proc/meminfo; kill $a $p; rm -r /work/c"]);
    expect(r.status, r.stderr).toBe(0);
    const [free0, free1, free2] = kb(r.stdout, "MemFree");
    const first = free0 - free1, second = free1 - free2;
    const rss = kb(r.stdout, "VmRSS"), anon = kb(r.stdout, "RssAnon"), file = kb(r.stdout, "RssFile");
    // Both map the whole image (about 1.9 MiB of file pages) …
    expect(file[0]).toBeGreaterThan(1000);
    expect(file[1]).toBe(file[0]);
    for (const i of [0, 1]) expect(rss[i]).toBe(anon[i] + file[i]);
    // … but only the first brought it into memory: the second costs its private pages (stack, data written, page tables).
    expect(first).toBeGreaterThanOrEqual(file[0]);
    expect(second).toBeLessThan(first / 8);
    expect(second).toBeLessThan(anon[1] + 64);
    // Cached holds /bin/busybox and the copy: at least two images.
    expect(kb(r.stdout, "Cached")[0]).toBeGreaterThanOrEqual(2 * file[0]);
  });

  it("containers over one lower layer share its pages through their overlays", () => {
    const mk = (n: number): string => `mkdir -p /tmp/u${n} /tmp/w${n} /tmp/m${n}; mount -t overlay o${n} -o lowerdir=/tmp/img,upperdir=/tmp/u${n},workdir=/tmp/w${n} /tmp/m${n}; `;
    const r = runHako(m, ["sh", "-c", "mkdir -p /tmp/img; cp /bin/busybox /tmp/img/; " + mk(1) + mk(2)
      + "grep MemFree /proc/meminfo; " + START("/tmp/m1/busybox") + "a=$p; " + START("/tmp/m2/busybox")
      + "grep RssFile /proc/$a/status /proc/$p/status; kill $a $p; umount /tmp/m1 /tmp/m2"]);
    expect(r.status, r.stderr).toBe(0);
    const [free0, free1, free2] = kb(r.stdout, "MemFree");
    const file = kb(r.stdout, "RssFile");
    expect(file[0]).toBeGreaterThan(1000);
    expect(free0 - free1).toBeGreaterThanOrEqual(file[0]);
    expect(free1 - free2).toBeLessThan((free0 - free1) / 8);
  });

  it("MAP_PRIVATE file mappings copy on write, and later writes to the file show in new mappings, as on Linux", () => {
    const native = runNative(s, ["./filemap"]);
    expect(native.status, native.stderr).toBe(0);
    const hako = runHako(m, ["./filemap"]);
    expect(hako.stderr).toBe("");
    expect(hako.stdout).toBe(native.stdout);
    expect(hako.status).toBe(0);
    // The program's own checks, so a shared mistake on both sides cannot pass unseen.
    expect(native.stdout).toContain("same as file: a 1 b 1 s 1 o 1\n");
    expect(native.stdout).toContain("b s o unchanged: ");
    expect(native.stdout).toMatch(/file unchanged: 1 /);
    expect(native.stdout).toContain("zero past end 1\n");
  });

  for (const prog of ["elfpages", "elfpages-glibc"]) {
    it(`${prog}: the bytes around each segment in its pages and a private data write, as Linux's loader leaves them`, () => {
      const native = runNative(s, [`./${prog}`]);
      expect(native.status, native.stderr).toBe(0);
      expect(native.stdout).toMatch(/^counter 42\n(load .*\n){2,}counter 42\n$/);
      const hako = runHako(m, [`./${prog}`]);
      expect(hako.stderr).toBe("");
      expect(hako.stdout).toBe(native.stdout);
    });
  }

  it("a program rewritten in place runs as its new contents, never from stale cached pages", () => {
        mkdirSync(join(s.work, "p"));
    copyFileSync(s.busybox, join(s.work, "p/busybox"));
    chmodSync(join(s.work, "p/busybox"), 0o755);
    const r = runHako(m, ["sh", "-c", "p/busybox echo first; cat filemap > p/busybox; p/busybox; rm -r p"]);
    const native = runNative(s, ["./filemap"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("first\n" + native.stdout);
    expect(r.status).toBe(0);
  });

  it("a cached page is charged once, to the cgroup that brought it in (cgroup-v2 \"Memory Ownership\")", () => {
    const wait = "i=0; while [ \"$(cat /proc/$p/comm)\" != busybox ] && [ $i -lt 200 ]; do i=$((i+1)); done; ";
    const r = runHako(m, ["sh", "-c", "cd /sys/fs/cgroup; mkdir a b; mkdir /work/e; cp /bin/busybox /work/e/; "
      + "sh -c 'echo $$ > a/cgroup.procs; exec /work/e/busybox sleep 30' & p=$!; " + wait + "pa=$p; "
      + "sh -c 'echo $$ > b/cgroup.procs; exec /work/e/busybox sleep 30' & p=$!; " + wait + "pb=$p; "
      + "grep RssAnon /proc/$pb/status; cat a/memory.current b/memory.current; kill $pa $pb; wait; "
      + "cat a/memory.current b/memory.current; rmdir a b; rm -r /work/e"]);
    expect(r.status, r.stderr).toBe(0);
    const [anonB] = kb(r.stdout, "RssAnon");
    const [a1, b1, a2, b2] = r.stdout.split("\n").slice(1, 5).map(Number);
    // a brought the image in (about 1.9 MiB) and pays for it; b pays for its private pages only.
    expect(a1).toBeGreaterThan(1900 * 1024);
    expect(b1).toBe(anonB * 1024);
    // The processes are gone; the cached image stays charged to a (until reclaimed), b is back to nothing.
    expect(a2).toBeGreaterThan(1900 * 1024);
    expect(a2).toBeLessThan(a1);
    expect(b2).toBe(0);
  });

  it("a group at memory.max reclaims its unmapped cached pages before the OOM killer runs", () => {
    // 4M: the cached copy of busybox charged to d (1.9 MiB) plus awk's 2 MB string (3.4 MiB at its peak) do not fit.
    const r = runHako(m, ["sh", "-c", "cd /sys/fs/cgroup; mkdir d; echo 4M > d/memory.max; mkdir /work/e; cp /bin/busybox /work/e/; "
      + "sh -c 'echo $$ > d/cgroup.procs; /work/e/busybox true'; cat d/memory.current; "
      + "sh -c 'echo $$ > d/cgroup.procs; awk \"BEGIN { s = sprintf(\\\"%2000000s\\\", \\\"\\\"); print length(s) }\"'; echo status $?; "
      + "cat d/memory.current; grep -E '^(max|oom|oom_kill) ' d/memory.events; rmdir d; rm -r /work/e"]);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(Number(lines[0])).toBeGreaterThan(1900 * 1024);
    expect(lines.slice(1, 4)).toEqual(["2000000", "status 0", "0"]);
    // The limit was hit (max counts it, as Linux's try_charge does before reclaiming), nothing was killed.
    expect(lines.slice(4, 7)).toEqual(["max 1", "oom 0", "oom_kill 0"]);
  });

  it("unmapped cached pages are reclaimed when memory runs short, and every frame comes back", () => {
    m.mem.cache.reclaim(null);
    const used = m.mem.usedFrames;
    expect(runHako(m, ["sh", "-c", "mkdir d; cp /bin/busybox d/; d/busybox true; rm -r d"]).status).toBe(0);
    expect(m.mem.cache.frames).toBeGreaterThan(400); // busybox and the copy
    expect(m.mem.usedFrames).toBe(used + m.mem.cache.frames);
    expect(m.mem.cache.reclaim(null)).toBeGreaterThan(400);
    expect(m.mem.usedFrames).toBe(used);
  });
});
