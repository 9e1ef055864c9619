// Differential: single-process busybox command lines run natively (the real
// binary, PATH holding only its applet links) and in Hako (the same binary,
// the same directory as root filesystem through hostfs) must give identical
// stdout, stderr and exit status.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { writeFileSync, mkdirSync, symlinkSync, utimesSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { makeScratch, runNative, runHako, scratchMachine, type Scratch } from "./harness";
import type { Machine } from "../../src/kernel/machine";

let s: Scratch;
let m: Machine;

const WORDS = "pear\napple\nfig\nbanana\napple\ncherry\nfig\ndate\n";
const DATA = "hello world\nfoo bar baz\nHello again\nthe quick brown fox\njumps over the lazy dog\n";
const NUMS = "10\n2\n33\n4.5\n-7\n100\n";

beforeAll(async () => {
  s = makeScratch();
  writeFileSync(join(s.work, "data.txt"), DATA);
  writeFileSync(join(s.work, "words.txt"), WORDS);
  writeFileSync(join(s.work, "nums.txt"), NUMS);
  writeFileSync(join(s.work, "table.txt"), "root:x:0:0\nbin:x:1:1\nnobody:x:65534:65534\n");
  const big = Buffer.alloc(200000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 8)) & 0xff;
  writeFileSync(join(s.work, "blob.bin"), big);
  mkdirSync(join(s.work, "dir"));
  writeFileSync(join(s.work, "dir/a"), "A\n");
  writeFileSync(join(s.work, "dir/b"), "BB\n");
  symlinkSync("../data.txt", join(s.work, "dir/link"));
  utimesSync(join(s.work, "dir/a"), 1000000000, 1000000000);
  spawnSync("chmod", ["640", join(s.work, "dir/b")]);
  m = await scratchMachine(s);
}, 120000);

afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

interface Case { argv: string[]; stdin?: string }
const c = (argv: string[], stdin?: string): Case => ({ argv, stdin });

const CASES: Case[] = [
  c(["echo", "hello", "world"]),
  c(["echo", "-n", "no newline"]),
  c(["echo", "-e", "tab\\there\\nnext"]),
  c(["printf", "%f %e %g\\n", "3.14159", "31415.9", "0.0001234"]),
  c(["printf", "%Lf %.2Lf\\n", "2.5", "1e10"]),
  c(["printf", "%5d|%-5s|%x|%o|%c|%%\\n", "42", "ab", "255", "8", "z"]),
  c(["printf", "%.3f %10.4e %G\\n", "-1.0005", "123456789", "1e-20"]),
  c(["seq", "10"]),
  c(["seq", "1", "3", "20"]),
  c(["seq", "-s,", "-w", "8", "11"]),
  c(["expr", "6", "*", "7"]),
  c(["expr", "length", "hello"]),
  c(["expr", "10", "/", "0"]),
  c(["basename", "/a/b/c.txt", ".txt"]),
  c(["dirname", "/a/b/c"]),
  c(["md5sum", "data.txt", "blob.bin"]),
  c(["sha1sum", "data.txt"]),
  c(["sha256sum", "data.txt", "blob.bin"]),
  c(["sha512sum", "data.txt"]),
  c(["md5sum"], DATA),
  c(["sha256sum", "-"], WORDS),
  c(["sha512sum"], NUMS),
  c(["wc", "data.txt", "words.txt"]),
  c(["wc", "-l"], DATA),
  c(["sort", "words.txt"]),
  c(["sort", "-n", "nums.txt"]),
  c(["sort", "-r", "-u", "words.txt"]),
  c(["sort", "-t:", "-k3,3n", "table.txt"]),
  c(["uniq", "-c"], "a\na\nb\nc\nc\nc\n"),
  c(["tr", "a-z", "A-Z"], DATA),
  c(["tr", "-d", "aeiou"], DATA),
  c(["cut", "-d:", "-f1,3", "table.txt"]),
  c(["cut", "-c", "1-5", "data.txt"]),
  c(["head", "-n", "3", "data.txt"]),
  c(["tail", "-n", "2", "data.txt"]),
  c(["tail", "-c", "20", "blob.bin"]),
  c(["od", "-A", "x", "-t", "x1z", "data.txt"]),
  c(["od", "-c", "words.txt"]),
  c(["hexdump", "-C", "dir/a"]),
  c(["base64", "data.txt"]),
  c(["base64", "-d"], "aGVsbG8gaGFrbwo=\n"),
  c(["awk", "{ s += $1 } END { print s, s / NR; printf \"%.4f\\n\", s * 1.5 }", "nums.txt"]),
  c(["awk", "BEGIN { for (i = 1; i <= 5; i++) printf \"%d %.3f %e\\n\", i, sqrt(i), exp(i) }"]),
  c(["awk", "-F:", "{ print $1, length($1), toupper($1) }", "table.txt"]),
  c(["awk", "BEGIN { x = 0; for (i = 0; i < 20000; i++) x += i * i % 7; print x, int(x / 3), 2 ^ 31 }"]),
  c(["sed", "s/o/0/g", "data.txt"]),
  c(["sed", "-n", "2,3p", "data.txt"]),
  c(["sed", "-E", "s/([a-z]+) ([a-z]+)/\\2 \\1/", "data.txt"]),
  c(["grep", "-E", "^[a-c]", "words.txt"]),
  c(["grep", "-c", "o", "data.txt"]),
  c(["grep", "-v", "-i", "HELLO", "data.txt"]),
  c(["grep", "-n", "-o", "[qj][a-z]*", "data.txt"]),
  c(["grep", "nomatch", "data.txt"]),
  c(["cat", "data.txt", "dir/a"]),
  c(["cat", "missing-file"]),
  c(["cat"], "from stdin\n"),
  c(["ls", "-l", "dir"]),
  c(["ls", "-la", "dir"]),
  c(["ls", "-l", "../etc"]),
  c(["ls", "-1", "../bin/sha256sum", "../bin/busybox"]),
  c(["ls", "nonexistent"]),
  c(["ls", "-lL", "dir/link"]),
  c(["stat", "-c", "%s %a %F %U %G %h", "data.txt", "dir", "dir/link"]),
  c(["readlink", "dir/link"]),
  c(["date", "-d", "@0", "-u"]),
  c(["date", "-u", "-d", "@1700000000", "+%Y-%m-%dT%H:%M:%S %j %a"]),
  c(["factor", "360", "1001", "97", "4294967297"]),
  c(["dc", "-e", "2 64 ^ p 7 3 / p"]),
  c(["bc"], "2^64\nscale=5\n1/7\n"),
  c(["crc32", "data.txt"]),
  c(["xxd", "-g", "4", "data.txt"]),
  c(["rev"], DATA),
  c(["nl", "words.txt"]),
  c(["fold", "-w", "7", "data.txt"]),
  c(["tac", "words.txt"]),
  c(["paste", "-d,", "words.txt", "nums.txt"]),
  c(["true"]),
  c(["false"]),
  c(["test", "3", "-lt", "2"]),
  c(["id"]),
  c(["sh", "-c", "echo $((3 * 7)); for i in 1 2 3; do printf '%s-' $i; done; echo; x=abc; echo ${#x} ${x%c}"]),
  c(["sh", "-c", "exit 42"]),
  c(["sh", "-c", "exec wc -l data.txt"]),
  c(["sh", "-c", "exec 3<data.txt; read -r l <&3; read -r m <&3; echo \"$m|$l\"; exec 3<&-"]),
  c(["sh", "-c", "echo to-stderr >&2; echo to-stdout; exit 5"]),
  c(["env", "-i", "A=1", "B=two", "env"]),
  c(["sh", "-c", "cd dir && pwd -P >/dev/null && echo in && cd ../dir/.. && echo back"]),
];

describe("busybox single-process commands: native vs Hako", () => {
  it("has at least 40 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(40));
  for (const k of CASES) {
    it(k.argv.join(" ") + (k.stdin !== undefined ? " <stdin" : ""), () => {
      const native = runNative(s, k.argv, k.stdin);
      const hako = runHako(m, k.argv, k.stdin);
      expect({ stdout: hako.stdout, stderr: hako.stderr, status: hako.status })
        .toEqual({ stdout: native.stdout, stderr: native.stderr, status: native.status });
    });
  }
});
