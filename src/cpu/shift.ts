// Shifts and rotates: group 2 (C0/C1/D0-D3 /0../7) and SHLD/SHRD (0F A4/A5/AC/AD).
// The count is masked to 5 bits (6 with REX.W); a masked count ovf 0 changes
// nothing, flags included. RCL/RCR ovf 8/16-bit operands rotate through 9/17
// bits. OF is defined by the SDM only for 1-bit shifts; for larger counts we
// apply the same formula, as current Intel cores do. SDM vol. 2 "SAL/SAR/SHL/SHR",
// "RCL/RCR/ROL/ROR", "SHLD", "SHRD".
import { szMask, setResFlags, setCFOF, getCF, F_CF, F_OF } from "./flags";

export const SH_ROL = 0;
export const SH_ROR = 1;
export const SH_RCL = 2;
export const SH_RCR = 3;
export const SH_SHL = 4;
export const SH_SHR = 5;
export const SH_SAL = 6;
export const SH_SAR = 7;

/** Applies shift `kind` to `v`; returns the new value (== v when count masks to 0). */
export function shift(kind: i32, v: u64, count: u32, sz: i32): u64 {
  const cnt = <u64>(count & (sz == 8 ? 63 : 31));
  if (cnt == 0) return v;
  const m = szMask(sz);
  const bits = <u64>sz << 3;
  const msb = bits - 1;
  v &= m;
  let r: u64 = 0;
  switch (kind) {
    case SH_SHL: case SH_SAL: {
      r = (v << cnt) & m;
      const cf = cnt <= bits ? ((v >> (bits - cnt)) & 1) != 0 : false;
      const ovf = (((r >> msb) & 1) != 0) != cf;
      setResFlags(r, sz, (cf ? F_CF : 0) | (ovf ? F_OF : 0));
      break;
    }
    case SH_SHR: {
      r = v >> cnt;
      const cf = ((v >> (cnt - 1)) & 1) != 0;
      const ovf = ((v >> msb) & 1) != 0;
      setResFlags(r, sz, (cf ? F_CF : 0) | (ovf ? F_OF : 0));
      break;
    }
    case SH_SAR: {
      const sv = <i64>(v << (64 - bits)) >> <i64>(64 - bits);
      const c1 = cnt - 1 > 63 ? 63 : cnt - 1;
      const cf = ((sv >> <i64>c1) & 1) != 0;
      r = <u64>(sv >> <i64>cnt) & m;
      setResFlags(r, sz, cf ? F_CF : 0);
      break;
    }
    case SH_ROL: {
      const rc = cnt & msb;
      r = rc == 0 ? v : (((v << rc) | (v >> (bits - rc))) & m);
      const cf = (r & 1) != 0;
      setCFOF(cf, (((r >> msb) & 1) != 0) != cf);
      break;
    }
    case SH_ROR: {
      const rc = cnt & msb;
      r = rc == 0 ? v : (((v >> rc) | (v << (bits - rc))) & m);
      const hi = ((r >> msb) & 1) != 0;
      setCFOF(hi, hi != (((r >> (msb - 1)) & 1) != 0));
      break;
    }
    case SH_RCL: {
      const rc = sz == 1 ? cnt % 9 : (sz == 2 ? cnt % 17 : cnt);
      let c: u64 = getCF() ? 1 : 0;
      r = v;
      for (let i: u64 = 0; i < rc; i++) {
        const nc = (r >> msb) & 1;
        r = ((r << 1) | c) & m;
        c = nc;
      }
      setCFOF(c != 0, (((r >> msb) & 1) ^ c) != 0);
      break;
    }
    default: { // RCR
      const rc = sz == 1 ? cnt % 9 : (sz == 2 ? cnt % 17 : cnt);
      let c: u64 = getCF() ? 1 : 0;
      const ovf = (((v >> msb) & 1) ^ c) != 0;
      r = v;
      for (let i: u64 = 0; i < rc; i++) {
        const nc = r & 1;
        r = (r >> 1) | (c << msb);
        c = nc;
      }
      setCFOF(c != 0, ovf);
      break;
    }
  }
  return r;
}

/** SHLD (left) / SHRD (right): shifts dst, filling from src. */
export function shiftDouble(left: bool, dst: u64, src: u64, count: u32, sz: i32): u64 {
  const cnt = <u64>(count & (sz == 8 ? 63 : 31));
  if (cnt == 0) return dst;
  const m = szMask(sz);
  const bits = <u64>sz << 3;
  const msb = bits - 1;
  dst &= m; src &= m;
  let r: u64, cf: bool;
  if (cnt > bits) {
    // Only 16-bit operands get here; the SDM leaves the result undefined.
    // Intel shifts the 48-bit concatenation dst:src:dst; model that.
    const c2 = cnt - bits;
    if (left) { r = ((src << c2) | (dst >> (bits - c2))) & m; cf = ((src >> (bits - c2)) & 1) != 0; }
    else { r = ((src >> c2) | (dst << (bits - c2))) & m; cf = ((src >> (c2 - 1)) & 1) != 0; }
  } else if (left) {
    r = ((dst << cnt) | (cnt == 64 ? 0 : src >> (bits - cnt))) & m;
    cf = ((dst >> (bits - cnt)) & 1) != 0;
  } else {
    r = ((dst >> cnt) | (src << (bits - cnt))) & m;
    cf = ((dst >> (cnt - 1)) & 1) != 0;
  }
  const ovf = ((r ^ dst) >> msb & 1) != 0;
  setResFlags(r, sz, (cf ? F_CF : 0) | (ovf ? F_OF : 0));
  return r;
}
