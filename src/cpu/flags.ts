// Lazy arithmetic flags. Most instructions write CF/PF/AF/ZF/SF/OF but few
// are followed by a reader, so the ALU records the operation, its operands
// and result, and the six status flags are computed only when something asks
// (Jcc, SETcc, CMOVcc, ADC, PUSHF, an exit...). Definitions: Intel SDM vol. 1
// §3.4.3.1 and each instruction's "Flags Affected" section in vol. 2.
//
// `fl` always holds the non-status bits (DF, IF, TF, AC, ID, bit 1). When
// lfOp == LF_NONE it also holds the six status bits; otherwise they are
// derived from lfA (first operand), lfB (second), lfR (result), lfSz.

export const F_CF: u32 = 0x1;
export const F_PF: u32 = 0x4;
export const F_AF: u32 = 0x10;
export const F_ZF: u32 = 0x40;
export const F_SF: u32 = 0x80;
export const F_TF: u32 = 0x100;
export const F_IF: u32 = 0x200;
export const F_DF: u32 = 0x400;
export const F_OF: u32 = 0x800;
export const F_STATUS: u32 = 0x8d5;

export const LF_NONE = 0;
export const LF_ADD = 1;
export const LF_ADC = 2;  // lfC = carry in
export const LF_SUB = 3;
export const LF_SBB = 4;  // lfC = borrow in
export const LF_LOGIC = 5; // CF = OF = AF = 0
export const LF_INC = 6;  // lfC = CF before (INC/DEC keep CF)
export const LF_DEC = 7;
/** ZF/SF/PF from the result; CF, OF and AF given explicitly in lfC (as F_* bits). */
export const LF_RES = 8;

export let fl: u32 = 0x202;
export let lfOp: i32 = LF_NONE;
export let lfA: u64 = 0;
export let lfB: u64 = 0;
export let lfR: u64 = 0;
export let lfC: u64 = 0;
export let lfSz: i32 = 8; // operand size in bytes

@inline export function szMask(sz: i32): u64 {
  return sz == 8 ? <u64>-1 : ((<u64>1 << (<u64>sz << 3)) - 1);
}
@inline export function szSign(sz: i32): u64 { return <u64>1 << ((<u64>sz << 3) - 1); }

@inline export function setLazy(op: i32, a: u64, b: u64, r: u64, sz: i32): void {
  lfOp = op; lfA = a; lfB = b; lfR = r; lfSz = sz;
}
/** Flags from a result with explicit CF/OF/AF (shifts, multiplies, bit scans). */
@inline export function setResFlags(r: u64, sz: i32, cfOfAf: u32): void {
  lfOp = LF_RES; lfR = r; lfSz = sz; lfC = <u64>cfOfAf;
}

export function getCF(): bool {
  const m = szMask(lfSz);
  switch (lfOp) {
    case LF_NONE: return (fl & F_CF) != 0;
    case LF_ADD: return (lfR & m) < (lfA & m);
    case LF_ADC: return lfC != 0 ? (lfR & m) <= (lfA & m) : (lfR & m) < (lfA & m);
    case LF_SUB: return (lfA & m) < (lfB & m);
    case LF_SBB: return lfC != 0 ? (lfA & m) <= (lfB & m) : (lfA & m) < (lfB & m);
    case LF_LOGIC: return false;
    case LF_INC: case LF_DEC: return lfC != 0;
    default: return (<u32>lfC & F_CF) != 0;
  }
}
@inline export function getZF(): bool {
  if (lfOp == LF_NONE) return (fl & F_ZF) != 0;
  return (lfR & szMask(lfSz)) == 0;
}
@inline export function getSF(): bool {
  if (lfOp == LF_NONE) return (fl & F_SF) != 0;
  return (lfR & szSign(lfSz)) != 0;
}
export function getOF(): bool {
  const s = szSign(lfSz);
  switch (lfOp) {
    case LF_NONE: return (fl & F_OF) != 0;
    case LF_ADD: case LF_ADC: case LF_INC: return ((lfA ^ lfR) & (lfB ^ lfR) & s) != 0;
    case LF_SUB: case LF_SBB: case LF_DEC: return ((lfA ^ lfB) & (lfA ^ lfR) & s) != 0;
    case LF_LOGIC: return false;
    default: return (<u32>lfC & F_OF) != 0;
  }
}
export function getPF(): bool {
  if (lfOp == LF_NONE) return (fl & F_PF) != 0;
  return (popcnt<u32>(<u32>lfR & 0xff) & 1) == 0;
}
export function getAF(): bool {
  switch (lfOp) {
    case LF_NONE: return (fl & F_AF) != 0;
    case LF_LOGIC: return false;
    case LF_RES: return (<u32>lfC & F_AF) != 0;
    default: return ((lfA ^ lfB ^ lfR) & 0x10) != 0;
  }
}

/** Current flags as an RFLAGS value; also folds the lazy state into `fl`. */
export function materialize(): u32 {
  if (lfOp != LF_NONE) {
    // ZF, SF, PF come from the result for every lazy kind (see getZF/getSF/getPF);
    // logic ops clear CF, OF and AF, which the common XOR/AND → rotate pairs use.
    let f = fl & ~F_STATUS;
    const r = lfR & szMask(lfSz);
    if (r == 0) f |= F_ZF;
    if (r & szSign(lfSz)) f |= F_SF;
    if ((popcnt<u32>(<u32>r & 0xff) & 1) == 0) f |= F_PF;
    if (lfOp != LF_LOGIC) {
      if (getCF()) f |= F_CF;
      if (getAF()) f |= F_AF;
      if (getOF()) f |= F_OF;
    }
    fl = f;
    lfOp = LF_NONE;
  }
  return fl;
}

/** Replaces the whole flags word (POPF, SAHF, entry to run()). */
export function setFlagsWord(v: u32): void { fl = v | 2; lfOp = LF_NONE; }

/** Evaluates condition code cc (0..15) as Jcc/SETcc/CMOVcc encode it (SDM vol. 1 appendix B). */
@inline export function cond(cc: i32): bool {
  let r: bool;
  // Fast paths for the common compare-and-branch pairs.
  if (lfOp == LF_SUB && cc >= 2) {
    const m = szMask(lfSz);
    const a = lfA & m, b = lfB & m;
    const sh = <u64>(64 - (lfSz << 3));
    const sa = <i64>(a << sh), sb = <i64>(b << sh);
    switch (cc >> 1) {
      case 1: r = a < b; break;
      case 2: r = a == b; break;
      case 3: r = a <= b; break;
      case 6: r = sa < sb; break;
      case 7: r = sa <= sb; break;
      default: r = condSlow(cc & ~1); break;
    }
  } else {
    r = condSlow(cc & ~1);
  }
  return (cc & 1) ? !r : r;
}

function condSlow(cc: i32): bool {
  switch (cc >> 1) {
    case 0: return getOF();
    case 1: return getCF();
    case 2: return getZF();
    case 3: return getCF() || getZF();
    case 4: return getSF();
    case 5: return getPF();
    case 6: return getSF() != getOF();
    default: return getZF() || (getSF() != getOF());
  }
}

/** Sets CF to `c` keeping the other status flags (BT*, CLC/STC/CMC, rotates). */
export function setCF(c: bool): void {
  materialize();
  fl = c ? (fl | F_CF) : (fl & ~F_CF);
}
/**
 * BT/BTS/BTR/BTC: CF is the tested bit and ZF is kept; OF, SF, AF and PF
 * are undefined (SDM vol. 2 "BT"). They are cleared here, except PF, which
 * follows ZF, so the state is one LF_RES record and needs no materialize()
 * (the block compiler builds the same record inline).
 */
export function setBtFlags(cf: bool): void {
  const zf = getZF();
  lfOp = LF_RES; lfSz = 8; lfR = zf ? 0 : 1; lfC = cf ? <u64>F_CF : 0;
}
/** Sets OF to `o` keeping the others. */
export function setOF(o: bool): void {
  materialize();
  fl = o ? (fl | F_OF) : (fl & ~F_OF);
}

@inline export function setLazyC(op: i32, a: u64, b: u64, r: u64, sz: i32, c: u64): void {
  lfOp = op; lfA = a; lfB = b; lfR = r; lfSz = sz; lfC = c;
}

/** Sets CF and OF, keeping ZF/SF/PF/AF (rotates). */
export function setCFOF(c: bool, o: bool): void {
  materialize();
  let f = fl & ~(F_CF | F_OF);
  if (c) f |= F_CF;
  if (o) f |= F_OF;
  fl = f;
}
