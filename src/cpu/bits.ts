// Bit instructions: BT/BTS/BTR/BTC (0F A3/AB/B3/BB, 0F BA /4-/7), BSF/BSR,
// TZCNT/LZCNT (F3 0F BC/BD), POPCNT (F3 0F B8). SDM vol. 2 "BT", "BSF",
// "TZCNT", "LZCNT", "POPCNT". BT* change only CF (the others are undefined
// and left unchanged here); BSF/BSR with a zero source set ZF and leave the
// destination unchanged.
import { fault, modMod, modReg, modRm, ea, imm } from "./core";
import { EXIT_PAGE_FAULT } from "./state";
import { getReg, setReg, rdMem, wrMem } from "./operand";
import { probeWrite } from "./core";
import { setBtFlags, materialize, setFlagsWord, F_CF, F_ZF, F_STATUS, szMask } from "./flags";

/** kind: 0 BT, 1 BTS, 2 BTR, 3 BTC. `immForm`: the offset is imm8 (masked), else register modReg. */
export function bitTest(kind: i32, sz: i32, immForm: bool): i32 {
  const bits = <u64>(sz << 3);
  let off: u64 = immForm ? imm & 0xff : getReg(modReg, sz);
  if (modMod == 3) {
    const v = getReg(modRm, sz);
    const b = off & (bits - 1);
    const cf = ((v >> b) & 1) != 0;
    if (kind != 0) setReg(modRm, sz, apply(kind, v, b));
    setBtFlags(cf);
    return 0;
  }
  let a = ea;
  if (!immForm) {
    // A register offset addresses memory as a bit string: signed, any distance (SDM "BT").
    const so = <i64>(off << (64 - bits)) >> <i64>(64 - bits);
    a += <u64>((so >> <i64>(sz == 8 ? 6 : (sz == 4 ? 5 : 4))) * <i64>sz);
  }
  const b = off & (bits - 1);
  if (kind != 0 && !probeWrite(a, <u64>sz)) return EXIT_PAGE_FAULT;
  const v = rdMem(a, sz);
  if (fault) return EXIT_PAGE_FAULT;
  if (kind != 0) wrMem(a, sz, apply(kind, v, b));
  setBtFlags(((v >> b) & 1) != 0);
  return 0;
}
@inline function apply(kind: i32, v: u64, b: u64): u64 {
  const m = <u64>1 << b;
  return kind == 1 ? v | m : (kind == 2 ? v & ~m : v ^ m);
}

/** BSF (fwd) / BSR: ZF = (src == 0); destination unchanged then. */
export function bitScan(reverse: bool, src: u64, sz: i32): void {
  src &= szMask(sz);
  const f = materialize() & ~F_STATUS;
  if (src == 0) { setFlagsWord(f | F_ZF); return; }
  const i = reverse ? 63 - clz<u64>(src) : ctz<u64>(src);
  setReg(modReg, sz, i);
  setFlagsWord(f);
}

/** TZCNT / LZCNT: CF = (src == 0), ZF = (result == 0). */
export function countZeros(leading: bool, src: u64, sz: i32): void {
  src &= szMask(sz);
  const bits = <u64>(sz << 3);
  let r: u64;
  if (src == 0) r = bits;
  else r = leading ? clz<u64>(src) - (64 - bits) : ctz<u64>(src);
  setReg(modReg, sz, r);
  const f = materialize() & ~F_STATUS;
  setFlagsWord(f | (src == 0 ? F_CF : 0) | (r == 0 ? F_ZF : 0));
}

/** POPCNT: ZF = (src == 0), the other status flags cleared. */
export function popCount(src: u64, sz: i32): void {
  src &= szMask(sz);
  setReg(modReg, sz, popcnt<u64>(src));
  const f = materialize() & ~F_STATUS;
  setFlagsWord(f | (src == 0 ? F_ZF : 0));
}
