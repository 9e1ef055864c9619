// A process address space: the list of VMAs (virtual memory areas, as in
// Linux's mm_struct), the program break, demand paging and the kernel's
// copy-in/copy-out helpers. Pages are allocated lazily on the first fault
// inside a VMA; the kernel's own copies fault pages in the same way, and a
// pointer outside every VMA (or without the needed permission) gives EFAULT,
// never an exception.
//
// fork() copies the address space copy-on-write: every private page's frame
// is shared (reference count + 1) with the write bit cleared and PTE_COW set
// in both parent and child; the first write faults, and the writer gets its
// own copy — or, when it is the last user of the frame, simply the write bit
// back. MAP_SHARED anonymous memory is shared as is. Frames mapped by the
// address space are counted in `rss` and reported to `charge`, the hook the
// memory cgroup uses. Page-cache frames (file data: exec's image, file
// mmap; mm/pagecache.ts) are mapped copy-on-write too, count in `rss` and
// `fileRss` but not in `charge` (the cache charged them once), and a write
// always copies them, whatever their count.
import { PTE_P, PTE_W, PTE_D, PTE_COW } from "../cpu";
import { PhysMem, PAGE_SIZE } from "./physmem";
import { PageTable, PROT_READ, PROT_WRITE, PROT_EXEC } from "./pagetable";
import { EFAULT, EINVAL, ENOMEM } from "../errno";

/** One end above the last user address (x86-64, 4-level paging: 2^47 - 1 page). */
export const TASK_SIZE = 0x7ffffffff000;

/** Page-fault error code bits (Intel SDM vol. 3 §4.7). */
export const PF_PROT = 1;
export const PF_WRITE = 2;
export const PF_USER = 4;
export const PF_FETCH = 16;

export interface Vma {
  start: number;
  end: number;
  /** PROT_READ | PROT_WRITE | PROT_EXEC. */
  prot: number;
  /** What /proc/PID/maps would show: "[heap]", "[stack]", a path, or "". */
  name: string;
  /** MAP_SHARED: frames stay shared across fork. */
  shared?: boolean;
}

/** Where frames are charged (a memory cgroup in issue 5). */
export interface MemCharge { charge(frames: number): boolean; uncharge(frames: number): void }

export const pageDown = (a: number): number => a - (a % PAGE_SIZE);
export const pageUp = (a: number): number => pageDown(a + PAGE_SIZE - 1);

export class AddressSpace {
  readonly pt: PageTable;
  /** Sorted by start, never overlapping. */
  readonly vmas: Vma[] = [];
  brkStart = 0;
  brk = 0;
  /** Highest address for top-down mmap placement (below the stack gap). */
  mmapBase = 0x7f0000000000;
  /** Tasks using this address space (threads share it); destroyed when the last one goes. */
  users = 1;
  /** Frames mapped by this address space (VmRSS), page tables excluded. */
  rss = 0;
  /** Of those, page-cache frames (RssFile): charged by the cache, not to `charge`. */
  fileRss = 0;
  charge: MemCharge | null = null;

  constructor(readonly mem: PhysMem) {
    this.pt = new PageTable(mem);
  }

  /** A new, empty address space, or null when no frame is left for its page-table root (→ ENOMEM, never a throw). */
  static create(mem: PhysMem): AddressSpace | null {
    return mem.usedFrames < mem.totalFrames || mem.cache.reclaim(null) > 0 ? new AddressSpace(mem) : null;
  }

  get root(): number { return this.pt.root; }

  /** Frames charged to this address space's `charge` (RssAnon): rss without the page-cache frames. */
  get chargedRss(): number { return this.rss - this.fileRss; }

  find(addr: number): Vma | null {
    // Binary search: the VMA with the greatest start <= addr.
    let lo = 0, hi = this.vmas.length - 1, hit: Vma | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.vmas[mid];
      if (v.start <= addr) { hit = v; lo = mid + 1; } else hi = mid - 1;
    }
    return hit && addr < hit.end ? hit : null;
  }

  /** Adds a VMA over [start, end), replacing whatever was mapped there (MAP_FIXED semantics). */
  map(start: number, end: number, prot: number, name: string, shared = false): Vma {
    this.unmap(start, end);
    const v: Vma = { start, end, prot, name, shared };
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < start) i++;
    this.vmas.splice(i, 0, v);
    return v;
  }

  /** Splits VMAs so that `addr` is a boundary. */
  private splitAt(addr: number): void {
    const v = this.find(addr);
    if (!v || v.start === addr) return;
    const tail: Vma = { start: addr, end: v.end, prot: v.prot, name: v.name, shared: v.shared };
    v.end = addr;
    this.vmas.splice(this.vmas.indexOf(v) + 1, 0, tail);
  }

  /** Removes [start, end) from the map and frees its frames (munmap). */
  unmap(start: number, end: number): void {
    this.splitAt(start);
    this.splitAt(end);
    let changed = false;
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i];
      if (v.start >= start && v.end <= end) {
        this.vmas.splice(i, 1);
        changed = this.dropPages(v.start, v.end) || changed;
      }
    }
    if (changed) this.mem.cpu.flushTlb();
  }

  private dropPages(start: number, end: number): boolean {
    let any = false;
    for (let va = start; va < end; va += PAGE_SIZE) {
      const ea = this.pt.entryAddr(va, false);
      if (ea < 0) {
        // No page table here: skip to the next 2 MiB boundary.
        va = Math.floor(va / 0x200000) * 0x200000 + 0x200000 - PAGE_SIZE;
        continue;
      }
      const pte = this.pt.read(ea);
      if (pte.pa === 0) continue;
      this.pt.write(ea, { pa: 0, flags: 0, nx: false });
      this.releaseFrame(pte.pa);
      any = true;
    }
    return any;
  }

  /**
   * mremap's move (move_vma, move_page_tables): the mapping [from, from +
   * len), which lies in one VMA, goes to `to` (a free range) with its
   * protection, name and sharing; the page-table entries move, so the frames
   * move without a copy (and shared memory stays shared). `keepOld`
   * (MREMAP_DONTUNMAP) leaves the old range mapped and empty.
   */
  move(from: number, len: number, to: number, keepOld = false): void {
    this.splitAt(from);
    this.splitAt(from + len);
    const v = this.find(from)!;
    for (let off = 0; off < len; off += PAGE_SIZE) {
      const ea = this.pt.entryAddr(from + off, false);
      if (ea < 0) {
        // No page table here: nothing mapped up to the next 2 MiB boundary.
        off = Math.floor((from + off) / 0x200000) * 0x200000 + 0x200000 - from - PAGE_SIZE;
        continue;
      }
      const pte = this.pt.read(ea);
      if (pte.pa === 0) continue;
      this.pt.write(ea, { pa: 0, flags: 0, nx: false });
      const dst = this.pt.entryAddr(to + off, true);
      this.pt.write(dst, pte);
    }
    if (!keepOld) this.vmas.splice(this.vmas.indexOf(v), 1);
    const moved: Vma = { start: to, end: to + len, prot: v.prot, name: v.name, shared: v.shared };
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < to) i++;
    this.vmas.splice(i, 0, moved);
    this.mem.cpu.flushTlb();
  }

  /** mprotect: every page of [start, end) must be mapped (else ENOMEM). */
  protect(start: number, end: number, prot: number): number {
    for (let a = start; a < end;) {
      const v = this.find(a);
      if (!v) return -ENOMEM;
      a = v.end;
    }
    this.splitAt(start);
    this.splitAt(end);
    for (const v of this.vmas) {
      if (v.start >= start && v.end <= end) v.prot = prot;
    }
    for (let va = start; va < end; va += PAGE_SIZE) {
      const ea = this.pt.entryAddr(va, false);
      if (ea < 0) continue;
      const pte = this.pt.read(ea);
      if (pte.pa === 0) continue;
      this.writeLeaf(ea, pte.pa, prot, (pte.flags & PTE_COW) !== 0);
    }
    this.mem.cpu.flushTlb();
    return 0;
  }

  private newFrame(): number {
    if (this.charge && !this.charge.charge(1)) return -1;
    const pa = this.mem.alloc();
    if (pa < 0) { this.charge?.uncharge(1); return -1; }
    this.rss++;
    return pa;
  }

  private releaseFrame(pa: number): void {
    const file = this.mem.isFile(pa);
    this.mem.release(pa);
    this.rss--;
    if (file) this.fileRss--;
    else this.charge?.uncharge(1);
  }

  /**
   * Maps the page-cache frame `pa` at `va` (inside a VMA) copy-on-write:
   * readable and executable as `prot` says, never writable in place (a
   * write fault copies it). False when no page-table frame is left.
   */
  mapFilePage(va: number, pa: number, prot: number): boolean {
    const ea = this.pt.entryAddr(va, true);
    if (ea < 0) return false;
    const old = this.pt.read(ea);
    if (old.pa !== 0) this.releaseFrame(old.pa);
    this.mem.ref(pa);
    this.rss++;
    this.fileRss++;
    this.writeLeaf(ea, pa, prot, true);
    return true;
  }

  /**
   * A frame stays in its entry when the page becomes PROT_NONE: the present
   * bit is cleared and the frame comes back when access is allowed again.
   */
  private writeLeaf(ea: number, pa: number, prot: number, cow = false): void {
    const cowBit = cow ? PTE_COW : 0;
    if (prot === 0) {
      this.pt.write(ea, { pa, flags: cowBit, nx: true });
      return;
    }
    // A copy-on-write page stays read-only whatever the VMA allows: the write fault makes the copy.
    const flags = PTE_P | 4 /* U */ | 0x20 /* A */ | cowBit | (prot & PROT_WRITE && !cow ? PTE_W | PTE_D : 0);
    this.pt.write(ea, { pa, flags, nx: !(prot & PROT_EXEC) });
  }

  /** A free range of `len` bytes for mmap without MAP_FIXED, searched top-down; -1 when none. */
  findFree(len: number, hint: number): number {
    if (hint && hint + len <= TASK_SIZE && this.isFree(pageDown(hint), len)) return pageDown(hint);
    let top = this.mmapBase;
    for (let i = this.vmas.length - 1; i >= 0 && top - len >= 0x10000; i--) {
      const v = this.vmas[i];
      if (v.start >= top) continue;
      if (v.end <= top - len) return top - len;
      top = Math.min(top, v.start);
    }
    return top - len >= 0x10000 ? top - len : -1;
  }

  private isFree(start: number, len: number): boolean {
    for (const v of this.vmas) if (v.start < start + len && v.end > start) return false;
    return true;
  }

  /** brk(2): moves the program break; returns the (possibly unchanged) break. */
  setBrk(addr: number): number {
    if (addr < this.brkStart || addr >= this.mmapBase) return this.brk;
    const oldEnd = pageUp(this.brk), newEnd = pageUp(addr);
    if (newEnd > oldEnd) {
      if (!this.isFree(oldEnd, newEnd - oldEnd)) return this.brk;
      const heap = this.find(oldEnd - 1);
      if (heap && heap.name === "[heap]" && heap.end === oldEnd) heap.end = newEnd;
      else this.map(oldEnd, newEnd, PROT_READ | PROT_WRITE, "[heap]");
    } else if (newEnd < oldEnd) {
      this.unmap(newEnd, oldEnd);
    }
    this.brk = addr;
    return addr;
  }

  /**
   * Serves a page fault at `addr` with x86 error code `code`: allocates the
   * page when the VMA allows the access. False means SIGSEGV.
   */
  fault(addr: number, code: number): boolean {
    const v = this.find(addr);
    if (!v) return false;
    if ((code & PF_WRITE) && !(v.prot & PROT_WRITE)) return false;
    if ((code & PF_FETCH) && !(v.prot & PROT_EXEC)) return false;
    if (v.prot === 0) return false;
    return this.populate(pageDown(addr), v.prot, (code & PF_WRITE) !== 0) >= 0;
  }

  /**
   * Makes the page at `va` present with `prot` (writable when `write` asks
   * for it, breaking copy-on-write); returns its frame or -1 (out of memory).
   */
  private populate(va: number, prot: number, write = false): number {
    const ea = this.pt.entryAddr(va, true);
    if (ea < 0) return -1;
    const pte = this.pt.read(ea);
    let pa = pte.pa;
    const cow = (pte.flags & PTE_COW) !== 0;
    if (pa !== 0 && cow && write && (prot & PROT_WRITE)) {
      // A page-cache frame is always copied: the cache may hand it to the next mapper.
      if (this.mem.refCount(pa) > 1 || this.mem.isFile(pa)) {
        const copy = this.newFrame();
        if (copy < 0) return -1;
        const u8 = this.mem.u8;
        u8.copyWithin(copy, pa, pa + PAGE_SIZE);
        this.releaseFrame(pa);
        pa = copy;
      }
      // Last user of the frame (or a fresh copy): writable again.
      this.writeLeaf(ea, pa, prot, false);
      this.mem.cpu.flushTlb();
      return pa;
    }
    if (pte.flags & PTE_P) {
      // Present but faulted: the CPU's TLB held an older entry; refresh it.
      this.writeLeaf(ea, pa, prot, cow);
      this.mem.cpu.flushTlb();
      return pa;
    }
    if (pa === 0) {
      pa = this.newFrame();
      if (pa < 0) return -1;
    }
    this.writeLeaf(ea, pa, prot, cow);
    return pa;
  }

  /** The frame behind user page `va` for a kernel access, faulting it in; -1 → EFAULT. */
  private userFrame(va: number, write: boolean): number {
    const v = this.find(va);
    if (!v || v.prot === 0 || (write && !(v.prot & PROT_WRITE))) return -1;
    const pte = this.pt.lookup(va);
    if (pte && (!write || (pte.flags & PTE_W))) return pte.pa;
    return this.populate(pageDown(va), v.prot, write);
  }

  /** Copies `len` bytes from user memory; null when any byte is not readable (EFAULT). */
  copyIn(va: number, len: number): Uint8Array | null {
    if (len === 0) return new Uint8Array(0);
    if (va < 0 || va + len > TASK_SIZE) return null;
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = va + done;
      const pa = this.userFrame(a, false);
      if (pa < 0) return null;
      const off = a % PAGE_SIZE;
      const n = Math.min(len - done, PAGE_SIZE - off);
      out.set(this.mem.u8.subarray(pa + off, pa + off + n), done);
      done += n;
    }
    return out;
  }

  /** Copies bytes into user memory; 0 or -EFAULT (bytes before the bad page are written, as in Linux). */
  copyOut(va: number, data: Uint8Array): number {
    if (data.length === 0) return 0;
    if (va < 0 || va + data.length > TASK_SIZE) return -EFAULT;
    let done = 0;
    while (done < data.length) {
      const a = va + done;
      const pa = this.userFrame(a, true);
      if (pa < 0) return -EFAULT;
      const off = a % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      this.mem.u8.set(data.subarray(done, done + n), pa + off);
      this.mem.cpu.invalidateCode(pa + off, n);
      done += n;
    }
    return 0;
  }

  /** Reads a NUL-terminated string of at most `max` bytes; -EFAULT or -ENAMETOOLONG-style -EINVAL as number. */
  readCString(va: number, max = 4096): string | number {
    const bytes: number[] = [];
    let a = va;
    while (bytes.length < max) {
      const pa = a < 0 || a >= TASK_SIZE ? -1 : this.userFrame(a, false);
      if (pa < 0) return -EFAULT;
      const off = a % PAGE_SIZE;
      const u8 = this.mem.u8;
      for (let i = off; i < PAGE_SIZE; i++) {
        const b = u8[pa + i];
        if (b === 0) return new TextDecoder().decode(new Uint8Array(bytes));
        bytes.push(b);
        if (bytes.length >= max) return -EINVAL;
      }
      a += PAGE_SIZE - off;
    }
    return -EINVAL;
  }

  /**
   * Writes into user memory regardless of the VMA's protection (the ELF
   * loader fills read-only segments this way); the pages must be in a VMA.
   */
  poke(va: number, data: Uint8Array): boolean {
    let done = 0;
    while (done < data.length) {
      const a = va + done;
      const v = this.find(a);
      if (!v) return false;
      const pte = this.pt.lookup(a);
      let pa = pte && !(pte.flags & PTE_COW) ? pte.pa : -1;
      if (!pte) pa = this.populate(pageDown(a), v.prot === 0 ? PROT_READ : v.prot);
      else if (pa < 0) {
        // A shared (copy-on-write) frame gets its private copy first, then the VMA's protection back.
        pa = this.populate(pageDown(a), v.prot | PROT_WRITE, true);
        if (pa >= 0) { this.writeLeaf(this.pt.entryAddr(pageDown(a), false), pa, v.prot, false); this.mem.cpu.flushTlb(); }
      }
      if (pa < 0) return false;
      const off = a % PAGE_SIZE;
      const n = Math.min(data.length - done, PAGE_SIZE - off);
      this.mem.u8.set(data.subarray(done, done + n), pa + off);
      this.mem.cpu.invalidateCode(pa + off, n);
      done += n;
    }
    return true;
  }

  /**
   * The child's copy for fork(2): same VMAs and break; private pages shared
   * copy-on-write, MAP_SHARED pages shared outright (populated first so both
   * sides see the same frames). Null when memory runs out.
   */
  fork(): AddressSpace | null {
    const child = AddressSpace.create(this.mem);
    if (!child) return null;
    child.brkStart = this.brkStart;
    child.brk = this.brk;
    child.mmapBase = this.mmapBase;
    child.charge = this.charge;
    let touched = false;
    for (const v of this.vmas) {
      child.vmas.push({ ...v });
      if (v.shared) {
        for (let va = v.start; va < v.end; va += PAGE_SIZE) if (this.populate(va, v.prot) < 0) { child.destroy(); return null; }
      }
      for (let va = v.start; va < v.end; va += PAGE_SIZE) {
        const ea = this.pt.entryAddr(va, false);
        if (ea < 0) { va = Math.floor(va / 0x200000) * 0x200000 + 0x200000 - PAGE_SIZE; continue; }
        const pte = this.pt.read(ea);
        if (pte.pa === 0) continue;
        const cea = child.pt.entryAddr(va, true);
        const file = this.mem.isFile(pte.pa);
        if (cea < 0 || (!file && child.charge && !child.charge.charge(1))) { child.destroy(); return null; }
        this.mem.ref(pte.pa);
        child.rss++;
        if (file) child.fileRss++;
        if (v.shared) { child.pt.write(cea, pte); continue; }
        this.writeLeaf(ea, pte.pa, v.prot, true);
        child.writeLeaf(cea, pte.pa, v.prot, true);
        touched = true;
      }
    }
    if (touched) this.mem.cpu.flushTlb();
    return child;
  }

  /** Frees every frame, page tables included. */
  destroy(): void {
    for (const v of [...this.vmas]) this.unmap(v.start, v.end);
    this.freeTables(this.pt.root, 0);
  }

  private freeTables(table: number, level: number): void {
    if (level < 3) {
      const view = this.mem.view;
      for (let i = 0; i < 512; i++) {
        const lo = view.getUint32(table + i * 8, true);
        if (lo & PTE_P) this.freeTables(lo & ~0xfff, level + 1);
      }
    }
    this.mem.release(table);
  }
}

/** Checks an mmap/mprotect range: page-aligned start, non-empty, inside user space. */
export function checkRange(start: number, len: number): number {
  if (start % PAGE_SIZE !== 0 || len <= 0 || start + pageUp(len) > TASK_SIZE) return -EINVAL;
  return 0;
}
