// SSE/SSE2 conversions: integer <-> float (0F 2A, 2C, 2D, 5B, E6) and
// single <-> double (0F 5A). Rounding follows MXCSR.RC except for the
// truncating CVTT* forms; out-of-range and NaN inputs to float -> int give
// the integer indefinite 0x80000000[00000000] with IE (SDM vol. 2 CVTSS2SI).
import { modMod, modRm, modReg, ea, rexW, fault, rd32, rd64, gpr32, gpr64, setGpr32, setGpr64 } from "./core";
import { EXIT_UD, EXIT_PAGE_FAULT } from "./state";
import { SRC, RES, xreg, loadSrc, pfxClass } from "./sse_common";
import { fpBegin, fpEnd, fromInt, toInt, convert } from "./sse_float";

/** CVTSI2SS (F3) / CVTSI2SD (F2) xmm, r/m32 or r/m64 (REX.W). */
export function cvtIntToScalar(): i32 {
  const pc = pfxClass;
  if (pc < 2) return EXIT_UD; // CVTPI2PS/PD are MMX forms
  let v: i64;
  if (modMod == 3) v = rexW ? <i64>gpr64(modRm) : <i64><i32>gpr32(modRm);
  else {
    v = rexW ? <i64>rd64(ea) : <i64><i32>rd32(ea);
    if (fault) return EXIT_PAGE_FAULT;
  }
  fpBegin();
  const dbl = pc == 3;
  const r = fromInt(v, dbl);
  const x = fpEnd();
  if (x != 0) return x;
  const D = xreg();
  if (dbl) store<u64>(D, r); else store<u32>(D, <u32>r);
  return 0;
}

/** CVTSS2SI/CVTSD2SI (0F 2D) and CVTTSS2SI/CVTTSD2SI (0F 2C): r32/r64 <- xmm/m. */
export function cvtScalarToInt(trunc: bool): i32 {
  const pc = pfxClass;
  if (pc < 2) return EXIT_UD;
  const dbl = pc == 3;
  let r = loadSrc(dbl ? 8 : 4, false);
  if (r != 0) return r;
  fpBegin();
  const v = toInt(dbl ? load<u64>(SRC) : <u64>load<u32>(SRC), dbl, rexW, trunc);
  r = fpEnd();
  if (r != 0) return r;
  if (rexW) setGpr64(modReg, v); else setGpr32(modReg, <u32>v);
  return 0;
}

/** 0F 5A: CVTPS2PD, CVTPD2PS (66), CVTSS2SD (F3), CVTSD2SS (F2). */
export function cvtFloatFloat(): i32 {
  const pc = pfxClass;
  const size = pc == 0 ? 8 : pc == 1 ? 16 : pc == 2 ? 4 : 8;
  let r = loadSrc(size, pc == 1);
  if (r != 0) return r;
  fpBegin();
  const D = xreg();
  v128.store(RES, v128.load(D));
  if (pc == 0) {
    store<u64>(RES, convert(<u64>load<u32>(SRC), true));
    store<u64>(RES + 8, convert(<u64>load<u32>(SRC + 4), true));
  } else if (pc == 1) {
    store<u32>(RES, <u32>convert(load<u64>(SRC), false));
    store<u32>(RES + 4, <u32>convert(load<u64>(SRC + 8), false));
    store<u64>(RES + 8, 0);
  } else if (pc == 2) {
    store<u64>(RES, convert(<u64>load<u32>(SRC), true));
  } else {
    store<u32>(RES, <u32>convert(load<u64>(SRC), false));
  }
  r = fpEnd();
  if (r != 0) return r;
  v128.store(D, v128.load(RES));
  return 0;
}

/** 0F 5B: CVTDQ2PS (none), CVTPS2DQ (66), CVTTPS2DQ (F3). */
export function cvtPackedSingle(): i32 {
  const pc = pfxClass;
  if (pc == 3) return EXIT_UD;
  let r = loadSrc(16, true);
  if (r != 0) return r;
  fpBegin();
  for (let i = 0; i < 4; i++) {
    const o = <usize>i << 2;
    const a = load<u32>(SRC + o);
    store<u32>(RES + o, pc == 0 ? <u32>fromInt(<i64><i32>a, false) : <u32>toInt(<u64>a, false, false, pc == 2));
  }
  r = fpEnd();
  if (r != 0) return r;
  v128.store(xreg(), v128.load(RES));
  return 0;
}

/** 0F E6: CVTTPD2DQ (66), CVTDQ2PD (F3), CVTPD2DQ (F2). */
export function cvtPackedDouble(): i32 {
  const pc = pfxClass;
  if (pc == 0) return EXIT_UD;
  let r = loadSrc(pc == 2 ? 8 : 16, pc != 2);
  if (r != 0) return r;
  fpBegin();
  if (pc == 2) {
    store<u64>(RES, fromInt(<i64>load<i32>(SRC), true));
    store<u64>(RES + 8, fromInt(<i64>load<i32>(SRC + 4), true));
  } else {
    const trunc = pc == 1;
    store<u32>(RES, <u32>toInt(load<u64>(SRC), true, false, trunc));
    store<u32>(RES + 4, <u32>toInt(load<u64>(SRC + 8), true, false, trunc));
    store<u64>(RES + 8, 0);
  }
  r = fpEnd();
  if (r != 0) return r;
  v128.store(xreg(), v128.load(RES));
  return 0;
}
