// Which page-cache pages (pagecache.ts) a file's are: file VMAs (exec's
// segments, file mmap) carry this key, and their faults
// (AddressSpace.populate, Linux's filemap_fault) look pages up under it.
import type { Inode } from "../fs/inode";
import { OverlayInode } from "../fs/overlay/overlayfs";

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
