// Content-addressed blobs (OCI image-spec descriptor.md, "Digests"): a blob
// is stored under its sha256 digest and checked against it both when it is
// put (the caller's expected digest, e.g. a manifest's descriptor) and when
// it is read back, so a corrupted or tampered record is refused instead of
// unpacked.
import { sha256Digest } from "./digest";
import type { Kv } from "./kv";

const PREFIX = "blob/";
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export class DigestMismatchError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`blob ${expected}: content hashes to ${actual}`);
    this.name = "DigestMismatchError";
  }
}

export class BlobStore {
  constructor(readonly kv: Kv) {}

  private key(digest: string): string {
    if (!DIGEST.test(digest)) throw new Error(`unsupported digest ${digest}`);
    return PREFIX + digest;
  }

  /** Stores `bytes`; with `expected`, refuses them unless they hash to it. Returns the digest. */
  async put(bytes: Uint8Array, expected?: string): Promise<string> {
    const digest = await sha256Digest(bytes);
    if (expected !== undefined && digest !== expected) throw new DigestMismatchError(expected, digest);
    await this.kv.commit([[this.key(digest), bytes]]);
    return digest;
  }

  /** The blob's bytes, verified; undefined when absent; DigestMismatchError when the stored bytes changed. */
  async get(digest: string): Promise<Uint8Array | undefined> {
    const v = await this.kv.get(this.key(digest));
    if (v === undefined) return undefined;
    if (!(v instanceof Uint8Array)) throw new DigestMismatchError(digest, "(not bytes)");
    const actual = await sha256Digest(v);
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
    return v;
  }

  async has(digest: string): Promise<boolean> {
    return (await this.kv.keys(this.key(digest))).includes(this.key(digest));
  }

  async delete(digest: string): Promise<void> {
    await this.kv.commit([], [this.key(digest)]);
  }

  /** Digests of every stored blob. */
  async list(): Promise<string[]> {
    return (await this.kv.keys(PREFIX)).map((k) => k.slice(PREFIX.length));
  }
}
