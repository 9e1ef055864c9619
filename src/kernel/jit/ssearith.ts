// Block-compiler emission for scalar SSE arithmetic — ADDSS/SUBSS/MULSS/DIVSS
// and the SD forms (F3/F2 0F 58/5C/59/5E) — which the CPU otherwise runs
// through its generic path (jGeneric) from inside compiled code. WebAssembly
// float arithmetic is IEEE 754 with round-to-nearest-even, so it gives the
// SSE result whenever MXCSR rounds to nearest without DAZ/FTZ; what it does
// not give are MXCSR's exception flags (SDM vol. 1 §11.5.2). The inline
// path therefore runs only when no flag can change: every exception masked,
// PE already set (it is sticky: an inexact result sets nothing new), and the
// operands and the result normal numbers — no NaN, infinity, zero or
// denormal operand (IE, ZE, DE), no infinite result (OE), none below
// 2^-1021 (UE, whichever way tininess is detected). Anything else goes to
// the generic path, which the caller emits behind the returned flag.
import { Op, I32, I64, VOID } from "./wasm";
import { XMM0, MXCSR } from "../../cpu/state";
import { PFX_66, PFX_F2, PFX_F3, PFX_67, type SseEmitter } from "./sse";

/** The fields of an instruction this module reads (compile.ts's Ins). */
export interface ArithIns {
  map: number; op: number; pfx: number; modMod: number; modReg: number; modRm: number;
  kind: number; sz: number; reg: number; rm: number; sub: number;
}

/** MXCSR bits that must read 0x1FA0: all exceptions masked, PE set, DAZ, RC and FZ zero. */
const MX_MASK = 0xffe0, MX_WANT = 0x1fa0;

const OPS: Record<number, [number, number]> = {
  0x58: [Op.f32Add, Op.f64Add], 0x5c: [Op.f32Sub, Op.f64Sub], 0x59: [Op.f32Mul, Op.f64Mul], 0x5e: [Op.f32Div, Op.f64Div],
};

/**
 * The r/m operand of SSE instruction k: its low sz (4 or 8) bytes,
 * zero-extended, in a new i64 local — from memory (a fault leaves at k), an
 * XMM register, or with `gpr` a general register.
 */
export function rmSource(b: SseEmitter, k: number, i: ArithIns, sz: number, gpr: boolean): number {
  if (i.modMod !== 3) {
    // The decoder's ModRM (fast.ts leaves FE_MEM unset for generic forms).
    const a = b.ea({ ...i, mem: true });
    b.read(a, sz, k);
    return b.save64();
  }
  if (gpr) b.getR((i.modRm & 15) * 8, sz);
  else { b.get(b.P_S); b.mem(sz === 8 ? Op.i64Load : Op.i64Load32U, XMM0 + 16 * (i.modRm & 15)); }
  return b.save64();
}

/**
 * For a scalar SSE arithmetic instruction k, emits the guarded inline form
 * and returns an i32 local that holds 1 when it ran (the caller emits the
 * generic path for 0); -1 when i is not such an instruction.
 */
export function compileSseArith(b: SseEmitter, k: number, i: ArithIns): number {
  const ops = OPS[i.op];
  // 67 (32-bit addressing) is left to the generic path: the compiler's addresses are 64-bit.
  if (i.map !== 1 || !ops || (i.pfx & (PFX_66 | PFX_67))) return -1;
  const dbl = (i.pfx & PFX_F2) !== 0;
  if (!dbl && !(i.pfx & PFX_F3)) return -1;
  const dst = XMM0 + 16 * (i.modReg & 15);
  // Exponent field bounds: [lo, hi] of a normal number (operand: >= 1, result: >= 2).
  const expBits = dbl ? 11 : 8, mant = dbl ? 52 : 23, top = (1 << expBits) - 1;
  const normal = (v: number, lo: number): void => {
    b.get(v); b.i64(BigInt(mant)); b.op(Op.i64ShrU); b.op(Op.i32WrapI64); b.i32(top); b.op(Op.i32And);
    b.i32(lo); b.op(Op.i32Sub); b.i32(top - lo); b.op(Op.i32LtU);
  };
  b.get(b.P_S); b.mem(Op.i32Load, MXCSR); b.i32(MX_MASK); b.op(Op.i32And); b.i32(MX_WANT); b.op(Op.i32Eq);
  b.open(Op.if, I32);
  // The operands' bit patterns, zero-extended into i64 locals.
  const x = b.temp(I64);
  b.get(b.P_S); b.mem(dbl ? Op.i64Load : Op.i64Load32U, dst); b.set(x);
  const y = rmSource(b, k, i, dbl ? 8 : 4, false);
  const asFloat = (v: number): void => {
    b.get(v);
    if (dbl) b.op(Op.f64ReinterpretI64); else { b.op(Op.i32WrapI64); b.op(Op.f32ReinterpretI32); }
  };
  asFloat(x); asFloat(y); b.op(dbl ? ops[1] : ops[0]);
  if (dbl) b.op(Op.i64ReinterpretF64); else { b.op(Op.i32ReinterpretF32); b.op(Op.i64ExtendI32U); }
  const r = b.save64();
  normal(x, 1); normal(y, 1); b.op(Op.i32And); normal(r, 2); b.op(Op.i32And);
  const ok = b.save32();
  b.get(ok);
  b.open(Op.if, VOID);
  b.get(b.P_S); b.get(r); b.mem(dbl ? Op.i64Store : Op.i64Store32, dst);
  b.close();
  b.get(ok);
  b.els();
  b.i32(0);
  b.close();
  return b.save32();
}
