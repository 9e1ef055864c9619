// tmpfs: a writable in-memory filesystem (MemFs) mounted with a size limit,
// as Linux's shmem-backed tmpfs (Documentation/filesystems/tmpfs.rst): the
// default size is half of RAM, data is counted in whole pages, ENOSPC when
// full. /tmp, the overlay's upper layers and devtmpfs use it.
import { MemFs } from "./memfs";
import { TMPFS_MAGIC } from "./inode";

export interface TmpfsOptions {
  /** Root directory mode (tmpfs's mode=, 1777 for /tmp). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** size= in bytes; Infinity for no limit. */
  sizeBytes?: number;
  /** nr_inodes= */
  maxInodes?: number;
}

export function createTmpfs(o: TmpfsOptions = {}): MemFs {
  return new MemFs({ mode: o.mode ?? 0o1777, uid: o.uid, gid: o.gid }, { maxBytes: o.sizeBytes, maxInodes: o.maxInodes, magic: TMPFS_MAGIC });
}
