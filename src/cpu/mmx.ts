// MMX (and the SSE/SSE2 additions on MMX registers): the unprefixed 0F 60-7F,
// C4/C5, D1-FE forms, MOVQ2DQ/MOVDQ2Q, MASKMOVQ, MOVNTQ and the conversions
// between MMX and XMM registers (0F 2A/2C/2D, with or without 66).
//
// MM0-MM7 alias the significands of the x87 physical registers R0-R7 (SDM
// vol. 1 §9.5). Every MMX instruction first checks for a pending unmasked x87
// exception (FSW.ES: #MF, SDM vol. 1 §9.5.1 / §12.5), then sets TOP to 0 and
// tags all registers valid; writing MMn sets bits 64-79 of Rn to all ones
// (SDM vol. 1 table 9-1). The state block keeps ST(i) in stack order, so
// after rotating the slots to TOP = 0 (x87_env.ts retop) MMn is slot n.
// The transition is undone when the instruction faults: a faulting
// instruction commits nothing.
// The lane arithmetic is sse_int.ts's intOp on 128-bit values whose low
// quadword holds the MMX operand.
import {
  S, modMod, modRm, modReg, ea, imm, rexW, fault, rd16, rd32, rd64, rd128, wr32, wr64, wr8, probeWrite,
  gpr32, gpr64, setGpr32, setGpr64,
} from "./core";
import { asz32 } from "./decode";
import { EXIT_UD, EXIT_GP, EXIT_MF, EXIT_XM, EXIT_PAGE_FAULT, FSW, FTW, ST0, RDI } from "./state";
import { retop } from "./x87_env";
import { xmm, xreg, pfxClass } from "./sse_common";
import { intOp, shiftW, shiftD, shiftQ } from "./sse_int";
import { fpBegin, fpEnd, fromInt, toInt } from "./sse_float";

const FSW_ES: u32 = 0x80;

/** Address of MMn once TOP is 0 (the significand of ST(n) = Rn). */
@inline function mm(n: i32): usize { return S + ST0 + (<usize>(n & 7) << 4); }
@inline function mmGet(n: i32): u64 { return load<u64>(mm(n)); }
/** Writes MMn: significand, exponent/sign all ones (SDM vol. 1 §9.5.1), reserved bytes zero as FXSAVE stores them. */
function mmSet(n: i32, v: u64): void {
  const a = mm(n);
  store<u64>(a, v); store<u16>(a + 8, 0xffff); store<u16>(a + 10, 0); store<u32>(a + 12, 0);
}

/**
 * True when 0F `op` with the current mandatory prefix is an MMX-register form
 * handled here (SDM vol. 2 appendix A, table A-3). Unprefixed 0F 6C/6D, D0,
 * 77-7D, D0, D6, E6, F0 and FF are not MMX-register forms and stay with
 * sse.ts (EMMS is there; the rest is #UD).
 */
export function isMmx(op: i32, pc: i32): bool {
  if (pc == 0) {
    if (op == 0x2a || op == 0x2c || op == 0x2d || op == 0xc4 || op == 0xc5) return true;
    if (op >= 0x60 && op <= 0x7f) return op <= 0x6b || (op >= 0x6e && op <= 0x76) || op >= 0x7e;
    return op >= 0xd1 && op != 0xd6 && op != 0xe6 && op != 0xf0 && op != 0xff;
  }
  if (pc == 1) return op == 0x2a || op == 0x2c || op == 0x2d;
  return op == 0xd6;
}

/** Executes an MMX form (isMmx true): #MF check, x87 -> MMX transition, the operation. */
export function mmxExec(op: i32): i32 {
  // CVTPI2PS/CVTPI2PD with a memory source touch no MMX register: plain SSE
  // instructions, no #MF check and no transition (SDM CVTPI2PS/CVTPI2PD).
  if (op == 0x2a && modMod != 3) return cvtPi2(op);
  // invalid encodings are #UD before the pending-exception check (decode comes first)
  if (!encodingValid(op)) return EXIT_UD;
  const sw = <u32>load<u16>(S + FSW);
  if ((sw & FSW_ES) != 0) return EXIT_MF;
  const tw = load<u8>(S + FTW);
  const top = (sw >> 11) & 7;
  retop(top, 0);
  store<u16>(S + FSW, <u16>(sw & ~0x3800));
  store<u8>(S + FTW, 0xff);
  const rc = dispatch(op);
  // A fault (#PF, #GP) commits nothing; but an unmasked SIMD exception (#XM)
  // and MASKMOVQ's page fault on its store come after the transition, as the
  // reference CPU shows (TOP is 0 in the signal context).
  if (rc != 0 && rc != EXIT_XM && op != 0xf7) {
    retop(0, top);
    store<u16>(S + FSW, <u16>sw);
    store<u8>(S + FTW, tw);
  }
  return rc;
}

/** False for the register/memory forms and /digit extensions that have no MMX instruction. */
function encodingValid(op: i32): bool {
  const reg = modMod == 3;
  switch (op) {
    case 0x71: case 0x72: {
      const e = modReg & 7;
      return reg && (e == 2 || e == 4 || e == 6);
    }
    case 0x73: {
      const e = modReg & 7;
      return reg && (e == 2 || e == 6);
    }
    case 0xc5: case 0xd6: case 0xd7: case 0xf7: return reg;
    case 0xe7: return !reg;
    default: return true;
  }
}

function dispatch(op: i32): i32 {
  switch (op) {
    case 0x2a: return cvtPi2(op);
    case 0x2c: return cvtToPi(true);
    case 0x2d: return cvtToPi(false);
    case 0x6e: return movdToMm();
    case 0x7e: return movdFromMm();
    case 0x6f: return movqLoad();
    case 0x7f: case 0xe7: return movqStore(op);
    case 0x70: return pshufw();
    case 0x71: case 0x72: case 0x73: return shiftImmMm(op);
    case 0xc4: return pinsrwMm();
    case 0xc5: return pextrwMm();
    case 0xd6: return pfxClass == 2 ? movq2dq() : movdq2q();
    case 0xd7: return pmovmskbMm();
    case 0xf7: return maskmovq();
    default: return binary(op);
  }
}

/** The mm/m64 source operand (no alignment rule for MMX memory operands). */
let srcOk: i32 = 0;
function src64(): u64 {
  srcOk = 0;
  if (modMod == 3) return mmGet(modRm);
  const v = rd64(ea);
  if (fault) srcOk = EXIT_PAGE_FAULT;
  return v;
}

/** mm = mm OP mm/m64 for the arithmetic, logic, compare, pack/unpack and shift-by-register forms. */
function binary(op: i32): i32 {
  let b: u64;
  if (op <= 0x62 && modMod != 3) {
    // PUNPCKLBW/WD/DQ mm, m32 read only the four bytes they use (SDM PUNPCKLBW)
    b = <u64>rd32(ea);
    if (fault) return EXIT_PAGE_FAULT;
  } else {
    b = src64();
    if (srcOk != 0) return srcOk;
  }
  const a = mmGet(modReg);
  const va = i64x2.replace_lane(i64x2.splat(0), 0, a);
  const vb = i64x2.replace_lane(i64x2.splat(0), 0, b);
  let r: u64;
  if (op == 0x63 || op == 0x67 || op == 0x6b) {
    // packs: both operands' lanes side by side in one 128-bit value, narrowed once
    const v = i64x2.replace_lane(va, 1, b);
    r = i64x2.extract_lane(intOp(op, v, v), 0);
  } else if (op >= 0x68 && op <= 0x6a) {
    // PUNPCKH*: the high half of the 128-bit low unpack of the two quadwords
    r = i64x2.extract_lane(intOp(op - 8, va, vb), 1);
  } else {
    r = i64x2.extract_lane(intOp(op, va, vb), 0);
  }
  mmSet(modReg, r);
  return 0;
}

/** 0F 71/72/73 /2 /4 /6 ib: shifts of MM[rm] by an immediate (register form only; 73 has no /4). */
function shiftImmMm(op: i32): i32 {
  if (modMod != 3) return EXIT_UD;
  const ext = modReg & 7;
  if (ext != 2 && ext != 6 && (ext != 4 || op == 0x73)) return EXIT_UD;
  const kind = ext == 2 ? 0 : ext == 6 ? 1 : 2;
  const a = i64x2.replace_lane(i64x2.splat(0), 0, mmGet(modRm));
  const n = imm & 0xff;
  const v = op == 0x71 ? shiftW(a, n, kind) : op == 0x72 ? shiftD(a, n, kind) : shiftQ(a, n, kind);
  mmSet(modRm, i64x2.extract_lane(v, 0));
  return 0;
}

/** 0F 6E: MOVD mm, r/m32 (zero-extended) / MOVQ mm, r/m64 (REX.W). */
function movdToMm(): i32 {
  let v: u64;
  if (modMod == 3) v = rexW ? gpr64(modRm) : <u64>gpr32(modRm);
  else {
    v = rexW ? rd64(ea) : <u64>rd32(ea);
    if (fault) return EXIT_PAGE_FAULT;
  }
  mmSet(modReg, v);
  return 0;
}

/** 0F 7E: MOVD r/m32, mm / MOVQ r/m64, mm (REX.W). */
function movdFromMm(): i32 {
  const v = mmGet(modReg);
  if (modMod == 3) {
    if (rexW) setGpr64(modRm, v); else setGpr32(modRm, <u32>v);
    return 0;
  }
  if (rexW) wr64(ea, v); else wr32(ea, <u32>v);
  return fault ? EXIT_PAGE_FAULT : 0;
}

/** 0F 6F: MOVQ mm, mm/m64. */
function movqLoad(): i32 {
  const v = src64();
  if (srcOk != 0) return srcOk;
  mmSet(modReg, v);
  return 0;
}

/** 0F 7F: MOVQ mm/m64, mm; 0F E7: MOVNTQ m64, mm (memory only; the hint changes nothing here). */
function movqStore(op: i32): i32 {
  const v = mmGet(modReg);
  if (modMod == 3) {
    if (op == 0xe7) return EXIT_UD;
    mmSet(modRm, v);
    return 0;
  }
  wr64(ea, v);
  return fault ? EXIT_PAGE_FAULT : 0;
}

/** 0F 70: PSHUFW mm, mm/m64, imm8. */
function pshufw(): i32 {
  const s = src64();
  if (srcOk != 0) return srcOk;
  const sel = <u32>imm;
  let r: u64 = 0;
  for (let i: u32 = 0; i < 4; i++) r |= ((s >> (<u64>((sel >> (i * 2)) & 3) << 4)) & 0xffff) << (<u64>i << 4);
  mmSet(modReg, r);
  return 0;
}

/** 0F C4: PINSRW mm, r32/m16, imm8 (word index imm & 3). */
function pinsrwMm(): i32 {
  let v: u32;
  if (modMod == 3) v = gpr32(modRm);
  else {
    v = rd16(ea);
    if (fault) return EXIT_PAGE_FAULT;
  }
  const sh = <u64>(imm & 3) << 4;
  mmSet(modReg, (mmGet(modReg) & ~(<u64>0xffff << sh)) | (<u64>(v & 0xffff) << sh));
  return 0;
}

/** 0F C5: PEXTRW r32, mm, imm8 (register form only; zero-extended). */
function pextrwMm(): i32 {
  if (modMod != 3) return EXIT_UD;
  setGpr32(modReg, <u32>((mmGet(modRm) >> (<u64>(imm & 3) << 4)) & 0xffff));
  return 0;
}

/** 0F D7: PMOVMSKB r32, mm (register form only). */
function pmovmskbMm(): i32 {
  if (modMod != 3) return EXIT_UD;
  const v = i64x2.replace_lane(i64x2.splat(0), 0, mmGet(modRm));
  setGpr32(modReg, <u32>i8x16.bitmask(v));
  return 0;
}

/** F3 0F D6: MOVQ2DQ xmm, mm (register form only; upper quadword zeroed). */
function movq2dq(): i32 {
  if (modMod != 3) return EXIT_UD;
  const D = xreg();
  store<u64>(D, mmGet(modRm)); store<u64>(D + 8, 0);
  return 0;
}

/** F2 0F D6: MOVDQ2Q mm, xmm (register form only). */
function movdq2q(): i32 {
  if (modMod != 3) return EXIT_UD;
  mmSet(modReg, load<u64>(xmm(modRm)));
  return 0;
}

/**
 * 0F F7: MASKMOVQ mm1, mm2 stores the bytes of mm1 whose mask byte in mm2
 * has its top bit set to [RDI] (EDI with 67h). As for MASKMOVDQU
 * (sse_move.ts), the whole 8-byte destination is checked first, so a fault
 * leaves memory unchanged.
 */
function maskmovq(): i32 {
  if (modMod != 3) return EXIT_UD;
  const v = mmGet(modReg);
  const mask = mmGet(modRm);
  let base = load<u64>(S + RDI);
  if (asz32) base &= 0xffff_ffff;
  if (!probeWrite(base, 8)) return EXIT_PAGE_FAULT;
  for (let i: u64 = 0; i < 8; i++) {
    if (((mask >> (i * 8 + 7)) & 1) != 0) wr8(base + i, <u32>(v >> (i * 8)) & 0xff);
  }
  return 0;
}

/**
 * 0F 2A: CVTPI2PS xmm, mm/m64 (two int32 -> single, MXCSR rounding; the
 * upper quadword of xmm is kept); 66 0F 2A: CVTPI2PD xmm, mm/m64 (exact).
 */
function cvtPi2(op: i32): i32 {
  const s = src64();
  if (srcOk != 0) return srcOk;
  const D = xreg();
  const lo = <i64><i32><u32>s, hi = <i64><i32><u32>(s >> 32);
  const dbl = pfxClass == 1;
  fpBegin();
  const a = fromInt(lo, dbl), b = fromInt(hi, dbl);
  const x = fpEnd();
  if (x != 0) return x;
  if (dbl) { store<u64>(D, a); store<u64>(D + 8, b); }
  else { store<u32>(D, <u32>a); store<u32>(D + 4, <u32>b); }
  return 0;
}

/**
 * 0F 2D/2C: CVTPS2PI / CVTTPS2PI mm, xmm/m64; 66 0F 2D/2C: CVTPD2PI /
 * CVTTPD2PI mm, xmm/m128 (16-byte aligned memory). Invalid or out-of-range
 * lanes give 0x80000000 with IE (SDM CVTPS2PI).
 */
function cvtToPi(trunc: bool): i32 {
  const dbl = pfxClass == 1;
  let a: u64, b: u64;
  if (modMod == 3) {
    const X = xmm(modRm);
    if (dbl) { a = load<u64>(X); b = load<u64>(X + 8); }
    else { a = <u64>load<u32>(X); b = <u64>load<u32>(X + 4); }
  } else if (dbl) {
    if ((ea & 15) != 0) return EXIT_GP;
    const v = rd128(ea);
    if (fault) return EXIT_PAGE_FAULT;
    a = i64x2.extract_lane(v, 0); b = i64x2.extract_lane(v, 1);
  } else {
    const v = rd64(ea);
    if (fault) return EXIT_PAGE_FAULT;
    a = v & 0xffff_ffff; b = v >> 32;
  }
  fpBegin();
  const r0 = toInt(a, dbl, false, trunc), r1 = toInt(b, dbl, false, trunc);
  const x = fpEnd();
  if (x != 0) return x;
  mmSet(modReg, (r0 & 0xffff_ffff) | (r1 << 32));
  return 0;
}
