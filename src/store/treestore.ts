// Writable trees persisted file by file: the machine root's upper layer in
// the page, later container upper layers and volumes. The store sees a tree
// as records (no kernel types): an inode table and a list of names, with
// file contents in content-addressed chunks stored under their own keys.
//
// Keys of the tree NAME (all in one Kv):
//   tree/NAME/manifest          the TreeManifest: every inode's metadata, every path
//   tree/NAME/chunk/HEX         up to CHUNK bytes of file data, HEX = sha256 of them
//
// Write ordering of a save (why a reload never sees a half-written file):
//   1. new chunks are put (several transactions if large); nothing refers to
//      them yet, so a crash here leaves the old tree whole;
//   2. the new manifest is put in ONE transaction: the switch from the old
//      tree to the new one is atomic;
//   3. chunks the new manifest no longer names are deleted.
// A crash between 1 and 2 or 2 and 3 leaves unreferenced chunks; open()
// deletes them. Chunks are verified against their digest when read back.
// A QuotaExceededError in 1 or 2 leaves the committed tree as it was; the
// chunks already put are removed again and save() reports `full`. Since a
// full IndexedDB refuses every put, even with deletes in the same
// transaction, RESERVE bytes under tree/NAME/reserve are set aside: when the
// manifest put of step 2 meets the quota, the reserve is deleted and the put
// tried once more, so a guest that deleted files can always shrink the tree;
// the reserve is put back after the next save that has room.
import { sha256Digest } from "./digest";
import { isQuotaError, type Kv } from "./kv";

/** Largest chunk of file data under one key. */
export const CHUNK = 1 << 20;
/** Most bytes of chunks put in one transaction (step 1). */
const BATCH_BYTES = 8 << 20;
/**
 * Space kept aside under tree/NAME/reserve so that a store filled to its
 * quota can still switch to a smaller manifest (after the guest deleted
 * files) and then delete the chunks it no longer needs.
 */
export const RESERVE = 256 << 10;

export type TimeRecord = readonly [sec: number, nsec: number];

/** A run of file data at `off`, stored in the chunk `hash` (sha256 hex). Gaps between extents are holes. */
export interface Extent { off: number; len: number; hash: string }

export interface InodeRecord {
  /** st_mode: type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  /** Device number (character and block devices; 0 with no driver is an overlay whiteout). */
  rdev: number;
  /** Character devices: whether the node has a driver (a 0/0 device without one is a whiteout). */
  driver?: boolean;
  atime: TimeRecord;
  mtime: TimeRecord;
  ctime: TimeRecord;
  /** Regular files: st_size. */
  size: number;
  /** Symlinks: the target. */
  target?: string;
  /** Overlay upper directories: trusted.overlay.opaque. */
  opaque?: boolean;
  /** Extended attributes, values base64. */
  xattrs?: Record<string, string>;
  /** Regular files: where the data is. */
  extents?: Extent[];
}

export interface TreeManifest {
  format: 1;
  /** Save number: grows by one with every committed save. */
  seq: number;
  /** Seconds since the epoch of the save. */
  savedAt: number;
  inodes: InodeRecord[];
  /** [path, index into inodes]: "" is the root; parents come before children; two paths with one index are hard links. */
  entries: Array<[string, number]>;
}

/** An extent as a snapshot hands it over: known (hash) or new bytes to store. */
export type SnapshotExtent = Extent | { off: number; len: number; bytes: Uint8Array };
export interface SnapshotInode extends Omit<InodeRecord, "extents"> { extents?: SnapshotExtent[] }
export interface TreeSnapshot { inodes: SnapshotInode[]; entries: Array<[string, number]> }

export type SaveResult =
  | { ok: true; manifest: TreeManifest; chunksWritten: number; bytesWritten: number }
  | { ok: false; full: true; error: unknown };

export class ChunkCorruptError extends Error {
  constructor(readonly tree: string, readonly hash: string, detail: string) {
    super(`tree ${tree}: chunk ${hash} ${detail}`);
    this.name = "ChunkCorruptError";
  }
}

const hexOf = (digest: string): string => digest.slice("sha256:".length);

export class TreeStore {
  private readonly prefix: string;
  private committed: TreeManifest | null = null;
  /** Serialises saves: each starts after the previous one finished. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly kv: Kv, readonly name: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`bad tree name ${name}`);
    this.prefix = `tree/${name}/`;
  }

  private manifestKey(): string { return `${this.prefix}manifest`; }
  private chunkKey(hash: string): string { return `${this.prefix}chunk/${hash}`; }

  /**
   * Reads the committed manifest (null when the tree was never saved) and
   * deletes chunks a crash left without a manifest naming them.
   */
  async open(): Promise<TreeManifest | null> {
    const m = (await this.kv.get<TreeManifest>(this.manifestKey())) ?? null;
    this.committed = m;
    const live = referenced(m);
    const orphans = (await this.kv.keys(`${this.prefix}chunk/`)).filter((k) => !live.has(k.slice(k.lastIndexOf("/") + 1)));
    if (orphans.length) await this.kv.commit([], orphans);
    return m;
  }

  /** The last committed manifest (after open() or a save). */
  get manifest(): TreeManifest | null { return this.committed; }

  /** The bytes of a chunk, checked against its hash. */
  async chunk(hash: string): Promise<Uint8Array> {
    const v = await this.kv.get(this.chunkKey(hash));
    if (!(v instanceof Uint8Array)) throw new ChunkCorruptError(this.name, hash, "is missing");
    const got = hexOf(await sha256Digest(v));
    if (got !== hash) throw new ChunkCorruptError(this.name, hash, `hashes to ${got}`);
    return v;
  }

  /** Saves a snapshot with the ordering above. */
  save(s: TreeSnapshot): Promise<SaveResult> {
    const run = this.chain.then(() => this.saveNow(s));
    this.chain = run.catch(() => {});
    return run;
  }

  private async saveNow(s: TreeSnapshot): Promise<SaveResult> {
    const old = this.committed;
    const have = referenced(old);
    // Hash the new data; identical chunks (in this save or already stored) are stored once.
    const fresh = new Map<string, Uint8Array>();
    const inodes: InodeRecord[] = [];
    for (const n of s.inodes) {
      const { extents, ...attrs } = n;
      const rec: InodeRecord = { ...attrs };
      if (extents) {
        rec.extents = [];
        for (const e of extents) {
          if ("hash" in e) { rec.extents.push({ off: e.off, len: e.len, hash: e.hash }); continue; }
          const hash = hexOf(await sha256Digest(e.bytes));
          if (!have.has(hash)) fresh.set(hash, e.bytes);
          rec.extents.push({ off: e.off, len: e.len, hash });
        }
      }
      inodes.push(rec);
    }
    const manifest: TreeManifest = { format: 1, seq: (old?.seq ?? 0) + 1, savedAt: Math.floor(Date.now() / 1000), inodes, entries: s.entries };
    const put: string[] = [];
    let bytesWritten = 0;
    try {
      // 1. chunks, in batches.
      let batch: Array<[string, Uint8Array]> = [];
      let batchBytes = 0;
      const flush = async (): Promise<void> => {
        if (!batch.length) return;
        await this.kv.commit(batch);
        put.push(...batch.map(([k]) => k));
        batch = []; batchBytes = 0;
      };
      for (const [hash, bytes] of fresh) {
        batch.push([this.chunkKey(hash), bytes]);
        batchBytes += bytes.length;
        bytesWritten += bytes.length;
        if (batchBytes >= BATCH_BYTES) await flush();
      }
      await flush();
      // 2. the manifest: the atomic switch. A store filled to its quota refuses even a small put (IndexedDB
      // does not count what the same transaction deletes), so the reserve is given up to make room for it.
      try {
        await this.kv.commit([[this.manifestKey(), manifest]]);
      } catch (e) {
        if (!isQuotaError(e) || !(await this.dropReserve())) throw e;
        await this.kv.commit([[this.manifestKey(), manifest]]);
      }
    } catch (e) {
      // Undo step 1 (best effort: open() collects what is left). The committed tree is untouched.
      if (put.length) await this.kv.commit([], put).catch(() => {});
      if (isQuotaError(e)) return { ok: false, full: true, error: e };
      throw e;
    }
    this.committed = manifest;
    // 3. chunks nobody names any more.
    const live = referenced(manifest);
    const dead = [...have].filter((h) => !live.has(h)).map((h) => this.chunkKey(h));
    if (dead.length) await this.kv.commit([], dead);
    await this.keepReserve();
    return { ok: true, manifest, chunksWritten: fresh.size, bytesWritten };
  }

  private reserveKey(): string { return `${this.prefix}reserve`; }

  /** Puts the reserve back if it is missing; a full store leaves it missing (tried again after the next save). */
  private async keepReserve(): Promise<void> {
    if ((await this.kv.keys(this.reserveKey())).length) return;
    // Incompressible bytes: a store that compresses values (Chromium's LevelDB) must really set the space aside.
    const bytes = new Uint8Array(RESERVE);
    let x = 0x9e3779b9;
    for (let i = 0; i < bytes.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; bytes[i] = x & 0xff; }
    await this.kv.commit([[this.reserveKey(), bytes]]).catch(() => {});
  }

  /** Deletes the reserve (a pure delete, which a full store allows); false when there was none. */
  private async dropReserve(): Promise<boolean> {
    if (!(await this.kv.keys(this.reserveKey())).length) return false;
    await this.kv.commit([], [this.reserveKey()]);
    return true;
  }

  /** Forgets the tree: the manifest first (so a crash midway reads as "never saved"), then the chunks. */
  async clear(): Promise<void> {
    const run = this.chain.then(async () => {
      await this.kv.commit([], [this.manifestKey()]);
      this.committed = null;
      const keys = await this.kv.keys(this.prefix);
      if (keys.length) await this.kv.commit([], keys);
    });
    this.chain = run.catch(() => {});
    return run;
  }
}

/** Chunk hashes a manifest names. */
function referenced(m: TreeManifest | null): Set<string> {
  const s = new Set<string>();
  for (const n of m?.inodes ?? []) for (const e of n.extents ?? []) s.add(e.hash);
  return s;
}
