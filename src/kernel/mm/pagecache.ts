// The page cache (Linux's mm/filemap.c, much reduced): one frame per page
// of a file, shared by every address space that maps the file — exec's
// text and read-only data, file mmap. Address spaces map these frames
// read-only with PTE_COW, so the first write to a MAP_PRIVATE page copies
// it (the cache's own reference keeps the count above one) and the file
// and the other mappers never see the write.
//
// Pages are keyed by the file's identity (st_dev:st_ino of the real inode,
// the lower one for a file seen through an overlay — see filemap.ts) and
// page index. A cached frame is handed out only when its bytes still equal
// the file's (the caller passes the page as read now), so a written or
// truncated file is never shown stale: the changed page gets a new frame
// and the old one stays with whoever still maps it, as a private page.
//
// Charging (cgroup-v2.rst "Memory Ownership"): a page is charged to the
// cgroup of the task that brought it in, once, and uncharged when the cache
// lets it go; mapping it elsewhere charges nothing. Frames the cache holds
// and nobody maps are dropped when RAM runs out (PhysMem's reclaim) or a
// group reaches memory.max (the cacheCharging reclaim hook).
import { PAGE_SIZE, type PhysMem } from "./physmem";

/** Who pays for a cached page: an opaque owner (a memory cgroup) chosen by the hook. */
export type CacheOwner = object;

/**
 * The memory controller's part (set by cgroup/memcg.ts): `charge` picks and
 * charges the owner of a new page (null: refused, the group is at its
 * limit), `uncharge` gives it back, `within(owner, domain)` says whether a
 * page's owner lies in a group being reclaimed.
 */
export const cacheCharging: {
  charge: (() => CacheOwner | null | undefined) | null;
  uncharge: ((owner: CacheOwner) => void) | null;
  within: ((owner: CacheOwner, domain: object) => boolean) | null;
} = { charge: null, uncharge: null, within: null };

interface CachedPage { pa: number; owner: CacheOwner | undefined }

export class PageCache {
  private files = new Map<string, Map<number, CachedPage>>();
  /** Frames held by the cache (meminfo's Cached). */
  frames = 0;

  constructor(private mem: PhysMem) {}

  /**
   * The cached frame of page `index` of file `key`, whose current bytes are
   * `bytes` (up to a page; the rest of the page reads as zero, as past the
   * end of a file). Loads it when absent or stale; -1 when no frame can be
   * had (RAM full, or the group is at memory.max with nothing to reclaim).
   */
  page(key: string, index: number, bytes: Uint8Array): number {
    const hit = this.files.get(key)?.get(index);
    if (hit && this.same(hit.pa, bytes)) return hit.pa;
    // The group at its limit reclaims its unmapped cache pages itself (memcg's tryCharge) before refusing.
    const owner = cacheCharging.charge?.();
    if (owner === null) return -1;
    const pa = this.mem.alloc(); // may reclaim unmapped cache pages, this file's too: look the page up again after
    if (pa < 0) { if (owner) cacheCharging.uncharge?.(owner); return -1; }
    this.mem.setFile(pa, true);
    this.mem.u8.set(bytes.subarray(0, PAGE_SIZE), pa);
    let pages = this.files.get(key);
    if (!pages) this.files.set(key, (pages = new Map()));
    const stale = pages.get(index);
    if (stale) this.drop(pages, index, stale); // the file changed under it: mappers keep the old frame
    pages.set(index, { pa, owner });
    this.frames++;
    return pa;
  }

  /** True when frame `pa` holds exactly `bytes` followed by zeros. */
  private same(pa: number, bytes: Uint8Array): boolean {
    const u8 = this.mem.u8, n = Math.min(bytes.length, PAGE_SIZE);
    if (!equalBytes(u8.subarray(pa, pa + n), bytes.subarray(0, n))) return false;
    for (let j = pa + n; j < pa + PAGE_SIZE; j++) if (u8[j] !== 0) return false;
    return true;
  }

  private drop(pages: Map<number, CachedPage>, index: number, p: CachedPage): void {
    pages.delete(index);
    this.frames--;
    if (p.owner) cacheCharging.uncharge?.(p.owner);
    this.mem.release(p.pa);
  }

  /**
   * Drops the cached pages nobody maps (only the cache's reference is left),
   * all of them or those charged inside `domain` (a memory cgroup);
   * returns how many frames went. drop_caches and memory pressure use it.
   */
  reclaim(domain: object | null): number {
    let n = 0;
    for (const [key, pages] of this.files) {
      for (const [index, p] of pages) {
        if (this.mem.refCount(p.pa) !== 1) continue;
        if (domain && !(p.owner && cacheCharging.within?.(p.owner, domain))) continue;
        this.drop(pages, index, p);
        n++;
      }
      if (pages.size === 0) this.files.delete(key);
    }
    return n;
  }
}

/** Node's Buffer, when the kernel runs there: its equals() is a native memcmp. */
const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, off: number, len: number): { equals(o: Uint8Array): boolean } } }).Buffer;

/** Byte-wise equality of two views of one length (exec compares a whole image per run, so this is hot). */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (NodeBuffer) return NodeBuffer.from(a.buffer, a.byteOffset, a.length).equals(b);
  let i = 0;
  if ((b.byteOffset & 3) === 0 && (a.byteOffset & 3) === 0) {
    const a32 = new Uint32Array(a.buffer, a.byteOffset, a.length >>> 2), b32 = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
    for (; i < a32.length; i++) if (a32[i] !== b32[i]) return false;
    i <<= 2;
  }
  for (; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
