// An in-memory filesystem: the tree an image's layers unpack into and, made
// writable, tmpfs (fs/tmpfs.ts) and the overlay's upper layer. Inodes hold
// their data in growable buffers and remember which 4 KiB pages were ever
// written: as in mm/shmem.c, extending a file with truncate leaves holes that
// take no space (st_blocks, SEEK_HOLE), and the filesystem charges only
// written pages against its size limit, so a full tmpfs gives ENOSPC, and a
// cgroup can later be charged through `chargeHook`. A read-only MemFs (the shared image lower layer) refuses every
// change with EROFS.
import {
  type Inode, type Timespec, type NewNode, type SetAttr, type FsStats, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFMT,
  isDir, currentTime, RENAME_EXCHANGE, TMPFS_MAGIC, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, XATTR_CREATE, XATTR_REPLACE,
} from "./inode";
import type { CharDevice } from "./device";
import { ENOENT, ENOTDIR, EEXIST, EROFS, ENOSPC, EXDEV, EFBIG, EINVAL, ENODATA, ENOTEMPTY } from "../errno";

let nextDev = 0x30;
/** The xattr overlayfs marks opaque upper directories with (Documentation/filesystems/overlayfs.rst). */
const OVL_OPAQUE = "trusted.overlay.opaque";
const PAGE = 4096;
/** Largest file we keep in memory (a JS typed array's practical limit). */
const MAX_FILE = 2 ** 31;

const pages = (n: number): number => Math.ceil(n / PAGE);

function grow(a: Uint8Array, min: number): Uint8Array {
  const b = new Uint8Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

export class MemInode implements Inode {
  nlink = 1;
  rdev = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  parent: Inode | null = null;
  name = "";
  target = "";
  children: Map<string, MemInode> | null = null;
  device?: CharDevice;
  /** Extended attributes (xattr(7)), created on first use. */
  private xattrs: Map<string, Uint8Array> | null = null;
  /** Open file descriptions referring to the inode; an unlinked file's data lives until they are gone. */
  opens = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private len = 0;
  /** One byte per page of the file: 1 when the page holds data (not a hole). */
  private present: Uint8Array = new Uint8Array(0);
  private presentPages = 0;

  constructor(readonly fs: MemFs, readonly ino: number, public mode: number, public uid: number, public gid: number, time: Timespec) {
    this.atime = time; this.mtime = time; this.ctime = time;
    if (isDir(this)) { this.children = new Map(); this.nlink = 2; }
  }

  get dev(): number { return this.fs.dev; }
  get readOnly(): boolean { return this.fs.readOnly; }

  /** Overlay upper directories: hides the lower layers (the trusted.overlay.opaque xattr is "y"). */
  get opaque(): boolean { return this.xattrs?.get(OVL_OPAQUE)?.[0] === 0x79 /* y */; }
  set opaque(o: boolean) {
    if (o) (this.xattrs ??= new Map()).set(OVL_OPAQUE, new Uint8Array([0x79]));
    else this.xattrs?.delete(OVL_OPAQUE);
  }

  // ---- extended attributes (tmpfs keeps them in memory, simple_xattr) ----
  getxattr(name: string): Uint8Array | number { return this.xattrs?.get(name) ?? -ENODATA; }
  setxattr(name: string, value: Uint8Array, flags: number): number {
    if (this.fs.readOnly) return -EROFS;
    const has = this.xattrs?.has(name) ?? false;
    if ((flags & XATTR_CREATE) && has) return -EEXIST;
    if ((flags & XATTR_REPLACE) && !has) return -ENODATA;
    (this.xattrs ??= new Map()).set(name, value.slice());
    this.ctime = currentTime();
    return 0;
  }
  listxattr(): string[] { return this.xattrs ? [...this.xattrs.keys()] : []; }
  removexattr(name: string): number {
    if (this.fs.readOnly) return -EROFS;
    if (!this.xattrs?.delete(name)) return -ENODATA;
    this.ctime = currentTime();
    return 0;
  }

  /** The file's bytes (a view; valid until the next write). */
  get data(): Uint8Array { return this.buf.subarray(0, this.len); }
  set data(d: Uint8Array) {
    this.buf = d; this.len = d.length;
    this.present = new Uint8Array(pages(d.length)).fill(1);
    this.presentPages = this.present.length;
  }

  /** st_blocks: 512-byte blocks of the pages that hold data. */
  get blocks(): number { return isDir(this) ? 8 : this.presentPages * (PAGE / 512); }

  /** SEEK_DATA / SEEK_HOLE (lseek(2)): the next data or hole offset at or after `off`, or -1 (ENXIO). */
  seekData(off: number, hole: boolean): number {
    if (off >= this.len) return -1;
    for (let p = Math.floor(off / PAGE); p * PAGE < this.len; p++) {
      if ((this.present[p] === 1) !== hole) return Math.max(off, p * PAGE);
    }
    return hole ? this.len : -1;
  }

  get size(): number {
    switch (this.mode & S_IFMT) {
      case S_IFREG: return this.len;
      case S_IFLNK: return new TextEncoder().encode(this.target).length;
      case S_IFDIR: return 4096;
      default: return 0;
    }
  }
  lookup(name: string): Inode | null { return this.children?.get(name) ?? null; }
  entries(): Array<[string, Inode]> { return this.children ? [...this.children] : []; }
  read(offset: number, len: number): Uint8Array { return this.buf.subarray(Math.min(offset, this.len), Math.min(this.len, offset + len)); }
  readlink(): string { return this.target; }
  fsStats(): FsStats | null { return this.fs.stats(); }

  open(): void { this.opens++; }
  release(): void {
    if (--this.opens === 0 && this.nlink <= 0 && !this.children) this.fs.release(this);
  }

  // ---- writes ----

  createTmp(n: NewNode): Inode | number {
    if (this.fs.readOnly) return -EROFS;
    if (!this.children) return -ENOTDIR;
    const c = this.fs.allocInode(n.mode, n.uid, n.gid, currentTime());
    if (typeof c === "number") return c;
    c.nlink = 0;
    return c;
  }

  private touchDir(now: Timespec): void { this.mtime = now; this.ctime = now; }

  create(name: string, n: NewNode): Inode | number {
    if (this.fs.readOnly) return -EROFS;
    if (!this.children) return -ENOTDIR;
    if (this.children.has(name)) return -EEXIST;
    const now = currentTime();
    const c = this.fs.allocInode(n.mode, n.uid, n.gid, now);
    if (typeof c === "number") return c;
    if ((n.mode & S_IFMT) === S_IFLNK) c.target = n.target ?? "";
    c.rdev = n.rdev ?? 0;
    if (n.device) c.device = n.device;
    this.children.set(name, c);
    if (c.children) { c.parent = this; c.name = name; this.nlink++; }
    this.touchDir(now);
    return c;
  }

  link(name: string, target: Inode): number {
    if (this.fs.readOnly) return -EROFS;
    if (!this.children) return -ENOTDIR;
    if (!(target instanceof MemInode) || target.fs !== this.fs) return -EXDEV;
    if (this.children.has(name)) return -EEXIST;
    const now = currentTime();
    this.children.set(name, target);
    target.nlink++;
    target.ctime = now;
    this.touchDir(now);
    return 0;
  }

  remove(name: string): number {
    if (this.fs.readOnly) return -EROFS;
    const c = this.children?.get(name);
    if (!c) return -ENOENT;
    this.children!.delete(name);
    const now = currentTime();
    this.detach(c, now);
    this.touchDir(now);
    return 0;
  }

  /** Drops one name of `c` (already out of this directory's map). */
  private detach(c: MemInode, now: Timespec): void {
    if (c.children) { this.nlink--; c.nlink = 0; } else c.nlink--;
    c.ctime = now;
    if (c.nlink <= 0 && c.opens === 0) this.fs.release(c);
  }

  rename(name: string, newDir: Inode, newName: string, flags: number): number {
    if (this.fs.readOnly) return -EROFS;
    if (!(newDir instanceof MemInode) || newDir.fs !== this.fs) return -EXDEV;
    const src = this.children?.get(name);
    if (!src || !newDir.children) return -ENOENT;
    const dst = newDir.children.get(newName);
    const now = currentTime();
    if (flags & RENAME_EXCHANGE) {
      if (!dst) return -ENOENT;
      this.children!.set(name, dst);
      newDir.children.set(newName, src);
      this.reparent(dst, newDir, this, name);
      newDir.reparent(src, this, newDir, newName);
      src.ctime = now; dst.ctime = now;
    } else {
      if (dst === src) return 0;
      if (dst?.children && dst.children.size > 0) return -ENOTEMPTY;
      this.children!.delete(name);
      if (dst) { newDir.children.delete(newName); newDir.detach(dst, now); }
      newDir.children.set(newName, src);
      newDir.reparent(src, this, newDir, newName);
      src.ctime = now;
    }
    this.touchDir(now);
    newDir.touchDir(now);
    return 0;
  }

  /** A directory `c` moved from `from` to `to` under `name`: ".." counts follow it. */
  private reparent(c: MemInode, from: MemInode, to: MemInode, name: string): void {
    if (!c.children) return;
    if (from !== to) { from.nlink--; to.nlink++; }
    c.parent = to;
    c.name = name;
  }

  setattr(a: SetAttr): number {
    if (this.fs.readOnly) return -EROFS;
    if (a.size !== undefined) {
      if ((this.mode & S_IFMT) !== S_IFREG) return -EINVAL;
      const r = this.resize(a.size);
      if (r < 0) return r;
      const now = currentTime();
      this.mtime = now; this.ctime = now;
    }
    if (a.mode !== undefined) this.mode = (this.mode & S_IFMT) | (a.mode & 0o7777);
    if (a.uid !== undefined) this.uid = a.uid;
    if (a.gid !== undefined) this.gid = a.gid;
    if (a.atime) this.atime = a.atime;
    if (a.mtime) this.mtime = a.mtime;
    this.ctime = a.ctime ?? currentTime();
    return 0;
  }

  write(offset: number, data: Uint8Array): number {
    if (this.fs.readOnly) return -EROFS;
    if ((this.mode & S_IFMT) !== S_IFREG) return -EINVAL;
    const end = offset + data.length;
    if (end > MAX_FILE) return -EFBIG;
    // Pages the write fills for the first time take space.
    const first = Math.floor(offset / PAGE), last = Math.ceil(end / PAGE);
    let fresh = 0;
    for (let p = first; p < last; p++) if (this.present[p] !== 1) fresh++;
    if (fresh > 0 && !this.fs.charge(fresh, this)) return -ENOSPC;
    if (end > this.len) this.resize(end);
    if (this.present.length < last) this.present = grow(this.present, last);
    for (let p = first; p < last; p++) this.present[p] = 1;
    this.presentPages += fresh;
    this.buf.set(data, offset);
    const now = currentTime();
    this.mtime = now; this.ctime = now;
    return data.length;
  }

  /** fallocate(2): mode 0 and FALLOC_FL_KEEP_SIZE allocate the range's pages; PUNCH_HOLE zeroes and frees them. */
  allocate(offset: number, len: number, mode: number): number {
    if (this.fs.readOnly) return -EROFS;
    const end = offset + len;
    if (end > MAX_FILE) return -EFBIG;
    const now = currentTime();
    if (mode & FALLOC_FL_PUNCH_HOLE) {
      const stop = Math.min(end, this.len);
      if (offset < stop) this.buf.fill(0, offset, stop);
      // Only pages entirely inside the range are freed; partial ones keep their (now zero) bytes.
      let freed = 0;
      for (let p = Math.ceil(offset / PAGE); (p + 1) * PAGE <= end && p < this.present.length; p++) {
        if (this.present[p] === 1) { this.present[p] = 0; freed++; }
      }
      this.presentPages -= freed;
      this.fs.charge(-freed, this);
      this.mtime = now; this.ctime = now;
      return 0;
    }
    const first = Math.floor(offset / PAGE), last = Math.ceil(end / PAGE);
    let fresh = 0;
    for (let p = first; p < last; p++) if (this.present[p] !== 1) fresh++;
    if (fresh > 0 && !this.fs.charge(fresh, this)) return -ENOSPC;
    if (this.present.length < last) this.present = grow(this.present, last);
    for (let p = first; p < last; p++) this.present[p] = 1;
    this.presentPages += fresh;
    if (!(mode & FALLOC_FL_KEEP_SIZE) && end > this.len) { this.resize(end); this.mtime = now; }
    this.ctime = now;
    return 0;
  }

  /** Sets the length; growing leaves a hole, shrinking gives back the pages past the end. New bytes read as zeros. */
  private resize(size: number): number {
    if (size > MAX_FILE) return -EFBIG;
    if (size < this.len) {
      let freed = 0;
      for (let p = pages(size); p < this.present.length; p++) if (this.present[p] === 1) { this.present[p] = 0; freed++; }
      this.presentPages -= freed;
      this.fs.charge(-freed, this);
    }
    if (size > this.buf.length) {
      const next = new Uint8Array(Math.min(MAX_FILE, Math.max(size, this.buf.length * 2, 64)));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    } else if (size < this.len) this.buf.fill(0, size, this.len);
    this.len = size;
    return 0;
  }

  /** Frees the data of an inode with no names left (open descriptors keep reading what they have). */
  freeData(): void {
    this.fs.charge(-this.presentPages, this);
    this.buf = new Uint8Array(0);
    this.len = 0;
    this.present = new Uint8Array(0);
    this.presentPages = 0;
  }
}

export interface NodeAttrs {
  mode: number;
  uid?: number;
  gid?: number;
  /** Modification time, seconds since the epoch. */
  mtime?: number;
}

export interface MemFsLimits {
  /** Bytes of file data (whole pages), like tmpfs's size= option. */
  maxBytes?: number;
  /** Inodes, like tmpfs's nr_inodes= option. */
  maxInodes?: number;
  /** statfs f_type. */
  magic?: number;
}

/**
 * Pages all writable in-memory filesystems of this host process may hold
 * together (1 GiB): a guard for the worker, so that a guest filling an
 * unlimited tmpfs meets ENOSPC instead of exhausting the host's memory.
 */
export const hostBudget = { maxPages: (1 << 30) / PAGE, usedPages: 0 };

/** The memory cgroup's charge of file pages to the writer's group (cgroup/memcg.ts installs it); false refuses them. */
export const pageCharging: { hook: ((pages: number, inode: MemInode) => boolean) | null } = { hook: null };

/** Builds a tree by path; parents are created as 0755 root directories when missing. */
export class MemFs {
  readonly dev = nextDev++;
  private nextIno = 1;
  readonly root: MemInode;
  /** A read-only filesystem (the image's shared lower layer): every change is EROFS. */
  readOnly = false;
  readonly maxPages: number;
  readonly maxInodes: number;
  readonly magic: number;
  usedPages = 0;
  usedInodes = 0;
  /** Charging hook for a memory cgroup (issue 5): false refuses the pages. */
  chargeHook: ((pages: number) => boolean) | null = null;

  constructor(rootAttrs: NodeAttrs = { mode: 0o755 }, limits: MemFsLimits = {}) {
    this.maxPages = limits.maxBytes === undefined ? Infinity : Math.floor(limits.maxBytes / PAGE);
    this.maxInodes = limits.maxInodes ?? Infinity;
    this.magic = limits.magic ?? TMPFS_MAGIC;
    this.root = this.node(S_IFDIR | (rootAttrs.mode & 0o7777), rootAttrs);
    this.root.parent = this.root;
  }

  /** Takes (positive) or gives back (negative) pages of data; false when the limit is reached. */
  charge(delta: number, inode?: MemInode): boolean {
    if (delta > 0 && this.usedPages + delta > this.maxPages) return false;
    if (delta > 0 && hostBudget.usedPages + delta > hostBudget.maxPages) return false;
    if (this.chargeHook && !this.chargeHook(delta) && delta > 0) return false;
    if (inode && pageCharging.hook && !pageCharging.hook(delta, inode) && delta > 0) return false;
    this.usedPages += delta;
    hostBudget.usedPages = Math.max(0, hostBudget.usedPages + delta);
    return true;
  }

  allocInode(mode: number, uid: number, gid: number, time: Timespec): MemInode | number {
    if (this.usedInodes >= this.maxInodes) return -ENOSPC;
    this.usedInodes++;
    return new MemInode(this, this.nextIno++, mode, uid, gid, time);
  }

  release(n: MemInode): void {
    this.usedInodes--;
    n.freeData();
  }

  /** statfs figures; null without a size limit (the kernel then reports the machine's RAM, as tmpfs's default does). */
  stats(): FsStats | null {
    if (!Number.isFinite(this.maxPages)) return null;
    const blocks = this.maxPages;
    const files = Number.isFinite(this.maxInodes) ? this.maxInodes : Math.max(65536, this.usedInodes * 2);
    return {
      type: this.magic, bsize: PAGE, blocks, bfree: Math.max(0, blocks - this.usedPages), bavail: Math.max(0, blocks - this.usedPages),
      files, ffree: Math.max(0, files - this.usedInodes), namelen: 255, flags: this.readOnly ? 1 : 0,
    };
  }

  private node(mode: number, a: Partial<NodeAttrs>): MemInode {
    this.usedInodes++;
    return new MemInode(this, this.nextIno++, mode, a.uid ?? 0, a.gid ?? 0, { sec: a.mtime ?? 0, nsec: 0 });
  }

  private parentOf(path: string, create: boolean): [MemInode, string] | number {
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    const name = parts.pop();
    if (name === undefined) return -EEXIST;
    let dir = this.root;
    for (const p of parts) {
      let next = dir.children!.get(p);
      if (!next) {
        if (!create) return -ENOENT;
        next = this.attach(dir, p, this.node(S_IFDIR | 0o755, {}));
      }
      if (!next.children) return -ENOTDIR;
      dir = next;
    }
    return [dir, name];
  }

  private attach(dir: MemInode, name: string, n: MemInode): MemInode {
    const old = dir.children!.get(name);
    if (old && old.children && n.children) {
      // A later layer's directory entry updates the attributes, keeping the contents.
      old.mode = n.mode; old.uid = n.uid; old.gid = n.gid; old.mtime = n.mtime; old.ctime = n.ctime; old.atime = n.atime;
      return old;
    }
    if (old) this.unlinkNode(old);
    dir.children!.set(name, n);
    if (n.children) { n.parent = dir; n.name = name; dir.nlink++; }
    return n;
  }

  private unlinkNode(n: MemInode): void {
    if (n.children && n.parent) (n.parent as MemInode).nlink--;
    n.nlink--;
  }

  mkdir(path: string, a: NodeAttrs): MemInode {
    const p = this.parentOf(path, true);
    if (typeof p === "number") return this.root;
    return this.attach(p[0], p[1], this.node(S_IFDIR | (a.mode & 0o7777), a));
  }

  writeFile(path: string, data: Uint8Array, a: NodeAttrs): MemInode {
    const p = this.parentOf(path, true);
    if (typeof p === "number") throw new Error(`bad path ${path}`);
    const n = this.node(S_IFREG | (a.mode & 0o7777), a);
    n.data = data;
    this.usedPages += pages(data.length);
    return this.attach(p[0], p[1], n);
  }

  symlink(path: string, target: string, a: Partial<NodeAttrs> = {}): MemInode {
    const p = this.parentOf(path, true);
    if (typeof p === "number") throw new Error(`bad path ${path}`);
    const n = this.node(S_IFLNK | 0o777, a);
    n.target = target;
    return this.attach(p[0], p[1], n);
  }

  /** A hard link: `path` names the same inode as the existing `existing`. */
  link(path: string, existing: string): boolean {
    const src = this.get(existing);
    if (!src || src.children) return false;
    const p = this.parentOf(path, true);
    if (typeof p === "number") return false;
    if (p[0].children!.get(p[1]) === src) return true;
    this.attach(p[0], p[1], src);
    src.nlink++;
    return true;
  }

  mknod(path: string, device: CharDevice, a: NodeAttrs): MemInode {
    const p = this.parentOf(path, true);
    if (typeof p === "number") throw new Error(`bad path ${path}`);
    const n = this.node(S_IFCHR | (a.mode & 0o7777), a);
    n.device = device;
    n.rdev = device.rdev;
    return this.attach(p[0], p[1], n);
  }

  /** Removes an entry (an OCI whiteout); true when something was there. */
  remove(path: string): boolean {
    const p = this.parentOf(path, false);
    if (typeof p === "number") return false;
    const n = p[0].children!.get(p[1]);
    if (!n) return false;
    p[0].children!.delete(p[1]);
    this.unlinkNode(n);
    return true;
  }

  /** Empties a directory (an OCI opaque whiteout). */
  clear(path: string): void {
    const d = this.get(path);
    if (d?.children) for (const name of [...d.children.keys()]) this.remove(`${path}/${name}`);
  }

  /** The node at `path` without following symlinks, or null. */
  get(path: string): MemInode | null {
    let n: MemInode | undefined = this.root;
    for (const p of path.split("/")) {
      if (p === "" || p === ".") continue;
      n = n?.children?.get(p);
      if (!n) return null;
    }
    return n ?? null;
  }
}
