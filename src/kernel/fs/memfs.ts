// An in-memory, read-only-to-the-guest filesystem: the tree an image's
// layers unpack into (files, directories, symlinks, hard links, devices),
// with the modes, owners and times the layers recorded.
import {
  type Inode, type Timespec, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR, S_IFMT, isDir,
} from "./inode";
import type { CharDevice } from "./device";
import { ENOENT, ENOTDIR, EEXIST } from "../errno";

let nextDev = 0x30;

export class MemInode implements Inode {
  nlink = 1;
  rdev = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  parent: Inode | null = null;
  name = "";
  data: Uint8Array = new Uint8Array(0);
  target = "";
  children: Map<string, MemInode> | null = null;
  device?: CharDevice;

  constructor(readonly dev: number, readonly ino: number, public mode: number, public uid: number, public gid: number, time: Timespec) {
    this.atime = time; this.mtime = time; this.ctime = time;
    if (isDir(this)) { this.children = new Map(); this.nlink = 2; }
  }

  get size(): number {
    switch (this.mode & S_IFMT) {
      case S_IFREG: return this.data.length;
      case S_IFLNK: return new TextEncoder().encode(this.target).length;
      case S_IFDIR: return 4096;
      default: return 0;
    }
  }
  lookup(name: string): Inode | null { return this.children?.get(name) ?? null; }
  entries(): Array<[string, Inode]> { return this.children ? [...this.children] : []; }
  read(offset: number, len: number): Uint8Array { return this.data.subarray(offset, offset + len); }
  readlink(): string { return this.target; }
}

export interface NodeAttrs {
  mode: number;
  uid?: number;
  gid?: number;
  /** Modification time, seconds since the epoch. */
  mtime?: number;
}

/** Builds a tree by path; parents are created as 0755 root directories when missing. */
export class MemFs {
  readonly dev = nextDev++;
  private nextIno = 1;
  readonly root: MemInode;

  constructor(rootAttrs: NodeAttrs = { mode: 0o755 }) {
    this.root = this.node(S_IFDIR | (rootAttrs.mode & 0o7777), rootAttrs);
    this.root.parent = this.root;
  }

  private node(mode: number, a: Partial<NodeAttrs>): MemInode {
    return new MemInode(this.dev, this.nextIno++, mode, a.uid ?? 0, a.gid ?? 0, { sec: a.mtime ?? 0, nsec: 0 });
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
