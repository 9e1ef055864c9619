// Copy-up (Documentation/filesystems/overlayfs.rst, "Non-directories" and
// "Permission model"): before anything changes a lower object, the object
// is copied into the upper layer — its parent directories first, then the
// object itself with its mode, owner, times and extended attributes (and,
// for files, its data). From then on the upper copy is the truth and the
// lower one stays hidden. As ovl_copy_up_one does, the parent directory's
// times are put back afterwards: a copy-up is not a change of the directory.
import { type Inode, type NewNode, type Timespec, S_IFMT, S_IFREG, S_IFLNK } from "../inode";
import { EXDEV, EROFS } from "../../errno";

/** The parts of an overlay inode copy-up works on. */
export interface CopyUpTarget {
  readonly lower: Inode | null;
  upper: Inode | null;
  /** The overlay directory holding this object, null for the root. */
  readonly parentDir: CopyUpTarget | null;
  readonly entryName: string;
  /** Told the new upper object (to record the copy-up origin). */
  copiedUp(upper: Inode): void;
}

/** Makes sure `o` has an upper copy; 0 or an errno (ENOSPC from the upper). */
export function copyUp(o: CopyUpTarget): number {
  if (o.upper) return 0;
  const lower = o.lower;
  const parent = o.parentDir;
  if (!lower || !parent) return -EXDEV;
  const e = copyUp(parent);
  if (e < 0) return e;
  const dir = parent.upper!;
  if (!dir.create) return -EROFS;
  // A name in a directory copied up earlier may already be there (a whiteout cannot be: lookups hide it).
  const existing = dir.lookup(o.entryName);
  if (existing) { o.upper = existing; return 0; }
  const times: [Timespec, Timespec] = [dir.atime, dir.mtime];
  const n: NewNode = { mode: lower.mode, uid: lower.uid, gid: lower.gid, rdev: lower.rdev };
  if ((lower.mode & S_IFMT) === S_IFLNK) n.target = lower.readlink();
  if (lower.device) n.device = lower.device;
  const made = dir.create(o.entryName, n);
  if (typeof made === "number") return made;
  if ((lower.mode & S_IFMT) === S_IFREG && lower.size > 0) {
    const CHUNK = 1 << 20;
    for (let off = 0; off < lower.size; off += CHUNK) {
      const w = made.write!(off, lower.read(off, CHUNK));
      if (w < 0) { dir.remove!(o.entryName); return w; }
    }
  }
  // Extended attributes other than overlayfs's own travel with the object.
  for (const name of lower.listxattr?.() ?? []) {
    if (name.startsWith("trusted.overlay.") && !name.startsWith("trusted.overlay.overlay.")) continue;
    const v = lower.getxattr!(name);
    if (v instanceof Uint8Array) made.setxattr?.(name, v, 0);
  }
  // Owner and mode (create applied them), times as the lower had them.
  made.setattr!({ atime: lower.atime, mtime: lower.mtime, ctime: lower.ctime });
  dir.setattr?.({ atime: times[0], mtime: times[1] });
  o.upper = made;
  o.copiedUp(made);
  return 0;
}
