// Writable filesystems below the syscalls: tmpfs (link counts, rename,
// holes, ENOSPC), the overlay (copy-up leaves the shared lower untouched,
// whiteouts, opaque directories, EXDEV for lower directories, two overlays
// on one lower), and the permission rules of path_resolution(7) and
// unlink(2)'s sticky-directory rule, checked on the functions directly.
import { describe, it, expect } from "vitest";
import { MemFs, MemInode, hostBudget } from "../../src/kernel/fs/memfs";
import { createTmpfs } from "../../src/kernel/fs/tmpfs";
import { OverlayFs, isWhiteout } from "../../src/kernel/fs/overlay/overlayfs";
import { Vfs } from "../../src/kernel/fs/vfs";
import { type Inode, S_IFREG, S_IFDIR, RENAME_EXCHANGE, isDir } from "../../src/kernel/fs/inode";
import { permission, mayDelete, MAY_READ, MAY_WRITE, MAY_EXEC, type FsCred } from "../../src/kernel/fs/permission";
import { vfsCreate, vfsUnlink, vfsRmdir, vfsRename, vfsLink, vfsChmod, vfsChown } from "../../src/kernel/fs/namei";
import { ENOSPC, EROFS, EXDEV, ENOTEMPTY, EACCES, EPERM, EEXIST, EISDIR, ENOTDIR, EINVAL } from "../../src/kernel/errno";

const ROOT: FsCred = { fsuid: 0, fsgid: 0, groups: [] };
const USER: FsCred = { fsuid: 1000, fsgid: 100, groups: [200] };
const text = (i: Inode): string => new TextDecoder().decode(i.read(0, i.size));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const file = (mode = 0o644) => ({ mode: S_IFREG | mode, uid: 0, gid: 0 });
const dir = (mode = 0o755) => ({ mode: S_IFDIR | mode, uid: 0, gid: 0 });

function must<T>(x: T | number): T {
  if (typeof x === "number") throw new Error(`errno ${x}`);
  return x;
}

describe("tmpfs", () => {
  it("keeps Linux link counts through mkdir, rmdir, rename and link", () => {
    const fs = createTmpfs();
    const r = fs.root;
    const a = must(r.create("a", dir()));
    must(r.create("b", dir()));
    expect(r.nlink).toBe(4);
    must(a.create!("sub", dir()));
    expect(a.nlink).toBe(3);
    expect(r.rename("a", fs.root.lookup("b")!, "a2", 0)).toBe(0);
    expect(r.nlink).toBe(3);
    expect(r.lookup("b")!.nlink).toBe(3);
    const f = must(r.create("f", file()));
    expect(r.link("g", f)).toBe(0);
    expect(f.nlink).toBe(2);
    expect(r.remove("f")).toBe(0);
    expect(f.nlink).toBe(1);
  });

  it("exchanges two names atomically, directories keeping their parents right", () => {
    const fs = createTmpfs();
    const d = must(fs.root.create("d", dir())) as MemInode;
    const f = must(fs.root.create("f", file()));
    const e = must(d.create("e", dir())) as MemInode;
    expect(fs.root.rename("f", d, "e", RENAME_EXCHANGE)).toBe(0);
    expect(fs.root.lookup("f")).toBe(e);
    expect(d.lookup("e")).toBe(f);
    expect(e.parent).toBe(fs.root);
    expect(fs.root.nlink).toBe(4);
    expect(d.nlink).toBe(2);
  });

  it("counts written pages only: holes are free, ENOSPC when full, space returns on unlink", () => {
    const fs = createTmpfs({ sizeBytes: 4 * 4096 });
    const f = must(fs.root.create("f", file()));
    expect(f.setattr!({ size: 1 << 20 })).toBe(0);
    expect(f.blocks).toBe(0);
    expect(fs.usedPages).toBe(0);
    expect(f.write!(8192, bytes("x"))).toBe(1);
    expect(f.blocks).toBe(8);
    expect(f.seekData!(0, false)).toBe(8192);
    expect(f.seekData!(8192, true)).toBe(12288);
    // Pages 0-4 hold 4 new pages on top of page 2: one more than the limit.
    expect(f.write!(0, new Uint8Array(5 * 4096))).toBe(-ENOSPC);
    expect(f.write!(0, new Uint8Array(4 * 4096))).toBe(4 * 4096);
    expect(fs.usedPages).toBe(4);
    expect(f.setattr!({ size: 4096 })).toBe(0);
    expect(fs.usedPages).toBe(1);
    expect(fs.root.remove("f")).toBe(0);
    expect(fs.usedPages).toBe(0);
  });

  it("all in-memory filesystems together stay within the host budget", () => {
    const fs = createTmpfs();
    const f = must(fs.root.create("f", file()));
    const saved = hostBudget.maxPages;
    hostBudget.maxPages = hostBudget.usedPages + 2;
    try {
      expect(f.write!(0, new Uint8Array(3 * 4096))).toBe(-ENOSPC);
      expect(f.write!(0, new Uint8Array(2 * 4096))).toBe(2 * 4096);
    } finally { hostBudget.maxPages = saved; }
    expect(fs.root.remove("f")).toBe(0);
  });

  it("a read-only MemFs refuses every change", () => {
    const fs = new MemFs();
    fs.writeFile("x", bytes("x"), { mode: 0o644 });
    fs.readOnly = true;
    expect(fs.root.create("y", file())).toBe(-EROFS);
    expect(fs.get("x")!.write(0, bytes("y"))).toBe(-EROFS);
    expect(fs.root.remove("x")).toBe(-EROFS);
  });
});

function image(): MemFs {
  const fs = new MemFs();
  fs.writeFile("etc/passwd", bytes("root:x:0:0\n"), { mode: 0o644, mtime: 1000 });
  fs.writeFile("etc/motd", bytes("hi\n"), { mode: 0o644, mtime: 1000 });
  fs.writeFile("usr/share/doc/a", bytes("A"), { mode: 0o644 });
  fs.symlink("bin/sh", "busybox");
  fs.readOnly = true;
  return fs;
}

describe("overlay", () => {
  it("copies a file up on write, leaving the shared lower layer untouched", () => {
    const low = image();
    const up = createTmpfs();
    const o = new OverlayFs(low.root, up);
    const vfs = new Vfs(o.root);
    const p = must(vfs.resolve(o.root, o.root, "/etc/passwd", true)).inode;
    expect(p.write!(p.size, bytes("bin:x:1:1\n"))).toBeGreaterThan(0);
    expect(text(p)).toBe("root:x:0:0\nbin:x:1:1\n");
    expect(text(low.get("etc/passwd")!)).toBe("root:x:0:0\n");
    expect(p.mtime.sec).not.toBe(1000);
    // The copy keeps the lower's attributes; the sibling stays below.
    expect(p.mode).toBe(S_IFREG | 0o644);
    expect(up.get("etc/motd")).toBeNull();
    expect(up.get("etc")!.opaque).toBe(false);
  });

  it("whiteouts hide deleted lower names; a directory made again is opaque", () => {
    const low = image();
    const up = createTmpfs();
    const o = new OverlayFs(low.root, up);
    const vfs = new Vfs(o.root);
    const etc = must(vfs.resolve(o.root, o.root, "/etc", true)).inode;
    expect(vfsUnlink(vfs, etc, "motd", ROOT)).toBe(0);
    expect(etc.lookup("motd")).toBeNull();
    expect(etc.entries().map(([n]) => n)).toEqual(["passwd"]);
    expect(isWhiteout(up.get("etc/motd")!)).toBe(true);
    expect(low.get("etc/motd")).not.toBeNull();
    // Re-creating the name removes the whiteout.
    must(vfsCreate(vfs, etc, "motd", file(), ROOT));
    expect(isWhiteout(up.get("etc/motd")!)).toBe(false);
    expect(etc.lookup("motd")!.size).toBe(0);

    const share = must(vfs.resolve(o.root, o.root, "/usr/share", true)).inode;
    expect(vfsRmdir(vfs, share, "doc", ROOT)).toBe(-ENOTEMPTY);
    const doc = share.lookup("doc")!;
    expect(vfsUnlink(vfs, doc, "a", ROOT)).toBe(0);
    expect(vfsRmdir(vfs, share, "doc", ROOT)).toBe(0);
    expect(share.lookup("doc")).toBeNull();
    must(vfsCreate(vfs, share, "doc", dir(), ROOT));
    expect(share.lookup("doc")!.entries()).toEqual([]);
    expect(up.get("usr/share/doc")!.opaque).toBe(true);
  });

  it("renames lower files by copy-up + whiteout; lower directories give EXDEV", () => {
    const low = image();
    const up = createTmpfs();
    const o = new OverlayFs(low.root, up);
    const vfs = new Vfs(o.root);
    const etc = o.root.lookup("etc")!;
    expect(vfsRename(vfs, etc, "motd", o.root, "motd2", 0, ROOT)).toBe(0);
    expect(etc.lookup("motd")).toBeNull();
    expect(text(o.root.lookup("motd2")!)).toBe("hi\n");
    expect(vfsRename(vfs, o.root, "usr", o.root, "usr2", 0, ROOT)).toBe(-EXDEV);
    // A hard link to a lower file copies it up first.
    expect(vfsLink(vfs, etc.lookup("passwd")!, o.root, "pw", ROOT)).toBe(0);
    expect(o.root.lookup("pw")!.nlink).toBe(2);
  });

  it("two overlays on one lower do not see each other's changes", () => {
    const low = image();
    const a = new OverlayFs(low.root, createTmpfs());
    const b = new OverlayFs(low.root, createTmpfs());
    a.root.lookup("etc")!.remove!("passwd");
    must(a.root.create("new", file()));
    expect(a.root.lookup("etc")!.lookup("passwd")).toBeNull();
    expect(b.root.lookup("etc")!.lookup("passwd")).not.toBeNull();
    expect(b.root.lookup("new")).toBeNull();
  });
});

describe("permissions", () => {
  const node = (mode: number, uid = 0, gid = 0): Inode => {
    const fs = createTmpfs();
    return must(fs.root.create("n", { mode, uid, gid }));
  };

  it("root passes every check except executing a file with no x bit", () => {
    expect(permission(node(S_IFREG | 0), MAY_READ | MAY_WRITE, ROOT)).toBe(0);
    expect(permission(node(S_IFREG | 0o644), MAY_EXEC, ROOT)).toBe(-EACCES);
    expect(permission(node(S_IFREG | 0o001), MAY_EXEC, ROOT)).toBe(0);
    expect(permission(node(S_IFDIR | 0), MAY_EXEC, ROOT)).toBe(0);
  });

  it("the first matching class decides: owner, then group (primary or supplementary), then others", () => {
    expect(permission(node(S_IFREG | 0o077, 1000, 100), MAY_READ, USER)).toBe(-EACCES);
    expect(permission(node(S_IFREG | 0o040, 0, 200), MAY_READ, USER)).toBe(0);
    expect(permission(node(S_IFREG | 0o704, 0, 100), MAY_READ, USER)).toBe(-EACCES);
    expect(permission(node(S_IFREG | 0o004, 0, 0), MAY_READ, USER)).toBe(0);
  });

  it("sticky directories let only the owner of the file or of the directory remove it", () => {
    const tmp = node(S_IFDIR | 0o1777);
    expect(mayDelete(tmp, node(S_IFREG | 0o666, 0), USER)).toBe(-EPERM);
    expect(mayDelete(tmp, node(S_IFREG | 0o644, 1000), USER)).toBe(0);
    expect(mayDelete(node(S_IFDIR | 0o1777, 1000), node(S_IFREG, 0), USER)).toBe(0);
    expect(mayDelete(node(S_IFDIR | 0o755), node(S_IFREG, 1000), USER)).toBe(-EACCES);
  });

  it("path walks need search permission; chmod/chown follow the ownership rules", () => {
    const fs = createTmpfs({ mode: 0o755 });
    const vfs = new Vfs(fs.root);
    const priv = must(fs.root.create("priv", dir(0o700)));
    must(priv.create!("f", file(0o666)));
    expect(vfs.resolve(fs.root, fs.root, "/priv/f", true, USER)).toBe(-EACCES);
    expect(isDir(must(vfs.resolve(fs.root, fs.root, "/priv", true, USER)).inode)).toBe(true);
    const own = must(fs.root.create("own", { mode: S_IFREG | 0o644, uid: 1000, gid: 100 }));
    expect(vfsChmod(own, 0o600, USER)).toBe(0);
    expect(vfsChmod(priv, 0o777, USER)).toBe(-EPERM);
    expect(vfsChown(own, -1, 200, USER)).toBe(0);
    expect(vfsChown(own, -1, 300, USER)).toBe(-EPERM);
    expect(vfsChown(own, 0, -1, USER)).toBe(-EPERM);
    expect(vfsCreate(vfs, fs.root, "x", file(), USER)).toBe(-EACCES);
    expect(vfsCreate(vfs, fs.root, "own", file(), USER)).toBe(-EEXIST);
  });

  it("namei type checks: unlink of a directory, rmdir of a file, rename across types", () => {
    const fs = createTmpfs();
    const vfs = new Vfs(fs.root);
    must(fs.root.create("d", dir()));
    must(fs.root.create("f", file()));
    expect(vfsUnlink(vfs, fs.root, "d", ROOT)).toBe(-EISDIR);
    expect(vfsRmdir(vfs, fs.root, "f", ROOT)).toBe(-ENOTDIR);
    expect(vfsRename(vfs, fs.root, "f", fs.root, "d", 0, ROOT)).toBe(-EISDIR);
    expect(vfsRename(vfs, fs.root, "d", fs.root, "f", 0, ROOT)).toBe(-ENOTDIR);
    expect(vfsRename(vfs, fs.root, "d", fs.root.lookup("d")!, "x", 0, ROOT)).toBe(-EINVAL);
  });
});
