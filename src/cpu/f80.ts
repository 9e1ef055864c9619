// Software 80-bit extended-precision arithmetic for the x87 unit.
//
// A value is `se` (u32: sign in bit 15, biased exponent in bits 0-14) and `m`
// (u64 significand with the explicit integer bit 63), exactly the register
// format of Intel SDM vol. 1 §4.2.2 / §8.2. Operations take operands as plain
// arguments and leave their result in the module globals rSE/rM (no
// allocation: the CPU runs with --runtime stub). They OR the exceptions they
// raise into `exc` (FSW bit layout: IE DE ZE OE UE PE) and set `roundedUp`
// (reported as C1). `cw` is the control word in force: precision control
// (bits 8-9) and rounding control (bits 10-11) apply to every result, the
// OE/UE masks select the masked or the exponent-wrapping response (§4.9.1.4-5).
//
// Intermediate results are normalised significands `m` (bit 63 set) with an
// unbiased exponent (value = m / 2^63 * 2^e) plus a 64-bit extension word
// `x` whose top bit is the rounding (half) bit and whose lowest bit doubles as
// the sticky bit: enough for correctly rounded add, mul, div and sqrt.

import { IE, DE, ZE, OE, UE, PE } from "./fpexc";
export { IE, DE, ZE, OE, UE, PE };

export const BIAS: i32 = 16383;
const WRAP: i32 = 24576; // exponent bias adjust for unmasked OE/UE (SDM vol. 1 §8.5.4-8.5.5)
export const TOP_BIT: u64 = 0x8000_0000_0000_0000;
/** The real indefinite QNaN: sign 1, exponent all ones, significand 1100...0. */
export const INDEF_SE: u32 = 0xffff;
export const INDEF_M: u64 = 0xc000_0000_0000_0000;

export let cw: u32 = 0x037f;
export let exc: u32 = 0;
export let roundedUp: bool = false;
export let rSE: u32 = 0;
export let rM: u64 = 0;

export function setCw(v: u32): void { cw = v; }
export function clearExc(): void { exc = 0; roundedUp = false; denA = false; denB = false; }
export function raiseExc(e: u32): void { exc |= e; }
export function setExc(e: u32): void { exc = e; }
export function setRoundedUp(v: bool): void { roundedUp = v; }

// ---- classification (SDM vol. 1 table 8-3, §8.2.2 unsupported formats) ----
@inline export function expOf(se: u32): u32 { return se & 0x7fff; }
/** Pseudo-NaN, pseudo-infinity and unnormal: invalid operands since the 387. */
@inline export function isUnsupported(se: u32, m: u64): bool {
  return (se & 0x7fff) != 0 && (m >> 63) == 0;
}
@inline export function isNaN80(se: u32, m: u64): bool {
  return (se & 0x7fff) == 0x7fff && (m >> 63) != 0 && (m << 1) != 0;
}
@inline export function isSNaN80(se: u32, m: u64): bool {
  return isNaN80(se, m) && ((m >> 62) & 1) == 0;
}
@inline export function isInf80(se: u32, m: u64): bool {
  return (se & 0x7fff) == 0x7fff && m == TOP_BIT;
}
@inline export function isZero80(se: u32, m: u64): bool { return (se & 0x7fff) == 0 && m == 0; }
/** Denormal or pseudo-denormal (exponent 0, non-zero significand). */
@inline export function isDenormal80(se: u32, m: u64): bool { return (se & 0x7fff) == 0 && m != 0; }

@inline function setResult(se: u32, m: u64): void { rSE = se; rM = m; }
export function setIndefinite(): void { rSE = INDEF_SE; rM = INDEF_M; }

// ---- normalisation ----
// Finite non-zero operand -> unbiased exponent nE and significand nM with bit 63 set.
export let nE: i32 = 0;
export let nM: u64 = 0;
export function normalize(se: u32, m: u64): void {
  let e = <i32>(se & 0x7fff);
  if (e == 0) e = 1; // denormals and pseudo-denormals share the minimum exponent
  const s = <i32>clz(m);
  nM = m << <u64>s;
  nE = e - s - BIAS;
}

// ---- 128-bit helpers on (hi, lo) pairs; results in globals ----
let tH: u64 = 0;
let tL: u64 = 0;
/** (hi:lo) >> n with every shifted-out bit ORed into bit 0 (sticky). */
function shr128Sticky(hi: u64, lo: u64, n: i32): void {
  if (n == 0) { tH = hi; tL = lo; return; }
  if (n < 64) {
    const lost = lo << <u64>(64 - n);
    tL = (lo >> <u64>n) | (hi << <u64>(64 - n)) | <u64>(lost != 0);
    tH = hi >> <u64>n;
    return;
  }
  if (n == 64) { tL = hi | <u64>(lo != 0); tH = 0; return; }
  if (n < 128) {
    const lost = (hi << <u64>(128 - n)) | lo;
    tL = (hi >> <u64>(n - 64)) | <u64>(lost != 0);
    tH = 0;
    return;
  }
  tL = <u64>((hi | lo) != 0); tH = 0;
}
/** Full 64x64 -> 128 product into tH:tL. */
function mul64(a: u64, b: u64): void {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  tL = (p00 & 0xffffffff) | (mid << 32);
  tH = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

// ---- rounding (SDM vol. 1 §4.8.4, §8.1.5.2 precision control) ----
// Outputs of roundCore: oM with oBiased exponent in the destination format's
// bias, or oInf. Denormal results have oBiased = 0.
export let oBiased: i32 = 0;
export let oM: u64 = 0;
export let oInf: bool = false;

/**
 * Rounds sign/e/m/x to p significand bits for a destination whose normal
 * exponents are [emin, emax] (unbiased) and whose bias is `bias`. `reg` says
 * the destination is an x87 register, where unmasked OE/UE deliver the
 * exponent-wrapped result (SDM §8.5.4); for memory destinations the caller
 * stores nothing when those are unmasked.
 */
export function roundCore(sign: u32, e: i32, m: u64, x: u64, p: i32, emin: i32, emax: i32, bias: i32, reg: bool): void {
  const rc = (cw >> 10) & 3;
  oInf = false;
  let tiny = false;
  if (e < emin) {
    // tininess is detected after rounding (measured on the host): a value
    // just below the smallest normal that rounds up to it is not tiny
    tiny = e < emin - 1 || !roundsToCarry(sign, m, x, p, rc);
    if (reg && (cw & UE) == 0 && tiny) {
      if (e + WRAP < emin) {
        // FSCALE far out of range: wrapping cannot help; the host delivers a signed zero
        exc |= UE | PE; roundedUp = false; oBiased = 0; oM = 0; return;
      }
      e += WRAP; // unmasked underflow: deliver the wrapped, normally rounded result
      exc |= UE;
    } else {
      shr128Sticky(m, x, emin - e);
      m = tH; x = tL;
      e = emin - 1; // marks "denormal": integer bit may reappear by rounding
    }
  }
  // round at bit (64 - p) of m
  let gt: bool, eq: bool, nz: bool;
  let unit: u64;
  if (p < 64) {
    const d = <u64>(64 - p);
    const mask = (<u64>1 << d) - 1;
    const half = <u64>1 << (d - 1);
    const r = m & mask;
    gt = r > half || (r == half && x != 0);
    eq = r == half && x == 0;
    nz = r != 0 || x != 0;
    m &= ~mask;
    unit = <u64>1 << d;
  } else {
    gt = x > TOP_BIT;
    eq = x == TOP_BIT;
    nz = x != 0;
    unit = 1;
  }
  let inc = false;
  if (rc == 0) inc = gt || (eq && (m & unit) != 0);
  else if (rc == 1) inc = nz && sign != 0;
  else if (rc == 2) inc = nz && sign == 0;
  roundedUp = inc;
  if (nz) exc |= PE;
  if (inc) {
    const before = m;
    m += unit;
    if (m < before) { m = TOP_BIT; e++; } // carried out of bit 63
  }
  if (e == emin - 1) {
    // denormal path: an integer bit produced by rounding makes it the smallest normal
    if ((m >> 63) != 0) e = emin;
    // masked underflow is signalled only for tiny inexact results, unmasked for any tiny one (§4.9.1.5)
    if (tiny && (nz || (cw & UE) == 0)) exc |= UE;
    oBiased = (m >> 63) != 0 ? emin + bias : 0;
    oM = m;
    return;
  }
  if (e > emax) {
    if (reg && (cw & OE) == 0 && e - WRAP > emax) {
      // FSCALE far out of range: the host delivers a signed infinity
      exc |= OE | PE; oInf = true; roundedUp = true; return;
    }
    if (reg && (cw & OE) == 0) {
      exc |= OE;
      e -= WRAP;
    } else {
      exc |= OE | PE;
      // masked overflow: infinity or the largest finite value, by rounding direction
      const toInf = rc == 0 || (rc == 1 && sign != 0) || (rc == 2 && sign == 0);
      if (toInf) { oInf = true; roundedUp = true; return; }
      roundedUp = false;
      oBiased = emax + bias;
      oM = p < 64 ? ~((<u64>1 << <u64>(64 - p)) - 1) : ~(<u64>0);
      return;
    }
  }
  oBiased = e + bias;
  oM = m;
}

/** True when rounding m.x to p bits (unbounded exponent) carries out of bit 63. */
function roundsToCarry(sign: u32, m: u64, x: u64, p: i32, rc: u32): bool {
  let gt: bool, eq: bool, nz: bool, unit: u64, top: u64;
  if (p < 64) {
    const d = <u64>(64 - p);
    const mask = (<u64>1 << d) - 1;
    const half = <u64>1 << (d - 1);
    const r = m & mask;
    gt = r > half || (r == half && x != 0); eq = r == half && x == 0; nz = r != 0 || x != 0;
    top = m | mask; unit = <u64>1 << d;
  } else {
    gt = x > TOP_BIT; eq = x == TOP_BIT; nz = x != 0; top = m; unit = 1;
  }
  if (top != ~<u64>0) return false; // only an all-ones significand can carry
  if (rc == 0) return gt || (eq && (m & unit) != 0);
  if (rc == 1) return nz && sign != 0;
  if (rc == 2) return nz && sign == 0;
  return false;
}

function precisionBits(): i32 {
  const pc = (cw >> 8) & 3;
  return pc == 0 ? 24 : pc == 2 ? 53 : 64;
}

/** Rounds to the register format under PC/RC; result in rSE/rM. */
export function roundToReg(sign: u32, e: i32, m: u64, x: u64): void {
  roundPrec(sign, e, m, x, precisionBits());
}
/** Rounds to the register format at full 64-bit precision (PC does not apply), for transcendentals. */
export function roundExact(sign: u32, e: i32, m: u64, x: u64): void { roundPrec(sign, e, m, x, 64); }
export function setResult80(se: u32, m: u64): void { rSE = se; rM = m; }
function roundPrec(sign: u32, e: i32, m: u64, x: u64, p: i32): void {
  roundCore(sign, e, m, x, p, 1 - BIAS, BIAS, BIAS, true);
  const s = sign << 15;
  if (oInf) { setResult(s | 0x7fff, TOP_BIT); return; }
  setResult(s | <u32>oBiased, oM);
}

// ---- NaN propagation (SDM vol. 1 table 4-7, x87 column) ----
/** Handles unsupported/NaN operands of a two-operand operation; true if the result is decided. */
function specials2(aSE: u32, aM: u64, bSE: u32, bM: u64): bool {
  if (isUnsupported(aSE, aM) || isUnsupported(bSE, bM)) { exc |= IE; setIndefinite(); return true; }
  const an = isNaN80(aSE, aM), bn = isNaN80(bSE, bM);
  if (!an && !bn) return false;
  if (isSNaN80(aSE, aM) || isSNaN80(bSE, bM)) exc |= IE;
  const QB: u64 = 0x4000_0000_0000_0000;
  if (an && bn) {
    const aq = (aM & QB) != 0, bq = (bM & QB) != 0;
    // an SNaN and a QNaN give the QNaN; two of a kind: the larger significand wins
    if (aq != bq) { if (aq) setResult(aSE, aM); else setResult(bSE, bM); return true; }
    const qa = aM | QB, qb = bM | QB;
    if (qa < qb || (qa == qb && (aSE & 0x8000) != 0 && (bSE & 0x8000) == 0)) setResult(bSE, qb);
    else setResult(aSE, qa);
  } else if (an) setResult(aSE, aM | QB);
  else setResult(bSE, bM | QB);
  return true;
}
export function specials1(aSE: u32, aM: u64): bool {
  if (isUnsupported(aSE, aM)) { exc |= IE; setIndefinite(); return true; }
  if (!isNaN80(aSE, aM)) return false;
  if (isSNaN80(aSE, aM)) exc |= IE;
  setResult(aSE, aM | 0x4000_0000_0000_0000);
  return true;
}
/**
 * Operands converted from m32/m64 lose their denormal encoding; the caller
 * says so in denA/denB so DE is still reported, at the point hardware
 * reports it (after NaN and unsupported checks).
 */
export let denA: bool = false;
export let denB: bool = false;
export function setDen(a: bool, b: bool): void { denA = a; denB = b; }
@inline function chkA(se: u32, m: u64): void { if (denA || isDenormal80(se, m)) exc |= DE; }
@inline function chkB(se: u32, m: u64): void { if (denB || isDenormal80(se, m)) exc |= DE; }

// ---- add / subtract ----
/** a + b, or a - b when `negB` (the sign of b is flipped). */
export function add80(aSE: u32, aM: u64, bSE: u32, bM: u64, negB: bool): void {
  if (specials2(aSE, aM, bSE, bM)) return;
  if (negB) bSE ^= 0x8000;
  const as = aSE >> 15, bs = bSE >> 15;
  const aInf = isInf80(aSE, aM), bInf = isInf80(bSE, bM);
  if (aInf || bInf) {
    if (aInf && bInf && as != bs) { exc |= IE; setIndefinite(); return; }
    if (!aInf) chkA(aSE, aM);
    if (!bInf) chkB(bSE, bM);
    setResult(aInf ? aSE : bSE, TOP_BIT);
    return;
  }
  chkA(aSE, aM); chkB(bSE, bM);
  const az = isZero80(aSE, aM), bz = isZero80(bSE, bM);
  if (az && bz) {
    const rc = (cw >> 10) & 3;
    const s: u32 = as == bs ? as : (rc == 1 ? 1 : 0);
    setResult(s << 15, 0);
    return;
  }
  if (bz) { normalize(aSE, aM); roundToReg(as, nE, nM, 0); return; }
  if (az) { normalize(bSE, bM); roundToReg(bs, nE, nM, 0); return; }
  normalize(aSE, aM); let ea = nE, ma = nM;
  normalize(bSE, bM); let eb = nE, mb = nM;
  let sa = as, sb = bs;
  if (eb > ea || (eb == ea && mb > ma)) {
    let t = ea; ea = eb; eb = t;
    let tm = ma; ma = mb; mb = tm;
    let ts = sa; sa = sb; sb = ts;
  }
  shr128Sticky(mb, 0, ea - eb);
  const bh = tH, bl = tL;
  let e = ea;
  if (sa == sb) {
    let hi = ma + bh;
    let lo = bl;
    if (hi < ma) { // carry: shift right one, keeping sticky
      lo = (lo >> 1) | (hi << 63) | (lo & 1);
      hi = (hi >> 1) | TOP_BIT;
      e++;
    }
    roundToReg(sa, e, hi, lo);
    return;
  }
  // |a| >= |b|: subtract magnitudes
  let lo = 0 - bl;
  let hi = ma - bh - <u64>(bl != 0);
  if (hi == 0 && lo == 0) {
    const rc = (cw >> 10) & 3;
    setResult(rc == 1 ? 0x8000 : 0, 0);
    return;
  }
  if (hi == 0) { hi = lo; lo = 0; e -= 64; }
  const s = <i32>clz(hi);
  if (s != 0) { hi = (hi << <u64>s) | (lo >> <u64>(64 - s)); lo <<= <u64>s; e -= s; }
  roundToReg(sa, e, hi, lo);
}

// ---- multiply ----
export function mul80(aSE: u32, aM: u64, bSE: u32, bM: u64): void {
  if (specials2(aSE, aM, bSE, bM)) return;
  const s = (aSE ^ bSE) & 0x8000;
  const aInf = isInf80(aSE, aM), bInf = isInf80(bSE, bM);
  const az = isZero80(aSE, aM), bz = isZero80(bSE, bM);
  if (aInf || bInf) {
    if (az || bz) { exc |= IE; setIndefinite(); return; }
    if (!aInf) chkA(aSE, aM);
    if (!bInf) chkB(bSE, bM);
    setResult(s | 0x7fff, TOP_BIT);
    return;
  }
  chkA(aSE, aM); chkB(bSE, bM);
  if (az || bz) { setResult(s, 0); return; }
  normalize(aSE, aM); const ea = nE, ma = nM;
  normalize(bSE, bM); const eb = nE, mb = nM;
  mul64(ma, mb);
  let hi = tH, lo = tL, e = ea + eb;
  if ((hi >> 63) != 0) e++;
  else { hi = (hi << 1) | (lo >> 63); lo <<= 1; }
  roundToReg(s >> 15, e, hi, lo);
}

// ---- divide ----
/** Restoring division of normalised significands: 64 quotient bits in tH, two more bits and the sticky bit in tL. Returns true when ma < mb (quotient exponent one lower). */
function divSig(ma: u64, mb: u64): bool {
  let r = ma;
  let carry = false;
  const low = ma < mb;
  if (low) { carry = (r >> 63) != 0; r <<= 1; }
  let q: u64 = 0;
  for (let i = 0; i < 64; i++) {
    q <<= 1;
    if (carry || r >= mb) { r -= mb; q |= 1; }
    carry = (r >> 63) != 0; r <<= 1;
  }
  let x: u64 = 0;
  for (let i = 0; i < 2; i++) {
    if (carry || r >= mb) { r -= mb; x |= TOP_BIT >> <u64>i; }
    carry = (r >> 63) != 0; r <<= 1;
  }
  if (carry || r != 0) x |= 1;
  tH = q; tL = x;
  return low;
}

export function div80(aSE: u32, aM: u64, bSE: u32, bM: u64): void {
  if (specials2(aSE, aM, bSE, bM)) return;
  const s = (aSE ^ bSE) & 0x8000;
  const aInf = isInf80(aSE, aM), bInf = isInf80(bSE, bM);
  const az = isZero80(aSE, aM), bz = isZero80(bSE, bM);
  if (aInf && bInf) { exc |= IE; setIndefinite(); return; }
  if (aInf) { chkB(bSE, bM); setResult(s | 0x7fff, TOP_BIT); return; }
  if (bInf) { chkA(aSE, aM); setResult(s, 0); return; }
  if (az && bz) { exc |= IE; setIndefinite(); return; }
  // x/0 reports ZE alone, even for a denormal dividend (measured)
  if (bz) { exc |= ZE; setResult(s | 0x7fff, TOP_BIT); return; }
  chkA(aSE, aM); chkB(bSE, bM);
  if (az) { setResult(s, 0); return; }
  normalize(aSE, aM); const ea = nE, ma = nM;
  normalize(bSE, bM); const eb = nE, mb = nM;
  const low = divSig(ma, mb);
  roundToReg(s >> 15, ea - eb - (low ? 1 : 0), tH, tL);
}

// ---- square root ----
export function sqrt80(aSE: u32, aM: u64): void {
  if (specials1(aSE, aM)) return;
  const neg = (aSE & 0x8000) != 0;
  if (isZero80(aSE, aM)) { setResult(aSE, 0); return; }
  if (neg) { exc |= IE; setIndefinite(); return; }
  chkA(aSE, aM);
  if (isInf80(aSE, aM)) { setResult(aSE, aM); return; }
  normalize(aSE, aM);
  // radicand N = m << sh (134 bits); root = floor(sqrt(N)) has 67 bits with its top bit set
  const odd = (nE & 1) != 0;
  const sh = odd ? 70 : 69;
  const m = nM;
  let remH: u64 = 0, remL: u64 = 0, rootH: u64 = 0, rootL: u64 = 0;
  for (let i = 0; i < 67; i++) {
    const pos = 133 - 2 * i; // bit pair (pos, pos-1) of N
    let pair: u64 = 0;
    for (let k = 0; k < 2; k++) {
      const b = pos - k - sh;
      pair = (pair << 1) | ((b >= 0 && b < 64) ? ((m >> <u64>b) & 1) : 0);
    }
    remH = (remH << 2) | (remL >> 62); remL = (remL << 2) | pair;
    const trH = (rootH << 2) | (rootL >> 62), trL = (rootL << 2) | 1;
    rootH = (rootH << 1) | (rootL >> 63); rootL <<= 1;
    if (remH > trH || (remH == trH && remL >= trL)) {
      const bw = <u64>(remL < trL);
      remL -= trL; remH = remH - trH - bw;
      rootL |= 1;
    }
  }
  // root bits 66..3 form the significand, bits 2..0 plus the remainder round it
  const sig = (rootH << 61) | (rootL >> 3);
  const x = (rootL << 61) | <u64>((remH | remL) != 0);
  roundToReg(0, (nE - (odd ? 1 : 0)) >> 1, sig, x);
}

// ---- comparison ----
export const CMP_GT: i32 = 0;
export const CMP_LT: i32 = 1;
export const CMP_EQ: i32 = 2;
export const CMP_UN: i32 = 3;
/** Compares a with b; `quiet` (FUCOM*) signals IE only for SNaNs, otherwise any NaN is invalid. */
export function cmp80(aSE: u32, aM: u64, bSE: u32, bM: u64, quiet: bool): i32 {
  if (isUnsupported(aSE, aM) || isUnsupported(bSE, bM)) { exc |= IE; return CMP_UN; }
  const an = isNaN80(aSE, aM), bn = isNaN80(bSE, bM);
  if (an || bn) {
    if (!quiet || isSNaN80(aSE, aM) || isSNaN80(bSE, bM)) exc |= IE;
    return CMP_UN;
  }
  chkA(aSE, aM); chkB(bSE, bM);
  const az = isZero80(aSE, aM), bz = isZero80(bSE, bM);
  if (az && bz) return CMP_EQ;
  const as = az ? 0 : aSE >> 15, bs = bz ? 0 : bSE >> 15;
  if (as != bs) return as != 0 ? CMP_LT : CMP_GT;
  // same sign: compare magnitudes (zero below everything)
  let mag: i32 = 0;
  if (az) mag = -1;
  else if (bz) mag = 1;
  else {
    normalize(aSE, aM); const ea = nE, ma = nM;
    normalize(bSE, bM);
    if (ea != nE) mag = ea < nE ? -1 : 1;
    else if (ma != nM) mag = ma < nM ? -1 : 1;
  }
  if (mag == 0) return CMP_EQ;
  if (as != 0) mag = -mag;
  return mag < 0 ? CMP_LT : CMP_GT;
}

// ---- FSCALE, FXTRACT, FPREM ----
/** ST0 * 2^trunc(ST1). */
export function scale80(aSE: u32, aM: u64, bSE: u32, bM: u64): void {
  if (specials2(aSE, aM, bSE, bM)) return;
  const aInf = isInf80(aSE, aM), bInf = isInf80(bSE, bM);
  const az = isZero80(aSE, aM);
  const bneg = (bSE >> 15) != 0;
  if (bInf) {
    if ((az && !bneg) || (aInf && bneg)) { exc |= IE; setIndefinite(); return; }
    chkA(aSE, aM);
    if (aInf || az) { setResult(aSE, aM); return; }
    setResult(bneg ? aSE & 0x8000 : (aSE & 0x8000) | 0x7fff, bneg ? 0 : TOP_BIT);
    return;
  }
  chkA(aSE, aM); chkB(bSE, bM);
  if (aInf || az) { setResult(aSE, aM); return; }
  // trunc(ST1), clamped: beyond +-2^17 the result over/underflows anyway
  let sc: i32 = 0;
  if (!isZero80(bSE, bM)) {
    normalize(bSE, bM);
    if (nE >= 17) sc = 1 << 17;
    else if (nE >= 0) sc = <i32>(nM >> <u64>(63 - nE));
    if (bneg) sc = -sc;
  }
  normalize(aSE, aM);
  roundPrec(aSE >> 15, nE + sc, nM, 0, 64);
}

/** FXTRACT: rSE/rM get the significand (exponent 0); xtExpSE/xtExpM the exponent as a value. */
export let xtSE: u32 = 0;
export let xtM: u64 = 0;
export function xtract80(se: u32, m: u64): void {
  if (specials1(se, m)) { xtSE = rSE; xtM = rM; return; }
  if (isInf80(se, m)) { xtSE = 0x7fff; xtM = TOP_BIT; setResult(se, m); return; }
  if (isZero80(se, m)) { exc |= ZE; xtSE = 0xffff; xtM = TOP_BIT; setResult(se, m); return; }
  chkA(se, m);
  normalize(se, m);
  const e = nE;
  setResult((se & 0x8000) | <u32>BIAS, nM);
  const sm = rM, sse = rSE;
  // the exponent as a value (exact: |e| < 2^15)
  const a = <u64>(e < 0 ? -e : e);
  if (a == 0) { xtSE = 0; xtM = 0; }
  else {
    const z = <i32>clz(a);
    xtSE = (e < 0 ? 0x8000 : 0) | <u32>(BIAS + 63 - z); xtM = a << <u64>z;
  }
  rSE = sse; rM = sm;
}

/** Quotient bits for C0/C3/C1 and the C2 "incomplete" flag of the last FPREM/FPREM1. */
export let remQ: u64 = 0;
export let remPartial: bool = false;
/** False when the result is a NaN (propagated or indefinite): no quotient bits are reported. */
export let remValid: bool = false;

export function prem80(aSE: u32, aM: u64, bSE: u32, bM: u64, nearest: bool): void {
  remQ = 0; remPartial = false; remValid = false;
  if (specials2(aSE, aM, bSE, bM)) return;
  const aInf = isInf80(aSE, aM), bInf = isInf80(bSE, bM);
  const bz = isZero80(bSE, bM);
  if (aInf || bz) { exc |= IE; setIndefinite(); return; }
  remValid = true;
  chkA(aSE, aM); chkB(bSE, bM);
  if (isZero80(aSE, aM)) { setResult(aSE, aM); return; }
  normalize(aSE, aM); const ea = nE, ma = nM;
  if (bInf) { roundPrec(aSE >> 15, ea, ma, 0, 64); return; } // re-encodes a pseudo-denormal
  normalize(bSE, bM); const eb = nE, mb = nM;
  const d = ea - eb;
  const sign = aSE >> 15;
  if (d < 0) {
    // |a| < |b|: quotient 0, except FPREM1 rounds it to 1 when |a| > |b|/2
    if (nearest && d == -1 && ma > mb) {
      remQ = 1;
      // |b| - |a| = (2mb - ma) * 2^(ea-63), and 2mb - ma = mb - (ma - mb) < mb
      const diff = mb - (ma - mb);
      const z = <i32>clz(diff);
      roundPrec(sign ^ 1, ea - z, diff << <u64>z, 0, 64);
      return;
    }
    roundPrec(sign, ea, ma, 0, 64);
    return;
  }
  let steps = d;
  let rexp = eb;
  // exponent gap of 64 or more: one partial step of N bits (SDM FPREM, C2 = 1).
  // N is implementation-dependent in 32..63; the host uses 32 + (D mod 32),
  // which leaves a gap that is a multiple of 32.
  if (d >= 64) { remPartial = true; steps = 32 + (d & 31); rexp = ea - steps; }
  // long division of ma * 2^steps by mb: quotient q (low bits), remainder r < mb
  let r = ma, q: u64 = 0, carry = false;
  for (let i = 0; i <= steps; i++) {
    q <<= 1;
    if (carry || r >= mb) { r -= mb; q |= 1; }
    if (i < steps) { carry = (r >> 63) != 0; r <<= 1; }
  }
  let s = sign;
  if (nearest && !remPartial) {
    // round the quotient to nearest-even: compare 2r with mb
    const twiceCarry = (r >> 63) != 0;
    const twice = r << 1;
    if (twiceCarry || twice > mb || (twice == mb && (q & 1) != 0)) {
      q++;
      r = mb - r;
      s ^= 1;
    }
  }
  remQ = q;
  if (r == 0) { setResult(aSE & 0x8000, 0); return; }
  const z = <i32>clz(r);
  roundPrec(s, rexp - z, r << <u64>z, 0, 64);
}

/** Tag for FNSTENV/FNSAVE (SDM vol. 1 §8.1.7): 0 valid, 1 zero, 2 special. */
export function tagOf(se: u32, m: u64): u32 {
  const e = se & 0x7fff;
  if (e == 0) return m == 0 ? 1 : 2;
  if (e == 0x7fff || (m >> 63) == 0) return 2;
  return 0;
}

/** FXAM class bits C3 C2 C0 (FSW bits 14, 10, 8) for a non-empty register. */
export function examine(se: u32, m: u64): u32 {
  if (isUnsupported(se, m)) return 0;
  if (isNaN80(se, m)) return 0x100;
  if (isInf80(se, m)) return 0x500;
  if (isZero80(se, m)) return 0x4000;
  if (isDenormal80(se, m)) return 0x4400;
  return 0x400;
}
