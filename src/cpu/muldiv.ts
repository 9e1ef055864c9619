// MUL/IMUL/DIV/IDIV (F6/F7 /4../7, 0F AF, 69, 6B) including the 64-bit forms
// whose product or dividend is the 128-bit RDX:RAX, done with 64-bit halves
// since wasm has no i128. DIV/IDIV raise #DE (EXIT_DE) on a zero divisor or a
// quotient that does not fit (SDM vol. 2 "DIV", "IDIV"). For MUL/IMUL the SDM
// defines only CF = OF; SF/ZF/PF follow the low half of the result here.
import { S, gpr64, setGpr64, setGpr8 } from "./core";
import { getReg, setReg } from "./operand";
import { setResFlags, szMask, F_CF, F_OF } from "./flags";
import { EXIT_DE } from "./state";

export let hi64: u64 = 0;

/** Unsigned 64x64 → 128; returns the low half, high half in hi64. */
export function mulu128(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  hi64 = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (mid << 32) | (p00 & 0xffffffff);
}
/** Signed 64x64 → 128. */
export function muls128(a: u64, b: u64): u64 {
  const lo = mulu128(a, b);
  let h = hi64;
  if (<i64>a < 0) h -= b;
  if (<i64>b < 0) h -= a;
  hi64 = h;
  return lo;
}

@inline function sext(v: u64, sz: i32): i64 {
  const sh = <i64>(64 - (sz << 3));
  return (<i64>v << sh) >> sh;
}

/** MUL r/m (unsigned, accumulator form). */
export function mul1(v: u64, sz: i32): void {
  const m = szMask(sz);
  v &= m;
  if (sz == 8) {
    const lo = mulu128(gpr64(0), v);
    setGpr64(0, lo); setGpr64(2, hi64);
    setResFlags(lo, 8, hi64 != 0 ? F_CF | F_OF : 0);
    return;
  }
  const p = (getReg(0, sz) & m) * v;
  const bits = <u64>(sz << 3);
  const high = p >> bits;
  if (sz == 1) setReg(0, 2, p);
  else { setReg(0, sz, p); setReg(2, sz, high); }
  setResFlags(p & m, sz, high != 0 ? F_CF | F_OF : 0);
}

/** IMUL r/m (signed, accumulator form). */
export function imul1(v: u64, sz: i32): void {
  if (sz == 8) {
    const lo = muls128(gpr64(0), v);
    setGpr64(0, lo); setGpr64(2, hi64);
    const ovf = hi64 != <u64>(<i64>lo >> 63);
    setResFlags(lo, 8, ovf ? F_CF | F_OF : 0);
    return;
  }
  const p = sext(getReg(0, sz), sz) * sext(v, sz);
  const m = szMask(sz);
  const ovf = sext(<u64>p, sz) != p;
  const bits = <i64>(sz << 3);
  if (sz == 1) setReg(0, 2, <u64>p);
  else { setReg(0, sz, <u64>p); setReg(2, sz, <u64>(p >> bits)); }
  setResFlags(<u64>p & m, sz, ovf ? F_CF | F_OF : 0);
}

/** IMUL r, r/m[, imm]: truncated signed product; CF = OF = significant bits lost. */
export function imul2(a: u64, b: u64, sz: i32): u64 {
  if (sz == 8) {
    const lo = muls128(a, b);
    const ovf = hi64 != <u64>(<i64>lo >> 63);
    setResFlags(lo, 8, ovf ? F_CF | F_OF : 0);
    return lo;
  }
  const p = sext(a, sz) * sext(b, sz);
  const ovf = sext(<u64>p, sz) != p;
  const r = <u64>p & szMask(sz);
  setResFlags(r, sz, ovf ? F_CF | F_OF : 0);
  return r;
}

/** Unsigned 128/64 with hi < d (no overflow): quotient returned, remainder in hi64. */
function divu128(hi: u64, lo: u64, d: u64): u64 {
  if (hi == 0) { hi64 = lo % d; return lo / d; }
  let r = hi, q: u64 = 0;
  for (let i = 63; i >= 0; i--) {
    const top = r >> 63;
    r = (r << 1) | ((lo >> <u64>i) & 1);
    q <<= 1;
    if (top != 0 || r >= d) { r -= d; q |= 1; }
  }
  hi64 = r;
  return q;
}

/** DIV r/m: returns 0 or EXIT_DE (nothing written then). */
export function div1(v: u64, sz: i32): i32 {
  const m = szMask(sz);
  v &= m;
  if (v == 0) return EXIT_DE;
  if (sz == 8) {
    const hi = gpr64(2), lo = gpr64(0);
    if (hi >= v) return EXIT_DE;
    const q = divu128(hi, lo, v);
    setGpr64(0, q); setGpr64(2, hi64);
    return 0;
  }
  const bits = <u64>(sz << 3);
  const dividend = sz == 1 ? getReg(0, 2) : ((getReg(2, sz) << bits) | getReg(0, sz));
  const q = dividend / v, r = dividend % v;
  if (q > m) return EXIT_DE;
  if (sz == 1) { setGpr8(0, <u32>q); store<u8>(S + 1, <u8>r); } // AH, whatever the REX prefix
  else { setReg(0, sz, q); setReg(2, sz, r); }
  return 0;
}

/** IDIV r/m: returns 0 or EXIT_DE. */
export function idiv1(v: u64, sz: i32): i32 {
  const d = sext(v, sz);
  if (d == 0) return EXIT_DE;
  if (sz == 8) {
    let hi = gpr64(2), lo = gpr64(0);
    const negN = <i64>hi < 0;
    if (negN) { lo = ~lo + 1; hi = ~hi + (lo == 0 ? 1 : 0); }
    const negD = d < 0;
    const ad: u64 = negD ? <u64>(0 - d) : <u64>d;
    if (hi >= ad) return EXIT_DE;
    let q = divu128(hi, lo, ad);
    let r = hi64;
    const negQ = negN != negD;
    if (negQ ? q > 0x8000000000000000 : q > 0x7fffffffffffffff) return EXIT_DE;
    if (negQ) q = 0 - q;
    if (negN) r = 0 - r;
    setGpr64(0, q); setGpr64(2, r);
    return 0;
  }
  const bits = <u64>(sz << 3);
  const n: i64 = sz == 1 ? sext(getReg(0, 2), 2) : sext((getReg(2, sz) << bits) | getReg(0, sz), sz * 2);
  // n fits in 2*sz*8 <= 64 bits, so n / d cannot overflow i64 except MIN/-1, excluded below by the range check.
  if (d == -1 && n == i64.MIN_VALUE) return EXIT_DE;
  const q = n / d, r = n % d;
  if (sext(<u64>q, sz) != q) return EXIT_DE;
  if (sz == 1) { setGpr8(0, <u32>q); store<u8>(S + 1, <u8>r); }
  else { setReg(0, sz, <u64>q); setReg(2, sz, <u64>r); }
  return 0;
}
