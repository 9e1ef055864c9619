// The mount tree (fs/vfs.ts, fs/mount.ts) without a machine: places are
// (mount, inode) pairs, so one filesystem mounted twice, ".." across mount
// roots, namespace copies, umount and pivot_root behave as Linux's
// struct path / follow_dotdot / copy_tree do; and PID namespaces number
// tasks per level and close when their init is gone.
import { describe, it, expect } from "vitest";
import { MemFs } from "../../src/kernel/fs/memfs";
import { Vfs, type Path } from "../../src/kernel/fs/vfs";
import { Mount, MS_NOSUID, MS_RDONLY } from "../../src/kernel/fs/mount";
import { PidNamespace } from "../../src/kernel/task/pidns";
import type { Task } from "../../src/kernel/task";
import { ENOMEM } from "../../src/kernel/errno";
import type { Inode } from "../../src/kernel/fs/inode";

function setup(): { root: MemFs; vfs: Vfs; at: (p: string, v?: Vfs) => Path } {
  const root = new MemFs({ mode: 0o755 });
  for (const d of ["a", "a/b", "mnt", "mnt2", "new", "new/old"]) root.mkdir(d, { mode: 0o755 });
  root.writeFile("a/b/f", new Uint8Array([1]), { mode: 0o644 });
  const vfs = new Vfs(root.root, { source: "/dev/root", fstype: "memfs", options: "rw,relatime" });
  const at = (p: string, v = vfs): Path => {
    const r = v.resolve(v.rootPath, v.rootPath, p, true);
    if (typeof r === "number") throw new Error(`${p}: ${r}`);
    return r.path;
  };
  return { root, vfs, at };
}

const tmp = (): MemFs => { const fs = new MemFs({ mode: 0o1777 }); fs.mkdir("d", { mode: 0o755 }); return fs; };
const mountAt = (vfs: Vfs, p: Path, fs: MemFs | Inode, flags = 0, fstype = "tmpfs"): Mount => {
  const rootInode = fs instanceof MemFs ? fs.root : fs;
  const m = new Mount({ fstype, source: fstype, options: "", root: rootInode, readOnly: false }, rootInode, flags);
  vfs.attach(m, vfs.followMounts(p));
  return m;
};

describe("mount tree", () => {
  it("the same directory bound at two places: .. and getcwd follow the path, not the inode", () => {
    const { root, vfs, at } = setup();
    const b = at("/a/b");
    vfs.attach(vfs.copyTree(b.mnt, b.inode, false), vfs.followMounts(at("/mnt")));
    vfs.attach(vfs.copyTree(b.mnt, b.inode, false), vfs.followMounts(at("/mnt2")));
    const f = vfs.resolve(vfs.rootPath, vfs.rootPath, "/mnt2/f", true);
    expect(typeof f !== "number" && f.inode).toBe(root.get("a/b/f"));
    const up = at("/mnt2/..");
    expect(up.inode).toBe(root.root);
    expect(vfs.pathOf(at("/mnt"), vfs.rootPath)).toBe("/mnt");
    expect(vfs.pathOf(at("/mnt2"), vfs.rootPath)).toBe("/mnt2");
    expect(vfs.pathOf(at("/a/b"), vfs.rootPath)).toBe("/a/b");
    // The three places share the inode but are three paths.
    expect(at("/mnt").inode).toBe(at("/a/b").inode);
    expect(at("/mnt").mnt).not.toBe(at("/mnt2").mnt);
    expect(vfs.mountinfoText().map((l) => l.split(" ").slice(3, 5).join(" "))).toEqual(["/ /", "/a/b /mnt", "/a/b /mnt2"]);
  });

  it("stacked mounts: the last one shows, umount uncovers the one below", () => {
    const { vfs, at } = setup();
    const one = tmp(), two = tmp();
    one.writeFile("one", new Uint8Array(0), { mode: 0o644 });
    two.writeFile("two", new Uint8Array(0), { mode: 0o644 });
    mountAt(vfs, at("/mnt"), one);
    const m2 = mountAt(vfs, at("/mnt"), two);
    expect(vfs.entries(at("/mnt")).map(([n]) => n).sort()).toEqual(["d", "two"]);
    expect(at("/mnt/..").inode).toBe(vfs.root);
    vfs.detach(m2);
    expect(vfs.entries(at("/mnt")).map(([n]) => n).sort()).toEqual(["d", "one"]);
    expect(vfs.mountsText()).toEqual(["/dev/root / memfs rw,relatime 0 0", "tmpfs /mnt tmpfs rw 0 0"]);
  });

  it("a namespace copy has its own mounts; the caller's places translate into it", () => {
    const { vfs, at } = setup();
    mountAt(vfs, at("/mnt"), tmp(), MS_NOSUID);
    const cwd = at("/mnt/d");
    const copy = vfs.cloneNamespace();
    const moved = copy.translate(cwd);
    expect(moved.inode).toBe(cwd.inode);
    expect(moved.mnt).not.toBe(cwd.mnt);
    expect(copy.pathOf(moved, copy.rootPath)).toBe("/mnt/d");
    mountAt(copy, at("/mnt2", copy), tmp());
    expect(copy.mountsText()).toHaveLength(3);
    expect(vfs.mountsText()).toEqual(["/dev/root / memfs rw,relatime 0 0", "tmpfs /mnt tmpfs rw,nosuid 0 0"]);
    copy.detach(moved.mnt);
    expect(vfs.mountsText()).toHaveLength(2);
    expect(copy.mountsText().map((l) => l.split(" ")[1])).toEqual(["/", "/mnt2"]);
  });

  it("pivot_root: the new root's mount becomes the namespace root, the old one hangs at put_old; / and .. stop at the new root", () => {
    const { root, vfs, at } = setup();
    const fs = tmp();
    fs.mkdir("old", { mode: 0o755 });
    const newMnt = mountAt(vfs, at("/new"), fs);
    const old = vfs.rootMount;
    expect(vfs.pivotRoot(newMnt, old, vfs.followMounts(at("/new/old")))).toBe(0);
    expect(vfs.rootMount).toBe(newMnt);
    expect(vfs.root).toBe(fs.root);
    expect(at("/..").inode).toBe(fs.root);
    const a = vfs.resolve(vfs.rootPath, vfs.rootPath, "/old/a/b/f", true);
    expect(typeof a !== "number" && a.inode).toBe(root.get("a/b/f"));
    expect(vfs.mountsText().map((l) => l.split(" ")[1])).toEqual(["/old", "/"]);
    vfs.detach(old);
    expect(vfs.mountsText()).toEqual(["tmpfs / tmpfs rw 0 0"]);
  });

  it("a place outside the process root reads as unreachable (getcwd after chroot)", () => {
    const { vfs, at } = setup();
    expect(vfs.pathOf(at("/mnt"), at("/a"))).toBe("(unreachable)/mnt");
    expect(vfs.reachable(at("/a/b"), at("/a"))).toBe("/b");
    expect(at("/a/b/../../..").inode).toBe(vfs.root);
  });

  it("per-mount read-only shows in the flags column; a graft is a mount point the tree lacks", () => {
    const { vfs } = setup();
    const fs = tmp();
    vfs.mount(vfs.root, "proc", fs.root, { source: "proc", fstype: "proc", options: "rw,nosuid" });
    const m = vfs.list[vfs.list.length - 1];
    m.flags |= MS_RDONLY;
    expect(vfs.mountsText()[1]).toBe("proc /proc proc ro,nosuid 0 0");
    expect(vfs.entries(vfs.rootPath).map(([n]) => n)).toContain("proc");
    expect(vfs.pathOf({ mnt: m, inode: fs.get("d")! }, vfs.rootPath)).toBe("/proc/d");
  });
});

describe("PID namespaces", () => {
  it("number tasks per level; a dead namespace takes no new task (ENOMEM)", () => {
    const rootNs = new PidNamespace(null);
    const child = new PidNamespace(rootNs);
    const a = {} as Task, b = {} as Task, c = {} as Task;
    expect(rootNs.alloc(a)).toEqual([1]);
    expect(child.alloc(b)).toEqual([2, 1]);
    expect(child.alloc(c)).toEqual([3, 2]);
    expect(rootNs.pidOf(c)).toBe(3);
    expect(child.pidOf(a)).toBe(0);
    expect(child.init).toBe(b);
    expect(child.isWithin(rootNs)).toBe(true);
    expect(rootNs.isWithin(child)).toBe(false);
    child.dead = true;
    expect(child.alloc({} as Task)).toBe(-ENOMEM);
    expect(new PidNamespace(child).alloc({} as Task)).toBe(-ENOMEM);
  });
});
