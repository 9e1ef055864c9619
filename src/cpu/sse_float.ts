// IEEE-754 single/double arithmetic with the exact semantics of SSE under
// MXCSR: the four rounding modes, DAZ/FTZ, the sticky exception flags, and
// Intel's NaN rules. WebAssembly float ops only round to nearest, set no
// flags and canonicalise NaNs, so the rounding operations here work on
// integer significands (like a soft-float) and only lean on the hardware
// where the result is exact or its error can be checked exactly (sqrt).
//
// References: Intel SDM vol. 1 §4.8.3 (NaNs, table 4-7: with two NaN
// operands SSE returns the first source, quieted; invalid operations return
// the "QNaN floating-point indefinite" with the sign bit set), §4.9.1
// (exception conditions; x86 detects tininess after rounding), §10.2.3
// (MXCSR: DAZ, FTZ, RC, masks), §11.5 (SIMD FP exceptions).
//
// Unpacked form: class (zero, finite, inf, nan), sign, and for finite values
// a 64-bit significand normalised with its top bit at bit 62 and an unbiased
// exponent, so value = sig * 2^(exp - 62). Both formats share the code; `dbl`
// selects the precision when packing.
import { mxcsr, setMxcsr } from "./sse_common";
import { EXIT_XM } from "./state";

import { IE, DE, ZE, OE, UE, PE } from "./fpexc";
export { IE, DE, ZE, OE, UE, PE };

/** Exception flags raised by the executing instruction (MXCSR bits 0-5). */
export let fx: u32 = 0;
/** Rounding control: 0 nearest-even, 1 down, 2 up, 3 toward zero. */
export let rc: u32 = 0;
let daz = false;
let ftz = false;
let underflowMasked = true;
let overflowMasked = true;

/** Reads RC/DAZ/FTZ/masks from MXCSR and clears the per-instruction flags. */
export function fpBegin(): void {
  const m = mxcsr();
  fx = 0;
  rc = (m >> 13) & 3;
  daz = (m & 0x40) != 0;
  ftz = (m & 0x8000) != 0;
  underflowMasked = (m & (UE << 7)) != 0;
  overflowMasked = (m & (OE << 7)) != 0;
}

/**
 * Merges the raised flags into MXCSR. Returns EXIT_XM when one of them is
 * unmasked: the caller then must not write the destination (SDM vol. 1
 * §11.5.1: an unmasked SIMD FP exception leaves the destination unchanged).
 */
export function fpEnd(): i32 {
  const m = mxcsr();
  const unmasked = ~(m >> 7) & 0x3f;
  // An unmasked pre-computation exception (IE, DE, ZE) in any lane stops the
  // instruction before results are rounded: no OE/UE/PE is reported.
  if ((fx & (IE | DE | ZE) & unmasked) != 0) {
    setMxcsr(m | (fx & (IE | DE | ZE)));
    return EXIT_XM;
  }
  setMxcsr(m | fx);
  return (fx & unmasked) != 0 ? EXIT_XM : 0;
}

// ---- classification and special values ----
export const C_ZERO = 0;
export const C_FIN = 1;
export const C_INF = 2;
export const C_NAN = 3;

let uCls = 0;
let uSign = false;
let uExp: i32 = 0;
let uSig: u64 = 0;
let uDen = false;

/** Decodes `bits` into the u* globals. DAZ turns a denormal into a signed zero (no DE). */
function unpack(bits: u64, dbl: bool): void {
  let e: i32;
  let m: u64;
  if (dbl) {
    uSign = (bits >> 63) != 0; e = <i32>((bits >> 52) & 0x7ff); m = bits & 0xf_ffff_ffff_ffff;
    if (e == 0x7ff) { uCls = m != 0 ? C_NAN : C_INF; uDen = false; return; }
  } else {
    uSign = ((bits >> 31) & 1) != 0; e = <i32>((bits >> 23) & 0xff); m = bits & 0x7f_ffff;
    if (e == 0xff) { uCls = m != 0 ? C_NAN : C_INF; uDen = false; return; }
  }
  uDen = false;
  if (e == 0) {
    if (m == 0 || daz) { uCls = C_ZERO; return; }
    uDen = true;
    const sig = dbl ? m << 10 : m << 39;
    const lz = <i32>clz(sig) - 1;
    uCls = C_FIN; uSig = sig << lz; uExp = (dbl ? -1022 : -126) - lz;
    return;
  }
  uCls = C_FIN;
  if (dbl) { uSig = (m | (<u64>1 << 52)) << 10; uExp = e - 1023; }
  else { uSig = (m | (<u64>1 << 23)) << 39; uExp = e - 127; }
}

// Second operand's unpacked fields (the first stays in u*).
let bCls = 0;
let bSign = false;
let bExp: i32 = 0;
let bSig: u64 = 0;
let bDen = false;
function unpack2(a: u64, b: u64, dbl: bool): void {
  unpack(b, dbl);
  bCls = uCls; bSign = uSign; bExp = uExp; bSig = uSig; bDen = uDen;
  unpack(a, dbl);
}

@inline export function isNaN(bits: u64, dbl: bool): bool {
  return dbl ? (bits & 0x7fff_ffff_ffff_ffff) > 0x7ff0_0000_0000_0000
    : (bits & 0x7fff_ffff) > 0x7f80_0000;
}
@inline export function isSNaN(bits: u64, dbl: bool): bool {
  return isNaN(bits, dbl) && (dbl ? (bits & 0x8_0000_0000_0000) == 0 : (bits & 0x40_0000) == 0);
}
@inline export function quiet(bits: u64, dbl: bool): u64 {
  return bits | (dbl ? <u64>0x8_0000_0000_0000 : <u64>0x40_0000);
}
/** QNaN floating-point indefinite (SDM vol. 1 table 4-3). */
@inline export function defaultNaN(dbl: bool): u64 {
  return dbl ? 0xfff8_0000_0000_0000 : 0xffc0_0000;
}
@inline function signBit(sign: bool, dbl: bool): u64 {
  return sign ? (dbl ? <u64>0x8000_0000_0000_0000 : <u64>0x8000_0000) : 0;
}
@inline function infBits(sign: bool, dbl: bool): u64 {
  return signBit(sign, dbl) | (dbl ? <u64>0x7ff0_0000_0000_0000 : <u64>0x7f80_0000);
}
@inline function maxBits(sign: bool, dbl: bool): u64 {
  return signBit(sign, dbl) | (dbl ? <u64>0x7fef_ffff_ffff_ffff : <u64>0x7f7f_ffff);
}

/** Two-operand NaN result: IE on any SNaN; the first operand's NaN wins (table 4-7). */
function nan2(a: u64, b: u64, dbl: bool): u64 {
  if (isSNaN(a, dbl) || isSNaN(b, dbl)) fx |= IE;
  return isNaN(a, dbl) ? quiet(a, dbl) : quiet(b, dbl);
}

// ---- rounding ----
@inline function shiftRightJam(sig: u64, n: i32): u64 {
  if (n <= 0) return sig;
  if (n >= 63) return sig != 0 ? 1 : 0;
  return (sig >> n) | ((sig << (64 - n)) != 0 ? 1 : 0);
}

let lastInexact = false;
/** sig >> s rounded per RC (s in 0..63); sets lastInexact. */
function roundShift(sig: u64, s: i32, sign: bool): u64 {
  if (s == 0) { lastInexact = false; return sig; }
  const rb = sig & ((<u64>1 << s) - 1);
  let q = sig >> s;
  lastInexact = rb != 0;
  if (rb != 0) {
    if (rc == 0) {
      const half = <u64>1 << (s - 1);
      if (rb > half || (rb == half && (q & 1) != 0)) q++;
    } else if (rc == 1) { if (sign) q++; }
    else if (rc == 2) { if (!sign) q++; }
  }
  return q;
}

function overflow(sign: bool, dbl: bool, inexact: bool): u64 {
  // Unmasked, the result is not delivered; PE is reported only if rounding
  // to full precision (unbounded exponent) was inexact.
  if (!overflowMasked) { fx |= OE | (inexact ? PE : 0); return 0; }
  fx |= OE | PE;
  if (rc == 0) return infBits(sign, dbl);
  if (rc == 3) return maxBits(sign, dbl);
  if (rc == 1) return sign ? infBits(true, dbl) : maxBits(false, dbl);
  return sign ? maxBits(true, dbl) : infBits(false, dbl);
}

/**
 * Rounds sign * sig * 2^(exp-62) (sig != 0, any normalisation, sticky bits
 * jammed into its low bit) to the format, raising PE/UE/OE and applying FTZ.
 */
export function roundPack(sign: bool, exp: i32, sig: u64, dbl: bool): u64 {
  if ((sig >> 63) != 0) { sig = (sig >> 1) | (sig & 1); exp++; }
  else { const lz = <i32>clz(sig) - 1; sig <<= lz; exp -= lz; }
  const s: i32 = dbl ? 10 : 39;
  const mbits: u64 = dbl ? 52 : 23;
  const emin: i32 = dbl ? -1022 : -126;
  const sgn = signBit(sign, dbl);
  if (exp >= emin) {
    let q = roundShift(sig, s, sign);
    const inexact = lastInexact;
    if ((q >> (mbits + 1)) != 0) { q >>= 1; exp++; }
    if (exp > (dbl ? 1023 : 127)) return overflow(sign, dbl, inexact);
    if (inexact) fx |= PE;
    return sgn | (<u64>(exp + (dbl ? 1023 : 127)) << mbits) | (q & ((<u64>1 << mbits) - 1));
  }
  // Below the normal range. Tiny = still below 2^emin after rounding to full
  // precision with an unbounded exponent.
  const full = roundShift(sig, s, sign);
  const tiny = exp < emin - 1 || (full >> (mbits + 1)) == 0;
  if (tiny && !underflowMasked) { fx |= UE | (lastInexact ? PE : 0); return 0; } // not delivered
  if (tiny && ftz) { fx |= UE | PE; return sgn; }
  const q = roundShift(shiftRightJam(sig, emin - exp), s, sign);
  const inexact = lastInexact;
  if (inexact) fx |= PE;
  if (tiny && inexact) fx |= UE;
  return sgn | q; // a carry into bit mbits gives the smallest normal
}

@inline function zeroBits(sign: bool, dbl: bool): u64 { return signBit(sign, dbl); }

// ---- fast paths ----
// Round-to-nearest with normal operands and a result clear of the subnormal
// and overflow ranges is exactly what the wasm float op returns; only PE
// needs the exact error, which error-free transformations give (Knuth's
// 2Sum, Dekker's product; for single precision the f64 computation is exact).
// Anything else (other modes, specials, denormals, near-tiny or near-overflow
// results) takes the soft-float path below, so MXCSR semantics are unchanged.
let fastRes: u64 = 0;
@inline function ef64(x: u64): u32 { return <u32>(x >> 52) & 0x7ff; }
@inline function ef32(x: u64): u32 { return <u32>(x >> 23) & 0xff; }
/** Error of the product x*y against its rounded value p (Dekker; needs moderate exponents). */
@inline function mulErr(x: f64, y: f64, p: f64): f64 {
  const cx = 134217729.0 * x, cy = 134217729.0 * y;
  const xh = cx - (cx - x), yh = cy - (cy - y);
  const xl = x - xh, yl = y - yh;
  return ((xh * yh - p) + xh * yl + xl * yh) + xl * yl;
}

function fastOp(kind: i32, a: u64, b: u64, dbl: bool): bool {
  if (dbl) {
    const ea = ef64(a), eb = ef64(b);
    // Operands normal with exponents in [2^-968, 2^995): splitting cannot overflow, errors cannot underflow.
    if (ea - 55 >= 2018 - 55 || eb - 55 >= 2018 - 55) return false;
    const x = reinterpret<f64>(a), y = reinterpret<f64>(b);
    let r: f64, err: f64;
    if (kind <= 1) {
      const yy = kind == 1 ? -y : y;
      r = x + yy;
      const bb = r - x;
      err = (x - (r - bb)) + (yy - bb);
    } else if (kind == 2) {
      r = x * y;
      if (ef64(reinterpret<u64>(r)) - 55 >= 2018 - 55) return false;
      err = mulErr(x, y, r);
    } else {
      r = x / y;
      if (ef64(reinterpret<u64>(r)) - 55 >= 2018 - 55) return false;
      const p = r * y;
      err = p != x ? 1.0 : mulErr(r, y, p);
    }
    const er = ef64(reinterpret<u64>(r));
    if (er < 2 || er >= 0x7ff) return false;
    if (err != 0) fx |= PE;
    fastRes = reinterpret<u64>(r);
    return true;
  }
  const ea = ef32(a), eb = ef32(b);
  if (ea - 1 >= 0xfe || eb - 1 >= 0xfe) return false;
  const x = reinterpret<f32>(<u32>a), y = reinterpret<f32>(<u32>b);
  const X = <f64>x, Y = <f64>y;
  let r: f32;
  let inexact: bool;
  if (kind <= 1) {
    const YY = kind == 1 ? -Y : Y;
    r = kind == 1 ? x - y : x + y;
    const S = X + YY;
    const bb = S - X;
    inexact = (X - (S - bb)) + (YY - bb) != 0 || <f64>r != S;
  } else if (kind == 2) {
    r = x * y;
    inexact = <f64>r != X * Y; // 24 x 24 bits: exact in f64
  } else {
    r = x / y;
    inexact = <f64>r * Y != X;
  }
  const er = ef32(<u64>reinterpret<u32>(r));
  if (er < 2 || er >= 0xff) return false;
  if (inexact) fx |= PE;
  fastRes = <u64>reinterpret<u32>(r);
  return true;
}

// ---- arithmetic ----
/** a + b, or a - b when `sub`. */
export function fadd(a: u64, b: u64, dbl: bool, sub: bool): u64 {
  if (rc == 0 && fastOp(sub ? 1 : 0, a, b, dbl)) return fastRes;
  unpack2(a, b, dbl);
  if (uCls == C_NAN || bCls == C_NAN) return nan2(a, b, dbl);
  if (uDen || bDen) fx |= DE;
  const sb = bSign != sub;
  if (uCls == C_INF) {
    if (bCls == C_INF && uSign != sb) { fx |= IE; return defaultNaN(dbl); }
    return infBits(uSign, dbl);
  }
  if (bCls == C_INF) return infBits(sb, dbl);
  if (uCls == C_ZERO && bCls == C_ZERO) {
    // Exact zero sum: +0 unless both are -0, or the signs differ while rounding down.
    return zeroBits(uSign == sb ? uSign : rc == 1, dbl);
  }
  if (uCls == C_ZERO) return roundPack(sb, bExp, bSig, dbl);
  if (bCls == C_ZERO) return roundPack(uSign, uExp, uSig, dbl);
  let xs = uSign, xe = uExp, xm = uSig;
  let ys = sb, ye = bExp, ym = bSig;
  if (xe < ye || (xe == ye && xm < ym)) {
    xs = sb; xe = bExp; xm = bSig;
    ys = uSign; ye = uExp; ym = uSig;
  }
  ym = shiftRightJam(ym, xe - ye);
  if (xs == ys) return roundPack(xs, xe, xm + ym, dbl);
  const d = xm - ym;
  if (d == 0) return zeroBits(rc == 1, dbl);
  return roundPack(xs, xe, d, dbl);
}

let mulHi: u64 = 0;
let mulLo: u64 = 0;
function mul64To128(a: u64, b: u64): void {
  const a0 = a & 0xffff_ffff, a1 = a >> 32, b0 = b & 0xffff_ffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
  mulLo = (p00 & 0xffff_ffff) | (mid << 32);
  mulHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

export function fmul(a: u64, b: u64, dbl: bool): u64 {
  if (rc == 0 && fastOp(2, a, b, dbl)) return fastRes;
  unpack2(a, b, dbl);
  if (uCls == C_NAN || bCls == C_NAN) return nan2(a, b, dbl);
  if (uDen || bDen) fx |= DE;
  const sign = uSign != bSign;
  if (uCls == C_INF || bCls == C_INF) {
    if (uCls == C_ZERO || bCls == C_ZERO) { fx |= IE; return defaultNaN(dbl); }
    return infBits(sign, dbl);
  }
  if (uCls == C_ZERO || bCls == C_ZERO) return zeroBits(sign, dbl);
  // (2^62..2^63)^2 -> product top bit at 124 or 125; keep bits 125..62.
  mul64To128(uSig, bSig);
  const r = (mulHi << 2) | (mulLo >> 62) | ((mulLo << 2) != 0 ? 1 : 0);
  return roundPack(sign, uExp + bExp, r, dbl);
}

export function fdiv(a: u64, b: u64, dbl: bool): u64 {
  if (rc == 0 && fastOp(3, a, b, dbl)) return fastRes;
  unpack2(a, b, dbl);
  if (uCls == C_NAN || bCls == C_NAN) return nan2(a, b, dbl);
  if ((uDen || bDen) && bCls != C_ZERO) fx |= DE;
  const sign = uSign != bSign;
  if (uCls == C_INF) {
    if (bCls == C_INF) { fx |= IE; return defaultNaN(dbl); }
    return infBits(sign, dbl);
  }
  if (bCls == C_INF) return zeroBits(sign, dbl);
  if (bCls == C_ZERO) {
    if (uCls == C_ZERO) { fx |= IE; return defaultNaN(dbl); }
    fx |= ZE; // zero-divide wins over a denormal dividend: no DE
    return infBits(sign, dbl);
  }
  if (uCls == C_ZERO) return zeroBits(sign, dbl);
  // Restoring division, one quotient bit per step; the remainder becomes the sticky bit.
  let rem = uSig;
  let exp = uExp - bExp;
  if (rem < bSig) { rem <<= 1; exp--; }
  let q: u64 = 0;
  for (let i = 0; i < 63; i++) {
    q <<= 1;
    if (rem >= bSig) { rem -= bSig; q |= 1; }
    rem <<= 1;
  }
  if (rem != 0) q |= 1;
  return roundPack(sign, exp, q, dbl);
}

const TWO200 = reinterpret<f64>(0x4c70_0000_0000_0000);
const TWO_M200 = reinterpret<f64>(0x3370_0000_0000_0000);
const TWO100 = reinterpret<f64>(0x4630_0000_0000_0000);
const TWO_M100 = reinterpret<f64>(0x39b0_0000_0000_0000);

/**
 * Square root. The hardware's correctly rounded (nearest) root is checked
 * exactly against the operand to get inexactness and the direction of the
 * error, then moved one ulp for the directed modes. A root is never tiny
 * and never overflows.
 */
export function fsqrt(a: u64, dbl: bool): u64 {
  unpack(a, dbl);
  if (uCls == C_NAN) { if (isSNaN(a, dbl)) fx |= IE; return quiet(a, dbl); }
  if (uCls == C_ZERO) return zeroBits(uSign, dbl);
  if (uSign) { fx |= IE; return defaultNaN(dbl); } // invalid wins over denormal
  if (uDen) fx |= DE;
  if (uCls == C_INF) return a;
  let cmp: i32; // sign of (operand - root^2)
  let r: u64;
  if (!dbl) {
    const x = <f64>reinterpret<f32>(<u32>a);
    const root = Mathf.sqrt(reinterpret<f32>(<u32>a));
    const rr = <f64>root * <f64>root; // exact: 24 x 24 bits
    cmp = x > rr ? 1 : x < rr ? -1 : 0;
    r = <u64>reinterpret<u32>(root);
  } else {
    let x = reinterpret<f64>(a);
    let scale = 1.0;
    // Keep root^2 and its error term clear of overflow and underflow.
    if (x < 1e-270) { x *= TWO200; scale = TWO_M100; }
    else if (x > 1e270) { x *= TWO_M200; scale = TWO100; }
    const root = Math.sqrt(x);
    // Dekker: root*root == p + e exactly.
    const c = 134217729.0 * root;
    const hi = c - (c - root);
    const lo = root - hi;
    const p = root * root;
    const e = ((hi * hi - p) + 2.0 * hi * lo) + lo * lo;
    const d = x - p; // exact (Sterbenz)
    cmp = d > e ? 1 : d < e ? -1 : 0;
    r = reinterpret<u64>(root * scale);
  }
  if (cmp != 0) {
    fx |= PE;
    if (cmp > 0 && rc == 2) r++;
    else if (cmp < 0 && (rc == 1 || rc == 3)) r--;
  }
  return r;
}

// ---- comparisons ----
/** Value of a non-NaN operand as f64, with DAZ applied (exact for both formats). */
function asF64(bits: u64, dbl: bool): f64 {
  if (dbl) {
    if (daz && (bits & 0x7ff0_0000_0000_0000) == 0) return (bits >> 63) != 0 ? -0.0 : 0.0;
    return reinterpret<f64>(bits);
  }
  if (daz && (bits & 0x7f80_0000) == 0) return ((bits >> 31) & 1) != 0 ? -0.0 : 0.0;
  return <f64>reinterpret<f32>(<u32>bits);
}
@inline function isDenormal(bits: u64, dbl: bool): bool {
  return dbl ? (bits & 0x7ff0_0000_0000_0000) == 0 && (bits & 0xf_ffff_ffff_ffff) != 0
    : (bits & 0x7f80_0000) == 0 && (bits & 0x7f_ffff) != 0;
}

/**
 * Compares a with b: 0 less, 1 equal, 2 greater, 3 unordered. IE on SNaN,
 * or on any NaN when `signaling` (COMISS, CMPLT...). DE on denormals.
 */
export function fcmp(a: u64, b: u64, dbl: bool, signaling: bool): i32 {
  const an = isNaN(a, dbl), bn = isNaN(b, dbl);
  if (an || bn) {
    if (signaling || isSNaN(a, dbl) || isSNaN(b, dbl)) fx |= IE;
    return 3;
  }
  if (!daz && (isDenormal(a, dbl) || isDenormal(b, dbl))) fx |= DE;
  const x = asF64(a, dbl), y = asF64(b, dbl);
  return x < y ? 0 : x == y ? 1 : 2;
}

/** MINSS/MAXSS: `a < b ? a : b` (max: `a > b`); NaN or equal -> b (SDM MINPS/MAXPS). */
export function fminmax(a: u64, b: u64, dbl: bool, max: bool): u64 {
  const an = isNaN(a, dbl), bn = isNaN(b, dbl);
  if (an || bn) { fx |= IE; return daz ? dazBits(b, dbl) : b; }
  if (!daz && (isDenormal(a, dbl) || isDenormal(b, dbl))) fx |= DE;
  const x = asF64(a, dbl), y = asF64(b, dbl);
  const pickA = max ? x > y : x < y;
  return daz ? (pickA ? dazBits(a, dbl) : dazBits(b, dbl)) : (pickA ? a : b);
}
@inline function dazBits(bits: u64, dbl: bool): u64 {
  if (isDenormal(bits, dbl)) return bits & (dbl ? 0x8000_0000_0000_0000 : <u64>0x8000_0000);
  return bits;
}

// ---- conversions ----
/** Signed integer -> float, rounded per RC (PE when inexact). */
export function fromInt(v: i64, dbl: bool): u64 {
  if (v == 0) return 0;
  const sign = v < 0;
  const mag: u64 = sign ? <u64>(-v) : <u64>v; // -2^63 wraps to 2^63 as u64
  return roundPack(sign, 62, mag, dbl);
}

/**
 * Float -> signed integer of 32 or 64 bits, rounded per RC or truncated.
 * NaN, infinity and out-of-range give the integer indefinite (0x80..0) with
 * IE; otherwise PE when inexact (SDM CVTSS2SI/CVTTSD2SI).
 */
export function toInt(a: u64, dbl: bool, is64: bool, trunc: bool): u64 {
  const indefinite: u64 = is64 ? 0x8000_0000_0000_0000 : 0x8000_0000;
  unpack(a, dbl);
  if (uCls == C_NAN || uCls == C_INF) { fx |= IE; return indefinite; }
  if (uCls == C_ZERO) return 0;
  if (uExp > 63) { fx |= IE; return indefinite; }
  let q: u64;
  let inexact: bool;
  const saved = rc;
  if (trunc) rc = 3;
  if (uExp < -1) { q = roundShift(1, 2, uSign); inexact = true; }
  else if (uExp == 63) { q = uSig << 1; inexact = false; }
  else { q = roundShift(uSig, 62 - uExp, uSign); inexact = lastInexact; }
  rc = saved;
  const limit: u64 = is64 ? (uSign ? 0x8000_0000_0000_0000 : 0x7fff_ffff_ffff_ffff)
    : (uSign ? 0x8000_0000 : 0x7fff_ffff);
  if (q > limit) { fx |= IE; return indefinite; }
  if (inexact) fx |= PE;
  const r = uSign ? <u64>(-<i64>q) : q;
  return is64 ? r : r & 0xffff_ffff;
}

/** CVTSS2SD (exact) when `toDouble`, else CVTSD2SS (rounded). */
export function convert(a: u64, toDouble: bool): u64 {
  const from = !toDouble;
  unpack(a, from);
  if (uCls == C_NAN) {
    if (isSNaN(a, from)) fx |= IE;
    // Quiet, keep the payload's top bits (SDM vol. 1 §4.8.3.7).
    if (toDouble) return signBit(uSign, true) | 0x7ff8_0000_0000_0000 | ((a & 0x7f_ffff) << 29);
    return signBit(uSign, false) | 0x7fc0_0000 | ((a & 0xf_ffff_ffff_ffff) >> 29);
  }
  if (uCls == C_INF) return infBits(uSign, toDouble);
  if (uCls == C_ZERO) return zeroBits(uSign, toDouble);
  if (uDen) fx |= DE;
  return roundPack(uSign, uExp, uSig, toDouble);
}

// ---- approximations (RCPSS/RSQRTSS) ----
// Intel documents only the bound |relative error| <= 1.5 * 2^-12 (SDM RCPPS,
// RSQRTPS); its tables are not public. We return the correctly rounded
// value, which is within that bound. These ignore RC, DAZ, FTZ and set no flags.
export function frcp(a: u32): u32 {
  const sign = a & 0x8000_0000;
  if ((a & 0x7fff_ffff) > 0x7f80_0000) return a | 0x40_0000;
  if ((a & 0x7f80_0000) == 0) return sign | 0x7f80_0000; // zero or denormal -> inf
  if ((a & 0x7fff_ffff) == 0x7f80_0000) return sign;
  const r = 1.0 / <f64>reinterpret<f32>(a);
  // Tiny results are flushed to zero. The SDM leaves inputs close to 2^126
  // open either way; like the hardware we flush from 2^126 (result <= 2^-126) up.
  if (Math.abs(r) <= reinterpret<f64>(0x3810_0000_0000_0000)) return sign;
  return reinterpret<u32>(<f32>r);
}
export function frsqrt(a: u32): u32 {
  const sign = a & 0x8000_0000;
  if ((a & 0x7fff_ffff) > 0x7f80_0000) return a | 0x40_0000;
  if ((a & 0x7f80_0000) == 0) return sign | 0x7f80_0000;
  if (sign != 0) return 0xffc0_0000;
  if (a == 0x7f80_0000) return 0;
  return reinterpret<u32>(<f32>(1.0 / Math.sqrt(<f64>reinterpret<f32>(a))));
}
