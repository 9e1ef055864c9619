// Blobs by digest over both backends (memory, and IndexedDB through
// idb-keyval on fake-indexeddb): verified on put and on get, tampering
// detected, batches atomic, a full store refuses a batch whole.
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { MemoryKv, isQuotaError, type Kv } from "../../src/store/kv";
import { IdbKv } from "../../src/store/idbkv";
import { BlobStore, DigestMismatchError } from "../../src/store/blobs";

let dbs = 0;
const backends: Array<[string, () => Kv]> = [
  ["memory", () => new MemoryKv()],
  ["indexeddb", () => new IdbKv(`hako-test-${++dbs}`, "store")],
];
const sha = (b: Uint8Array): string => "sha256:" + createHash("sha256").update(b).digest("hex");

describe.each(backends)("blob store over %s", (_name, make) => {
  it("stores by the sha256 digest Node's crypto computes and reads it back verified", async () => {
    const kv = make();
    const blobs = new BlobStore(kv);
    const data = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    const digest = await blobs.put(data);
    expect(digest).toBe(sha(data));
    expect(await blobs.get(digest)).toEqual(data);
    expect(await blobs.has(digest)).toBe(true);
    expect(await blobs.list()).toEqual([digest]);
    await blobs.delete(digest);
    expect(await blobs.get(digest)).toBeUndefined();
  });

  it("refuses bytes that do not hash to the expected digest, and stores nothing", async () => {
    const blobs = new BlobStore(make());
    const data = new TextEncoder().encode("layer");
    const wrong = sha(new TextEncoder().encode("other"));
    await expect(blobs.put(data, wrong)).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await blobs.list()).toEqual([]);
    expect(await blobs.put(data, sha(data))).toBe(sha(data));
  });

  it("detects a stored blob changed behind its back", async () => {
    const kv = make();
    const blobs = new BlobStore(kv);
    const data = new TextEncoder().encode("the real content");
    const digest = await blobs.put(data);
    const bad = data.slice();
    bad[3] ^= 1;
    await kv.commit([[`blob/${digest}`, bad]]);
    await expect(blobs.get(digest)).rejects.toThrow(/hashes to sha256:/);
    await kv.commit([[`blob/${digest}`, data.subarray(0, 5)]]);
    await expect(blobs.get(digest)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("stores a subarray's own bytes, not its whole buffer", async () => {
    const kv = make();
    const big = new Uint8Array(1 << 16).fill(9);
    await kv.commit([["k", big.subarray(10, 20)]]);
    const v = await kv.get("k");
    expect(v).toBeInstanceOf(Uint8Array);
    expect((v as Uint8Array).buffer.byteLength).toBe(10);
  });

  it("applies a batch of puts and deletes all at once", async () => {
    const kv = make();
    await kv.commit([["a", { n: 1 }], ["b", { n: 2 }]]);
    await kv.commit([["c", { n: 3 }]], ["a"]);
    expect(await kv.keys("")).toEqual(["b", "c"]);
    expect(await kv.get("c")).toEqual({ n: 3 });
  });
});

describe("memory backend quota", () => {
  it("refuses a batch beyond the quota whole, with QuotaExceededError, keeping what was there", async () => {
    const kv = new MemoryKv({ quotaBytes: 1000 });
    await kv.commit([["a", new Uint8Array(600)]]);
    let err: unknown;
    try { await kv.commit([["b", new Uint8Array(300)], ["c", new Uint8Array(300)]]); } catch (e) { err = e; }
    expect(isQuotaError(err)).toBe(true);
    expect(err).toBeInstanceOf(DOMException);
    expect(await kv.keys("")).toEqual(["a"]);
    expect(kv.usedBytes).toBe(600);
    // Replacing and deleting in the same batch counts the space they free.
    await kv.commit([["b", new Uint8Array(900)]], ["a"]);
    expect(kv.usedBytes).toBe(900);
  });
});
