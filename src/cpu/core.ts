// Shared machinery of the CPU: the current thread's state block, register
// access, the decoded fields of the executing instruction, and user-mode
// memory access through the page tables. Every instruction family (alu,
// sse, x87, ...) builds on these; their signatures are the contract between
// those files. Internals (TLB, decode cache) may change behind them.
import {
  CR3, FAULT_ADDR, FAULT_CODE, PTE_P, PTE_W, PTE_U,
} from "./state";
import { materialize, setFlagsWord, F_STATUS } from "./flags";

/** Address of the running thread's state block (set by run()). */
export let S: usize = 0;
export function setStateBlock(s: usize): void { S = s; }

/** Instructions retired in the current run() call (for RDTSC and ICOUNT). */
export let retired: u32 = 0;
export function setRetired(n: u32): void { retired = n; }

// ---- decoded fields of the executing instruction (set by the decoder) ----
export let pfx66: bool = false;     // operand-size prefix
export let pfxF2: bool = false;     // REPNE / SSE mandatory prefix
export let pfxF3: bool = false;     // REP / SSE mandatory prefix
export let rexW: bool = false;
export let rexPresent: bool = false; // any REX: selects SPL/BPL/SIL/DIL over AH..BH
export let modMod: i32 = 0;          // ModRM.mod (3 = register operand)
export let modReg: i32 = 0;          // ModRM.reg, with REX.R folded in (0..15)
export let modRm: i32 = 0;           // ModRM.rm with REX.B (0..15), valid when modMod == 3
export let ea: u64 = 0;              // effective linear address (segment base added), valid when modMod != 3
export let imm: u64 = 0;             // immediate operand (sign- or zero-extended per opcode)
export let nextRip: u64 = 0;         // address of the next instruction

export function setPrefixes(p66: bool, f2: bool, f3: bool, w: bool, rex: bool): void {
  pfx66 = p66; pfxF2 = f2; pfxF3 = f3; rexW = w; rexPresent = rex;
}
export function setModrm(mod: i32, reg: i32, rm: i32, addr: u64): void {
  modMod = mod; modReg = reg; modRm = rm; ea = addr;
}
export function setImm(v: u64): void { imm = v; }
export function setEa(v: u64): void { ea = v; }
export function setNextRip(v: u64): void { nextRip = v; }

// ---- general-purpose registers (in the state block, GPR n at n*8) ----
@inline export function gpr64(n: i32): u64 { return load<u64>(S + (<usize>n << 3)); }
@inline export function gpr32(n: i32): u32 { return load<u32>(S + (<usize>n << 3)); }
@inline export function gpr16(n: i32): u32 { return <u32>load<u16>(S + (<usize>n << 3)); }
/** 8-bit register n as encoded: without REX, 4..7 are AH, CH, DH, BH. */
@inline export function gpr8(n: i32): u32 {
  if (!rexPresent && n >= 4 && n < 8) return <u32>load<u8>(S + (<usize>(n - 4) << 3) + 1);
  return <u32>load<u8>(S + (<usize>n << 3));
}
@inline export function setGpr64(n: i32, v: u64): void { store<u64>(S + (<usize>n << 3), v); }
/** 32-bit writes zero the upper half (SDM vol. 1 §3.4.1.1). */
@inline export function setGpr32(n: i32, v: u32): void { store<u64>(S + (<usize>n << 3), <u64>v); }
@inline export function setGpr16(n: i32, v: u32): void { store<u16>(S + (<usize>n << 3), <u16>v); }
@inline export function setGpr8(n: i32, v: u32): void {
  if (!rexPresent && n >= 4 && n < 8) store<u8>(S + (<usize>(n - 4) << 3) + 1, <u8>v);
  else store<u8>(S + (<usize>n << 3), <u8>v);
}

// ---- memory ----
/** Set when an access faulted; FAULT_ADDR/FAULT_CODE in the state block say why. The instruction must stop without committing. */
export let fault: bool = false;
export function clearFault(): void { fault = false; }

export const ACC_READ: u32 = 0;
export const ACC_WRITE: u32 = 2;
export const ACC_FETCH: u32 = 0x10;

/** Raises a page fault with an already complete error code (the decoder's deferred fetch fault). */
export function raiseFault(addr: u64, code: u32): void {
  fault = true;
  store<u64>(S + FAULT_ADDR, addr);
  store<u32>(S + FAULT_CODE, code);
}

function pageFault(addr: u64, code: u32): usize {
  fault = true;
  store<u64>(S + FAULT_ADDR, addr);
  store<u32>(S + FAULT_CODE, code | 4); // user-mode access
  return 0;
}

/**
 * Translates a linear address for a user-mode access (ACC_*); returns the
 * physical address or 0 with `fault` set. Non-canonical addresses fault as a
 * not-present page here (Linux turns both into SIGSEGV). This is the slow
 * path: the TLB below caches its answers per page.
 */
export function translate(addr: u64, acc: u32): usize {
  if ((<i64>(addr << 16) >> 16) != <i64>addr) return pageFault(addr, acc);
  let table = <usize>load<u64>(S + CR3) & ~<usize>0xfff;
  // A root inside the CPU's own tables is a kernel bug (CR3 never set):
  // treat it as an empty address space rather than walk our private data.
  if (table < <usize>__heap_base) return pageFault(addr, acc);
  let nx = false;
  let writable = true;
  for (let shift: u64 = 39; shift >= 12; shift -= 9) {
    const e = load<u64>(table + (<usize>((addr >> shift) & 511) << 3));
    if (!(e & PTE_P)) return pageFault(addr, acc);
    if (!(e & PTE_U)) return pageFault(addr, acc | 1);
    if (!(e & PTE_W)) writable = false;
    if (e >> 63) nx = true;
    table = <usize>(e & 0x000f_ffff_ffff_f000);
    if (shift == 12) break;
  }
  if ((acc & ACC_WRITE) && !writable) return pageFault(addr, acc | 1);
  if ((acc & ACC_FETCH) && nx) return pageFault(addr, acc | 1);
  // A write to a page with cached decodes drops them (self-modifying code).
  if (acc & ACC_WRITE) dropCode(table);
  // Fill the software TLB: reads always, writes only for writable pages
  // without cached code (so writes to those keep coming here), fetches
  // only for executable pages.
  const tag = addr | 0xfff;
  const add = <u32>table - (<u32>addr & ~<u32>0xfff); // frame minus page
  const slot = <usize>((addr >> 12) & TLB_MASK) << 4;
  store<u64>(TLB_R + slot, tag); store<u32>(TLB_R + slot, add, 8);
  if (writable && !(codeGen(table) & HAS_CODE)) { store<u64>(TLB_W + slot, tag); store<u32>(TLB_W + slot, add, 8); }
  if (!nx) { store<u64>(TLB_X + slot, tag); store<u32>(TLB_X + slot, add, 8); }
  return table | <usize>(addr & 0xfff);
}

// ---- software TLB ----
// Three direct-mapped tables (read, write, fetch) of TLB_SIZE entries, 16
// bytes each: tag = page address | 0xfff (0 = empty), then the u32 to add to
// the low 32 bits of a guest address for its host address (frame minus
// page, wrapping). A probe compares (last byte's address | 0xfff) with the
// tag, which also rules out page crossings; the block compiler's inline
// probes (src/kernel/jit) do the same in fewer instructions than
// masking the page and adding the offset.
// They live in static data below ramBase(). The kernel calls flushTlb()
// after changing page tables; run() flushes when CR3 changes.
const TLB_SIZE: usize = 1024;
const TLB_MASK: u64 = 1023;
const TLB_R: usize = memory.data(<i32>(TLB_SIZE * 16 * 3), 64);
const TLB_W: usize = TLB_R + TLB_SIZE * 16;
const TLB_X: usize = TLB_W + TLB_SIZE * 16;
export function tlbFlush(): void { memory.fill(TLB_R, 0, TLB_SIZE * 16 * 3); jcFlush(); }

// ---- jump cache (block compiler) ----
// Compiled regions by guest RIP, for the dispatch between regions (the host's
// compileDispatch): direct mapped, 16 bytes per entry: RIP, table index
// (0: empty), budget need. It skips the fetch-TLB, decode-cache and
// generation lookups, so it is emptied whenever one of them could answer
// differently: with the TLB (page tables or CR3 changed), when a page's
// cached code is dropped, and when the compiler forgets its regions.
export const JC_SIZE: usize = 4096;
export const JC: usize = memory.data(<i32>(JC_SIZE * 16), 64);
export function jcFlush(): void { memory.fill(JC, 0, JC_SIZE * 16); }
/** Address of the read (1), write (2) or fetch (3) TLB table, for the block compiler's inline accesses. */
export function tlbAddr(which: i32): usize { return which == 1 ? TLB_R : (which == 2 ? TLB_W : TLB_X); }

// ---- code-page generations (for the decode cache in decode.ts) ----
// One u32 per physical page below GEN_LIMIT: a generation counter, with
// HAS_CODE set while decodes of that page are cached. Pages above the
// limit are simply never cached.
const GEN_PAGES: usize = 262144; // 1 GiB of physical memory
const GEN: usize = memory.data(<i32>(GEN_PAGES * 4), 64);
export const HAS_CODE: u32 = 0x8000_0000;

/** Current generation word of the page holding physical address `pa` (never equal to a cached entry when uncacheable). */
@inline export function codeGen(pa: usize): u32 {
  const pg = pa >> 12;
  return pg < GEN_PAGES ? load<u32>(GEN + (pg << 2)) : 0xffff_ffff;
}
// Generation word for pages beyond GEN_PAGES: matches no cached entry.
const GEN_NONE: usize = memory.data<u32>([0xffff_ffff]);
/** Address of the generation word of the page holding `pa` (run() keeps it for the current code page). */
export function codeGenAddr(pa: usize): usize {
  const pg = pa >> 12;
  return pg < GEN_PAGES ? GEN + (pg << 2) : GEN_NONE;
}
/** Base of the generation table (GEN_PAGES u32 words), for the block compiler's dispatch. */
export function genTable(): usize { return GEN; }
/** Marks the page of `pa` as holding cached code; returns the generation word to store in entries. */
export function markCode(pa: usize): u32 {
  const pg = pa >> 12;
  if (pg >= GEN_PAGES) return 0xffff_fffe; // never matches codeGen()
  const p = GEN + (pg << 2);
  let g = load<u32>(p);
  if (!(g & HAS_CODE)) {
    g |= HAS_CODE;
    store<u32>(p, g);
    // Writes to this frame must now take the slow path: drop write entries.
    memory.fill(TLB_W, 0, TLB_SIZE * 16);
  }
  return g;
}
/** Invalidates cached decodes of the page of `pa` (if any). */
export function dropCode(pa: usize): void {
  const pg = pa >> 12;
  if (pg >= GEN_PAGES) return;
  const p = GEN + (pg << 2);
  const g = load<u32>(p);
  if (g & HAS_CODE) { store<u32>(p, ((g & ~HAS_CODE) + 1) & ~HAS_CODE); jcFlush(); }
}

/** Host address of `a` for an access of `size` bytes inside one page through TLB table `tlb`, or 0 (miss, or crosses a page). */
@inline function hitIn(tlb: usize, a: u64, size: u64): usize {
  const e = tlb + (<usize>((a >> 12) & TLB_MASK) << 4);
  if (load<u64>(e) != ((a + size - 1) | 0xfff)) return 0;
  return <usize>(<u32>a + load<u32>(e, 8));
}
/** hitIn() for a read. */
@inline export function hitR(a: u64, size: u64): usize { return hitIn(TLB_R, a, size); }
/** hitIn() for a write (pages holding cached code never hit). */
@inline export function hitW(a: u64, size: u64): usize { return hitIn(TLB_W, a, size); }
/** hitIn() for the code byte at `a` (fetch permission), without filling the TLB. */
@inline export function hitX(a: u64): usize { return hitIn(TLB_X, a, 1); }
/** Host address of the code byte at `a` (fetch permission), or 0 with `fault` set. */
@inline export function fetchAddr(a: u64): usize {
  const h = hitX(a);
  return h != 0 ? h : translate(a, ACC_FETCH);
}

/** Host address of byte `a` for a read (write when `w`), through the TLB; 0 with `fault` set if not accessible. */
export function hostAddr(a: u64, w: bool): usize {
  const h = w ? hitW(a, 1) : hitR(a, 1);
  if (h) return h;
  return translate(a, w ? ACC_WRITE : ACC_READ);
}

@inline function crosses(addr: u64, size: u64): bool { return (addr & 0xfff) + size > 0x1000; }

/** A read that straddles two pages, byte by byte; stops at the first fault (lowest faulting address, as hardware reports). */
function rdCross(a: u64, size: i32): u64 {
  let v: u64 = 0;
  for (let i = 0; i < size; i++) {
    const b = rd8(a + <u64>i);
    if (fault) return 0;
    v |= <u64>b << (<u64>i << 3);
  }
  return v;
}

export function rd8(a: u64): u32 {
  const h = hitR(a, 1); if (h) return <u32>load<u8>(h);
  const p = translate(a, ACC_READ); return fault ? 0 : <u32>load<u8>(p);
}
export function rd16(a: u64): u32 {
  const h = hitR(a, 2); if (h) return <u32>load<u16>(h);
  if (crosses(a, 2)) return <u32>rdCross(a, 2);
  const p = translate(a, ACC_READ); return fault ? 0 : <u32>load<u16>(p);
}
export function rd32(a: u64): u32 {
  const h = hitR(a, 4); if (h) return load<u32>(h);
  if (crosses(a, 4)) return <u32>rdCross(a, 4);
  const p = translate(a, ACC_READ); return fault ? 0 : load<u32>(p);
}
export function rd64(a: u64): u64 {
  const h = hitR(a, 8); if (h) return load<u64>(h);
  if (crosses(a, 8)) return rdCross(a, 8);
  const p = translate(a, ACC_READ); return fault ? 0 : load<u64>(p);
}
export function rd128(a: u64): v128 {
  const h = hitR(a, 16); if (h) return v128.load(h);
  const lo = rd64(a); if (fault) return i64x2.splat(0);
  const hi = rd64(a + 8);
  return i64x2.replace_lane(i64x2.splat(<i64>lo), 1, <i64>hi);
}

/** Checks that [a, a+size) is writable without writing (for read-modify-write and multi-part stores). */
export function probeWrite(a: u64, size: u64): bool {
  if (hitW(a, size)) return true;
  translate(a, ACC_WRITE);
  if (!fault && crosses(a, size)) translate((a | 0xfff) + 1, ACC_WRITE);
  return !fault;
}

export function wr8(a: u64, v: u32): void {
  const h = hitW(a, 1); if (h) { store<u8>(h, <u8>v); return; }
  const p = translate(a, ACC_WRITE); if (!fault) store<u8>(p, <u8>v);
}
export function wr16(a: u64, v: u32): void {
  const h = hitW(a, 2); if (h) { store<u16>(h, <u16>v); return; }
  if (crosses(a, 2)) { if (probeWrite(a, 2)) { wr8(a, v); wr8(a + 1, v >> 8); } return; }
  const p = translate(a, ACC_WRITE); if (!fault) store<u16>(p, <u16>v);
}
export function wr32(a: u64, v: u32): void {
  const h = hitW(a, 4); if (h) { store<u32>(h, v); return; }
  if (crosses(a, 4)) { if (probeWrite(a, 4)) { wr16(a, v); wr16(a + 2, v >> 16); } return; }
  const p = translate(a, ACC_WRITE); if (!fault) store<u32>(p, v);
}
export function wr64(a: u64, v: u64): void {
  const h = hitW(a, 8); if (h) { store<u64>(h, v); return; }
  if (crosses(a, 8)) { if (probeWrite(a, 8)) { wr32(a, <u32>v); wr32(a + 4, <u32>(v >> 32)); } return; }
  const p = translate(a, ACC_WRITE); if (!fault) store<u64>(p, v);
}
export function wr128(a: u64, v: v128): void {
  const h = hitW(a, 16); if (h) { v128.store(h, v); return; }
  if (!probeWrite(a, 16)) return;
  wr64(a, <u64>i64x2.extract_lane(v, 0));
  wr64(a + 8, <u64>i64x2.extract_lane(v, 1));
}

// ---- arithmetic flags for non-integer families ----
// COMISS/UCOMISD (SSE) and FCOMI/FUCOMI (x87) set ZF/PF/CF directly, FCMOVcc
// reads them. The core keeps flags lazily; these two functions are the only
// way other families touch them. (The core replaces the bodies when it adds
// lazy flags; the meaning stays.)
/** Replaces CF, PF, AF, ZF, SF, OF (bits 0, 2, 4, 6, 7, 11) with those of `bits`. */
export function setStatusFlags(bits: u32): void {
  const keep = materialize() & ~F_STATUS;
  setFlagsWord(keep | (bits & F_STATUS));
}
/** Current RFLAGS with CF, PF, AF, ZF, SF, OF up to date. */
export function getFlags(): u32 { return materialize(); }
