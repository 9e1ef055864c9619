// Path resolution as path_resolution(7) describes it, over an in-memory tree
// built like an image layer (with a whiteout), plus mounts and getcwd paths.
import { describe, it, expect } from "vitest";
import { MemFs } from "../../src/kernel/fs/memfs";
import { Vfs } from "../../src/kernel/fs/vfs";
import { imageRootFs } from "../../src/kernel/fs/imagefs";
import { type Inode, isDir } from "../../src/kernel/fs/inode";
import { ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG } from "../../src/kernel/errno";
import type { TarEntry } from "../../src/store/tar";
import type { LoadedImage } from "../../src/store/oci";

function tree(): { fs: MemFs; vfs: Vfs } {
  const fs = new MemFs();
  fs.mkdir("usr/bin", { mode: 0o755 });
  fs.writeFile("bin/busybox", new Uint8Array([1, 2, 3]), { mode: 0o755, mtime: 1000 });
  fs.symlink("bin/sh", "busybox");
  fs.symlink("usr/bin/env", "/bin/busybox");
  fs.symlink("lib", "usr/lib");
  fs.mkdir("usr/lib", { mode: 0o755 });
  fs.writeFile("usr/lib/x", new Uint8Array([9]), { mode: 0o644 });
  fs.symlink("loop1", "loop2");
  fs.symlink("loop2", "loop1");
  fs.symlink("up", "usr/bin/../..");
  return { fs, vfs: new Vfs(fs.root) };
}

const ino = (r: { inode: Inode } | number): Inode | number => (typeof r === "number" ? r : r.inode);

describe("Vfs.resolve", () => {
  it("follows symlinks, relative and absolute, in the middle and at the end", () => {
    const { fs, vfs } = tree();
    const bb = fs.get("bin/busybox");
    expect(ino(vfs.resolve(fs.root, fs.root, "/bin/sh", true))).toBe(bb);
    expect(ino(vfs.resolve(fs.root, fs.root, "usr/bin/env", true))).toBe(bb);
    expect(ino(vfs.resolve(fs.root, fs.root, "/lib/x", true))).toBe(fs.get("usr/lib/x"));
    expect(ino(vfs.resolve(fs.root, fs.root, "/bin/sh", false))).toBe(fs.get("bin/sh"));
  });

  it("handles . and .., never above the root", () => {
    const { fs, vfs } = tree();
    const usr = fs.get("usr")!;
    expect(ino(vfs.resolve(fs.root, usr, "./bin/../lib/./x", true))).toBe(fs.get("usr/lib/x"));
    expect(ino(vfs.resolve(fs.root, usr, "../../../..", true))).toBe(fs.root);
    expect(ino(vfs.resolve(fs.root, fs.root, "up/bin/busybox", true))).toBe(fs.get("bin/busybox"));
    // ".." after a symlink goes up from the link's target, not from where the link is.
    expect(ino(vfs.resolve(fs.root, fs.root, "/lib/..", true))).toBe(usr);
  });

  it("reports ENOENT, ENOTDIR, ELOOP and ENAMETOOLONG like Linux", () => {
    const { fs, vfs } = tree();
    expect(vfs.resolve(fs.root, fs.root, "/nope", true)).toBe(-ENOENT);
    expect(vfs.resolve(fs.root, fs.root, "", true)).toBe(-ENOENT);
    expect(vfs.resolve(fs.root, fs.root, "/bin/busybox/x", true)).toBe(-ENOTDIR);
    expect(vfs.resolve(fs.root, fs.root, "/bin/busybox/", true)).toBe(-ENOTDIR);
    expect(vfs.resolve(fs.root, fs.root, "/loop1", true)).toBe(-ELOOP);
    expect(ino(vfs.resolve(fs.root, fs.root, "/loop1", false))).toBe(fs.get("loop1"));
    expect(vfs.resolve(fs.root, fs.root, "/" + "a".repeat(256), true)).toBe(-ENAMETOOLONG);
    expect(vfs.resolve(fs.root, fs.root, "/a".repeat(2100), true)).toBe(-ENAMETOOLONG);
  });

  it("a trailing slash follows a symlink to a directory", () => {
    const { fs, vfs } = tree();
    expect(ino(vfs.resolve(fs.root, fs.root, "/lib/", false))).toBe(fs.get("usr/lib"));
  });

  it("sees mounts over existing directories and at missing names, and names paths for getcwd", () => {
    const { fs, vfs } = tree();
    const dev = new MemFs();
    dev.writeFile("null", new Uint8Array(0), { mode: 0o666 });
    vfs.mount(fs.root, "dev", dev.root);
    fs.mkdir("proc", { mode: 0o555 });
    const proc = new MemFs();
    proc.writeFile("version", new Uint8Array(0), { mode: 0o444 });
    vfs.mount(fs.root, "proc", proc.root);
    expect(ino(vfs.resolve(fs.root, fs.root, "/dev/null", true))).toBe(dev.get("null"));
    expect(ino(vfs.resolve(fs.root, fs.root, "/proc/version", true))).toBe(proc.get("version"));
    expect(ino(vfs.resolve(fs.root, dev.root, "../usr", true))).toBe(fs.get("usr"));
    expect(vfs.entries(fs.root).map(([n]) => n)).toContain("dev");
    expect(vfs.pathOf(fs.get("usr/lib")!, fs.root)).toBe("/usr/lib");
    expect(vfs.pathOf(dev.root, fs.root)).toBe("/dev");
    expect(vfs.pathOf(fs.root, fs.root)).toBe("/");
  });
});

describe("imageRootFs", () => {
  const e = (path: string, type: TarEntry["type"], extra: Partial<TarEntry> = {}): TarEntry => ({
    path, type, mode: type === "dir" ? 0o755 : 0o644, uid: 0, gid: 0, mtime: 100, linkname: "", devmajor: 0, devminor: 0, data: new Uint8Array(0), ...extra,
  });

  it("stacks layers: later files win, whiteouts delete, opaque directories hide the lower contents, hard links share", () => {
    const img = {
      layers: [
        { entries: [e("etc", "dir"), e("etc/a", "file", { data: new Uint8Array([1]) }), e("etc/b", "file"), e("opt", "dir"), e("opt/old", "file"), e("f", "file", { mode: 0o600, uid: 5 })] },
        { entries: [e("etc/a", "file", { data: new Uint8Array([2]) }), e("etc/.wh.b", "file"), e("opt/.wh..wh..opq", "file"), e("opt/new", "file"), e("g", "hardlink", { linkname: "f" })] },
      ],
    } as unknown as LoadedImage;
    const fs = imageRootFs(img);
    expect([...fs.get("etc/a")!.data]).toEqual([2]);
    expect(fs.get("etc/b")).toBeNull();
    expect(fs.get("opt/old")).toBeNull();
    expect(fs.get("opt/new")).not.toBeNull();
    expect(fs.get("g")).toBe(fs.get("f"));
    expect(fs.get("f")!.nlink).toBe(2);
    expect(fs.get("f")!.uid).toBe(5);
    expect(isDir(fs.get("opt")!)).toBe(true);
  });
});
