// overlay: one merged tree from read-only lower layers and an optional
// writable upper directory, after Linux's overlayfs
// (Documentation/filesystems/overlayfs.rst):
// - a name shows the topmost object that has it: the upper one, else the
//   first lower layer's (lowerdir=A:B: A above B); directories present in
//   several layers are merged, down to the first opaque one or the first
//   non-directory ("Directories", "Multiple lower layers");
// - a whiteout (a 0:0 character device) in a layer hides the name below it;
//   an opaque directory (xattr trusted.overlay.opaque="y") hides everything
//   below it ("whiteouts and opaque directories");
// - changing a lower object copies it up first (copyup.ts); deleting a name
//   that exists below leaves a whiteout in the upper directory; a directory
//   made where a lower one was deleted is opaque;
// - renaming a directory that exists in a lower layer fails with EXDEV, as
//   with redirect_dir=off ("Renaming directories"); mv then copies;
// - without an upper directory the overlay is read-only (EROFS).
// Lower layers are only read: many overlays share one image, and overlay
// inodes are made lazily, on lookup, so a mount costs nothing per file.
// st_dev/st_ino ("Inode properties"): every object reports the overlay's
// st_dev. When all layers are on one filesystem st_ino is the real one
// (the copy-up origin's for copied-up objects, so it survives copy-up);
// otherwise the layer's index is put in the high bits, as xino=on does.
import {
  type Inode, type Timespec, type NewNode, type SetAttr, type FsStats, S_IFMT, S_IFCHR, isDir, RENAME_EXCHANGE,
} from "../inode";
import type { CharDevice } from "../device";
import { MemFs } from "../memfs";
import { copyUp, type CopyUpTarget } from "./copyup";
import { ENOENT, EXDEV, ENOTDIR, EROFS, EOPNOTSUPP, ENODATA, EPERM, ENOTEMPTY } from "../../errno";

let nextOverlayDev = 0x60;
/** st_ino of objects that exist only in the upper layer (layers on different filesystems). */
const UPPER_INO_BASE = 2 ** 48;
/** st_ino span of one lower layer (layers on different filesystems, as xino's fsid bits). */
const LAYER_INO_SPAN = 2 ** 40;
const OVERLAYFS_SUPER_MAGIC = 0x794c7630;

/** The xattr that makes an upper directory opaque, and the prefix overlayfs keeps to itself. */
export const OVL_OPAQUE = "trusted.overlay.opaque";
const OVL_PRIVATE = "trusted.overlay.";
/**
 * "Nesting overlayfs mounts": trusted.overlay.X set through an overlay is
 * stored as trusted.overlay.overlay.X in the layer, so that an overlay
 * using this one as a layer sees X; the layer's own trusted.overlay.*
 * (opaque, origin…) is not visible through the overlay.
 */
const OVL_ESCAPED = "trusted.overlay.overlay.";
const escapeXattr = (name: string): string => name.startsWith(OVL_PRIVATE) ? OVL_ESCAPED + name.slice(OVL_PRIVATE.length) : name;
function unescapeXattr(name: string): string | null {
  if (name.startsWith(OVL_ESCAPED)) return OVL_PRIVATE + name.slice(OVL_ESCAPED.length);
  return name.startsWith(OVL_PRIVATE) ? null : name;
}
const Y = new Uint8Array([0x79]);

/** A whiteout as layers store it: a character device 0:0 (WHITEOUT_DEV). */
export const isWhiteout = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFCHR && i.rdev === 0;

/** Whether a directory of a layer hides the layers below it. */
export function isOpaque(i: Inode): boolean {
  const v = i.getxattr?.(OVL_OPAQUE);
  return v instanceof Uint8Array && v.length === 1 && v[0] === 0x79;
}

/** Where a copied-up object came from: its lower layer (0 = topmost lower) and inode number there. */
interface Origin { layer: number; ino: number }

/**
 * trusted.overlay.origin, which copy-up leaves on the upper object so that
 * st_ino stays the lower one's, across hard links and later mounts of the
 * same layers (overlayfs.rst "Inode properties"). Linux stores a file
 * handle; Hako stores "layer:ino", as opaque to readers (the overlay hides it).
 */
const OVL_ORIGIN = "trusted.overlay.origin";
const enc = new TextEncoder(), dec = new TextDecoder();

function readOrigin(upper: Inode): Origin | null {
  const v = upper.getxattr?.(OVL_ORIGIN);
  if (!(v instanceof Uint8Array)) return null;
  const m = /^(\d+):(\d+)$/.exec(dec.decode(v));
  return m ? { layer: Number(m[1]), ino: Number(m[2]) } : null;
}

function writeOrigin(upper: Inode, o: Origin): void {
  upper.setxattr?.(OVL_ORIGIN, enc.encode(`${o.layer}:${o.ino}`), 0);
}

export class OverlayFs {
  readonly dev = nextOverlayDev++;
  readonly root: OverlayInode;
  /** Lower layer roots, topmost first. */
  readonly lowers: Inode[];
  /** The upper directory; null for a read-only overlay. */
  readonly upperRoot: Inode | null;
  /** Every layer on one filesystem: real inode numbers, no layer bits. */
  readonly samefs: boolean;
  /**
   * Merged directories report nlink 1, as ovl_getattr does. The machine's own
   * root overlay counts subdirectories instead (2 + one per child directory,
   * as the host directory it stands for does), so that listings of the
   * machine root compare with the host's.
   */
  readonly countDirLinks: boolean;
  /** Overlay inodes made so far (they are made on lookup only: a mount costs nothing per lower file). */
  inodes = 0;

  /**
   * `lower`: one root or the roots topmost first; `upper`: a directory on a
   * writable filesystem, a whole MemFs (the machine's root overlay, whose
   * upper root takes the lower root's attributes), or null (read-only).
   */
  constructor(lower: Inode | Inode[], upper: MemFs | Inode | null) {
    this.lowers = Array.isArray(lower) ? lower : [lower];
    const up = upper instanceof MemFs ? upper.root : upper;
    this.upperRoot = up;
    const devs = new Set(this.lowers.map((l) => l.dev));
    if (up) devs.add(up.dev);
    this.samefs = devs.size === 1;
    this.countDirLinks = upper instanceof MemFs;
    if (upper instanceof MemFs && this.lowers.length > 0) {
      // The machine root: the upper root stands for the image root, as if copied up.
      const l = this.lowers[0], u = upper.root;
      u.mode = l.mode; u.uid = l.uid; u.gid = l.gid;
      u.atime = l.atime; u.mtime = l.mtime; u.ctime = l.ctime;
      writeOrigin(u, { layer: 0, ino: l.ino });
    }
    const visible = up && isOpaque(up) ? [] : this.lowers;
    this.root = new OverlayInode(this, up, visible, 0, null, "");
    this.root.parent = this.root;
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
    public upper: Inode | null,
    /** The lower objects shown through this one: one for a non-directory, the merged stack for a directory. */
    readonly lowers: Inode[],
    /** Layer index of lowers[0]. */
    readonly lowerLayer: number,
    public parentDir: OverlayInode | null,
    public entryName: string,
  ) { ofs.inodes++; }

  get lower(): Inode | null { return this.lowers[0] ?? null; }
  private get real(): Inode { return this.upper ?? this.lowers[0]; }

  /** The lower object this one shows or was copied up from. */
  private origin(): Origin | null {
    if (this.upper) return readOrigin(this.upper);
    return { layer: this.lowerLayer, ino: this.lowers[0].ino };
  }

  get dev(): number { return this.ofs.dev; }
  get ino(): number {
    const o = this.origin();
    if (this.ofs.samefs) return o ? o.ino : this.upper!.ino;
    return o ? o.ino + o.layer * LAYER_INO_SPAN : UPPER_INO_BASE + this.upper!.ino;
  }
  get mode(): number { return this.real.mode; }
  set mode(m: number) { this.setattr({ mode: m }); }
  get uid(): number { return this.real.uid; }
  set uid(u: number) { this.setattr({ uid: u }); }
  get gid(): number { return this.real.gid; }
  set gid(g: number) { this.setattr({ gid: g }); }
  /** Merged directories report 1, which find(1) takes as "unknown" (ovl_getattr does not count subdirectories). */
  get nlink(): number {
    if (!isDir(this) || !(this.upper ? this.lowers.length > 0 : this.lowers.length > 1)) return this.real.nlink;
    if (!this.ofs.countDirLinks) return 1;
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
  /** A read-only overlay (no upperdir) refuses every change. */
  get readOnly(): boolean { return this.ofs.upperRoot === null || this.ofs.upperRoot.readOnly === true; }

  lookup(name: string): Inode | null {
    if (!isDir(this)) return null;
    const cached = this.kids.get(name);
    if (cached) return cached;
    const up = this.upper?.lookup(name) ?? null;
    if (up && isWhiteout(up)) return null;
    // Walk the lower stack while what is found can merge with what is above (directories only).
    const found: Inode[] = [];
    let layer = 0;
    if (!up || (isDir(up) && !isOpaque(up))) {
      for (let k = 0; k < this.lowers.length; k++) {
        const c = this.lowers[k].lookup(name);
        if (!c) continue;
        if (isWhiteout(c)) break;
        const above = up ?? found[0];
        if (above && !(isDir(above) && isDir(c))) break;
        if (found.length === 0) layer = this.lowerLayer + k;
        found.push(c);
        if (!isDir(c) || isOpaque(c)) break;
      }
    }
    if (!up && found.length === 0) return null;
    const o = new OverlayInode(this.ofs, up, found, layer, this, name);
    if (isDir(o)) { o.parent = this; o.name = name; }
    this.kids.set(name, o);
    return o;
  }

  /**
   * Merged readdir in ovl_dir_read_merged's order: the lowest layer's names
   * first, in its own order, then the other names as the upper and the
   * middle layers give them (what `rm -r` and `find` walk in).
   */
  entries(): Array<[string, Inode]> {
    const layers = [...(this.upper ? [this.upper] : []), ...this.lowers];
    const above = new Set<string>();
    for (const l of layers.slice(0, -1)) for (const [n] of l.entries()) above.add(n);
    const lowest = layers.length > 0 ? layers[layers.length - 1].entries().map(([n]) => n) : [];
    const inLowest = new Set(lowest);
    const names = [...lowest, ...[...above].filter((n) => !inLowest.has(n))];
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
    const s = (this.ofs.upperRoot ?? this.ofs.lowers[0]).fsStats?.() ?? null;
    return s && { ...s, type: OVERLAYFS_SUPER_MAGIC };
  }

  open(): void { this.opens++; this.real.open?.(); }
  release(): void { this.opens--; this.real.release?.(); }

  /** copyUp, moving the open count to the new upper object. */
  private ensureUpper(): number {
    if (this.upper) return 0;
    if (!this.ofs.upperRoot) return -EROFS;
    const e = copyUp(this);
    if (e < 0) return e;
    for (let k = 0; k < this.opens; k++) { this.upper!.open?.(); this.lower?.release?.(); }
    return 0;
  }

  /** Called by copyUp once `upper` exists: remembers the origin (st_ino stays the lower one's). */
  copiedUp(upper: Inode): void {
    if (this.lowers.length > 0) writeOrigin(upper, { layer: this.lowerLayer, ino: this.lowers[0].ino });
  }

  /** Whether a lower layer shows something at `name` (deleting it there needs a whiteout). */
  private lowerHas(name: string): Inode | null {
    for (const l of this.lowers) {
      const c = l.lookup(name);
      if (c) return isWhiteout(c) ? null : c;
    }
    return null;
  }

  // ---- writes: copy up, then change the upper layer ----

  createTmp(n: NewNode): Inode | number {
    const e = this.ensureUpper();
    if (e < 0) return e;
    if (!this.upper!.createTmp) return -EOPNOTSUPP;
    const made = this.upper!.createTmp(n);
    if (typeof made === "number") return made;
    return new OverlayInode(this.ofs, made, [], 0, this, "");
  }

  /** Prepares this directory for a new entry `name`: copied up, any whiteout there removed; true when one was. */
  private prepareEntry(name: string): number | boolean {
    const e = this.ensureUpper();
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
    // A whiteout cannot be made through the overlay (ovl_mknod): it would hide the name.
    if ((n.mode & S_IFMT) === S_IFCHR && (n.rdev ?? 0) === 0) return -EPERM;
    const prep = this.prepareEntry(name);
    if (typeof prep === "number") return prep;
    const made = this.upper!.create!(name, n);
    if (typeof made === "number") return made;
    // A directory made over a deleted lower one must not show the old contents.
    if (isDir(made) && (prep || this.lowerHas(name))) {
      const e = setOpaque(made);
      if (e < 0) return e;
    }
    this.kids.delete(name);
    return this.lookup(name) ?? -ENOENT;
  }

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

  /** Leaves a whiteout at `name` when a lower layer has something there. */
  private whiteout(name: string): number {
    if (!this.lowerHas(name)) return 0;
    const w = this.upper!.create!(name, { mode: S_IFCHR, uid: 0, gid: 0, rdev: 0 });
    return typeof w === "number" ? w : 0;
  }

  remove(name: string): number {
    const c = this.lookup(name);
    if (!(c instanceof OverlayInode)) return -ENOENT;
    const e = this.ensureUpper();
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
    const exchange = (flags & RENAME_EXCHANGE) !== 0;
    // Without redirect_dir, directories that exist below cannot move (rename(2) EXDEV; mv copies).
    if (isDir(src) && src.lowers.length > 0) return -EXDEV;
    if (exchange && dst && isDir(dst) && dst.lowers.length > 0) return -EXDEV;
    // A directory replaced must look empty (ovl_check_empty_dir: only whiteouts may remain in its upper part).
    if (dst && !exchange && isDir(dst) && dst.entries().length > 0) return -ENOTEMPTY;
    let e = src.ensureUpper();
    if (e < 0) return e;
    if (dst && exchange) { e = dst.ensureUpper(); if (e < 0) return e; }
    e = this.ensureUpper();
    if (e < 0) return e;
    const prep = newDir.prepareEntry(newName);
    if (typeof prep === "number") return prep;
    if (dst && !exchange && dst.upper && isDir(dst.upper)) {
      for (const [n] of dst.upper.entries()) dst.upper.remove!(n);
    }
    e = this.upper!.rename!(name, newDir.upper!, newName, flags);
    if (e < 0) return e;
    // An upper directory moved into a merged directory becomes opaque, so that
    // nothing a lower layer has (now or later) under its new name shows through (ovl_rename).
    if (isDir(src) && newDir.isMerged() && !isOpaque(src.upper!)) { e = setOpaque(src.upper!); if (e < 0) return e; }
    if (exchange && dst && isDir(dst) && this.isMerged() && !isOpaque(dst.upper!)) { e = setOpaque(dst.upper!); if (e < 0) return e; }
    // The cached overlay inodes move with their objects (open descriptors and cwds keep them).
    this.kids.delete(name);
    newDir.kids.delete(newName);
    src.moveTo(newDir, newName);
    if (exchange && dst) { dst.moveTo(this, name); return 0; }
    return this.whiteout(name);
  }

  /** A directory with an upper and a lower part (OVL_TYPE_MERGE). */
  private isMerged(): boolean { return this.upper !== null && this.lowers.length > 0; }

  private moveTo(dir: OverlayInode, name: string): void {
    this.parentDir = dir;
    this.entryName = name;
    if (isDir(this)) { this.parent = dir; this.name = name; }
    dir.kids.set(name, this);
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

  /** open(2) for writing copies the file up at once, as ovl_open does. */
  prepareWrite(): number { return this.ensureUpper(); }

  // ---- extended attributes: the real object's, trusted.overlay.* escaped (see OVL_ESCAPED) ----

  getxattr(name: string): Uint8Array | number {
    return this.real.getxattr ? this.real.getxattr(escapeXattr(name)) : -EOPNOTSUPP;
  }

  setxattr(name: string, value: Uint8Array, flags: number): number {
    const e = this.ensureUpper();
    if (e < 0) return e;
    return this.upper!.setxattr ? this.upper!.setxattr(escapeXattr(name), value, flags) : -EOPNOTSUPP;
  }

  listxattr(): string[] {
    const out: string[] = [];
    for (const n of this.real.listxattr?.() ?? []) { const u = unescapeXattr(n); if (u !== null) out.push(u); }
    return out;
  }

  removexattr(name: string): number {
    const real = escapeXattr(name);
    // Removing what is not there changes nothing: no copy-up (ovl_xattr_set).
    if (!this.upper && !(this.real.listxattr?.() ?? []).includes(real)) return -ENODATA;
    const e = this.ensureUpper();
    if (e < 0) return e;
    return this.upper!.removexattr ? this.upper!.removexattr(real) : -EOPNOTSUPP;
  }
}

/** Marks an upper directory opaque (the upper filesystem must support trusted xattrs). */
function setOpaque(dir: Inode): number {
  return dir.setxattr ? dir.setxattr(OVL_OPAQUE, Y, 0) : -EOPNOTSUPP;
}
