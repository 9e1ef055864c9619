// ELF64 x86-64 loader for static executables (the System V gABI and the
// x86-64 psABI): non-PIE ET_EXEC at its link address, static-PIE ET_DYN at
// a randomised base. PT_LOAD segments become VMAs with their permissions;
// pages wholly of file data are mapped from the page cache (shared by every
// process running the file, copied on the first write), the page where the
// file data ends and the bss begins is a private copy whose bytes past the
// data are zero (binfmt_elf's padzero), and the rest of the bss is
// demand-zero. PT_TLS is
// left to libc, PT_GNU_STACK decides whether the stack is executable.
// PT_INTERP is parsed and reported so that a dynamic loader can be added by
// loading the interpreter as a second image and entering it instead.
import { type AddressSpace, pageDown, pageUp } from "./mm/addrspace";
import { PROT_READ, PROT_WRITE, PROT_EXEC } from "./mm/pagetable";
import { mapFilePages } from "./mm/filemap";
import { ENOEXEC, ENOMEM } from "./errno";

export const ET_EXEC = 2, ET_DYN = 3;
export const EM_X86_64 = 62;
export const PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_PHDR = 6, PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;
const PF_X = 1, PF_W = 2, PF_R = 4;

export interface ProgramHeader {
  type: number; flags: number; offset: number; vaddr: number; filesz: number; memsz: number; align: number;
}

export interface ElfImage {
  type: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  phdrs: ProgramHeader[];
  /** The PT_INTERP path, if any (dynamic executables). */
  interp: string | null;
  execStack: boolean;
}

/** Parses and validates the headers; -ENOEXEC when this is not an x86-64 ELF executable. */
export function parseElf(bytes: Uint8Array): ElfImage | number {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return -ENOEXEC;
  if (bytes[4] !== 2 /* ELFCLASS64 */ || bytes[5] !== 1 /* little endian */ || bytes[6] !== 1) return -ENOEXEC;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (o: number): number => Number(v.getBigUint64(o, true));
  const type = v.getUint16(16, true);
  if ((type !== ET_EXEC && type !== ET_DYN) || v.getUint16(18, true) !== EM_X86_64) return -ENOEXEC;
  const phoff = u64(32), phentsize = v.getUint16(54, true), phnum = v.getUint16(56, true);
  if (phentsize !== 56 || phnum === 0 || phnum > 256 || phoff + phnum * 56 > bytes.length) return -ENOEXEC;
  const phdrs: ProgramHeader[] = [];
  let interp: string | null = null;
  let execStack = false;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 56;
    const ph: ProgramHeader = {
      type: v.getUint32(o, true), flags: v.getUint32(o + 4, true), offset: u64(o + 8), vaddr: u64(o + 16),
      filesz: u64(o + 32), memsz: u64(o + 40), align: u64(o + 48),
    };
    if (ph.type === PT_LOAD) {
      if (ph.filesz > ph.memsz || ph.offset + ph.filesz > bytes.length) return -ENOEXEC;
      // The file offset and address must agree modulo the page size (gABI).
      if ((ph.offset - ph.vaddr) % 4096 !== 0) return -ENOEXEC;
    }
    if (ph.type === PT_INTERP) {
      if (ph.offset + ph.filesz > bytes.length) return -ENOEXEC;
      interp = new TextDecoder().decode(bytes.subarray(ph.offset, ph.offset + ph.filesz)).replace(/\0.*$/s, "");
    }
    if (ph.type === PT_GNU_STACK) execStack = (ph.flags & PF_X) !== 0;
    phdrs.push(ph);
  }
  if (!phdrs.some((p) => p.type === PT_LOAD)) return -ENOEXEC;
  return { type, entry: u64(24), phoff, phentsize, phnum, phdrs, interp, execStack };
}

export interface Loaded {
  /** Load bias added to every link address (0 for ET_EXEC). */
  bias: number;
  entry: number;
  /** Address of the program headers in memory (AT_PHDR). */
  phdr: number;
  /** End of the highest segment: where brk starts. */
  end: number;
}

const protOf = (flags: number): number =>
  (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);

/** Picks a base for an ET_DYN image: near Linux's ELF_ET_DYN_BASE, a random number of pages above it. */
export function randomDynBase(): number {
  const r = new Uint32Array(1);
  crypto.getRandomValues(r);
  return 0x555555554000 + (r[0] % 0x10000) * 4096;
}

/**
 * Maps the PT_LOAD segments of `img` into `mm`; `name` labels the VMAs.
 * With `cacheKey` (the file's page-cache key) the file's pages are shared
 * through the page cache, else every page is a private copy.
 */
export function loadElf(mm: AddressSpace, bytes: Uint8Array, img: ElfImage, name: string, dynBase = randomDynBase(), cacheKey?: string): Loaded | number {
  const loads = img.phdrs.filter((p) => p.type === PT_LOAD);
  const lo = Math.min(...loads.map((p) => pageDown(p.vaddr)));
  const bias = img.type === ET_DYN ? dynBase - lo : 0;
  let end = 0;
  for (const ph of loads) {
    const start = pageDown(ph.vaddr + bias);
    const stop = pageUp(ph.vaddr + bias + ph.memsz);
    if (stop <= start) continue;
    let prot = protOf(ph.flags);
    // Segments may share a page (tightly linked binaries): the page gets both permissions.
    const prev = mm.find(start);
    if (prev && prev.name === name) prot |= prev.prot;
    // map() replaces the shared page; its bytes are copied below, after every VMA exists.
    mm.map(start, stop, prot, name);
    end = Math.max(end, ph.vaddr + bias + ph.memsz);
  }
  // How many segments touch each page: a page two segments share is private, holding both segments' bytes.
  const touching = new Map<number, number>();
  for (const ph of loads) {
    for (let va = pageDown(ph.vaddr + bias); va < ph.vaddr + bias + ph.memsz; va += 4096) touching.set(va, (touching.get(va) ?? 0) + 1);
  }
  // File contents go in after all VMAs exist, so shared pages keep every segment's bytes.
  for (const ph of loads) {
    if (ph.filesz === 0) continue;
    const segVa = ph.vaddr + bias, start = pageDown(segVa), fileEnd = segVa + ph.filesz;
    const pageOff = ph.offset - (segVa - start);
    // elf_map maps the file pages up to the end of the data; with a bss the last, partial one is private (padzero).
    const cachedEnd = ph.memsz > ph.filesz ? pageDown(fileEnd) : pageUp(fileEnd);
    for (let va = start; va < fileEnd; va += 4096) {
      const alone = touching.get(va) === 1;
      if (cacheKey !== undefined && alone && va < cachedEnd) {
        const off = pageOff + (va - start);
        if (!mapFilePages(mm, cacheKey, off, bytes.subarray(off, off + 4096), va, 1, mm.find(va)!.prot)) return -ENOMEM;
        continue;
      }
      // A private page: the file's bytes of this segment (from the page start when no other segment shares it), zeros after.
      const lo = Math.max(va, alone ? start : segVa), hi = Math.min(va + 4096, fileEnd);
      if (!mm.poke(lo, bytes.subarray(ph.offset + (lo - segVa), ph.offset + (hi - segVa)))) return -ENOMEM;
    }
  }
  let phdr = 0;
  const pt = img.phdrs.find((p) => p.type === PT_PHDR);
  if (pt) phdr = pt.vaddr + bias;
  else {
    const seg = loads.find((p) => img.phoff >= p.offset && img.phoff + img.phnum * 56 <= p.offset + p.filesz);
    if (seg) phdr = seg.vaddr + bias + (img.phoff - seg.offset);
  }
  return { bias, entry: img.entry + bias, phdr, end };
}
