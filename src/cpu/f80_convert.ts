// Conversions between the 80-bit register format and the memory formats
// (f32, f64, 16/32/64-bit integers, 18-digit packed BCD), FRNDINT and the
// FLD constants. The rounding machinery and the exception state are those
// of f80.ts; results go to its rSE/rM or, for stores, to outBits here.
import {
  cw, exc, raiseExc, setExc, setRoundedUp, setResult80, rSE, rM, IE, DE, OE, UE, PE, BIAS, TOP_BIT,
  isUnsupported, isNaN80, isInf80, isZero80, isDenormal80, normalize, nE, nM,
  roundCore, oBiased, oM, oInf, specials1,
} from "./f80";

/** Set by fromF32/fromF64 when the source was a denormal (DE is the consumer's to raise). */
export let srcDen: bool = false;

// ---- from memory formats: exact; srcDen reports a denormal source, SNaNs stay signalling for the consumer ----
export function fromF32(v: u32): void {
  srcDen = false;
  const s = (v >> 31) << 15;
  const e = (v >> 23) & 0xff;
  const f = <u64>(v & 0x7fffff);
  if (e == 0xff) {
    if (f == 0) { setResult80(s | 0x7fff, TOP_BIT); return; }
    setResult80(s | 0x7fff, TOP_BIT | (f << 40)); // an SNaN stays signalling: the consumer decides

    return;
  }
  if (e == 0) {
    if (f == 0) { setResult80(s, 0); return; }
    srcDen = true;
    const z = <i32>clz(f);
    setResult80(s | <u32>(BIAS - 126 - (z - 40)), f << <u64>z);
    return;
  }
  setResult80(s | <u32>(e - 127 + BIAS), TOP_BIT | (f << 40));
}
export function fromF64(v: u64): void {
  srcDen = false;
  const s = <u32>(v >> 63) << 15;
  const e = <i32>((v >> 52) & 0x7ff);
  const f = v & 0xf_ffff_ffff_ffff;
  if (e == 0x7ff) {
    if (f == 0) { setResult80(s | 0x7fff, TOP_BIT); return; }
    setResult80(s | 0x7fff, TOP_BIT | (f << 11));

    return;
  }
  if (e == 0) {
    if (f == 0) { setResult80(s, 0); return; }
    srcDen = true;
    const z = <i32>clz(f);
    setResult80(s | <u32>(BIAS - 1022 - (z - 11)), f << <u64>z);
    return;
  }
  setResult80(s | <u32>(e - 1023 + BIAS), TOP_BIT | (f << 11));
}
/** Signed integer (FILD, FIADD...): always exact. */
export function fromInt(v: i64): void {
  if (v == 0) { setResult80(0, 0); return; }
  const s: u32 = v < 0 ? 0x8000 : 0;
  const a: u64 = v < 0 ? <u64>(0 - v) : <u64>v;
  const z = <i32>clz(a);
  setResult80(s | <u32>(BIAS + 63 - z), a << <u64>z);
}

// ---- conversions to memory formats (FST/FSTP m32/m64: RC applies, PC does not) ----
/** Result of toF32/toF64; `storeOk` false when an unmasked exception forbids the store. */
export let outBits: u64 = 0;
export let storeOk: bool = true;

function toFloat(se: u32, m: u64, p: i32, ebits: i32): void {
  const fbits = p - 1;
  const bias = (1 << (ebits - 1)) - 1;
  const s = <u64>(se >> 15);
  const signBit = s << <u64>(ebits + fbits);
  const expAll = <u64>((1 << ebits) - 1) << <u64>fbits;
  storeOk = true;
  if (isUnsupported(se, m)) {
    raiseExc(IE);
    storeOk = (cw & IE) != 0;
    outBits = (<u64>1 << <u64>(ebits + fbits)) | expAll | (<u64>1 << <u64>(fbits - 1)); // indefinite
    return;
  }
  if (isNaN80(se, m)) {
    if (((m >> 62) & 1) == 0) { raiseExc(IE); storeOk = (cw & IE) != 0; }
    outBits = signBit | expAll | (<u64>1 << <u64>(fbits - 1)) | ((m << 1) >> <u64>(64 - fbits));
    return;
  }
  if (isInf80(se, m)) { outBits = signBit | expAll; return; }
  if (isZero80(se, m)) { outBits = signBit; return; }
  // no DE here: the host does not report it for FST m32/m64 of a denormal
  normalize(se, m);
  const save = exc;
  roundCore(<u32>s, nE, nM, 0, p, 1 - bias, bias, bias, false);
  const now = exc & ~save;
  // unmasked overflow/underflow on a memory destination: nothing is stored (SDM §4.9.1.4-5)
  if (((now & OE) != 0 && (cw & OE) == 0) || ((now & UE) != 0 && (cw & UE) == 0)) {
    storeOk = false;
    setExc(save | (now & (OE | UE))); // nothing stored: no precision report either
    setRoundedUp(false);
  }
  if (oInf) { outBits = signBit | expAll; return; }
  const frac = (oM >> <u64>(64 - p)) & ((<u64>1 << <u64>fbits) - 1);
  outBits = signBit | (<u64>oBiased << <u64>fbits) | frac;
}
export function toF32(se: u32, m: u64): void { toFloat(se, m, 24, 8); }
export function toF64(se: u32, m: u64): void { toFloat(se, m, 53, 11); }

// ---- integers ----
/** Rounds |value| to an integer magnitude under `rc`; out: intMag, intOverflow (>= 2^64), sets PE/roundedUp. */
export let intMag: u64 = 0;
let intBig: bool = false;
function roundInt(se: u32, m: u64, rc: u32): void {
  intBig = false;
  const sign = se >> 15;
  if (isZero80(se, m)) { intMag = 0; setRoundedUp(false); return; }
  normalize(se, m);
  const e = nE, mm = nM;
  if (e >= 64) { intBig = true; intMag = 0; return; }
  if (e == 63) { intMag = mm; setRoundedUp(false); return; }
  let q: u64, r: u64, half: u64, gt: bool, eq: bool;
  const sh = 63 - e; // >= 1
  if (sh >= 65) { q = 0; gt = false; eq = false; r = 1; half = 0; }
  else if (sh == 64) { q = 0; r = mm; gt = mm > TOP_BIT; eq = mm == TOP_BIT; half = 0; }
  else {
    q = mm >> <u64>sh;
    r = mm << <u64>(64 - sh);
    gt = r > TOP_BIT; eq = r == TOP_BIT; half = 0;
  }
  const nz = r != 0;
  let inc = false;
  if (rc == 0) inc = gt || (eq && (q & 1) != 0);
  else if (rc == 1) inc = nz && sign != 0;
  else if (rc == 2) inc = nz && sign == 0;
  if (nz) raiseExc(PE);
  setRoundedUp(inc);
  if (inc) { q++; if (q == 0) intBig = true; }
  intMag = q;
}

/**
 * FIST/FISTP/FISTTP: converts to a signed `bits`-bit integer (truncating when
 * `trunc`). Out of range, NaN, infinity or unsupported -> IE and the integer
 * indefinite (sign bit only); storeOk false when IE is unmasked.
 */
export function toInt(se: u32, m: u64, bits: i32, trunc: bool): void {
  storeOk = true;
  const indef = <u64>1 << <u64>(bits - 1);
  if (isUnsupported(se, m) || isNaN80(se, m) || isInf80(se, m)) {
    raiseExc(IE); storeOk = (cw & IE) != 0; outBits = indef; setRoundedUp(false); return;
  }
  // no DE for a denormal source (measured on the host)
  const save = exc;
  roundInt(se, m, trunc ? 3 : (cw >> 10) & 3);
  const neg = (se >> 15) != 0;
  const lim = neg ? indef : indef - 1;
  if (intBig || intMag > lim) {
    setExc(save | IE); // an invalid result reports IE only
    setRoundedUp(false);
    storeOk = (cw & IE) != 0;
    outBits = indef;
    return;
  }
  outBits = neg ? 0 - intMag : intMag;
  if (bits < 64) outBits &= (<u64>1 << <u64>bits) - 1;
}

/**
 * FBSTP: rounds to an integer under RC for an 18-digit packed-BCD store.
 * outBits = magnitude; bcdIndef when the BCD indefinite must be stored.
 */
export let bcdIndef: bool = false;
export function toBcd(se: u32, m: u64): void {
  storeOk = true; bcdIndef = false;
  if (isUnsupported(se, m) || isNaN80(se, m) || isInf80(se, m)) {
    raiseExc(IE); storeOk = (cw & IE) != 0; bcdIndef = true; setRoundedUp(false); return;
  }
  const save = exc;
  roundInt(se, m, (cw >> 10) & 3);
  if (intBig || intMag > 999_999_999_999_999_999) {
    setExc(save | IE); setRoundedUp(false); storeOk = (cw & IE) != 0; bcdIndef = true; return;
  }
  outBits = intMag;
}

/** FRNDINT: rounds to an integral value under RC (PC does not apply). */
export function rndint80(se: u32, m: u64): void {
  if (specials1(se, m)) return;
  if (isInf80(se, m) || isZero80(se, m)) { setResult80(se, m); return; }
  if (isDenormal80(se, m)) raiseExc(DE);
  normalize(se, m);
  if (nE >= 63) { setResult80(se, m); return; }
  roundInt(se, m, (cw >> 10) & 3);
  if (intMag == 0) { setResult80(se & 0x8000, 0); return; }
  if (intBig) { setResult80((se & 0x8000) | <u32>(BIAS + 64), TOP_BIT); return; }
  const z = <i32>clz(intMag);
  setResult80((se & 0x8000) | <u32>(BIAS + 63 - z), intMag << <u64>z);
}

// ---- constants (SDM FLD1/FLDL2T/...: the internal 66-bit constant rounded per RC) ----
/** Loads constant k (0 one, 1 l2t, 2 l2e, 3 pi, 4 lg2, 5 ln2, 6 zero). */
export function constant(k: i32): void {
  const rc = (cw >> 10) & 3;
  let se: u32 = 0, m: u64 = 0, nearestUp = false;
  switch (k) {
    case 0: se = 0x3fff; m = TOP_BIT; break;
    case 1: se = 0x4000; m = 0xd49a784bcd1b8afe; break;
    case 2: se = 0x3fff; m = 0xb8aa3b295c17f0bb; nearestUp = true; break;
    case 3: se = 0x4000; m = 0xc90fdaa22168c234; nearestUp = true; break;
    case 4: se = 0x3ffd; m = 0x9a209a84fbcff798; nearestUp = true; break;
    case 5: se = 0x3ffe; m = 0xb17217f7d1cf79ab; nearestUp = true; break;
    default: setResult80(0, 0); return;
  }
  // m is the truncated value; every constant but 1 is irrational
  if (k != 0 && (rc == 2 || (rc == 0 && nearestUp))) m++;
  setResult80(se, m);
}

