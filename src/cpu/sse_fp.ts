// SSE/SSE2 floating-point instructions: arithmetic (0F 51, 58-5F),
// compares (0F C2, COMISS/UCOMISS 0F 2E/2F), logic (0F 54-57) and the
// reciprocal approximations (0F 52/53). Scalar forms (F3 = single, F2 =
// double) touch only the low lane; packed forms (none = PS, 66 = PD) need a
// 16-byte-aligned memory operand. Lanes are computed into RES and committed
// only when no unmasked exception was raised.
import { imm, setStatusFlags } from "./core";
import { EXIT_UD } from "./state";
import { SRC, RES, xreg, loadSrc, pfxClass } from "./sse_common";
import {
  fpBegin, fpEnd, fadd, fmul, fdiv, fsqrt, fminmax, fcmp, frcp, frsqrt,
} from "./sse_float";

export const K_ADD = 0;
export const K_SUB = 1;
export const K_MUL = 2;
export const K_DIV = 3;
export const K_MIN = 4;
export const K_MAX = 5;
export const K_SQRT = 6;
export const K_CMP = 7;

function lane(kind: i32, a: u64, b: u64, dbl: bool): u64 {
  switch (kind) {
    case K_ADD: return fadd(a, b, dbl, false);
    case K_SUB: return fadd(a, b, dbl, true);
    case K_MUL: return fmul(a, b, dbl);
    case K_DIV: return fdiv(a, b, dbl);
    case K_MIN: return fminmax(a, b, dbl, false);
    case K_MAX: return fminmax(a, b, dbl, true);
    case K_SQRT: return fsqrt(b, dbl);
    default: return cmpMask(<i32>(imm & 7), fcmp(a, b, dbl, cmpSignals(<i32>(imm & 7))), dbl);
  }
}

/** Predicates LT, LE, NLT, NLE signal on QNaN too (SDM CMPPS, table 3-1). */
@inline function cmpSignals(p: i32): bool { return (p & 3) == 1 || (p & 3) == 2; }
function cmpMask(p: i32, r: i32, dbl: bool): u64 {
  let t: bool;
  switch (p) {
    case 0: t = r == 1; break;           // EQ
    case 1: t = r == 0; break;           // LT
    case 2: t = r <= 1; break;           // LE
    case 3: t = r == 3; break;           // UNORD
    case 4: t = r != 1; break;           // NEQ
    case 5: t = r != 0; break;           // NLT
    case 6: t = r >= 2; break;           // NLE
    default: t = r != 3; break;          // ORD
  }
  return t ? (dbl ? 0xffff_ffff_ffff_ffff : 0xffff_ffff) : 0;
}

/** ADD/SUB/MUL/DIV/MIN/MAX/SQRT/CMP in the four PS/PD/SS/SD forms. */
export function fpArith(kind: i32): i32 {
  const pc = pfxClass;
  const dbl = pc == 1 || pc == 3;
  const scalar = pc >= 2;
  let r = loadSrc(scalar ? (dbl ? 8 : 4) : 16, !scalar);
  if (r != 0) return r;
  fpBegin();
  const D = xreg();
  v128.store(RES, v128.load(D));
  if (dbl) {
    const n = scalar ? 1 : 2;
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      store<u64>(RES + o, lane(kind, load<u64>(D + o), load<u64>(SRC + o), true));
    }
  } else {
    const n = scalar ? 1 : 4;
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 2;
      store<u32>(RES + o, <u32>lane(kind, <u64>load<u32>(D + o), <u64>load<u32>(SRC + o), false));
    }
  }
  r = fpEnd();
  if (r != 0) return r;
  v128.store(D, v128.load(RES));
  return 0;
}

/** COMISS/UCOMISS (no prefix) and COMISD/UCOMISD (66): ZF, PF, CF; OF, SF, AF cleared. */
export function fpComi(signaling: bool): i32 {
  const pc = pfxClass;
  if (pc >= 2) return EXIT_UD;
  const dbl = pc == 1;
  let r = loadSrc(dbl ? 8 : 4, false);
  if (r != 0) return r;
  fpBegin();
  const D = xreg();
  const c = dbl ? fcmp(load<u64>(D), load<u64>(SRC), true, signaling)
    : fcmp(<u64>load<u32>(D), <u64>load<u32>(SRC), false, signaling);
  r = fpEnd();
  if (r != 0) return r;
  // unordered: ZF PF CF; less: CF; equal: ZF; greater: none.
  setStatusFlags(c == 3 ? 0x45 : c == 0 ? 0x01 : c == 1 ? 0x40 : 0);
  return 0;
}

/** ANDPS/ANDNPS/ORPS/XORPS and the PD forms (0F 54-57): bitwise, no FP exceptions. */
export function fpLogic(op: i32): i32 {
  if (pfxClass >= 2) return EXIT_UD;
  const r = loadSrc(16, true);
  if (r != 0) return r;
  const D = xreg();
  const a = v128.load(D), b = v128.load(SRC);
  let v: v128;
  if (op == 0x54) v = v128.and(a, b);
  else if (op == 0x55) v = v128.andnot(b, a);
  else if (op == 0x56) v = v128.or(a, b);
  else v = v128.xor(a, b);
  v128.store(D, v);
  return 0;
}

/** RSQRTPS/RSQRTSS (0F 52) and RCPPS/RCPSS (0F 53). */
export function fpApprox(rsqrt: bool): i32 {
  const pc = pfxClass;
  if (pc == 1 || pc == 3) return EXIT_UD;
  const scalar = pc == 2;
  const r = loadSrc(scalar ? 4 : 16, !scalar);
  if (r != 0) return r;
  const D = xreg();
  const n = scalar ? 1 : 4;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const a = load<u32>(SRC + o);
    store<u32>(D + o, rsqrt ? frsqrt(a) : frcp(a));
  }
  return 0;
}
