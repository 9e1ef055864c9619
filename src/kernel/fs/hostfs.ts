// hostfs (Node only): a host directory seen read-only, as `hako run --root`
// uses it. Inodes are created lazily on lookup and keep the host's modes,
// owners, times and inode numbers; file contents are read on first access.
import { lstatSync, readdirSync, readFileSync, readlinkSync, statfsSync, type Stats } from "node:fs";
import { join } from "node:path";
import { type Inode, type Timespec, type FsStats, S_IFDIR, S_IFMT, S_IFLNK, ST_RDONLY } from "./inode";

const ts = (ms: number, ns: bigint): Timespec => ({ sec: Math.floor(ms / 1000), nsec: Number(ns % 1000000000n) });

class HostInode implements Inode {
  readonly dev: number;
  readonly ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  rdev: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  readonly size: number;
  readonly blocks: number;
  parent: Inode | null = null;
  name = "";
  private kids: Map<string, HostInode | null> | null = null;
  private data: Uint8Array | null = null;

  constructor(private fs: HostFs, readonly hostPath: string, st: Stats & { atimeNs?: bigint }) {
    const big = lstatSync(hostPath, { bigint: true });
    this.dev = fs.dev;
    this.ino = Number(st.ino);
    this.mode = st.mode;
    this.uid = st.uid;
    this.gid = st.gid;
    this.nlink = st.nlink;
    this.rdev = 0;
    this.size = st.size;
    this.blocks = st.blocks;
    this.atime = ts(st.atimeMs, big.atimeNs);
    this.mtime = ts(st.mtimeMs, big.mtimeNs);
    this.ctime = ts(st.ctimeMs, big.ctimeNs);
  }

  lookup(name: string): Inode | null {
    if ((this.mode & S_IFMT) !== S_IFDIR) return null;
    if (!this.kids) this.kids = new Map();
    if (this.kids.has(name)) return this.kids.get(name) ?? null;
    let child: HostInode | null = null;
    try {
      const p = join(this.hostPath, name);
      child = new HostInode(this.fs, p, lstatSync(p));
      if ((child.mode & S_IFMT) === S_IFDIR) { child.parent = this; child.name = name; }
    } catch {
      child = null;
    }
    this.kids.set(name, child);
    return child;
  }

  entries(): Array<[string, Inode]> {
    const out: Array<[string, Inode]> = [];
    let names: string[] = [];
    try { names = readdirSync(this.hostPath); } catch { /* unreadable: empty */ }
    for (const n of names) {
      const c = this.lookup(n);
      if (c) out.push([n, c]);
    }
    return out;
  }

  read(offset: number, len: number): Uint8Array {
    if (!this.data) {
      try { this.data = new Uint8Array(readFileSync(this.hostPath)); } catch { this.data = new Uint8Array(0); }
    }
    return this.data.subarray(offset, offset + len);
  }

  /** The host filesystem's figures, marked read-only as the mount is. */
  fsStats(): FsStats {
    const s = statfsSync(this.hostPath);
    return { type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree, namelen: 255, flags: ST_RDONLY };
  }

  readlink(): string {
    if ((this.mode & S_IFMT) !== S_IFLNK) return "";
    return readlinkSync(this.hostPath, "utf8");
  }
}

export class HostFs {
  readonly dev = 0x801;
  readonly root: Inode;
  constructor(dir: string) {
    const r = new HostInode(this, dir, lstatSync(dir));
    r.parent = r;
    this.root = r;
  }
}
