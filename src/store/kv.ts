// The store's one storage interface: a key-value map with atomic batches.
// IndexedDB (idbkv.ts) is the real backend; MemoryKv is the same contract
// in memory, with an optional quota, for Node and tests. Everything above
// (blobs, layers, persisted trees) is written against Kv only, so the same
// code runs in the browser and in Node.
//
// The contract mirrors what one IndexedDB readwrite transaction gives
// (IndexedDB 3.0, "Transaction lifecycle"): `commit` applies all its puts
// and deletes or none of them; a failure (QuotaExceededError when storage is
// full) leaves the store as it was.

/** What a key holds: bytes, or a structured-cloneable record (plain data: no functions, no class instances). */
export type KvValue = Uint8Array | object;

export interface Kv {
  get<T extends KvValue = KvValue>(key: string): Promise<T | undefined>;
  /** Applies every put and delete in one transaction: all or nothing. */
  commit(puts: ReadonlyArray<readonly [string, KvValue]>, dels?: readonly string[]): Promise<void>;
  /** Keys starting with `prefix`, in ascending order. */
  keys(prefix: string): Promise<string[]>;
}

/** The error a full store throws: a DOMException named QuotaExceededError, as IndexedDB's. */
export function quotaExceeded(message: string): DOMException {
  return new DOMException(message, "QuotaExceededError");
}

export function isQuotaError(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "QuotaExceededError";
}

/** Bytes a value takes, as the quota counts it. */
export function valueBytes(v: KvValue): number {
  return v instanceof Uint8Array ? v.byteLength : JSON.stringify(v).length;
}

/**
 * A stored copy of `v`: bytes are copied into a buffer of their own (a
 * structured clone of a subarray would carry its whole underlying buffer),
 * records are deep-copied so later changes by the caller do not leak in.
 */
export function storedCopy(v: KvValue): KvValue {
  return v instanceof Uint8Array ? v.slice() : structuredClone(v);
}

export interface MemoryKvOptions {
  /** Most bytes the store may hold (keys not counted); a commit beyond throws QuotaExceededError. */
  quotaBytes?: number;
  /**
   * Check a commit's puts against the quota without crediting what it
   * deletes or replaces, as Chromium's IndexedDB does (a full store refuses
   * any put; only a pure delete goes through).
   */
  putsOnlyQuota?: boolean;
}

/** The Kv contract in memory. */
export class MemoryKv implements Kv {
  private map = new Map<string, KvValue>();
  private used = 0;
  quotaBytes: number;
  private putsOnly: boolean;

  constructor(o: MemoryKvOptions = {}) {
    this.quotaBytes = o.quotaBytes ?? Infinity;
    this.putsOnly = o.putsOnlyQuota ?? false;
  }

  /** Bytes held now. */
  get usedBytes(): number { return this.used; }

  async get<T extends KvValue = KvValue>(key: string): Promise<T | undefined> {
    const v = this.map.get(key);
    return v === undefined ? undefined : (storedCopy(v) as T);
  }

  async commit(puts: ReadonlyArray<readonly [string, KvValue]>, dels: readonly string[] = []): Promise<void> {
    // Work out the new size first so a refused batch changes nothing.
    const next = new Map<string, KvValue | null>();
    // Deletes first, then puts, as idbkv.ts issues them: a key in both ends up put.
    for (const k of dels) next.set(k, null);
    for (const [k, v] of puts) next.set(k, v);
    let used = this.used;
    for (const [k, v] of next) {
      const old = this.map.get(k);
      if (old !== undefined) used -= valueBytes(old);
      if (v !== null) used += valueBytes(v);
    }
    const putBytes = puts.reduce((n, [, v]) => n + valueBytes(v), 0);
    const needed = this.putsOnly && putBytes > 0 ? this.used + putBytes : used;
    if (needed > this.quotaBytes) throw quotaExceeded(`store full: ${needed} bytes needed, quota ${this.quotaBytes}`);
    for (const [k, v] of next) {
      if (v === null) this.map.delete(k);
      else this.map.set(k, storedCopy(v));
    }
    this.used = used;
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** Tests: overwrites a stored value behind the store's back (tampering, bit rot). */
  poke(key: string, v: KvValue): void {
    this.map.set(key, v);
  }
}
