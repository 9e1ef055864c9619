// SSE/SSE2 data moves: MOVUPS/MOVAPS/MOVDQA/MOVDQU (and PD), MOVSS/MOVSD,
// MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS, MOVD/MOVQ to and from GPRs,
// MOVMSKPS/PD, the non-temporal stores (plain stores here) and MASKMOVDQU.
// Register and memory forms differ: a load of MOVSS/MOVSD from memory zeroes
// the rest of the register, the register form keeps it (SDM vol. 2 MOVSS).
import { retop } from "./x87_env";
import { asz32 } from "./decode";
import {
  modMod, modRm, modReg, ea, rexW, fault, gpr32, gpr64, setGpr32, setGpr64,
  rd32, rd64, wr32, wr64, wr128, probeWrite, wr8, S,
} from "./core";
import { EXIT_UD, EXIT_GP, EXIT_MF, EXIT_PAGE_FAULT, FSW, FTW, RDI } from "./state";
import { SRC, xmm, xreg, loadSrc, pfxClass } from "./sse_common";

/** Stores `size` bytes from register address `from` to the r/m operand (memory or XMM[rm]). */
function storeRm(from: usize, size: i32, aligned: bool): i32 {
  if (modMod == 3) {
    const d = xmm(modRm);
    if (size == 16) v128.store(d, v128.load(from));
    else if (size == 8) store<u64>(d, load<u64>(from));
    else store<u32>(d, load<u32>(from));
    return 0;
  }
  if (aligned && (ea & 15) != 0) return EXIT_GP;
  if (size == 16) wr128(ea, v128.load(from));
  else if (size == 8) wr64(ea, load<u64>(from));
  else wr32(ea, load<u32>(from));
  return fault ? EXIT_PAGE_FAULT : 0;
}

/** 0F 10: MOVUPS, MOVUPD, MOVSS, MOVSD (loads). */
export function movLoad10(): i32 {
  const pc = pfxClass;
  const D = xreg();
  if (pc < 2) {
    const r = loadSrc(16, false);
    if (r == 0) v128.store(D, v128.load(SRC));
    return r;
  }
  const size = pc == 2 ? 4 : 8;
  const r = loadSrc(size, false);
  if (r != 0) return r;
  if (modMod != 3) v128.store(D, v128.load(SRC)); // SRC holds the value zero-extended
  else if (size == 4) store<u32>(D, load<u32>(SRC));
  else store<u64>(D, load<u64>(SRC));
  return 0;
}

/** 0F 11: the store direction of 0F 10. */
export function movStore11(): i32 {
  const pc = pfxClass;
  return storeRm(xreg(), pc < 2 ? 16 : pc == 2 ? 4 : 8, false);
}

/** 0F 28/29: MOVAPS/MOVAPD load and store (aligned). */
export function movAligned(store: bool): i32 {
  if (pfxClass >= 2) return EXIT_UD;
  if (store) return storeRm(xreg(), 16, true);
  const r = loadSrc(16, true);
  if (r == 0) v128.store(xreg(), v128.load(SRC));
  return r;
}

/** 0F 12/13/16/17: low/high quadword moves; 0F 12/16 register forms are MOVHLPS/MOVLHPS. */
export function movHalf(op: i32): i32 {
  const pc = pfxClass;
  if (pc >= 2) return EXIT_UD; // MOVSLDUP/MOVSHDUP/MOVDDUP are SSE3
  const high = op >= 0x16;
  const D = xreg();
  if (op == 0x13 || op == 0x17) {
    if (modMod == 3) return EXIT_UD;
    wr64(ea, load<u64>(D + (high ? 8 : 0)));
    return fault ? EXIT_PAGE_FAULT : 0;
  }
  if (modMod == 3) {
    if (pc == 1) return EXIT_UD;
    const s = xmm(modRm);
    if (high) store<u64>(D + 8, load<u64>(s));       // MOVLHPS
    else store<u64>(D, load<u64>(s + 8));            // MOVHLPS
    return 0;
  }
  const v = rd64(ea);
  if (fault) return EXIT_PAGE_FAULT;
  store<u64>(D + (high ? 8 : 0), v);
  return 0;
}

/** 0F 2B (MOVNTPS/MOVNTPD) and 66 0F E7 (MOVNTDQ): aligned stores; memory only. */
export function movNt(): i32 {
  if (modMod == 3) return EXIT_UD;
  return storeRm(xreg(), 16, true);
}

/** 0F 50: MOVMSKPS / 66 MOVMSKPD r32, xmm (sign bits; register form only). */
export function movMsk(): i32 {
  const pc = pfxClass;
  if (pc >= 2 || modMod != 3) return EXIT_UD;
  const v = v128.load(xmm(modRm));
  setGpr32(modReg, <u32>(pc == 0 ? i32x4.bitmask(v) : i64x2.bitmask(v)));
  return 0;
}

/** 66 0F 6E: MOVD xmm, r/m32 / MOVQ xmm, r/m64 (REX.W); zero-extends to 128 bits. */
export function movdToXmm(): i32 {
  if (pfxClass != 1) return EXIT_UD; // MMX form
  let v: u64;
  if (modMod == 3) v = rexW ? gpr64(modRm) : <u64>gpr32(modRm);
  else {
    v = rexW ? rd64(ea) : <u64>rd32(ea);
    if (fault) return EXIT_PAGE_FAULT;
  }
  const D = xreg();
  store<u64>(D, v); store<u64>(D + 8, 0);
  return 0;
}

/** 0F 7E: 66 = MOVD/MOVQ r/m, xmm; F3 = MOVQ xmm, xmm/m64 (upper half zeroed). */
export function movd7E(): i32 {
  const pc = pfxClass;
  const D = xreg();
  if (pc == 2) {
    const r = loadSrc(8, false);
    if (r != 0) return r;
    store<u64>(D, load<u64>(SRC)); store<u64>(D + 8, 0);
    return 0;
  }
  if (pc != 1) return EXIT_UD;
  if (modMod == 3) {
    if (rexW) setGpr64(modRm, load<u64>(D)); else setGpr32(modRm, load<u32>(D));
    return 0;
  }
  if (rexW) wr64(ea, load<u64>(D)); else wr32(ea, load<u32>(D));
  return fault ? EXIT_PAGE_FAULT : 0;
}

/** 0F 6F / 0F 7F: 66 = MOVDQA (aligned), F3 = MOVDQU; load or store. */
export function movdq(store: bool): i32 {
  const pc = pfxClass;
  if (pc != 1 && pc != 2) return EXIT_UD;
  const aligned = pc == 1;
  if (store) return storeRm(xreg(), 16, aligned);
  const r = loadSrc(16, aligned);
  if (r == 0) v128.store(xreg(), v128.load(SRC));
  return r;
}

/** 66 0F D6: MOVQ xmm/m64, xmm (a register destination gets its upper half zeroed). */
export function movqD6(): i32 {
  if (pfxClass != 1) return EXIT_UD; // F3/F2 forms are MOVQ2DQ/MOVDQ2Q (MMX)
  const D = xreg();
  if (modMod == 3) {
    const d = xmm(modRm);
    store<u64>(d, load<u64>(D)); store<u64>(d + 8, 0);
    return 0;
  }
  wr64(ea, load<u64>(D));
  return fault ? EXIT_PAGE_FAULT : 0;
}

/**
 * 66 0F F7: MASKMOVDQU xmm1, xmm2 stores the bytes of xmm1 whose mask byte
 * in xmm2 has its top bit set to [RDI]. Whether masked-off bytes can fault is
 * implementation-dependent (SDM MASKMOVDQU); like the reference CPU we check
 * the whole 16-byte destination first, even with an all-zero mask, so a
 * fault leaves memory unchanged.
 */
export function maskMovdqu(): i32 {
  if (pfxClass != 1 || modMod != 3) return EXIT_UD;
  const D = xreg();
  const mask = <u32>i8x16.bitmask(v128.load(xmm(modRm)));
  let base = load<u64>(S + RDI);
  if (asz32) base &= 0xffff_ffff; // 67h: the destination is [EDI] (SDM MASKMOVDQU)
  if (!probeWrite(base, 16)) return EXIT_PAGE_FAULT;
  for (let i = 0; i < 16; i++) {
    if ((mask >> i) & 1) wr8(base + <u64>i, <u32>load<u8>(D + <usize>i));
  }
  return 0;
}

/**
 * 0F 77: EMMS marks every x87 register empty (abridged tag word 0; SDM EMMS)
 * and, as the reference CPU shows, leaves TOP at 0 like every MMX
 * instruction: the registers keep their physical places, so the
 * stack-ordered slots rotate.
 */
export function emms(): i32 {
  if (pfxClass != 0) return EXIT_UD;
  const sw = <u32>load<u16>(S + FSW);
  if ((sw & 0x80) != 0) return EXIT_MF; // a pending unmasked x87 exception (FSW.ES) is reported first (SDM EMMS)
  retop((sw >> 11) & 7, 0);
  store<u16>(S + FSW, <u16>(sw & ~0x3800));
  store<u8>(S + FTW, 0);
  return 0;
}
