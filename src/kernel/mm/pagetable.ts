// x86-64 4-level page tables (Intel SDM vol. 3 §4.5) kept in physical frames,
// so the CPU walks exactly what the kernel writes. Virtual addresses are JS
// numbers (user space is below 2^47, well inside 2^53).
import { PTE_P, PTE_W, PTE_U, PTE_A, PTE_D } from "../cpu";
import { PhysMem, PAGE_SIZE } from "./physmem";

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** One leaf entry, split for 32-bit access: low word (flags + address low), NX bit. */
export interface Pte {
  /** Physical address of the mapped frame. */
  pa: number;
  /** Low 12 flag bits (PTE_*). */
  flags: number;
  nx: boolean;
}

const LEVEL_SHIFTS = [39, 30, 21, 12];

const DIVISORS = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

function indexAt(va: number, shift: number): number {
  return Math.floor(va / DIVISORS[(39 - shift) / 9]) % 512;
}

export class PageTable {
  readonly root: number;
  constructor(private mem: PhysMem) {
    const root = mem.alloc();
    if (root < 0) throw new Error("out of memory for the page-table root");
    this.root = root;
  }

  /** Address of the leaf entry for `va`, creating intermediate tables when `create`; -1 if absent or out of frames. */
  entryAddr(va: number, create: boolean): number {
    let table = this.root;
    for (let level = 0; level < 3; level++) {
      const ea = table + indexAt(va, LEVEL_SHIFTS[level]) * 8;
      const v = this.mem.view;
      let lo = v.getUint32(ea, true);
      if (!(lo & PTE_P)) {
        if (!create) return -1;
        const t = this.mem.alloc();
        if (t < 0) return -1;
        // Intermediate levels allow everything; leaves decide.
        lo = t | PTE_P | PTE_W | PTE_U;
        v.setUint32(ea, lo, true);
        v.setUint32(ea + 4, 0, true);
      }
      table = lo & ~0xfff;
    }
    return table + indexAt(va, 12) * 8;
  }

  /** Maps the page at `va` to frame `pa` with protection `prot`; false when out of frames. */
  map(va: number, pa: number, prot: number, extraFlags = 0): boolean {
    const ea = this.entryAddr(va, true);
    if (ea < 0) return false;
    this.write(ea, { pa, flags: PTE_P | PTE_U | PTE_A | (prot & PROT_WRITE ? PTE_W | PTE_D : 0) | extraFlags, nx: !(prot & PROT_EXEC) });
    return true;
  }

  /** The leaf entry for `va`, or null when not present. */
  lookup(va: number): Pte | null {
    const ea = this.entryAddr(va, false);
    if (ea < 0) return null;
    const pte = this.read(ea);
    return pte.flags & PTE_P ? pte : null;
  }

  /** Removes the mapping of `va`; returns the frame it mapped (caller releases it) or -1. */
  unmap(va: number): number {
    const ea = this.entryAddr(va, false);
    if (ea < 0) return -1;
    const pte = this.read(ea);
    if (!(pte.flags & PTE_P)) return -1;
    this.mem.view.setUint32(ea, 0, true);
    this.mem.view.setUint32(ea + 4, 0, true);
    return pte.pa;
  }

  read(ea: number): Pte {
    const v = this.mem.view;
    const lo = v.getUint32(ea, true);
    const hi = v.getUint32(ea + 4, true);
    return { pa: lo & ~0xfff, flags: lo & 0xfff, nx: (hi >>> 31) === 1 };
  }

  write(ea: number, pte: Pte): void {
    const v = this.mem.view;
    v.setUint32(ea, (pte.pa & ~0xfff) | (pte.flags & 0xfff), true);
    v.setUint32(ea + 4, pte.nx ? 0x80000000 : 0, true);
  }

  /** Translates a user virtual address for the kernel's own copies; -1 if unmapped or not writable when `write`. */
  translate(va: number, write: boolean): number {
    const pte = this.lookup(va);
    if (!pte || (write && !(pte.flags & PTE_W))) return -1;
    return pte.pa + (va % PAGE_SIZE);
  }
}
