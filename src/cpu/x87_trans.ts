// x87 transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN,
// FCOS, FSINCOS, FPTAN (the special-value tables are those of SDM vol. 2).
//
// Results are computed in a 128-bit-significand software float ("wide"
// values, truncating arithmetic, ~2^-120 relative error) and then rounded
// once to the 64-bit register format: correctly rounded except when the true
// value lies within ~2^-56 ulp of a rounding boundary. The trigonometric
// instructions reduce their argument modulo the 66-bit approximation of pi
// that the hardware uses (SDM vol. 1 §8.3.10: results for large arguments
// follow that pi, not the true one), exactly, with integer arithmetic.
//
// Wide values live in static slots (no allocation): slot k holds sign (u32),
// exponent (i32) and a 128-bit significand hi:lo with bit 127 set, the value
// being hi:lo / 2^127 * 2^e; hi = lo = 0 is zero.
import { roundExact, setResult80, setRoundedUp, raiseExc, IE, DE, ZE, UE, PE, isNaN80, isSNaN80, isUnsupported, isInf80, isZero80, isDenormal80, BIAS, INDEF_SE, INDEF_M, rSE, rM } from "./f80";

const W: usize = memory.data(24 * 32, 16);
@inline function ws(k: i32): u32 { return load<u32>(W + <usize>k * 24); }
@inline function we(k: i32): i32 { return load<i32>(W + <usize>k * 24, 4); }
@inline function wh(k: i32): u64 { return load<u64>(W + <usize>k * 24, 8); }
@inline function wl(k: i32): u64 { return load<u64>(W + <usize>k * 24, 16); }
@inline function wz(k: i32): bool { return (wh(k) | wl(k)) == 0; }
function wset(k: i32, s: u32, e: i32, hi: u64, lo: u64): void {
  const a = W + <usize>k * 24;
  if ((hi | lo) == 0) { store<u32>(a, s); store<i32>(a, 0, 4); store<u64>(a, 0, 8); store<u64>(a, 0, 16); return; }
  if (hi == 0) { hi = lo; lo = 0; e -= 64; }
  const z = <i32>clz(hi);
  if (z != 0) { hi = (hi << <u64>z) | (lo >> <u64>(64 - z)); lo <<= <u64>z; e -= z; }
  store<u32>(a, s); store<i32>(a, e, 4); store<u64>(a, hi, 8); store<u64>(a, lo, 16);
}
function wcopy(d: i32, a: i32): void { wset(d, ws(a), we(a), wh(a), wl(a)); }
function wneg(k: i32): void { store<u32>(W + <usize>k * 24, ws(k) ^ 1); }
function wint(k: i32, v: u64): void { wset(k, 0, 127, 0, v); }

let pH: u64 = 0;
let pL: u64 = 0;
function mul64(a: u64, b: u64): void {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  pL = (p00 & 0xffffffff) | (mid << 32);
  pH = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** d = a + b (slots may coincide). */
function wadd(d: i32, a: i32, b: i32): void {
  if (wz(a)) { wcopy(d, b); return; }
  if (wz(b)) { wcopy(d, a); return; }
  let sa = ws(a), ea = we(a), ah = wh(a), al = wl(a);
  let sb = ws(b), eb = we(b), bh = wh(b), bl = wl(b);
  if (eb > ea || (eb == ea && (bh > ah || (bh == ah && bl > al)))) {
    let t = sa; sa = sb; sb = t;
    let te = ea; ea = eb; eb = te;
    let th = ah; ah = bh; bh = th;
    let tl = al; al = bl; bl = tl;
  }
  const n = ea - eb;
  if (n >= 128) { wset(d, sa, ea, ah, al); return; }
  if (n >= 64) { bl = bh >> <u64>(n - 64); bh = 0; }
  else if (n > 0) { bl = (bl >> <u64>n) | (bh << <u64>(64 - n)); bh >>= <u64>n; }
  if (sa == sb) {
    let lo = al + bl;
    const c1 = <u64>(lo < al);
    let hi = ah + bh;
    let c2 = hi < ah;
    const hi2 = hi + c1;
    if (hi2 < hi) c2 = true;
    hi = hi2;
    if (c2) { // carry out of bit 127
      lo = (lo >> 1) | (hi << 63); hi = (hi >> 1) | 0x8000_0000_0000_0000;
      wset(d, sa, ea + 1, hi, lo); return;
    }
    wset(d, sa, ea, hi, lo);
    return;
  }
  const lo = al - bl;
  const hi = ah - bh - <u64>(al < bl);
  wset(d, sa, ea, hi, lo);
}
function wsub(d: i32, a: i32, b: i32): void { wneg(b); wadd(d, a, b); if (d != b) wneg(b); }

/** d = a * b (top 128 bits of the product). */
function wmul(d: i32, a: i32, b: i32): void {
  if (wz(a) || wz(b)) { wset(d, ws(a) ^ ws(b), 0, 0, 0); return; }
  const ah = wh(a), al = wl(a), bh = wh(b), bl = wl(b);
  mul64(ah, bh); let h = pH, l = pL;
  mul64(ah, bl); const h2 = pH, l2 = pL;
  mul64(al, bh); const h3 = pH, l3 = pL;
  mul64(al, bl); const h4 = pH;
  // bits 64..127 of the product: l2 + l3 + h4, carries into l
  let mid = l2 + l3; let c: u64 = <u64>(mid < l2);
  const mid2 = mid + h4; c += <u64>(mid2 < mid); mid = mid2;
  let lo = l + h2; let cc: u64 = <u64>(lo < l);
  const lo2 = lo + h3; cc += <u64>(lo2 < lo); lo = lo2;
  const lo3 = lo + c; cc += <u64>(lo3 < lo); lo = lo3;
  h += cc;
  let e = we(a) + we(b);
  if ((h >> 63) != 0) e++;
  else { h = (h << 1) | (lo >> 63); lo = (lo << 1) | (mid >> 63); }
  wset(d, ws(a) ^ ws(b), e, h, lo);
}

/** d = a / b by 128-step long division (b != 0). */
function wdiv(d: i32, a: i32, b: i32): void {
  if (wz(a)) { wset(d, ws(a) ^ ws(b), 0, 0, 0); return; }
  let rh = wh(a), rl = wl(a);
  const bh = wh(b), bl = wl(b);
  let e = we(a) - we(b);
  let carry = false;
  if (rh < bh || (rh == bh && rl < bl)) { e--; carry = (rh >> 63) != 0; rh = (rh << 1) | (rl >> 63); rl <<= 1; }
  let qh: u64 = 0, ql: u64 = 0;
  for (let i = 0; i < 128; i++) {
    qh = (qh << 1) | (ql >> 63); ql <<= 1;
    if (carry || rh > bh || (rh == bh && rl >= bl)) {
      const nl = rl - bl; rh = rh - bh - <u64>(rl < bl); rl = nl;
      ql |= 1;
    }
    carry = (rh >> 63) != 0; rh = (rh << 1) | (rl >> 63); rl <<= 1;
  }
  wset(d, ws(a) ^ ws(b), e, qh, ql);
}

function wfrom80(k: i32, se: u32, m: u64): void {
  let e = <i32>(se & 0x7fff);
  if (e == 0) e = 1;
  wset(k, se >> 15, e - BIAS, m, 0);
}
/** Rounds slot k to the register format (64-bit precision, RC) into rSE/rM. */
function wround(k: i32): void { wroundDir(k, false); }
/**
 * Rounds an approximation whose neglected tail is non-zero: `down` says the
 * tail shrinks the magnitude (the first dropped series term has the other
 * sign), which matters when the value sits exactly on a representable
 * number (sin x ~ x, cos x ~ 1 for tiny x).
 */
function wroundDir(k: i32, down: bool): void {
  if (wz(k)) { setResult80(ws(k) << 15, 0); return; }
  let hi = wh(k), lo = wl(k), e = we(k);
  if (down) {
    const nl = lo - 1; if (lo == 0) hi--; lo = nl;
    if ((hi >> 63) == 0) { hi = (hi << 1) | (lo >> 63); lo <<= 1; e--; }
  }
  roundExact(ws(k), e, hi, lo | 1);
}
/** For results computed exactly in 128 bits. */
function wroundExact(k: i32): void {
  if (wz(k)) { setResult80(ws(k) << 15, 0); return; }
  roundExact(ws(k), we(k), wh(k), wl(k));
}

// constants (bc -l, 128-bit significands, rounded)
function wconst(k: i32, which: i32): void {
  switch (which) {
    case 0: wset(k, 0, -1, 0xb17217f7d1cf79ab, 0xc9e3b39803f2f6af); break; // ln 2
    case 1: wset(k, 0, 0, 0xb8aa3b295c17f0bb, 0xbe87fed0691d3e89); break; // log2 e
    case 2: wset(k, 0, 1, 0xc90fdaa22168c234, 0xc4c6628b80dc1cd1); break; // pi
    case 3: wset(k, 0, -4, 0xfeadd4d5617b6e32, 0xc897989f3e888ef8); break; // atan(1/8)
    case 4: wset(k, 0, -3, 0xfadbafc96406eb15, 0x6dc79ef5f7a217e6); break;
    case 5: wset(k, 0, -2, 0xb7b0ca0f26f78473, 0x8aa32122dcfe4483); break;
    case 6: wset(k, 0, -2, 0xed63382b0dda7b45, 0x6fe445ecbc3a8d03); break;
    case 7: wset(k, 0, -1, 0x8f005d5ef7f59f9b, 0x5c835e1665c43748); break;
    case 8: wset(k, 0, -1, 0xa4bc7d1934f70924, 0x19a87f2a457dac9f); break;
    case 9: wset(k, 0, -1, 0xb8053e2bc2319e73, 0xcb2da55210a4443d); break; // atan(7/8)
    default: wset(k, 0, -1, 0xc90fdaa22168c234, 0xc4c6628b80dc1cd1); // atan(1) = pi/4
  }
}

// Slots: 0..3 arguments/results, 4.. scratch.
const A = 0, B = 1, R = 2, T = 4, U = 5, V = 6, X2 = 7, K = 8;

/** Sum of the series with first term in T and ratio step(k) until terms vanish; result in R. */
/** Whether the first series term left out has the opposite sign of the sum. */
let tailDown: bool = false;
let sinDown: bool = false;
let cosDown: bool = false;
function sinSeries(x: i32): void {
  // sin x = x - x^3/3! + ...
  wmul(X2, x, x);
  wcopy(T, x); wcopy(R, x);
  tailDown = false;
  for (let n: u64 = 2; n < 80; n += 2) {
    wmul(T, T, X2); wint(K, n * (n + 1)); wdiv(T, T, K); wneg(T);
    if (wz(T) || we(T) < we(R) - 120) { tailDown = !wz(T) && ws(T) != ws(R); break; }
    wadd(R, R, T);
  }
  sinDown = tailDown;
}
function cosSeries(x: i32): void {
  wmul(X2, x, x);
  wint(T, 1); wint(R, 1);
  tailDown = false;
  for (let n: u64 = 1; n < 80; n += 2) {
    wmul(T, T, X2); wint(K, n * (n + 1)); wdiv(T, T, K); wneg(T);
    if (wz(T) || we(T) < we(R) - 120) { tailDown = !wz(T) && ws(T) != ws(R); break; }
    wadd(R, R, T);
  }
  cosDown = tailDown;
}

// ---- argument reduction modulo pi66/2 ----
/** pi rounded to 66 bits = PI66 * 2^-64. */
const PI66_HI: u64 = 0x3;
const PI66_LO: u64 = 0x243f6a8885a308d3;
let quadrant: u32 = 0;
/** Reduces |x| (se, m; |x| < 2^63) to slot `out` and sets `quadrant` (n mod 4). */
function reduce(se: u32, m: u64, out: i32): void {
  let e = <i32>(se & 0x7fff); if (e == 0) e = 1;
  const ex = e - BIAS;
  quadrant = 0;
  if (ex < -1) { wset(out, 0, ex, m, 0); return; } // |x| < 0.5 < pi/4
  // X = |x| * 2^65 as a 130-bit integer; divide by PI66 (66 bits) with remainder
  const sh = ex + 2; // 1..65
  let xh: u64, xl: u64 = 0, top: u64 = 0;
  if (sh < 64) { xh = m >> <u64>(64 - sh); xl = m << <u64>sh; }
  else if (sh == 64) xh = m;
  else { top = m >> 63; xh = m << 1; } // sh == 65: bit 128 is set
  let rh: u64 = 0, rl: u64 = 0, q: u64 = 0;
  for (let i = 129; i >= 0; i--) {
    const bit = i >= 128 ? (i == 128 ? top : 0) : i >= 64 ? (xh >> <u64>(i - 64)) & 1 : (xl >> <u64>i) & 1;
    rh = (rh << 1) | (rl >> 63); rl = (rl << 1) | bit;
    q <<= 1;
    if (rh > PI66_HI || (rh == PI66_HI && rl >= PI66_LO)) {
      const nl = rl - PI66_LO; rh = rh - PI66_HI - <u64>(rl < PI66_LO); rl = nl;
      q |= 1;
    }
  }
  // X / PI66 = |x| / (pi66/2): q counts multiples of pi66/2; round to the nearest
  // (PI66 is odd, so there is no tie)
  let neg = false;
  // compare 2r with PI66
  const th = (rh << 1) | (rl >> 63), tl = rl << 1;
  if (th > PI66_HI || (th == PI66_HI && tl > PI66_LO)) {
    q++;
    const nl = PI66_LO - rl; rh = PI66_HI - rh - <u64>(PI66_LO < rl); rl = nl;
    neg = true;
  }
  quadrant = <u32>(q & 3);
  // r * 2^-65 (X was |x| * 2^65 and PI66 * 2^-65 = pi66/2)
  wset(out, neg ? 1 : 0, 127 - 65, rh, rl);
}

// ---- exported operations; results in f80 rSE/rM, exceptions via raiseExc ----
/** Handles NaN/unsupported of a one-operand function; true if decided. */
function nan1(se: u32, m: u64): bool {
  if (isUnsupported(se, m)) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return true; }
  if (isNaN80(se, m)) { if (isSNaN80(se, m)) raiseExc(IE); setResult80(se, m | 0x4000_0000_0000_0000); return true; }
  return false;
}

/** Out-of-range flag for FSIN/FCOS/FSINCOS/FPTAN (C2 = 1, operand unchanged). */
export let trigOutOfRange: bool = false;
/** Second result of FSINCOS (cos) / FPTAN (1.0). */
export let res2SE: u32 = 0;
export let res2M: u64 = 0;

/** op: 0 sin, 1 cos, 2 sincos (rSE/rM = sin, res2 = cos), 3 tan (res2 = 1.0). */
export function trig(se: u32, m: u64, op: i32): void {
  trigOutOfRange = false;
  if (nan1(se, m)) { res2SE = rSE; res2M = rM; return; }
  if (isInf80(se, m)) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); res2SE = INDEF_SE; res2M = INDEF_M; return; }
  const e = <i32>(se & 0x7fff);
  if (e >= BIAS + 63) { trigOutOfRange = true; return; }
  if (isDenormal80(se, m)) raiseExc(DE);
  const neg = (se & 0x8000) != 0;
  if (isZero80(se, m)) {
    if (op == 1) { setResult80(0x3fff, 0x8000_0000_0000_0000); return; }
    setResult80(se, 0);
    if (op == 2) { res2SE = 0x3fff; res2M = 0x8000_0000_0000_0000; }
    if (op == 3) { res2SE = 0x3fff; res2M = 0x8000_0000_0000_0000; }
    return;
  }
  reduce(se, m, A);
  const q = quadrant;
  // sin(|x|) and cos(|x|) from the reduced argument
  if (op != 1) {
    sinSeries(A); wcopy(B, R); // sin r
  }
  cosSeries(A); wcopy(3, R); // cos r  (slot 3)
  // s = sin|x|, c = cos|x| by quadrant
  let sSlot = B, cSlot = 3;
  let sNeg = false, cNeg = false;
  if (q == 1) { sSlot = 3; cSlot = B; cNeg = true; }
  else if (q == 2) { sNeg = true; cNeg = true; }
  else if (q == 3) { sSlot = 3; cSlot = B; sNeg = true; }
  // the tail direction follows the series that produced each slot
  const bDown = sinDown, cDown = cosDown;
  if (op == 1) {
    if (q == 1 || q == 3) { sinSeries(A); wcopy(B, R); }
    if (cNeg) wneg(cSlot);
    wroundDir(cSlot, cSlot == B ? sinDown : cDown);
    return;
  }
  if (sNeg != neg) wneg(sSlot); // sin is odd
  if (cNeg) wneg(cSlot);
  if (op == 0) { wroundDir(sSlot, sSlot == B ? bDown : cDown); return; }
  if (op == 2) {
    wroundDir(cSlot, cSlot == B ? bDown : cDown); res2SE = rSE; res2M = rM;
    wroundDir(sSlot, sSlot == B ? bDown : cDown);
    return;
  }
  // tan = sin / cos
  wdiv(R, sSlot, cSlot);
  wround(R);
  res2SE = 0x3fff; res2M = 0x8000_0000_0000_0000;
}

/** F2XM1: 2^x - 1 (defined for -1 <= x <= 1). */
export function f2xm1(se: u32, m: u64): void {
  if (nan1(se, m)) return;
  if (isZero80(se, m)) { setResult80(se, 0); return; }
  if (isInf80(se, m)) { if ((se & 0x8000) != 0) setResult80(0xbfff, 0x8000_0000_0000_0000); else setResult80(se, m); return; }
  if (isDenormal80(se, m)) raiseExc(DE);
  // the only exact results in range: 2^1 - 1 and 2^-1 - 1 (the host still reports PE, and C1 for +1)
  if ((se & 0x7fff) == 0x3fff && m == 0x8000_0000_0000_0000) {
    raiseExc(PE);
    if ((se & 0x8000) != 0) setResult80(0xbffe, m); else { setResult80(0x3fff, m); setRoundedUp(true); }
    return;
  }
  // outside -1..+1 the result is undefined (SDM); the host returns the operand, with PE
  if ((se & 0x7fff) >= 0x3fff) { raiseExc(PE); setResult80(se, m); return; }
  wfrom80(A, se, m);
  wconst(T, 0); wmul(A, A, T); // y = x ln 2
  // e^y - 1 = y + y^2/2! + ...
  wcopy(R, A); wcopy(T, A);
  tailDown = false;
  for (let n: u64 = 2; n < 120; n++) {
    wmul(T, T, A); wint(K, n); wdiv(T, T, K);
    if (wz(T) || we(T) < we(R) - 120) { tailDown = !wz(T) && ws(T) != ws(R); break; }
    wadd(R, R, T);
  }
  wroundDir(R, tailDown);
}

/** ln(1+t) for the wide value in slot t via 2 atanh(t / (2 + t)); result in R. */
function lnOnePlus(t: i32): void {
  wint(K, 2); wadd(U, K, t); wdiv(U, t, U); // u = t/(2+t)
  wmul(X2, U, U);
  wcopy(R, U); wcopy(T, U);
  for (let n: u64 = 3; n < 400; n += 2) {
    wmul(T, T, X2);
    wint(K, n); wdiv(V, T, K);
    if (wz(V) || we(V) < we(R) - 120) break;
    wadd(R, R, V);
  }
  wadd(R, R, R);
}

/** R = log2 of the positive wide value in slot a: e + log2(m) with m in [sqrt(1/2), sqrt(2)). */
function log2Wide(a: i32): void {
  let e = we(a);
  wset(a, 0, 0, wh(a), wl(a));
  if (wh(a) > 0xb504f333f9de6484) { wset(a, 0, -1, wh(a), wl(a)); e++; }
  wint(K, 1); wsub(a, a, K); lnOnePlus(a); // ln m
  wconst(T, 1); wmul(R, R, T); // log2 m
  if (e != 0) { wint(K, <u64>(e < 0 ? -e : e)); if (e < 0) wneg(K); wadd(R, R, K); }
}

/** FYL2X: ST1 * log2(ST0); a = ST0 (x), b = ST1 (y). */
export function yl2x(xSE: u32, xM: u64, ySE: u32, yM: u64, plusOne: bool): void {
  if (isUnsupported(xSE, xM) || isUnsupported(ySE, yM)) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
  if (isNaN80(xSE, xM) || isNaN80(ySE, yM)) { nan2(xSE, xM, ySE, yM); return; }
  const xs = xSE >> 15, ys = ySE >> 15;
  const xz = isZero80(xSE, xM), yz = isZero80(ySE, yM), xi = isInf80(xSE, xM), yi = isInf80(ySE, yM);
  if (!plusOne) {
    if (xs != 0 && !xz) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
    if (xz) {
      if (yz) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
      if (!yi) raiseExc(ZE); // ZE alone, even for a denormal y (host)
      setResult80(((ys ^ 1) << 15) | 0x7fff, 0x8000_0000_0000_0000); return;
    }
    if (xi) {
      if (yz) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
      if (isDenormal80(ySE, yM)) raiseExc(DE);
      setResult80((ys << 15) | 0x7fff, 0x8000_0000_0000_0000); return;
    }
    if (isDenormal80(xSE, xM) || isDenormal80(ySE, yM)) raiseExc(DE);
    const one = (xSE & 0x7fff) == 0x3fff && xM == 0x8000_0000_0000_0000;
    if (one) {
      if (yi) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
      setResult80(ys << 15, 0); return;
    }
    const big = (xSE & 0x7fff) >= 0x3fff; // x > 1: log2 positive
    if (yi || yz) {
      const rs = ys ^ (big ? 0 : 1);
      setResult80((rs << 15) | (yi ? 0x7fff : 0), yi ? 0x8000_0000_0000_0000 : 0); return;
    }
    wfrom80(A, xSE, xM);
    if (wh(A) == 0x8000_0000_0000_0000) {
      // a power of two: y * e is exact in 128 bits
      const e = we(A);
      wint(R, <u64>(e < 0 ? -e : e)); if (e < 0) wneg(R);
      wfrom80(B, ySE, yM); wmul(R, R, B); wroundExact(R);
      // the host reports PE even for these exact products, and so UE when tiny
      raiseExc(PE);
      if ((rSE & 0x7fff) == 0 && rM != 0) raiseExc(UE);
      return;
    }
    log2Wide(A);
  } else {
    if (xz) {
      if (yi) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
      if (isDenormal80(ySE, yM)) raiseExc(DE);
      setResult80((xs ^ ys) << 15, 0); return;
    }
    if (yi) {
      if (isDenormal80(xSE, xM)) raiseExc(DE);
      setResult80(((xs ^ ys) << 15) | 0x7fff, 0x8000_0000_0000_0000); return;
    }
    if (xi && xs == 0) {
      // outside the domain; the host gives y * log2(+inf) = +-inf (0 * inf is invalid)
      if (yz) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
      if (isDenormal80(ySE, yM)) raiseExc(DE);
      setResult80((ys << 15) | 0x7fff, 0x8000_0000_0000_0000); return;
    }
    if (xi) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; } // -inf: invalid (host)
    if (isDenormal80(xSE, xM) || isDenormal80(ySE, yM)) raiseExc(DE);
    if (yz) { setResult80((xs ^ ys) << 15, 0); return; }
    // undefined below -1 (SDM domain is |x| < 1 - sqrt(2)/2); the host returns x there
    if (xs != 0 && (xSE & 0x7fff) >= 0x3fff) { raiseExc(PE); setResult80(xSE, xM); return; }
    wfrom80(A, xSE, xM);
    if (we(A) < -2) { lnOnePlus(A); wconst(T, 1); wmul(R, R, T); }
    else { wint(K, 1); wadd(A, A, K); log2Wide(A); } // far from 0: log2 of 1 + x directly
  }
  wfrom80(B, ySE, yM);
  wmul(R, R, B);
  wround(R);
}

function nan2(aSE: u32, aM: u64, bSE: u32, bM: u64): void {
  const QB: u64 = 0x4000_0000_0000_0000;
  const an = isNaN80(aSE, aM), bn = isNaN80(bSE, bM);
  if (isSNaN80(aSE, aM) || isSNaN80(bSE, bM)) raiseExc(IE);
  if (an && bn) {
    const aq = (aM & QB) != 0, bq = (bM & QB) != 0;
    if (aq != bq) { if (aq) setResult80(aSE, aM); else setResult80(bSE, bM); return; }
    // the larger significand wins; on a tie the positive one (as in f80.ts)
    const qa = aM | QB, qb = bM | QB;
    if (qa < qb || (qa == qb && (aSE & 0x8000) != 0 && (bSE & 0x8000) == 0)) setResult80(bSE, qb); else setResult80(aSE, qa);
    return;
  }
  if (an) setResult80(aSE, aM | QB); else setResult80(bSE, bM | QB);
}

/** atan(t) for 0 <= t <= 1 in slot t; result in R. */
function atanUnit(t: i32): void {
  // nearest k/8, then atan t = atan(k/8) + atan((t - k/8) / (1 + t k/8))
  let k: i32 = 0;
  if (!wz(t)) {
    const e = we(t);
    if (e >= 0) k = 8;
    else if (e >= -4) k = <i32>((wh(t) >> <u64>(63 - 3 - e - 1)) + 1) >> 1; // round(t * 8)
  }
  if (k == 0) wcopy(U, t);
  else {
    wint(K, <u64>k); wset(V, 0, -3, 0x8000_0000_0000_0000, 0); wmul(K, K, V); // c = k/8
    wsub(U, t, K);
    wmul(V, t, K); wint(X2, 1); wadd(V, V, X2);
    wdiv(U, U, V);
  }
  wmul(X2, U, U);
  wcopy(R, U); wcopy(T, U);
  tailDown = false;
  for (let n: u64 = 3; n < 200; n += 2) {
    wmul(T, T, X2); wneg(T);
    wint(K, n); wdiv(V, T, K);
    if (wz(V) || we(V) < we(R) - 120) { tailDown = k == 0 && !wz(V) && ws(V) != ws(R); break; }
    wadd(R, R, V);
  }
  if (k != 0) { wconst(V, k + 2); wadd(R, R, V); }
}

/** FPATAN: atan2(ST1, ST0) with y = ST1, x = ST0. */
export function patan(xSE: u32, xM: u64, ySE: u32, yM: u64): void {
  if (isUnsupported(xSE, xM) || isUnsupported(ySE, yM)) { raiseExc(IE); setResult80(INDEF_SE, INDEF_M); return; }
  if (isNaN80(xSE, xM) || isNaN80(ySE, yM)) { nan2(xSE, xM, ySE, yM); return; }
  const xs = xSE >> 15, ys = ySE >> 15;
  const xz = isZero80(xSE, xM), yz = isZero80(ySE, yM), xi = isInf80(xSE, xM), yi = isInf80(ySE, yM);
  if (!xi && !xz && isDenormal80(xSE, xM)) raiseExc(DE);
  if (!yi && !yz && isDenormal80(ySE, yM)) raiseExc(DE);
  // special values: multiples of pi/4 (rounded under RC like any result), zeros
  if (yz) {
    if (xs == 0) { setResult80(ys << 15, 0); return; }
    wconst(R, 2); if (ys != 0) wneg(R); wround(R); return;
  }
  if (yi || xz || xi) {
    // angle = pi/2 (y inf with x finite, or x zero), pi/4 / 3pi/4 (both inf), 0 / pi (x inf)
    if (yi && xi) {
      wconst(R, 10);
      if (xs != 0) { wint(K, 3); wmul(R, R, K); }
    } else if (yi || xz) {
      wconst(R, 2); wset(R, 0, we(R) - 1, wh(R), wl(R));
    } else {
      if (xs == 0) { setResult80(ys << 15, 0); return; }
      wconst(R, 2);
    }
    if (ys != 0) wneg(R);
    wround(R); return;
  }
  wfrom80(A, xSE & 0x7fff, xM); wfrom80(B, ySE & 0x7fff, yM);
  const swap = we(B) > we(A) || (we(B) == we(A) && (wh(B) > wh(A)));
  if (swap) wdiv(3, A, B); else wdiv(3, B, A);
  atanUnit(3);
  // a tiny ratio gives atan t ~ t: keep the series' tail direction (ratio exact only if lo == 0)
  const down = tailDown && !swap && xs == 0 && wl(3) == 0;
  if (swap) { wconst(V, 2); wset(V, 0, we(V) - 1, wh(V), wl(V)); wsub(R, V, R); }
  if (xs != 0) { wconst(V, 2); wsub(R, V, R); }
  if (ys != 0) wneg(R);
  wroundDir(R, down);
}
