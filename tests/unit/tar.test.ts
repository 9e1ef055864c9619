// The tar reader and writer against GNU tar, the reference implementation.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, linkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTar, writeTar, type TarEntry } from "../../src/store/tar";

const enc = new TextEncoder();
function entry(path: string, type: TarEntry["type"], extra: Partial<TarEntry> = {}): TarEntry {
  return { path, type, mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, linkname: "", devmajor: 0, devminor: 0, data: new Uint8Array(0), ...extra };
}

describe("tar", () => {
  it("round-trips every entry kind, long names included", () => {
    const long = "very/" + "deep/".repeat(30) + "name-that-is-much-longer-than-one-hundred-bytes.txt";
    const es = [
      entry("dir", "dir", { mode: 0o755 }),
      entry("dir/file", "file", { data: enc.encode("hello\n"), mode: 0o600, uid: 1000, gid: 100 }),
      entry("dir/link", "symlink", { linkname: "file", mode: 0o777 }),
      entry("dir/hard", "hardlink", { linkname: "dir/file" }),
      entry("dev/null", "char", { devmajor: 1, devminor: 3, mode: 0o666 }),
      entry(long, "file", { data: new Uint8Array(1000).fill(7) }),
    ];
    expect(parseTar(writeTar(es))).toEqual(es);
  });

  it("writes archives GNU tar extracts identically", () => {
    const dir = mkdtempSync(join(tmpdir(), "hako-tar-"));
    const long = "a/" + "b".repeat(120);
    const bytes = writeTar([entry("a", "dir", { mode: 0o755 }), entry(long, "file", { data: enc.encode("x".repeat(700)) }), entry("a/s", "symlink", { linkname: "../t" })]);
    writeFileSync(join(dir, "t.tar"), bytes);
    mkdirSync(join(dir, "out"));
    execFileSync("tar", ["-xf", join(dir, "t.tar"), "-C", join(dir, "out")]);
    expect(readFileSync(join(dir, "out", long), "utf8")).toBe("x".repeat(700));
    expect(execFileSync("readlink", [join(dir, "out/a/s")], { encoding: "utf8" }).trim()).toBe("../t");
  });

  it("reads archives made by GNU tar (gnu and pax formats)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hako-tar-"));
    const src = join(dir, "src");
    mkdirSync(join(src, "d"), { recursive: true });
    writeFileSync(join(src, "d/f"), "content");
    symlinkSync("f", join(src, "d/l"));
    linkSync(join(src, "d/f"), join(src, "d/h"));
    writeFileSync(join(src, "d", "n".repeat(150)), "long");
    for (const format of ["gnu", "pax"]) {
      const out = join(dir, `${format}.tar`);
      execFileSync("tar", [`--format=${format}`, "--sort=name", "-cf", out, "-C", src, "d"]);
      const es = parseTar(new Uint8Array(readFileSync(out)));
      const by = new Map(es.map((e) => [e.path, e]));
      expect(new TextDecoder().decode(by.get("d/f")!.data)).toBe("content");
      expect(by.get("d/l")).toMatchObject({ type: "symlink", linkname: "f" });
      expect(by.get("d/h")).toMatchObject({ type: "hardlink", linkname: "d/f" });
      expect(new TextDecoder().decode(by.get("d/" + "n".repeat(150))!.data)).toBe("long");
    }
  });

  it("rejects a header with a bad checksum", () => {
    const bytes = writeTar([entry("f", "file", { data: enc.encode("x") })]);
    bytes[0] ^= 1;
    expect(() => parseTar(bytes)).toThrow(/checksum/);
  });
});
