// overlay: one merged tree from a read-only lower tree (an image, shared by
// every container that uses it, or a host directory) and a writable upper
// tmpfs, after Linux's overlayfs (Documentation/filesystems/overlayfs.rst):
// - a name shows the upper object when there is one, else the lower one;
//   directories present in both are merged, unless the upper one is opaque;
// - changing a lower object copies it up first (copyup.ts);
// - deleting a name that exists below leaves a whiteout in the upper layer
//   (a 0:0 character device, hidden from readers); a directory made where a
//   lower one was deleted is opaque (the upper MemInode's `opaque` flag
//   stands for the trusted.overlay.opaque xattr);
// - renaming a directory that exists in the lower layer fails with EXDEV, as
//   overlayfs without redirect_dir does; mv then copies.
// Issue 5 turns this into a mountable filesystem with lowerdir=/upperdir=.
import {
  type Inode, type Timespec, type NewNode, type SetAttr, type FsStats, S_IFMT, S_IFCHR, isDir,
  RENAME_EXCHANGE,
} from "../inode";
import type { CharDevice } from "../device";
import { MemInode, type MemFs } from "../memfs";
import { copyUp, type CopyUpTarget } from "./copyup";
import { ENOENT, EXDEV, ENOTDIR, EROFS, EOPNOTSUPP } from "../../errno";

let nextOverlayDev = 0x60;
/** Inode numbers of objects that exist only in the upper layer, kept apart from lower numbers. */
const UPPER_INO_BASE = 2 ** 48;

const isWhiteout = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFCHR && i.rdev === 0 && !i.device;

export class OverlayFs {
  readonly dev = nextOverlayDev++;
  readonly root: OverlayInode;

  constructor(readonly lower: Inode, readonly upper: MemFs) {
    this.root = new OverlayInode(this, lower, upper.root, null, "");
    this.root.parent = this.root;
    // The root directory shows the lower root's attributes until something changes it.
    const u = upper.root;
    u.mode = lower.mode; u.uid = lower.uid; u.gid = lower.gid;
    u.atime = lower.atime; u.mtime = lower.mtime; u.ctime = lower.ctime;
  }
}

export class OverlayInode implements Inode, CopyUpTarget {
  parent: Inode | null = null;
  name = "";
  private kids = new Map<string, OverlayInode>();
  /** Open descriptions, handed from the lower to the upper object on copy-up. */
  private opens = 0;

  constructor(
    readonly ofs: OverlayFs,
    public lower: Inode | null,
    public upper: Inode | null,
    readonly parentDir: OverlayInode | null,
    readonly entryName: string,
  ) {}

  private get real(): Inode { return this.upper ?? this.lower!; }

  get dev(): number { return this.ofs.dev; }
  get ino(): number { return this.lower ? this.lower.ino : UPPER_INO_BASE + this.upper!.ino; }
  get mode(): number { return this.real.mode; }
  set mode(m: number) { this.setattr({ mode: m }); }
  get uid(): number { return this.real.uid; }
  set uid(u: number) { this.setattr({ uid: u }); }
  get gid(): number { return this.real.gid; }
  set gid(g: number) { this.setattr({ gid: g }); }
  /** Merged directories count their subdirectories as ext4 would (2 + one per child directory). */
  get nlink(): number {
    if (!isDir(this) || !this.lower || !this.upper) return this.real.nlink;
    let n = 2;
    for (const [, c] of this.entries()) if (isDir(c)) n++;
    return n;
  }
  set nlink(_n: number) { /* link counts follow the layers */ }
  get rdev(): number { return this.real.rdev; }
  set rdev(_r: number) { /* fixed at creation */ }
  get atime(): Timespec { return this.real.atime; }
  set atime(t: Timespec) { this.setattr({ atime: t }); }
  get mtime(): Timespec { return this.real.mtime; }
  set mtime(t: Timespec) { this.setattr({ mtime: t }); }
  get ctime(): Timespec { return this.real.ctime; }
  set ctime(t: Timespec) { this.setattr({ ctime: t }); }
  get size(): number { return this.real.size; }
  get blocks(): number | undefined { return this.real.blocks; }
  get device(): CharDevice | undefined { return this.real.device; }

  /** Whether the lower layer still shows through this directory. */
  private get lowerVisible(): boolean {
    return this.lower !== null && !(this.upper instanceof MemInode && this.upper.opaque);
  }

  lookup(name: string): Inode | null {
    if (!isDir(this)) return null;
    const cached = this.kids.get(name);
    if (cached) return cached;
    let up = this.upper?.lookup(name) ?? null;
    if (up && isWhiteout(up)) return null;
    let low = this.lowerVisible ? this.lower!.lookup(name) : null;
    if (up && low && !(isDir(up) && isDir(low))) low = null;
    if (up && low && up instanceof MemInode && up.opaque) low = null;
    if (!up && !low) return null;
    const o = new OverlayInode(this.ofs, low, up, this, name);
    if (isDir(o)) { o.parent = this; o.name = name; }
    this.kids.set(name, o);
    return o;
  }

  entries(): Array<[string, Inode]> {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const [n] of this.upper?.entries() ?? []) { seen.add(n); names.push(n); }
    if (this.lowerVisible) for (const [n] of this.lower!.entries()) if (!seen.has(n)) names.push(n);
    const out: Array<[string, Inode]> = [];
    for (const n of names) {
      const c = this.lookup(n);
      if (c) out.push([n, c]);
    }
    return out;
  }

  read(offset: number, len: number): Uint8Array { return this.real.read(offset, len); }
  seekData(off: number, hole: boolean): number {
    const r = this.real;
    if (r.seekData) return r.seekData(off, hole);
    return off >= r.size ? -1 : hole ? r.size : off;
  }
  readlink(): string { return this.real.readlink(); }
  fsStats(): FsStats | null {
    const s = this.ofs.upper.stats();
    return s && { ...s, type: 0x794c7630 /* OVERLAYFS_SUPER_MAGIC */ };
  }

  open(): void { this.opens++; this.real.open?.(); }
  release(): void { this.opens--; this.real.release?.(); }

  /** copyUp, moving the open count to the new upper object. */
  private ensureUpper(): number {
    if (this.upper) return 0;
    const e = copyUp(this);
    if (e < 0) return e;
    for (let k = 0; k < this.opens; k++) { this.upper!.open?.(); this.lower?.release?.(); }
    return 0;
  }

  // ---- writes: copy up, then change the upper layer ----

  createTmp(n: NewNode): Inode | number {
    const e = copyUp(this);
    if (e < 0) return e;
    if (!this.upper!.createTmp) return -EOPNOTSUPP;
    const made = this.upper!.createTmp(n);
    if (typeof made === "number") return made;
    return new OverlayInode(this.ofs, null, made, this, "");
  }

  /** Prepares this directory for a new entry `name`: copied up, any whiteout there removed; true when one was. */
  private prepareEntry(name: string): number | boolean {
    const e = copyUp(this);
    if (e < 0) return e;
    const up = this.upper!.lookup(name);
    if (up && isWhiteout(up)) {
      const r = this.upper!.remove!(name);
      if (r < 0) return r;
      return true;
    }
    return false;
  }

  create(name: string, n: NewNode): Inode | number {
    if (!isDir(this)) return -ENOTDIR;
    const prep = this.prepareEntry(name);
    if (typeof prep === "number") return prep;
    const made = this.upper!.create!(name, n);
    if (typeof made === "number") return made;
    // A directory made over a deleted lower one must not show the old contents.
    if (isDir(made) && made instanceof MemInode && (prep || this.lowerHas(name))) made.opaque = true;
    this.kids.delete(name);
    return this.lookup(name) ?? -ENOENT;
  }

  private lowerHas(name: string): boolean { return this.lowerVisible && this.lower!.lookup(name) !== null; }

  link(name: string, target: Inode): number {
    if (!(target instanceof OverlayInode) || target.ofs !== this.ofs) return -EXDEV;
    let e = target.ensureUpper();
    if (e < 0) return e;
    const prep = this.prepareEntry(name);
    if (typeof prep === "number") return prep;
    e = this.upper!.link!(name, target.upper!);
    this.kids.delete(name);
    return e;
  }

  /** Leaves a whiteout at `name` when the lower layer has something there. */
  private whiteout(name: string): number {
    if (!this.lowerHas(name)) return 0;
    const w = this.upper!.create!(name, { mode: S_IFCHR, uid: 0, gid: 0, rdev: 0 });
    return typeof w === "number" ? w : 0;
  }

  remove(name: string): number {
    const c = this.lookup(name);
    if (!(c instanceof OverlayInode)) return -ENOENT;
    const e = copyUp(this);
    if (e < 0) return e;
    if (c.upper) {
      // An emptied merged directory still holds whiteouts in its upper copy: they go with it.
      if (isDir(c.upper)) for (const [n] of c.upper.entries()) c.upper.remove!(n);
      const r = this.upper!.remove!(name);
      if (r < 0) return r;
    }
    this.kids.delete(name);
    return this.whiteout(name);
  }

  rename(name: string, newDir: Inode, newName: string, flags: number): number {
    if (!(newDir instanceof OverlayInode) || newDir.ofs !== this.ofs) return -EXDEV;
    const src = this.lookup(name);
    if (!(src instanceof OverlayInode)) return -ENOENT;
    const dst = newDir.lookup(newName) as OverlayInode | null;
    // Without redirect_dir, directories that exist below cannot move (rename(2) EXDEV; mv copies).
    if (isDir(src) && src.lower) return -EXDEV;
    if (flags & RENAME_EXCHANGE && dst && isDir(dst) && dst.lower) return -EXDEV;
    let e = src.ensureUpper();
    if (e < 0) return e;
    if (dst) { e = dst.ensureUpper(); if (e < 0) return e; }
    e = copyUp(newDir);
    if (e < 0) return e;
    const prep = newDir.prepareEntry(newName);
    if (typeof prep === "number") return prep;
    const hidesLowerDir = dst !== null && isDir(dst) && dst.lower !== null;
    if (dst && !(flags & RENAME_EXCHANGE) && dst.upper && isDir(dst.upper)) {
      for (const [n] of dst.upper.entries()) dst.upper.remove!(n);
    }
    e = this.upper!.rename!(name, newDir.upper!, newName, flags);
    if (e < 0) return e;
    this.kids.delete(name);
    newDir.kids.delete(newName);
    if (flags & RENAME_EXCHANGE) return 0;
    // The moved directory replaces one that the lower layer also had: it must hide it.
    const moved = newDir.upper!.lookup(newName);
    if (hidesLowerDir && moved instanceof MemInode && isDir(moved)) moved.opaque = true;
    return this.whiteout(name);
  }

  setattr(a: SetAttr): number {
    const e = this.ensureUpper();
    if (e < 0) return e;
    return this.upper!.setattr ? this.upper!.setattr(a) : -EROFS;
  }

  write(offset: number, data: Uint8Array): number {
    const e = this.ensureUpper();
    if (e < 0) return e;
    return this.upper!.write ? this.upper!.write(offset, data) : -EROFS;
  }

  allocate(offset: number, len: number, mode: number): number {
    const e = this.ensureUpper();
    if (e < 0) return e;
    return this.upper!.allocate ? this.upper!.allocate(offset, len, mode) : -EOPNOTSUPP;
  }

  /** Copies the object up now (open for writing does this, as overlayfs does on open). */
  copyUp(): number { return this.ensureUpper(); }
}

/** Whether `i` is a whiteout as the upper layer stores it (for tests and issue 5's mount code). */
export { isWhiteout };
