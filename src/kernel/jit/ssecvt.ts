// Block-compiler emission for the scalar double compares and conversions
// that busybox awk's arithmetic runs between its additions and divisions:
// UCOMISD/COMISD (66 0F 2E/2F), CVTSI2SD (F2 0F 2A) and CVTTSD2SI
// (F2 0F 2C). The CPU otherwise runs them through its generic path
// (jGeneric) from inside compiled code. Inline they run only when no MXCSR
// flag can change and no exception can be raised (SDM vol. 2, each
// instruction's "SIMD Floating-Point Exceptions"):
// - compares: neither operand a NaN (IE) or a denormal (DE); then ZF and CF
//   give equal and below, and PF, AF, SF, OF are cleared;
// - CVTSI2SD: a 32-bit integer always converts exactly; a 64-bit one when
//   |v| <= 2^53 (otherwise MXCSR rounds it and PE is set);
// - CVTTSD2SI: a zero or normal finite source whose truncation fits the
//   destination (otherwise the integer indefinite and IE); an inexact one
//   sets PE, which is inline only while PE is masked.
// Anything else goes to the generic path, which the caller emits behind
// the returned flag.
import { Op, I32, I64, VOID } from "./wasm";
import { XMM0, MXCSR } from "../../cpu/state";
import { PFX_66, PFX_F2, PFX_F3, PFX_67, type SseEmitter } from "./sse";
import { rmSource, type ArithIns } from "./ssearith";

const PFX_W = 8;
const MX_PE = 0x20, MX_PM = 0x1000;
/** RFLAGS bits a compare sets (ZF for equal, CF for below). */
const F_CF = 0x01, F_ZF = 0x40;
/** The smallest normal double's bit pattern, and +infinity's. */
const MIN_NORMAL = 0x0010_0000_0000_0000n, INF = 0x7ff0_0000_0000_0000n;

/**
 * For instruction k, emits the guarded inline form of a compare or
 * conversion above and returns an i32 local holding 1 when it ran (the
 * caller emits the generic path for 0); -1 when i is none of them.
 */
export function compileSseConvert(b: SseEmitter, k: number, i: ArithIns): number {
  if (i.map !== 1 || (i.pfx & PFX_67)) return -1;
  const sse = i.pfx & (PFX_66 | PFX_F2 | PFX_F3);
  const isCmp = (i.op === 0x2e || i.op === 0x2f) && sse === PFX_66;
  const isFromInt = i.op === 0x2a && sse === PFX_F2;
  const isToInt = i.op === 0x2c && sse === PFX_F2;
  if (!isCmp && !isFromInt && !isToInt) return -1;
  const wide = (i.pfx & PFX_W) !== 0;
  const xmm = (n: number): number => XMM0 + 16 * (n & 15);
  /** Pushes whether the double with bit pattern `v` is zero or a normal number (finite unless `inf`). */
  const zeroOrNormal = (v: number, inf: boolean): void => {
    const abs = b.temp(I64);
    b.get(v); b.i64(0x7fff_ffff_ffff_ffffn); b.op(Op.i64And); b.set(abs);
    b.get(abs); b.op(Op.i64Eqz);
    b.get(abs); b.i64(MIN_NORMAL); b.op(Op.i64Sub); b.i64(INF - MIN_NORMAL + (inf ? 1n : 0n)); b.op(Op.i64LtU);
    b.op(Op.i32Or);
  };
  const ok = b.temp(I32);

  if (isCmp) {
    const x = b.temp(I64);
    b.get(b.P_S); b.mem(Op.i64Load, xmm(i.modReg)); b.set(x);
    const y = rmSource(b, k, i, 8, false);
    zeroOrNormal(x, true); zeroOrNormal(y, true); b.op(Op.i32And); b.set(ok);
    b.get(ok);
    b.open(Op.if, VOID);
    b.setStatusFlags(() => {
      b.get(x); b.op(Op.f64ReinterpretI64); b.get(y); b.op(Op.f64ReinterpretI64); b.op(Op.f64Lt); b.i32(F_CF); b.op(Op.i32Mul);
      b.get(x); b.op(Op.f64ReinterpretI64); b.get(y); b.op(Op.f64ReinterpretI64); b.op(Op.f64Eq); b.i32(F_ZF); b.op(Op.i32Mul);
      b.op(Op.i32Or);
    });
    b.close();
    return ok;
  }

  if (isFromInt) {
    const v = rmSource(b, k, i, wide ? 8 : 4, true);
    if (wide) {
      // |v| <= 2^53: exactly representable.
      b.get(v); b.i64(1n << 53n); b.op(Op.i64Add); b.i64((1n << 54n) + 1n); b.op(Op.i64LtU); b.set(ok);
    } else { b.i32(1); b.set(ok); }
    b.get(ok);
    b.open(Op.if, VOID);
    b.get(b.P_S);
    b.get(v);
    if (wide) b.op(Op.f64ConvertI64S); else { b.op(Op.i32WrapI64); b.op(Op.f64ConvertI32S); }
    b.op(Op.i64ReinterpretF64);
    b.mem(Op.i64Store, xmm(i.modReg));
    b.close();
    return ok;
  }

  // CVTTSD2SI.
  const v = rmSource(b, k, i, 8, false);
  const f = (): void => { b.get(v); b.op(Op.f64ReinterpretI64); };
  const inexact = b.temp(I32);
  f(); b.op(Op.f64Trunc); f(); b.op(Op.f64Ne); b.set(inexact);
  zeroOrNormal(v, false);
  f(); b.c.byte(Op.f64Const); b.c.f64(wide ? -9223372036854775808 : -2147483649); b.op(wide ? Op.f64Ge : Op.f64Gt); b.op(Op.i32And);
  f(); b.c.byte(Op.f64Const); b.c.f64(wide ? 9223372036854775808 : 2147483648); b.op(Op.f64Lt); b.op(Op.i32And);
  b.get(inexact); b.op(Op.i32Eqz); b.get(b.P_S); b.mem(Op.i32Load, MXCSR); b.i32(MX_PM); b.op(Op.i32And); b.op(Op.i32Eqz); b.op(Op.i32Eqz);
  b.op(Op.i32Or); b.op(Op.i32And);
  b.set(ok);
  b.get(ok);
  b.open(Op.if, VOID);
  b.setR((i.modReg & 15) * 8, wide ? 8 : 4, () => {
    f();
    if (wide) b.op(Op.i64TruncF64S); else { b.op(Op.i32TruncF64S); b.op(Op.i64ExtendI32U); }
  });
  b.get(inexact);
  b.open(Op.if, VOID);
  b.get(b.P_S); b.get(b.P_S); b.mem(Op.i32Load, MXCSR); b.i32(MX_PE); b.op(Op.i32Or); b.mem(Op.i32Store, MXCSR);
  b.close();
  b.close();
  return ok;
}
