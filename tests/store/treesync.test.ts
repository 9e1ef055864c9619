// Persisted writable trees (store/treestore.ts + kernel/fs/treesync.ts): a
// tmpfs tree with every kind of node survives a save and a restore into a
// fresh filesystem, over memory and over IndexedDB (fake-indexeddb); saves
// write only what changed; a full store becomes ENOSPC for the tree's
// writes and loses nothing; and a store killed after any number of
// transactions of a save restores to the old tree or the new one, never a mix.
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { MemoryKv, type Kv, type KvValue } from "../../src/store/kv";
import { IdbKv } from "../../src/store/idbkv";
import { TreeStore, CHUNK } from "../../src/store/treestore";
import { TreeSync } from "../../src/kernel/fs/treesync";
import { createTmpfs } from "../../src/kernel/fs/tmpfs";
import { MemInode, type MemFs } from "../../src/kernel/fs/memfs";
import { deviceByRdev } from "../../src/kernel/fs/devtmpfs";
import { type Inode, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, S_IFMT } from "../../src/kernel/fs/inode";
import { ENOSPC } from "../../src/kernel/errno";

const enc = new TextEncoder();
let dbs = 0;
const backends: Array<[string, () => Kv]> = [
  ["memory", () => new MemoryKv()],
  ["indexeddb", () => new IdbKv(`hako-tree-${++dbs}`, "store")],
];

function mk(dir: Inode, name: string, mode: number, o: { uid?: number; gid?: number; rdev?: number; target?: string; driver?: boolean } = {}): Inode {
  const type = mode & S_IFMT;
  const device = type === S_IFCHR && o.driver ? deviceByRdev(o.rdev ?? 0) : undefined;
  const n = dir.create!(name, { mode, uid: o.uid ?? 0, gid: o.gid ?? 0, rdev: o.rdev, target: o.target, device });
  if (typeof n === "number") throw new Error(`create ${name}: ${n}`);
  return n;
}
function put(dir: Inode, name: string, data: Uint8Array | string, mode = 0o644): Inode {
  const f = mk(dir, name, S_IFREG | mode);
  const b = typeof data === "string" ? enc.encode(data) : data;
  if (b.length) expect(f.write!(0, b)).toBe(b.length);
  return f;
}
function at(fs: MemFs, path: string): Inode {
  const n = fs.get(path);
  if (!n) throw new Error(`no ${path}`);
  return n;
}
const pattern = (n: number, seed: number): Uint8Array => {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
};
const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Everything stat(2), readlink, listxattr and SEEK_DATA show about a tree, hard links as shared inode numbers. */
function describeTree(fs: MemFs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ids = new Map<Inode, number>();
  const walk = (path: string, n: Inode): void => {
    const seen = ids.has(n);
    if (!seen) ids.set(n, ids.size);
    const x = n as Inode & { listxattr?(): string[]; getxattr?(k: string): Uint8Array | number };
    const xattrs = Object.fromEntries((x.listxattr?.() ?? []).map((k) => [k, Buffer.from(x.getxattr!(k) as Uint8Array).toString()]));
    const type = n.mode & S_IFMT;
    const holes: number[] = [];
    if (type === S_IFREG && n.seekData) for (let o = 0; o < n.size;) { const d = n.seekData(o, false); if (d < 0) break; const h = n.seekData(d, true); holes.push(d, h); o = h; }
    out[path] = {
      inode: ids.get(n), mode: n.mode, uid: n.uid, gid: n.gid, nlink: n.nlink, rdev: n.rdev, size: n.size, blocks: n.blocks,
      atime: n.atime, mtime: n.mtime, ctime: n.ctime, driver: n.device !== undefined,
      opaque: n instanceof MemInode ? n.opaque : false, xattrs,
      ...(type === S_IFLNK ? { target: n.readlink() } : {}),
      ...(type === S_IFREG ? { sha: sha(n.read(0, n.size)), data: holes } : {}),
    };
    if (!seen && type === S_IFDIR) for (const [name, c] of n.entries()) walk(`${path}/${name}`, c);
  };
  walk("", fs.root);
  return out;
}

/** A tree with every kind of node the upper layer of a machine holds. */
function populate(fs: MemFs): void {
  const r = fs.root;
  const a = mk(r, "a", S_IFDIR | 0o700, { uid: 1000, gid: 1000 });
  mk(a, "empty", S_IFDIR | 0o755);
  const d = mk(mk(mk(r, "b", S_IFDIR | 0o755), "c", S_IFDIR | 0o750), "d", S_IFDIR | 0o1777);
  put(a, "note", "hi\n", 0o600);
  const suid = put(r, "suid", "#!/bin/sh\n", 0o4755);
  suid.setattr!({ uid: 1000, gid: 50 });
  put(d, "zero", "");
  const old = put(r, "old", "from 2001\n");
  old.setattr!({ atime: { sec: 1_000_000_000, nsec: 5 }, mtime: { sec: 1_000_000_001, nsec: 123_456_789 } });
  // Sparse: 50 MiB long, three islands of data.
  const sparse = mk(r, "sparse", S_IFREG | 0o644);
  sparse.setattr!({ size: 50 << 20 });
  sparse.write!(0, enc.encode("abc"));
  sparse.write!(10 << 20, pattern(4096, 1));
  sparse.write!((50 << 20) - 1, enc.encode("z"));
  put(r, "dense", pattern(3 * CHUNK + 777, 2));
  mk(r, "rel", S_IFLNK | 0o777, { target: "../x/y" });
  mk(a, "abs", S_IFLNK | 0o777, { target: "/etc/passwd" });
  const h = put(r, "h1", "linked\n");
  expect(a.link!("h2", h)).toBe(0);
  expect(d.link!("h3", h)).toBe(0);
  mk(r, "null", S_IFCHR | 0o666, { rdev: (1 << 8) | 3, driver: true });
  mk(r, "sda", S_IFBLK | 0o660, { rdev: (8 << 8) | 0, gid: 6 });
  mk(r, "fifo", S_IFIFO | 0o644);
  mk(r, "sock", S_IFSOCK | 0o755);
  // An overlay whiteout (0/0, no driver) and an opaque directory, as the upper layer of an overlay holds them.
  mk(a, "gone", S_IFCHR | 0o000, { rdev: 0 });
  const op = mk(r, "opq", S_IFDIR | 0o755) as MemInode;
  op.opaque = true;
  put(op, "inside", "new\n");
  const x = r as Inode & { setxattr?(k: string, v: Uint8Array, f: number): number };
  x.setxattr?.call(at(fs, "a/note"), "user.comment", enc.encode("keep me"), 0);
}

async function restored(kv: Kv, name = "upper"): Promise<MemFs> {
  const fs = createTmpfs({ mode: 0o755 });
  await new TreeSync(fs, new TreeStore(kv, name)).restore();
  return fs;
}

describe.each(backends)("persisted tree over %s", (_name, make) => {
  it("round-trips modes, owners, times, symlinks, hard links, devices, FIFOs, sockets, whiteouts, opaque dirs, empty dirs and a sparse file", async () => {
    const kv = make();
    const fs = createTmpfs({ mode: 0o755 });
    populate(fs);
    const sync = new TreeSync(fs, new TreeStore(kv, "upper"));
    const s = await sync.sync();
    expect(s.full).toBe(false);
    const back = await restored(kv);
    expect(describeTree(back)).toEqual(describeTree(fs));
    // The sparse file stores only its data: three islands, not 50 MiB.
    expect(at(back, "sparse").blocks).toBe(at(fs, "sparse").blocks);
    expect(at(back, "sparse").blocks).toBeLessThan(64);
    expect(at(back, "null").device).toBe(deviceByRdev((1 << 8) | 3));
    expect(at(back, "a/gone").device).toBeUndefined();
    expect(new TextDecoder().decode(at(back, "b/c/d/h3").read(0, 100))).toBe("linked\n");
  });

  it("writes only what changed, and drops chunks nothing names any more", async () => {
    const kv = make();
    const fs = createTmpfs({ mode: 0o755 });
    populate(fs);
    const sync = new TreeSync(fs, new TreeStore(kv, "upper"));
    const first = await sync.sync();
    const chunks = (await kv.keys("tree/upper/chunk/")).length;
    const again = await sync.sync();
    expect(again.lastSeq).toBe(first.lastSeq + 1);
    expect(again.lastBytesWritten).toBe(0);
    // One byte changed in the second MiB of a 3 MiB file: one chunk rewritten, the old one deleted.
    at(fs, "dense").write!(CHUNK + 5, new Uint8Array([0xff]));
    const third = await sync.sync();
    expect(third.lastBytesWritten).toBe(CHUNK);
    expect((await kv.keys("tree/upper/chunk/")).length).toBe(chunks);
    // A sync of a restored tree writes nothing either.
    const back = createTmpfs({ mode: 0o755 });
    const sync2 = new TreeSync(back, new TreeStore(kv, "upper"));
    await sync2.restore();
    expect((await sync2.sync()).lastBytesWritten).toBe(0);
    expect(describeTree(back)).toEqual(describeTree(fs));
  });
});

describe("persisted tree: change detection", () => {
  it("sees a same-size rewrite that kept the recorded times (a coarse clock), as racy-git does", async () => {
    const kv = new MemoryKv();
    const fs = createTmpfs({ mode: 0o755 });
    const f = put(fs.root, "f", "aaaa");
    const sync = new TreeSync(fs, new TreeStore(kv, "upper"));
    await sync.sync();
    const { mtime, ctime } = f;
    f.write!(0, enc.encode("bbbb"));
    f.setattr!({ mtime, ctime });
    await sync.sync();
    expect(new TextDecoder().decode(at(await restored(kv), "f").read(0, 4))).toBe("bbbb");
  });
});

describe("persisted tree: a full store", () => {
  it("refuses the save, turns the tree's next allocating write into ENOSPC, keeps the committed tree, and recovers after a delete", async () => {
    // Room for the 100 kB file, a rewrite of it and the 256 KiB reserve, not for 500 kB more.
    const kv = new MemoryKv({ quotaBytes: 700_000 });
    const fs = createTmpfs({ mode: 0o755 });
    put(fs.root, "small", pattern(100_000, 3));
    const sync = new TreeSync(fs, new TreeStore(kv, "upper"));
    expect((await sync.sync()).full).toBe(false);
    const committed = describeTree(fs);
    put(fs.root, "big", pattern(500_000, 4));
    const s = await sync.sync();
    expect(s.full).toBe(true);
    expect(s.lastError).toMatch(/QuotaExceededError|store full/);
    // Nothing half-written: the store still restores the committed tree, and holds no stray chunk.
    expect(describeTree(await restored(kv))).toEqual(committed);
    expect((await kv.keys("tree/upper/chunk/")).length).toBe(1);
    // The running tree keeps the unsaved file (no data lost), but refuses to grow.
    expect(at(fs, "big").size).toBe(500_000);
    const more = mk(fs.root, "more", S_IFREG | 0o644);
    expect(more.write!(0, new Uint8Array(10))).toBe(-ENOSPC);
    expect(at(fs, "small").write!(0, new Uint8Array(10))).toBe(10); // rewriting pages it has needs no new space
    // The guest makes room: the next save goes through and writes work again.
    expect(fs.root.remove!("big")).toBe(0);
    expect(fs.root.remove!("more")).toBe(0);
    expect((await sync.sync()).full).toBe(false);
    expect(mk(fs.root, "again", S_IFREG | 0o644).write!(0, new Uint8Array(10))).toBe(10);
  });
});

describe("persisted tree: damage and reset", () => {
  it("refuses to restore a chunk whose bytes changed or vanished, naming it", async () => {
    const kv = new MemoryKv();
    const fs = createTmpfs({ mode: 0o755 });
    put(fs.root, "f", pattern(5000, 9));
    await new TreeSync(fs, new TreeStore(kv, "upper")).sync();
    const [key] = await kv.keys("tree/upper/chunk/");
    const bytes = (await kv.get(key)) as Uint8Array;
    const bad = bytes.slice();
    bad[100] ^= 0x40;
    kv.poke(key, bad);
    await expect(restored(kv)).rejects.toThrow(/chunk [0-9a-f]{64} hashes to/);
    kv.poke(key, bytes.subarray(0, 10).slice());
    await expect(restored(kv)).rejects.toThrow(/hashes to/);
    await kv.commit([], [key]);
    await expect(restored(kv)).rejects.toThrow(/is missing/);
  });

  it("clear() forgets the tree: manifest, chunks and reserve, and nothing else in the store", async () => {
    const kv = new MemoryKv();
    await kv.commit([["blob/other", new Uint8Array([1])]]);
    const fs = createTmpfs({ mode: 0o755 });
    put(fs.root, "f", "data");
    const store = new TreeStore(kv, "upper");
    await new TreeSync(fs, store).sync();
    expect((await kv.keys("tree/upper/")).map((k) => k.replace(/chunk\/.*/, "chunk/"))).toEqual(["tree/upper/chunk/", "tree/upper/manifest", "tree/upper/reserve"]);
    await store.clear();
    expect(await kv.keys("")).toEqual(["blob/other"]);
    expect(describeTree(await restored(kv))).toEqual(describeTree(createTmpfs({ mode: 0o755 })));
  });
});

describe("persisted tree: a store filled to its quota, counting puts only (as Chromium's IndexedDB)", () => {
  it("still switches to a smaller tree after the guest deletes files, through the reserve, then puts the reserve back", async () => {
    const kv = new MemoryKv({ quotaBytes: 3_000_000, putsOnlyQuota: true });
    const fs = createTmpfs({ mode: 0o755 });
    put(fs.root, "kept", "kept\n");
    const sync = new TreeSync(fs, new TreeStore(kv, "upper"));
    await sync.sync();
    expect(await kv.keys("tree/upper/reserve")).toEqual(["tree/upper/reserve"]);
    // Fill the store: files of one chunk each until a save is refused.
    let i = 0;
    for (; i < 20; i++) {
      put(fs.root, `f${i}`, pattern(CHUNK, 100 + i));
      if ((await sync.sync()).full) break;
    }
    expect(sync.stats.full).toBe(true);
    const committed = describeTree(await restored(kv));
    // Something else takes the last free bytes: now every put is refused, however small.
    await kv.commit([["other/filler", new Uint8Array(kv.quotaBytes - kv.usedBytes)]]);
    await expect(kv.commit([["probe", new Uint8Array(1)]])).rejects.toThrow(/store full/);
    for (let j = 0; j <= i; j++) expect(fs.root.remove!(`f${j}`)).toBe(0);
    const s = await sync.sync();
    expect(s.full).toBe(false);
    expect(Object.keys(describeTree(await restored(kv)))).toEqual(["", "/kept"]);
    expect(Object.keys(committed).length).toBeGreaterThan(2);
    expect(await kv.keys("tree/upper/reserve")).toEqual(["tree/upper/reserve"]);
    expect((await kv.keys("tree/upper/chunk/")).length).toBe(1);
  });
});

/** A Kv that dies (every call throws, as a closed page's store would) after `lives` committed transactions. */
class DyingKv implements Kv {
  commits = 0;
  constructor(private inner: Kv, public lives = Infinity) {}
  private check(): void { if (this.commits >= this.lives) throw new Error("store killed"); }
  async get<T extends KvValue = KvValue>(key: string): Promise<T | undefined> { this.check(); return this.inner.get<T>(key); }
  async keys(prefix: string): Promise<string[]> { this.check(); return this.inner.keys(prefix); }
  async commit(puts: ReadonlyArray<readonly [string, KvValue]>, dels?: readonly string[]): Promise<void> {
    this.check();
    await this.inner.commit(puts, dels);
    this.commits++;
  }
}

describe.each(backends)("persisted tree over %s: killed in the middle of a save", (_name, make) => {
  /** State A, then state B: rewritten, truncated, new (big: several chunk transactions), deleted, renamed, linked, chmod'ed. */
  function stateA(fs: MemFs): void {
    put(fs.root, "keep", "unchanged\n");
    put(fs.root, "edit", pattern(2 * CHUNK + 100, 5));
    put(fs.root, "shrink", pattern(300_000, 6));
    put(fs.root, "doomed", "delete me\n");
    put(fs.root, "move", "moving\n");
    mk(fs.root, "dir", S_IFDIR | 0o755);
  }
  function toB(fs: MemFs): void {
    at(fs, "edit").write!(CHUNK - 10, pattern(CHUNK, 7));
    at(fs, "shrink").setattr!({ size: 1000 });
    put(fs.root, "new", pattern(9 * CHUNK + 3, 8));
    expect(fs.root.remove!("doomed")).toBe(0);
    expect(fs.root.rename!("move", at(fs, "dir"), "moved", 0)).toBe(0);
    expect(at(fs, "dir").link!("keep-link", at(fs, "keep"))).toBe(0);
    at(fs, "dir").setattr!({ mode: 0o700 });
  }

  it("restores the old tree or the new tree for every kill point, never a mix or a truncated file", async () => {
    const outcomes: string[] = [];
    for (let k = 0; ; k++) {
      const kv = make();
      const dying = new DyingKv(kv);
      const fs = createTmpfs({ mode: 0o755 });
      stateA(fs);
      const sync = new TreeSync(fs, new TreeStore(dying, "upper"));
      await sync.sync();
      const a = describeTree(fs);
      toB(fs);
      const b = describeTree(fs);
      dying.lives = dying.commits + k;
      let killed = false;
      try { await sync.sync(); } catch { killed = true; }
      // The page reloads: a new store over what the database holds.
      const back = createTmpfs({ mode: 0o755 });
      const store = new TreeStore(kv, "upper");
      await new TreeSync(back, store).restore();
      const got = describeTree(back);
      const which = JSON.stringify(got) === JSON.stringify(a) ? "old" : JSON.stringify(got) === JSON.stringify(b) ? "new" : "MIX";
      expect(which, `killed after ${k} transactions`).not.toBe("MIX");
      // Chunks a dead save left behind are gone once the store is opened again.
      const named = new Set(store.manifest!.inodes.flatMap((n) => n.extents ?? []).map((e) => e.hash));
      expect((await kv.keys("tree/upper/chunk/")).map((x) => x.slice(x.lastIndexOf("/") + 1)).sort()).toEqual([...named].sort());
      outcomes.push(`${k}:${which}`);
      if (!killed) break;
    }
    // Several chunk transactions, the manifest, the clean-up: the switch happens exactly at the manifest.
    expect(outcomes.length).toBeGreaterThanOrEqual(4);
    expect(outcomes[0]).toBe("0:old");
    expect(outcomes.at(-1)).toMatch(/:new$/);
    const firstNew = outcomes.findIndex((o) => o.endsWith("new"));
    expect(outcomes.slice(firstNew).every((o) => o.endsWith("new"))).toBe(true);
    expect(outcomes.slice(0, firstNew).every((o) => o.endsWith("old"))).toBe(true);
  });
});
