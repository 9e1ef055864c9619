// File-backed pages of an address space (Linux's filemap_fault, reduced to
// mapping at mmap/exec time): which cache a file's pages belong to, and the
// mapping of a run of file pages from the page cache (pagecache.ts).
import type { Inode } from "../fs/inode";
import { OverlayInode } from "../fs/overlay/overlayfs";
import type { AddressSpace } from "./addrspace";
import { PAGE_SIZE } from "./physmem";

/**
 * The page-cache key of a file: st_dev:st_ino of the inode that holds the
 * data. An overlay file is its real object's (the lower one until copy-up),
 * so every container over one image shares the image's pages, as Linux's
 * overlayfs hands mmap the real file (ovl_mmap).
 */
export function cacheKey(ino: Inode): string {
  let real: Inode = ino;
  for (let i = 0; i < 16 && real instanceof OverlayInode; i++) real = real.upper ?? real.lower ?? real;
  return `${real.dev}:${real.ino}`;
}

/**
 * Maps `bytes` — the file's contents from page-aligned offset `fileOff`,
 * read now — at `va` from the page cache, `pages` pages (a page past the
 * data, beyond the end of the file, reads as zeros). False when out of
 * memory; the pages mapped so far stay (the caller unmaps the range).
 */
export function mapFilePages(mm: AddressSpace, key: string, fileOff: number, bytes: Uint8Array, va: number, pages: number, prot: number): boolean {
  const first = fileOff / PAGE_SIZE;
  for (let i = 0; i < pages; i++) {
    const at = i * PAGE_SIZE;
    const pa = mm.mem.cache.page(key, first + i, bytes.subarray(Math.min(at, bytes.length), Math.min(at + PAGE_SIZE, bytes.length)));
    if (pa < 0 || !mm.mapFilePage(va + at, pa, prot)) return false;
  }
  return true;
}
