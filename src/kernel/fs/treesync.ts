// A writable in-kernel tree kept in step with a persisted one (store/
// treestore.ts): restore() rebuilds the tree from the store at boot, sync()
// takes a snapshot and saves it. The machine root's upper layer in the page
// uses it; container upper layers and volumes can later.
//
// A snapshot is taken synchronously (the guest cannot run in between), so it
// is one consistent state of the tree. File data is copied only for files
// that changed since the last save: a file counts as unchanged when its size,
// mtime and ctime are those recorded, unless its ctime is not safely older
// than the snapshot that recorded it — the clock is coarse, and a write in
// the same tick as that snapshot would keep the same times (git's "racy
// clean" problem; see Documentation/technical/racy-git.txt). Such files are
// copied again; their unchanged chunks hash the same and are not rewritten.
// Holes (SEEK_HOLE) are not stored: a restored sparse file has them again.
//
// A full store (QuotaExceededError) makes the tree full: its writes that need
// new space fail with ENOSPC from then on, as on a full disk, until a save
// succeeds again (the guest deleted something). What was committed stays.
import {
  type Inode, type Timespec, S_IFMT, S_IFREG, S_IFLNK, S_IFCHR, isDir, currentTime,
} from "./inode";
import { MemInode, type MemFs } from "./memfs";
import { deviceByRdev } from "./devtmpfs";
import {
  CHUNK, type TreeStore, type TreeManifest, type TreeSnapshot, type SnapshotInode, type SnapshotExtent,
  type Extent, type TimeRecord, type InodeRecord,
} from "../../store/treestore";

/** Clock granularity assumed for the racy-clean rule (coarse timers in browsers: 100 µs, 1 ms without isolation). */
const RACY_MS = 5;

interface Known { fp: string; extents: Extent[]; recordedAtMs: number }

export interface SyncStats {
  /** Saves committed, and the last one's figures. */
  saves: number;
  lastSeq: number;
  lastInodes: number;
  lastBytesWritten: number;
  lastMs: number;
  /** True while the store is full (writes get ENOSPC). */
  full: boolean;
  lastError: string | null;
}

/** The xattr operations (xattr(7)) a filesystem may have; spelled here so this file does not depend on which do. */
interface XattrOps {
  getxattr?(name: string): Uint8Array | number;
  setxattr?(name: string, value: Uint8Array, flags: number): number;
  listxattr?(): string[];
}

const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));
const unb64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

const rec = (t: Timespec): TimeRecord => [t.sec, t.nsec];
const spec = (t: TimeRecord): Timespec => ({ sec: t[0], nsec: t[1] });
const ms = (t: Timespec): number => t.sec * 1000 + t.nsec / 1e6;
const fingerprint = (i: Inode): string => `${i.size}|${i.mtime.sec}.${i.mtime.nsec}|${i.ctime.sec}.${i.ctime.nsec}`;

export class TreeSync {
  private known = new WeakMap<Inode, Known>();
  private full = false;
  /**
   * The last snapshot recorded a file changed within the clock's granularity
   * of the snapshot: a write in the same tick would not move its times (nor
   * the signature), so the caller should sync once more a little later.
   */
  recheck = false;
  private savedHook: ((pages: number) => boolean) | null | undefined;
  readonly stats: SyncStats = { saves: 0, lastSeq: 0, lastInodes: 0, lastBytesWritten: 0, lastMs: 0, full: false, lastError: null };

  constructor(readonly fs: MemFs, readonly store: TreeStore) {}

  /** Rebuilds the committed tree into the (empty) filesystem; the number of paths restored. */
  async restore(): Promise<number> {
    const m = await this.store.open();
    if (!m) return 0;
    await restoreInto(this.fs.root, m, (h) => this.store.chunk(h), (i, r) => {
      // What the store holds is what was restored: trusted until the times change.
      if (r.extents) this.known.set(i, { fp: fingerprint(i), extents: r.extents, recordedAtMs: Infinity });
    });
    this.stats.lastSeq = m.seq;
    this.stats.lastInodes = m.inodes.length;
    return m.entries.length;
  }

  /**
   * A summary of the tree's metadata (names, inode identity, attributes,
   * times): it changes whenever a save would store something new, and costs
   * a walk without copying data, so a caller can poll it to decide when to
   * sync. Every change of content or xattrs moves the ctime it includes.
   */
  signature(): string {
    const ids = new Map<Inode, number>();
    const parts: string[] = [];
    const visit = (path: string, n: Inode): void => {
      let id = ids.get(n);
      const first = id === undefined;
      if (first) { id = ids.size; ids.set(n, id); }
      parts.push(first
        ? `${path}\0${id}\0${n.mode}\0${n.uid}\0${n.gid}\0${n.rdev}\0${fingerprint(n)}\0${n.atime.sec}.${n.atime.nsec}`
        : `${path}\0${id}`);
      if (first && isDir(n)) for (const [name, c] of n.entries()) visit(path ? `${path}/${name}` : name, c);
    };
    visit("", this.fs.root);
    return parts.join("\n");
  }

  /** Snapshots the tree now and saves it; resolves when the save is committed (or refused: full). */
  async sync(): Promise<SyncStats> {
    const t0 = performance.now();
    const snap = this.snapshot();
    const r = await this.store.save(snap.snapshot);
    if (!r.ok) {
      this.setFull(true);
      this.stats.lastError = String(r.error);
      return { ...this.stats };
    }
    this.setFull(false);
    for (const [inode, k] of snap.pending) {
      const idx = snap.index.get(inode)!;
      this.known.set(inode, { ...k, extents: r.manifest.inodes[idx].extents ?? [] });
    }
    Object.assign(this.stats, {
      saves: this.stats.saves + 1, lastSeq: r.manifest.seq, lastInodes: r.manifest.inodes.length,
      lastBytesWritten: r.bytesWritten, lastMs: performance.now() - t0, lastError: null,
    });
    return { ...this.stats };
  }

  /** The snapshot of the tree as it is now (synchronous: one consistent state). */
  private snapshot(): { snapshot: TreeSnapshot; index: Map<Inode, number>; pending: Array<[Inode, Omit<Known, "extents">]> } {
    const nowMs = ms(currentTime());
    this.recheck = false;
    const index = new Map<Inode, number>();
    const inodes: SnapshotInode[] = [];
    const entries: Array<[string, number]> = [];
    const pending: Array<[Inode, Omit<Known, "extents">]> = [];
    const visit = (path: string, n: Inode): void => {
      let idx = index.get(n);
      if (idx === undefined) {
        idx = inodes.length;
        index.set(n, idx);
        inodes.push(this.record(n, nowMs, pending));
      }
      entries.push([path, idx]);
      if (isDir(n)) for (const [name, c] of n.entries()) visit(path ? `${path}/${name}` : name, c);
    };
    visit("", this.fs.root);
    return { snapshot: { inodes, entries }, index, pending };
  }

  private record(n: Inode, nowMs: number, pending: Array<[Inode, Omit<Known, "extents">]>): SnapshotInode {
    const r: SnapshotInode = {
      mode: n.mode, uid: n.uid, gid: n.gid, rdev: n.rdev,
      atime: rec(n.atime), mtime: rec(n.mtime), ctime: rec(n.ctime), size: (n.mode & S_IFMT) === S_IFREG ? n.size : 0,
    };
    const type = n.mode & S_IFMT;
    if (type === S_IFLNK) r.target = n.readlink();
    if (type === S_IFCHR) r.driver = n.device !== undefined;
    if (n instanceof MemInode && n.opaque) r.opaque = true;
    const x = n as Inode & XattrOps;
    for (const name of x.listxattr?.() ?? []) {
      const v = x.getxattr!(name);
      if (v instanceof Uint8Array) (r.xattrs ??= {})[name] = b64(v);
    }
    if (type !== S_IFREG) return r;
    const fp = fingerprint(n);
    const k = this.known.get(n);
    if (k && k.fp === fp && ms(n.ctime) < k.recordedAtMs - RACY_MS) {
      r.extents = k.extents;
      return r;
    }
    r.extents = dataExtents(n);
    pending.push([n, { fp, recordedAtMs: nowMs }]);
    if (ms(n.ctime) >= nowMs - RACY_MS) this.recheck = true;
    return r;
  }

  /** Full: refuse new pages (ENOSPC in the guest's write) until a save goes through. */
  private setFull(full: boolean): void {
    if (full === this.full) return;
    this.full = full;
    this.stats.full = full;
    if (full) {
      const prev = this.fs.chargeHook;
      this.savedHook = prev;
      this.fs.chargeHook = (pages) => (pages > 0 ? false : prev ? prev(pages) : true);
    } else {
      this.fs.chargeHook = this.savedHook ?? null;
      this.savedHook = undefined;
    }
  }
}

/** The file's data runs (skipping holes) cut into chunks of at most CHUNK bytes, aligned to CHUNK, copied. */
function dataExtents(n: Inode): SnapshotExtent[] {
  const out: SnapshotExtent[] = [];
  const size = n.size;
  let off = 0;
  while (off < size) {
    let start = off, end = size;
    if (n.seekData) {
      start = n.seekData(off, false);
      if (start < 0) break;
      end = n.seekData(start, true);
      if (end < 0) end = size;
    }
    for (let o = start; o < end;) {
      const stop = Math.min(end, (Math.floor(o / CHUNK) + 1) * CHUNK);
      out.push({ off: o, len: stop - o, bytes: n.read(o, stop - o).slice() });
      o = stop;
    }
    off = end;
  }
  return out;
}

/** Extended attributes and the opaque mark of a restored inode. */
function setExtras(n: Inode, r: InodeRecord): void {
  const x = n as Inode & XattrOps;
  for (const [name, v] of Object.entries(r.xattrs ?? {})) x.setxattr?.(name, unb64(v), 0);
  if (r.opaque && n instanceof MemInode) n.opaque = true;
}

/**
 * Builds a manifest's tree under `root` (an empty writable directory) through
 * the inode operations, so any writable filesystem can receive it. Times are
 * set last, children before parents, since creating entries changes them.
 */
export async function restoreInto(
  root: Inode, m: TreeManifest, chunk: (hash: string) => Promise<Uint8Array>,
  made: (i: Inode, r: InodeRecord) => void = () => {},
): Promise<void> {
  const byIndex = new Map<number, Inode>();
  const byPath = new Map<string, Inode>();
  const fail = (what: string, e: number): never => { throw new Error(`restore: ${what}: errno ${-e}`); };
  for (const [path, idx] of m.entries) {
    const r = m.inodes[idx];
    if (path === "") {
      byIndex.set(idx, root); byPath.set("", root);
      root.setattr!({ mode: r.mode & 0o7777, uid: r.uid, gid: r.gid });
      setExtras(root, r);
      continue;
    }
    const slash = path.lastIndexOf("/");
    const dir = byPath.get(slash < 0 ? "" : path.slice(0, slash));
    const name = path.slice(slash + 1);
    if (!dir) throw new Error(`restore: ${path}: parent missing from the manifest`);
    const seen = byIndex.get(idx);
    if (seen) {
      const e = dir.link!(name, seen);
      if (e < 0) fail(`link ${path}`, e);
      byPath.set(path, seen);
      continue;
    }
    const type = r.mode & S_IFMT;
    const device = type === S_IFCHR && r.driver ? deviceByRdev(r.rdev) : undefined;
    const n = dir.create!(name, { mode: r.mode, uid: r.uid, gid: r.gid, rdev: r.rdev, target: r.target, device });
    if (typeof n === "number") fail(`create ${path}`, n);
    const node = n as Inode;
    setExtras(node, r);
    if (type === S_IFREG) {
      if (r.size > 0) { const e = node.setattr!({ size: r.size }); if (e < 0) fail(`truncate ${path}`, e); }
      for (const x of r.extents ?? []) {
        const bytes = await chunk(x.hash);
        if (bytes.length !== x.len) throw new Error(`restore: ${path}: chunk ${x.hash} has ${bytes.length} bytes, extent ${x.len}`);
        const w = node.write!(x.off, bytes);
        if (w < 0) fail(`write ${path}`, w);
      }
    }
    byIndex.set(idx, node);
    byPath.set(path, node);
  }
  // Times last (and once per inode), deepest paths first.
  const done = new Set<Inode>();
  for (const [path, idx] of [...m.entries].reverse()) {
    const n = byPath.get(path)!;
    if (done.has(n)) continue;
    done.add(n);
    const r = m.inodes[idx];
    n.setattr!({ atime: spec(r.atime), mtime: spec(r.mtime), ctime: spec(r.ctime) });
    made(n, r);
  }
}
