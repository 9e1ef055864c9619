// String instructions MOVS, CMPS, STOS, LODS, SCAS (A4-AF) with REP/REPE/REPNE
// (SDM vol. 2 "REP/REPE/REPZ/REPNE/REPNZ"). Registers are updated after each
// element, so a page fault mid-way leaves RSI/RDI/RCX describing the
// remaining work and the instruction restarts at the same RIP, as on
// hardware. Long REPs yield every REP_SLICE elements (RIP stays, so the
// next run() resumes them) to keep the instruction budget meaningful.
// Forward REP MOVS/STOS copy page-sized chunks at a time.
import {
  S, fault, setNextRip, hostAddr, nextRip,
} from "./core";
import { RSI, RDI, RCX, FS_BASE, GS_BASE, EXIT_PAGE_FAULT } from "./state";
import { osz, asz32, repPfx, segPfx, instLen } from "./decode";
import { getReg, setReg, rdMem, wrMem } from "./operand";
import { alu, ALU_CMP } from "./alu";
import { fl, F_DF, getZF } from "./flags";

const REP_SLICE: u64 = 1 << 16;


@inline function areg(off: i32): u64 {
  const v = load<u64>(S + <usize>off);
  return asz32 ? (v & 0xffffffff) : v;
}
@inline function setAreg(off: i32, v: u64): void {
  store<u64>(S + <usize>off, asz32 ? (v & 0xffffffff) : v);
}
@inline function srcBase(): u64 {
  if (segPfx == 4) return load<u64>(S + FS_BASE);
  if (segPfx == 5) return load<u64>(S + GS_BASE);
  return 0;
}

export function stringOp(op: i32): i32 {
  const instRip = nextRip - <u64>instLen; // to yield a long REP: RIP stays on it
  const sz = (op & 1) == 0 ? 1 : osz;
  const kind = op & 0xfe; // A4 movs, A6 cmps, AA stos, AC lods, AE scas
  const rep = repPfx != 0;
  const down = (fl & F_DF) != 0;
  const step: u64 = down ? <u64>(0 - sz) : <u64>sz;
  let count: u64 = rep ? areg(RCX) : 1;
  if (count == 0) return 0;
  let done: u64 = 0;
  while (true) {
    // Fast path: forward REP MOVS/STOS over whole elements within one page.
    if (rep && !down && (kind == 0xa4 || kind == 0xaa) && count > 1) {
      const n = bulk(kind, sz, count);
      if (fault) return EXIT_PAGE_FAULT;
      if (n > 0) {
        count -= n; done += n;
        setAreg(RCX, count);
        if (count == 0) return 0;
        if (done >= REP_SLICE) { setNextRip(instRip); return 0; }
        continue;
      }
    }
    const si = areg(RSI), di = areg(RDI);
    switch (kind) {
      case 0xa4: {
        const v = rdMem(srcBase() + si, sz);
        if (fault) return EXIT_PAGE_FAULT;
        wrMem(di, sz, v);
        if (fault) return EXIT_PAGE_FAULT;
        setAreg(RSI, si + step); setAreg(RDI, di + step);
        break;
      }
      case 0xa6: {
        const a = rdMem(srcBase() + si, sz);
        if (fault) return EXIT_PAGE_FAULT;
        const b = rdMem(di, sz);
        if (fault) return EXIT_PAGE_FAULT;
        alu(ALU_CMP, a, b, sz);
        setAreg(RSI, si + step); setAreg(RDI, di + step);
        break;
      }
      case 0xaa: {
        wrMem(di, sz, getReg(0, sz));
        if (fault) return EXIT_PAGE_FAULT;
        setAreg(RDI, di + step);
        break;
      }
      case 0xac: {
        const v = rdMem(srcBase() + si, sz);
        if (fault) return EXIT_PAGE_FAULT;
        setReg(0, sz, v);
        setAreg(RSI, si + step);
        break;
      }
      default: {
        const b = rdMem(di, sz);
        if (fault) return EXIT_PAGE_FAULT;
        alu(ALU_CMP, getReg(0, sz), b, sz);
        setAreg(RDI, di + step);
        break;
      }
    }
    if (!rep) return 0;
    count--;
    setAreg(RCX, count);
    if (count == 0) return 0;
    if (kind == 0xa6 || kind == 0xae) {
      // REPE stops when ZF = 0, REPNE when ZF = 1.
      if (repPfx == 2 ? getZF() : !getZF()) return 0;
    }
    if (++done >= REP_SLICE) { setNextRip(instRip); return 0; }
  }
  return 0;
}

/** Forward MOVS/STOS of as many elements as fit in the current pages; returns how many were done (0: use the element path). */
function bulk(kind: i32, sz: i32, count: u64): u64 {
  const di = areg(RDI);
  const usz = <u64>sz;
  let room = (0x1000 - (di & 0xfff)) / usz;
  if (asz32) return 0;
  if (kind == 0xa4) {
    const sa = srcBase() + areg(RSI);
    const sroom = (0x1000 - (sa & 0xfff)) / usz;
    if (sroom < room) room = sroom;
    if (room == 0) return 0;
    const n = count < room ? count : room;
    const hs = hostAddr(sa, false);
    if (fault) return 0;
    const hd = hostAddr(di, true);
    if (fault) return 0;
    const len = <usize>(n * usz);
    // Overlapping forward copy with dst just above src replicates data on
    // hardware; memory.copy would not, so leave that case to the element path.
    if (hd > hs && hd < hs + len) return 0;
    memory.copy(hd, hs, len);
    setAreg(RSI, areg(RSI) + n * usz);
    setAreg(RDI, di + n * usz);
    return n;
  }
  if (room == 0) return 0;
  const n = count < room ? count : room;
  const hd = hostAddr(di, true);
  if (fault) return 0;
  const v = getReg(0, sz);
  if (sz == 1) memory.fill(hd, <u8>v, <usize>n);
  else {
    for (let i: usize = 0; i < <usize>n; i++) {
      const p = hd + i * <usize>sz;
      if (sz == 8) store<u64>(p, v); else if (sz == 4) store<u32>(p, <u32>v); else store<u16>(p, <u16>v);
    }
  }
  setAreg(RDI, di + n * usz);
  return n;
}
