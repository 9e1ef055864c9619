// Memory syscalls: brk(2), mmap(2) (anonymous, and file mappings from the
// page cache, copied on write), munmap(2), mprotect(2), mremap(2), madvise(2).
import type { Task } from "../task";
import type { Args } from "./types";
import { type AddressSpace, checkRange, pageUp, pageDown, TASK_SIZE } from "../mm/addrspace";
import { EINVAL, ENOMEM, EBADF, EACCES, ENODEV, EFAULT, EEXIST, EOPNOTSUPP } from "../errno";
import { isReg } from "../fs/inode";
import { cacheKey, mapFilePages } from "../mm/filemap";

export const MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
  MAP_GROWSDOWN = 0x100, MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000, MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000,
  MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000, MAP_FIXED_NOREPLACE = 0x100000;

const KNOWN_FLAGS = MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE
  | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_FIXED_NOREPLACE | 0x3f000000 /* MAP_HUGE_* */;

/** brk(2): returns the new break, or the old one when the request cannot be met. */
export function sysBrk(t: Task, a: Args): number {
  return t.mm.setBrk(a.u(0));
}

/**
 * mmap(2): anonymous private/shared memory, and file mappings whose pages
 * come from the page cache (shared with every other mapping of the file;
 * a write to a MAP_PRIVATE page copies it first, so neither the file nor
 * the others see it). Pages past the end of the file are demand-zero.
 */
export function sysMmap(t: Task, a: Args): number {
  const addr = a.u(0), len = a.u(1), prot = a.i(2), flags = a.i(3), fd = a.i(4), off = a.l(5);
  const type = flags & MAP_SHARED_VALIDATE;
  if (type === 0) return -EINVAL;
  if (type === MAP_SHARED_VALIDATE && (flags & ~KNOWN_FLAGS)) return -EOPNOTSUPP;
  if (prot & ~7) return -EINVAL;
  if (len === 0 || len > TASK_SIZE) return len === 0 ? -EINVAL : -ENOMEM;
  if (off % 4096 !== 0 || off < 0) return -EINVAL;
  const size = pageUp(len);
  let data: Uint8Array | null = null;
  let name = "", key = "";
  if (!(flags & MAP_ANONYMOUS)) {
    const f = t.files.get(fd);
    if (!f) return -EBADF;
    if (!f.readable) return -EACCES;
    if (!isReg(f.inode)) return -ENODEV;
    if (type !== MAP_PRIVATE && (prot & 2)) return -EACCES; // a shared writable mapping would write the read-only file
    data = f.inode.read(off, len);
    name = f.path;
    key = cacheKey(f.inode);
  }
  let start: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (checkRange(addr, size) < 0) return -EINVAL;
    if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED)) {
      for (let p = addr; p < addr + size; p += 4096) if (t.mm.find(p)) return -EEXIST;
    }
    start = addr;
  } else {
    start = t.mm.findFree(size, addr ? pageDown(addr) : 0);
    if (start < 0) return -ENOMEM;
  }
  // MAP_SHARED anonymous memory stays shared with children across fork; a file's pages are the page cache's.
  t.mm.map(start, start + size, prot, name, type !== MAP_PRIVATE && !data);
  if (data && data.length > 0 && !mapFilePages(t.mm, key, off, data, start, pageUp(data.length) / 4096, prot)) {
    t.mm.unmap(start, start + size);
    return -ENOMEM;
  }
  return start;
}

/** munmap(2) */
export function sysMunmap(t: Task, a: Args): number {
  const addr = a.u(0), len = a.u(1);
  if (checkRange(addr, len) < 0) return -EINVAL;
  t.mm.unmap(addr, addr + pageUp(len));
  return 0;
}

/** mprotect(2): PROT_GROWSDOWN/UP are not supported. */
export function sysMprotect(t: Task, a: Args): number {
  const addr = a.u(0), len = a.u(1), prot = a.i(2);
  if (addr % 4096 !== 0 || (prot & ~7)) return -EINVAL;
  if (len === 0) return 0;
  if (addr + pageUp(len) > TASK_SIZE) return -ENOMEM;
  return t.mm.protect(addr, addr + pageUp(len), prot);
}

const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

/**
 * mremap(2): shrinks in place; grows in place when the pages after the
 * mapping are free; else moves it (MREMAP_MAYMOVE) — to `new_address` with
 * MREMAP_FIXED (whatever is mapped there goes), keeping the old range mapped
 * and empty with MREMAP_DONTUNMAP. A move carries the page-table entries
 * over (AddressSpace.move): no data is copied, shared memory stays shared.
 */
export function sysMremap(t: Task, a: Args): number {
  const old = a.u(0), oldLen = pageUp(a.u(1)), newLen = pageUp(a.u(2)), flags = a.i(3), fixedAt = a.u(4);
  if (old % 4096 !== 0 || newLen === 0 || (flags & ~7)) return -EINVAL;
  if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (flags & MREMAP_DONTUNMAP && oldLen !== newLen) return -EINVAL;
  const mm = t.mm;
  const v = mm.find(old);
  // The old range must lie in one mapping (vma_to_resize).
  if (!v || old + oldLen > v.end || oldLen === 0) return -EFAULT;
  if (flags & MREMAP_DONTUNMAP && v.shared) return -EINVAL;
  if (flags & MREMAP_FIXED) {
    if (fixedAt % 4096 !== 0 || fixedAt + newLen > TASK_SIZE) return -EINVAL;
    if (fixedAt < old + oldLen && old < fixedAt + newLen) return -EINVAL;
    mm.unmap(fixedAt, fixedAt + newLen);
    return moveMapping(mm, old, oldLen, newLen, fixedAt, (flags & MREMAP_DONTUNMAP) !== 0);
  }
  if (newLen <= oldLen && !(flags & MREMAP_DONTUNMAP)) {
    if (newLen < oldLen) mm.unmap(old + newLen, old + oldLen);
    return old;
  }
  const end = old + oldLen;
  if (!(flags & MREMAP_DONTUNMAP) && v.end === end && mm.findFree(newLen - oldLen, end) === end) {
    v.end = old + newLen; // the pages after are free: the mapping just grows (demand-zero pages)
    return old;
  }
  if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
  const dst = mm.findFree(newLen, 0);
  if (dst < 0) return -ENOMEM;
  return moveMapping(mm, old, oldLen, newLen, dst, (flags & MREMAP_DONTUNMAP) !== 0);
}

/** Moves [old, old + oldLen) to `dst` and sizes it to newLen there (shrinking first, growing after). */
function moveMapping(mm: AddressSpace, old: number, oldLen: number, newLen: number, dst: number, keepOld: boolean): number {
  if (newLen < oldLen) { mm.unmap(old + newLen, old + oldLen); oldLen = newLen; }
  mm.move(old, oldLen, dst, keepOld);
  // The destination range is free: the moved mapping grows there (demand-zero pages).
  mm.find(dst)!.end = dst + newLen;
  return dst;
}

/** madvise(2): advice is accepted and ignored; MADV_DONTNEED zeroes anonymous pages by dropping them. */
export function sysMadvise(t: Task, a: Args): number {
  const addr = a.u(0), len = a.u(1), advice = a.i(2);
  if (addr % 4096 !== 0) return -EINVAL;
  if (advice === 4 /* MADV_DONTNEED */ && len > 0) {
    const v = t.mm.find(addr);
    if (v && v.name === "") {
      const end = Math.min(v.end, addr + pageUp(len));
      const { prot, name, shared } = v;
      if (!shared) t.mm.map(addr, end, prot, name);
    }
  }
  return 0;
}

/** msync(2), mlock(2), munlock(2) and friends: nothing to do in memory-only RAM. */
export function sysMemNoop(): number { return 0; }
