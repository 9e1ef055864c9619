// One image layer as a read-only tree in overlay form, as containerd's and
// Docker's overlay2 snapshotters unpack layers into diff/ directories: the
// OCI markers become what overlayfs reads (Documentation/filesystems/
// overlayfs.rst, "whiteouts and opaque directories"):
//   .wh.NAME       → NAME, a character device 0:0 (no driver)
//   .wh..wh..opq   → its directory gets trusted.overlay.opaque="y"
// Stacked as lowerdir=top:…:bottom, the layers then show exactly the tree
// the image-spec's changeset rules give (store/layers.ts applyLayers), and
// each layer is built once and shared by every overlay that uses it.
import type { TarEntry } from "../../store/tar";
import { whiteoutOf } from "../../store/layers";
import { MemFs, MemInode } from "./memfs";
import { deviceByRdev } from "./devtmpfs";
import { makedev } from "./device";
import { S_IFBLK, S_IFCHR, S_IFIFO, type Inode } from "./inode";

/** Trees already built, by the entry list the layer store shares per digest. */
const built = new WeakMap<readonly TarEntry[], MemFs>();

/** The read-only tree of one layer (cached: the same entries give the same tree). */
export function layerTree(entries: readonly TarEntry[]): MemFs {
  const have = built.get(entries);
  if (have) return have;
  const fs = new MemFs({ mode: 0o755 });
  const times: Array<[MemInode, number]> = [];
  for (const e of entries) {
    const attrs = { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime };
    const w = whiteoutOf(e);
    if (w?.opaque) { const d = fs.get(w.dir); if (d?.children) d.opaque = true; else fs.mkdir(w.dir, { mode: 0o755 }).opaque = true; continue; }
    if (w) { special(fs, w.victim, S_IFCHR, 0, { uid: e.uid, gid: e.gid, mtime: e.mtime }); continue; }
    switch (e.type) {
      case "dir": times.push([fs.mkdir(e.path, attrs), e.mtime]); break;
      case "file": fs.writeFile(e.path, e.data, attrs); break;
      case "symlink": fs.symlink(e.path, e.linkname, attrs); break;
      case "hardlink": fs.link(e.path, e.linkname); break;
      case "char": {
        const rdev = makedev(e.devmajor, e.devminor);
        if (rdev === 0) special(fs, e.path, S_IFCHR | e.mode, 0, e);
        else fs.mknod(e.path, deviceByRdev(rdev), attrs);
        break;
      }
      case "block": special(fs, e.path, S_IFBLK | e.mode, makedev(e.devmajor, e.devminor), e); break;
      case "fifo": special(fs, e.path, S_IFIFO | e.mode, 0, e); break;
    }
  }
  // Directory times as the layer gave them (adding children moved them).
  for (const [d, mtime] of times) d.mtime = d.ctime = d.atime = { sec: mtime, nsec: 0 };
  fs.readOnly = true;
  built.set(entries, fs);
  return fs;
}

/** The lower roots of an image, topmost first, as lowerdir= lists them. */
export function layerLowers(layers: ReadonlyArray<readonly TarEntry[]>): Inode[] {
  return layers.map((l) => layerTree(l).root).reverse();
}

/** A node MemFs's path helpers do not make: a whiteout, a block device, a FIFO. */
function special(fs: MemFs, path: string, mode: number, rdev: number, a: { uid: number; gid: number; mtime: number }): void {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? fs.root : fs.get(path.slice(0, slash)) ?? fs.mkdir(path.slice(0, slash), { mode: 0o755 });
  const name = path.slice(slash + 1);
  if (dir.children?.has(name)) dir.remove(name);
  const n = dir.create(name, { mode, uid: a.uid, gid: a.gid, rdev });
  if (typeof n === "number") return;
  n.mtime = n.ctime = n.atime = { sec: a.mtime, nsec: 0 };
}
