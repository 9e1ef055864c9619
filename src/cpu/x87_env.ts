// x87 environment and save images: FNSTENV/FLDENV (28-byte 32-bit format,
// 14-byte with 66h), FNSAVE/FRSTOR (env + 8 registers of 10 bytes) and
// FXSAVE/FXRSTOR (512-byte image, SDM vol. 1 §8.1.10, figs. 8-9..8-12 and
// vol. 2 FXSAVE table 3-53/3-56). These work directly on the state block,
// which already holds the FXSAVE layout; x87.ts hands over after storing its
// working FSW/FTW there. Every routine reads all of its memory source or
// probes all of its destination before changing anything, so a page fault
// leaves the machine unchanged.
import { S, pfx66, rexW, fault, rd16, rd32, rd64, wr16, wr32, wr64, probeWrite } from "./core";
import {
  FCW, FSW, FTW, FOP, FIP, FDP, MXCSR, MXCSR_MASK, ST0, XMM0, EXIT_PAGE_FAULT, EXIT_GP,
} from "./state";
import { tagOf } from "./f80";

const SCRATCH: usize = memory.data(512, 16);

/** Full 2-bit tag word from the abridged byte and register contents (SDM §8.1.7). */
function fullTags(): u32 {
  const tw = <u32>load<u8>(S + FTW);
  const top = (<u32>load<u16>(S + FSW) >> 11) & 7;
  let t: u32 = 0;
  for (let p: u32 = 0; p < 8; p++) {
    let tag: u32 = 3;
    if ((tw >> p) & 1) {
      const a = S + ST0 + (<usize>((p - top) & 7) << 4);
      tag = tagOf(<u32>load<u16>(a + 8), load<u64>(a));
    }
    t |= tag << (p * 2);
  }
  return t;
}
function abridge(full: u32): u32 {
  let t: u32 = 0;
  for (let p: u32 = 0; p < 8; p++) if (((full >> (p * 2)) & 3) != 3) t |= <u32>1 << p;
  return t;
}
/** ES and B follow the unmasked exception flags after a wholesale load (SDM §8.1.3.1). */
function fixEs(sw: u32, cw: u32): u32 {
  return (sw & 0x3f & ~cw) != 0 ? sw | 0x8080 : sw & ~<u32>0x8080;
}

/**
 * TOP changes from `from` to `to` without a push or pop (FLDENV, FNINIT,
 * FNSAVE): the physical registers keep their contents, so the stack-order
 * slots rotate: new ST(i) is physical (to+i), i.e. old ST((to-from+i)&7).
 */
export function retop(from: u32, to: u32): void {
  const d = (to - from) & 7;
  if (d == 0) return;
  const b = S + ST0;
  memory.copy(SCRATCH, b, 128);
  for (let i: u32 = 0; i < 8; i++) v128.store(b + (<usize>i << 4), v128.load(SCRATCH + (<usize>((i + d) & 7) << 4)));
}

function envSize(): u64 { return pfx66 ? 14 : 28; }

/** Writes the environment at addr (already probed). */
function storeEnv(addr: u64): void {
  const cw = <u32>load<u16>(S + FCW), sw = <u32>load<u16>(S + FSW);
  const fop = <u32>load<u16>(S + FOP) & 0x7ff;
  const fip = load<u64>(S + FIP), fdp = load<u64>(S + FDP);
  if (pfx66) {
    wr16(addr, cw); wr16(addr + 2, sw); wr16(addr + 4, fullTags());
    wr16(addr + 6, <u32>fip); wr16(addr + 8, 0);
    wr16(addr + 10, <u32>fdp); wr16(addr + 12, 0);
    return;
  }
  // reserved upper halves read back as ones on Intel and AMD parts
  wr32(addr, cw | 0xffff0000); wr32(addr + 4, sw | 0xffff0000); wr32(addr + 8, fullTags() | 0xffff0000);
  wr32(addr + 12, <u32>fip); wr32(addr + 16, fop << 16);
  wr32(addr + 20, <u32>fdp); wr32(addr + 24, 0xffff0000);
}

// Environment read into these before anything is committed.
let eCw: u32 = 0;
let eSw: u32 = 0;
let eTw: u32 = 0;
let eFop: u32 = 0;
let eFip: u64 = 0;
let eFdp: u64 = 0;
function readEnv(addr: u64): bool {
  // every read is checked at once, so FAULT_ADDR names the first inaccessible byte
  if (pfx66) {
    eCw = rd16(addr); if (fault) return false;
    eSw = rd16(addr + 2); eTw = rd16(addr + 4); eFip = <u64>rd16(addr + 6); eFop = 0;
    eFdp = <u64>rd16(addr + 10); rd16(addr + 12); // one page or two: only the last can fault now
  } else {
    eCw = rd16(addr); if (fault) return false;
    eSw = rd16(addr + 4); if (fault) return false;
    eTw = rd16(addr + 8); if (fault) return false;
    eFip = <u64>rd32(addr + 12); if (fault) return false;
    eFop = (rd32(addr + 16) >> 16) & 0x7ff; if (fault) return false;
    eFdp = <u64>rd32(addr + 20); if (fault) return false;
    rd32(addr + 24);
  }
  return !fault;
}
/** FCW as loaded: reserved bits 13-15 and 7 read back as 0, bit 6 as 1 (host). */
@inline function cwIn(v: u32): u32 { return (v & 0x1f3f) | 0x40; }
function commitEnv(rotate: bool): void {
  if (rotate) retop((<u32>load<u16>(S + FSW) >> 11) & 7, (eSw >> 11) & 7);
  eCw = cwIn(eCw);
  store<u16>(S + FCW, <u16>eCw);
  store<u16>(S + FSW, <u16>fixEs(eSw, eCw));
  store<u8>(S + FTW, <u8>abridge(eTw));
  store<u16>(S + FOP, <u16>eFop);
  store<u64>(S + FIP, eFip);
  store<u64>(S + FDP, eFdp);
}

/** FLDENV (D9 /4). */
export function fldenv(addr: u64): i32 {
  if (!readEnv(addr)) return EXIT_PAGE_FAULT;
  commitEnv(true);
  return 0;
}
/** FNSTENV (D9 /6): stores, then masks all exceptions (SDM FSTENV). */
export function fnstenv(addr: u64): i32 {
  if (!probeWrite(addr, envSize())) return EXIT_PAGE_FAULT;
  storeEnv(addr);
  store<u16>(S + FCW, load<u16>(S + FCW) | 0x3f);
  return 0;
}
/** FRSTOR (DD /4): environment then ST0..ST7, 10 bytes each. */
export function frstor(addr: u64): i32 {
  if (!readEnv(addr)) return EXIT_PAGE_FAULT;
  const base = addr + envSize();
  for (let i: u64 = 0; i < 8; i++) {
    store<u64>(SCRATCH + <usize>(i << 4), rd64(base + i * 10));
    if (fault) return EXIT_PAGE_FAULT;
    store<u64>(SCRATCH + <usize>(i << 4) + 8, <u64>rd16(base + i * 10 + 8));
    if (fault) return EXIT_PAGE_FAULT;
  }
  commitEnv(false); // the image holds the registers in the new stack order
  memory.copy(S + ST0, SCRATCH, 128);
  return 0;
}
/** FNSAVE (DD /6): environment and registers, then FNINIT. */
export function fnsave(addr: u64): i32 {
  const size = envSize() + 80;
  if (!probeWrite(addr, size)) return EXIT_PAGE_FAULT;
  storeEnv(addr);
  const base = addr + envSize();
  for (let i: u64 = 0; i < 8; i++) {
    const a = S + ST0 + <usize>(i << 4);
    wr64(base + i * 10, load<u64>(a));
    wr16(base + i * 10 + 8, <u32>load<u16>(a + 8));
  }
  retop((<u32>load<u16>(S + FSW) >> 11) & 7, 0);
  store<u16>(S + FCW, 0x37f); store<u16>(S + FSW, 0); store<u8>(S + FTW, 0);
  store<u16>(S + FOP, 0); store<u64>(S + FIP, 0); store<u64>(S + FDP, 0);
  return 0;
}

/** FXSAVE: bytes 0..415 of the image (464..511 are left to software, SDM FXSAVE). */
export function fxsaveImpl(addr: u64): i32 {
  if ((addr & 15) != 0) return EXIT_GP;
  if (!probeWrite(addr, 512)) return EXIT_PAGE_FAULT;
  const b = S + FCW;
  wr32(addr, <u32>load<u16>(b) | (<u32>load<u16>(S + FSW) << 16));
  wr32(addr + 4, <u32>load<u8>(S + FTW) | (<u32>load<u16>(S + FOP) << 16));
  const fip = load<u64>(S + FIP), fdp = load<u64>(S + FDP);
  if (rexW) { wr64(addr + 8, fip); wr64(addr + 16, fdp); }
  else {
    // FXSAVE without REX.W: 32-bit offsets with (zero) selectors
    wr64(addr + 8, fip & 0xffff_ffff); wr64(addr + 16, fdp & 0xffff_ffff);
  }
  wr32(addr + 24, load<u32>(S + MXCSR));
  const mask = load<u32>(S + MXCSR_MASK);
  wr32(addr + 28, mask != 0 ? mask : 0xffff);
  for (let o: u64 = 32; o < 416; o += 8) wr64(addr + o, load<u64>(S + FCW + <usize>o));
  return 0;
}

/** FXRSTOR: #GP for misalignment or MXCSR bits outside MXCSR_MASK. */
export function fxrstorImpl(addr: u64): i32 {
  if ((addr & 15) != 0) return EXIT_GP;
  // the whole 512-byte area must be readable, though bytes 416-511 are not loaded
  for (let o: u64 = 0; o < 512; o += 8) {
    const v = rd64(addr + o);
    if (fault) return EXIT_PAGE_FAULT;
    if (o < 416) store<u64>(SCRATCH + <usize>o, v);
  }
  const mxcsr = load<u32>(SCRATCH + 24);
  let mask = load<u32>(S + MXCSR_MASK);
  if (mask == 0) mask = 0xffff;
  if ((mxcsr & ~mask) != 0) return EXIT_GP;
  const cw = cwIn(<u32>load<u16>(SCRATCH));
  store<u16>(S + FCW, <u16>cw);
  store<u16>(S + FSW, <u16>fixEs(<u32>load<u16>(SCRATCH + 2), cw));
  store<u8>(S + FTW, load<u8>(SCRATCH + 4));
  store<u8>(S + FTW + 1, 0);
  store<u16>(S + FOP, load<u16>(SCRATCH + 6) & 0x7ff);
  store<u64>(S + FIP, rexW ? load<u64>(SCRATCH + 8) : <u64>load<u32>(SCRATCH + 8));
  store<u64>(S + FDP, rexW ? load<u64>(SCRATCH + 16) : <u64>load<u32>(SCRATCH + 16));
  store<u32>(S + MXCSR, mxcsr);
  for (let i: usize = 0; i < 8; i++) {
    const src = SCRATCH + 32 + (i << 4), dst = S + ST0 + (i << 4);
    store<u64>(dst, load<u64>(src));
    store<u64>(dst + 8, <u64>load<u16>(src + 8)); // reserved bytes 10-15 read back as zero
  }
  memory.copy(S + XMM0, SCRATCH + 160, 256);
  return 0;
}
