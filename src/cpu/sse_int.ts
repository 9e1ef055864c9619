// SSE2 integer instructions on XMM registers (all 66-prefixed; the
// unprefixed encodings are the MMX forms of mmx.ts, which reuses intOp and
// the shifts): arithmetic, compares, logic, shifts, packs/unpacks, shuffles,
// PINSRW/PEXTRW, PMOVMSKB, plus the float shuffles SHUFPS/SHUFPD and
// UNPCK*PS/PD, which are pure data movement.
// WebAssembly SIMD ops are used where they match x86 bit for bit; shift
// counts are checked by hand because wasm takes them modulo the lane width
// while x86 saturates (SDM PSRLW: counts above 15 clear the lanes).
import { modMod, modRm, modReg, ea, imm, fault, rd16, gpr32, setGpr32 } from "./core";
import { EXIT_UD, EXIT_PAGE_FAULT } from "./state";
import { SRC, RES, xmm, xreg, loadSrc, pfxClass } from "./sse_common";

/** Binary ops dest = dest OP src(xmm/m128, aligned) for 66 0F 60-6D, 74-76, D1-FE, and 0F 14/15. */
export function intBinary(op: i32): i32 {
  if (op == 0x14 || op == 0x15) { if (pfxClass >= 2) return EXIT_UD; }
  else if (pfxClass != 1) return EXIT_UD;
  // ADDSUBPD (D0) and LDDQU (F0) are SSE3, FF is UD0: #UD before any memory access.
  if (op == 0xd0 || op == 0xf0 || op == 0xff) return EXIT_UD;
  const r = loadSrc(16, true);
  if (r != 0) return r;
  const D = xreg();
  if (pfxClass == 1 && op == 0x14) op = 0x6c; // UNPCKLPD = PUNPCKLQDQ
  if (pfxClass == 1 && op == 0x15) op = 0x6d; // UNPCKHPD = PUNPCKHQDQ
  v128.store(D, intOp(op, v128.load(D), v128.load(SRC)));
  return 0;
}

/**
 * The lane arithmetic of the binary integer ops, on whole 128-bit values
 * (mmx.ts reuses it for the 64-bit MMX forms). Shift counts come from the
 * low quadword of b. Callers have already rejected opcodes that are not
 * binary ops (the default case is unreachable and returns a unchanged).
 */
export function intOp(op: i32, a: v128, b: v128): v128 {
  let v: v128;
  switch (op) {
    case 0x60: v = i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23); break;
    case 0x61: v = i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23); break;
    case 0x14:
    case 0x62: v = i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23); break;
    case 0x63: v = i8x16.narrow_i16x8_s(a, b); break;
    case 0x64: v = i8x16.gt_s(a, b); break;
    case 0x65: v = i16x8.gt_s(a, b); break;
    case 0x66: v = i32x4.gt_s(a, b); break;
    case 0x67: v = i8x16.narrow_i16x8_u(a, b); break;
    case 0x68: v = i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31); break;
    case 0x69: v = i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31); break;
    case 0x15:
    case 0x6a: v = i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31); break;
    case 0x6b: v = i16x8.narrow_i32x4_s(a, b); break;
    case 0x6c: v = i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23); break;
    case 0x6d: v = i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31); break;
    case 0x74: v = i8x16.eq(a, b); break;
    case 0x75: v = i16x8.eq(a, b); break;
    case 0x76: v = i32x4.eq(a, b); break;
    case 0xd1: v = shiftW(a, i64x2.extract_lane(b, 0), 0); break;
    case 0xd2: v = shiftD(a, i64x2.extract_lane(b, 0), 0); break;
    case 0xd3: v = shiftQ(a, i64x2.extract_lane(b, 0), 0); break;
    case 0xd4: v = i64x2.add(a, b); break;
    case 0xd5: v = i16x8.mul(a, b); break;
    case 0xd8: v = i8x16.sub_sat_u(a, b); break;
    case 0xd9: v = i16x8.sub_sat_u(a, b); break;
    case 0xda: v = i8x16.min_u(a, b); break;
    case 0xdb: v = v128.and(a, b); break;
    case 0xdc: v = i8x16.add_sat_u(a, b); break;
    case 0xdd: v = i16x8.add_sat_u(a, b); break;
    case 0xde: v = i8x16.max_u(a, b); break;
    case 0xdf: v = v128.andnot(b, a); break;
    case 0xe0: v = i8x16.avgr_u(a, b); break;
    case 0xe1: v = shiftW(a, i64x2.extract_lane(b, 0), 2); break;
    case 0xe2: v = shiftD(a, i64x2.extract_lane(b, 0), 2); break;
    case 0xe3: v = i16x8.avgr_u(a, b); break;
    case 0xe4: v = mulHigh(a, b, false); break;
    case 0xe5: v = mulHigh(a, b, true); break;
    case 0xe8: v = i8x16.sub_sat_s(a, b); break;
    case 0xe9: v = i16x8.sub_sat_s(a, b); break;
    case 0xea: v = i16x8.min_s(a, b); break;
    case 0xeb: v = v128.or(a, b); break;
    case 0xec: v = i8x16.add_sat_s(a, b); break;
    case 0xed: v = i16x8.add_sat_s(a, b); break;
    case 0xee: v = i16x8.max_s(a, b); break;
    case 0xef: v = v128.xor(a, b); break;
    case 0xf1: v = shiftW(a, i64x2.extract_lane(b, 0), 1); break;
    case 0xf2: v = shiftD(a, i64x2.extract_lane(b, 0), 1); break;
    case 0xf3: v = shiftQ(a, i64x2.extract_lane(b, 0), 1); break;
    case 0xf4: // PMULUDQ: low dwords of each quadword, unsigned 64-bit products
      v = i64x2.extmul_low_i32x4_u(
        i8x16.shuffle(a, a, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11),
        i8x16.shuffle(b, b, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11));
      break;
    case 0xf5: v = i32x4.dot_i16x8_s(a, b); break; // PMADDWD (wraps the same at 0x8000*0x8000*2)
    case 0xf6: v = sad(a, b); break;
    case 0xf8: v = i8x16.sub(a, b); break;
    case 0xf9: v = i16x8.sub(a, b); break;
    case 0xfa: v = i32x4.sub(a, b); break;
    case 0xfb: v = i64x2.sub(a, b); break;
    case 0xfc: v = i8x16.add(a, b); break;
    case 0xfd: v = i16x8.add(a, b); break;
    case 0xfe: v = i32x4.add(a, b); break;
    default: v = a;
  }
  return v;
}

/** High 16 bits of each 16x16 product (PMULHW signed, PMULHUW unsigned). */
function mulHigh(a: v128, b: v128, signed: bool): v128 {
  const lo = signed ? i32x4.extmul_low_i16x8_s(a, b) : i32x4.extmul_low_i16x8_u(a, b);
  const hi = signed ? i32x4.extmul_high_i16x8_s(a, b) : i32x4.extmul_high_i16x8_u(a, b);
  return i8x16.shuffle(lo, hi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
}

/** PSADBW: sums of absolute byte differences per quadword, zero-extended. */
function sad(a: v128, b: v128): v128 {
  const d = v128.or(i8x16.sub_sat_u(a, b), i8x16.sub_sat_u(b, a));
  const s = i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(d));
  const lo = <i64>(i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1));
  const hi = <i64>(i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3));
  return i64x2.replace_lane(i64x2.splat(lo), 1, hi);
}

// kind: 0 logical right, 1 left, 2 arithmetic right.
export function shiftW(a: v128, n: u64, kind: i32): v128 {
  if (kind == 2) return i16x8.shr_s(a, <i32>(n > 15 ? 15 : n));
  if (n > 15) return i64x2.splat(0);
  return kind == 0 ? i16x8.shr_u(a, <i32>n) : i16x8.shl(a, <i32>n);
}
export function shiftD(a: v128, n: u64, kind: i32): v128 {
  if (kind == 2) return i32x4.shr_s(a, <i32>(n > 31 ? 31 : n));
  if (n > 31) return i64x2.splat(0);
  return kind == 0 ? i32x4.shr_u(a, <i32>n) : i32x4.shl(a, <i32>n);
}
export function shiftQ(a: v128, n: u64, kind: i32): v128 {
  if (n > 63) return i64x2.splat(0);
  return kind == 0 ? i64x2.shr_u(a, <i32>n) : i64x2.shl(a, <i32>n);
}

/** 66 0F 71/72/73 /n ib: shifts of XMM[rm] by an immediate (register form only). */
export function shiftImm(op: i32): i32 {
  if (pfxClass != 1 || modMod != 3) return EXIT_UD;
  const R = xmm(modRm);
  const a = v128.load(R);
  const n = imm & 0xff;
  const ext = modReg & 7;
  let v: v128;
  if (op == 0x71) {
    if (ext == 2) v = shiftW(a, n, 0); else if (ext == 4) v = shiftW(a, n, 2); else if (ext == 6) v = shiftW(a, n, 1); else return EXIT_UD;
  } else if (op == 0x72) {
    if (ext == 2) v = shiftD(a, n, 0); else if (ext == 4) v = shiftD(a, n, 2); else if (ext == 6) v = shiftD(a, n, 1); else return EXIT_UD;
  } else {
    if (ext == 2) v = shiftQ(a, n, 0);
    else if (ext == 6) v = shiftQ(a, n, 1);
    else if (ext == 3 || ext == 7) {
      // PSRLDQ/PSLLDQ: byte shift; swizzle yields 0 for indices >= 16.
      if (n > 15) v = i64x2.splat(0);
      else {
        const iota = i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        const k = i8x16.splat(<i8>n);
        v = i8x16.swizzle(a, ext == 3 ? i8x16.add(iota, k) : i8x16.sub(iota, k));
      }
    } else return EXIT_UD;
  }
  v128.store(R, v);
  return 0;
}

/** 0F 70: PSHUFD (66), PSHUFHW (F3), PSHUFLW (F2) xmm, xmm/m128, imm8. */
export function pshuf(): i32 {
  const pc = pfxClass;
  if (pc == 0) return EXIT_UD;
  const r = loadSrc(16, true);
  if (r != 0) return r;
  const D = xreg();
  const sel = <u32>imm;
  v128.store(RES, v128.load(SRC));
  if (pc == 1) {
    for (let i: u32 = 0; i < 4; i++) store<u32>(RES + (<usize>i << 2), load<u32>(SRC + (<usize>((sel >> (i * 2)) & 3) << 2)));
  } else {
    const base: usize = pc == 2 ? 8 : 0; // F3 shuffles the high words, F2 the low
    for (let i: u32 = 0; i < 4; i++) store<u16>(RES + base + (<usize>i << 1), load<u16>(SRC + base + (<usize>((sel >> (i * 2)) & 3) << 1)));
  }
  v128.store(D, v128.load(RES));
  return 0;
}

/** 0F C6: SHUFPS (none) / SHUFPD (66) xmm, xmm/m128, imm8. */
export function shufp(): i32 {
  const pc = pfxClass;
  if (pc >= 2) return EXIT_UD;
  const r = loadSrc(16, true);
  if (r != 0) return r;
  const D = xreg();
  const sel = <u32>imm;
  if (pc == 0) {
    store<u32>(RES, load<u32>(D + (<usize>(sel & 3) << 2)));
    store<u32>(RES + 4, load<u32>(D + (<usize>((sel >> 2) & 3) << 2)));
    store<u32>(RES + 8, load<u32>(SRC + (<usize>((sel >> 4) & 3) << 2)));
    store<u32>(RES + 12, load<u32>(SRC + (<usize>((sel >> 6) & 3) << 2)));
  } else {
    store<u64>(RES, load<u64>(D + (<usize>(sel & 1) << 3)));
    store<u64>(RES + 8, load<u64>(SRC + (<usize>((sel >> 1) & 1) << 3)));
  }
  v128.store(D, v128.load(RES));
  return 0;
}

/** 66 0F C4: PINSRW xmm, r32/m16, imm8. */
export function pinsrw(): i32 {
  if (pfxClass != 1) return EXIT_UD;
  let v: u32;
  if (modMod == 3) v = gpr32(modRm);
  else {
    v = rd16(ea);
    if (fault) return EXIT_PAGE_FAULT;
  }
  store<u16>(xreg() + (<usize>(imm & 7) << 1), <u16>v);
  return 0;
}

/** 66 0F C5: PEXTRW r32, xmm, imm8 (register form only; zero-extended). */
export function pextrw(): i32 {
  if (pfxClass != 1 || modMod != 3) return EXIT_UD;
  setGpr32(modReg, <u32>load<u16>(xmm(modRm) + (<usize>(imm & 7) << 1)));
  return 0;
}

/** 66 0F D7: PMOVMSKB r32, xmm (register form only). */
export function pmovmskb(): i32 {
  if (pfxClass != 1 || modMod != 3) return EXIT_UD;
  setGpr32(modReg, <u32>i8x16.bitmask(v128.load(xmm(modRm))));
  return 0;
}
