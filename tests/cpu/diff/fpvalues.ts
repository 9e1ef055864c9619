// Floating-point operand values for SSE and x87 forms: specials (±0, ±inf,
// QNaN/SNaN with payloads, denormals, extreme normals, integer-conversion
// limits, halfway cases for rounding), "ordinary" values near 1 and random
// bit patterns — as raw bits, so NaN payloads and signs survive.
import type { Rng } from "./case";
import { edges, mask } from "./builder";

const F32_SPECIAL = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0xff812345, 0x7fc12345,
  0x00000001, 0x007fffff, 0x80000001, 0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff,
  0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0x40600000, 0xc0200000, 0x3eaaaaab, 0x3f7fffff, 0x3f800001,
  0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000, 0x5effffff, 0x4b000000, 0x4b800000, 0x4b7fffff,
];
const F64_SPECIAL = [
  0x0000000000000000n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n,
  0x7ff0000000000001n, 0x7ff4000000000000n, 0xfff0000012345678n, 0x7ff8000012345678n,
  0x0000000000000001n, 0x000fffffffffffffn, 0x8000000000000001n, 0x0010000000000000n, 0x8010000000000000n,
  0x7fefffffffffffffn, 0xffefffffffffffffn, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n,
  0x3ff8000000000000n, 0x4004000000000000n, 0x400c000000000000n, 0xc004000000000000n, 0x3fd5555555555555n, 0x3fefffffffffffffn, 0x3ff0000000000001n,
  0x41e0000000000000n, 0xc1e0000000000000n, 0x41dfffffffc00000n, 0x41dfffffffe00000n, 0xc1e0000000200000n, 0xc1e0000000100000n,
  0x43e0000000000000n, 0xc3e0000000000000n, 0x43dfffffffffffffn, 0x41efffffffe00000n, 0x4330000000000000n, 0x4340000000000000n,
  0x36a0000000000000n, 0x3810000000000000n, 0x47efffffe0000000n, 0x47efffffffffffffn, 0x380fffffffffffffn, 0x36a8000000000000n,
];

/** A single-precision value as raw bits. */
export function f32(rng: Rng): number {
  const k = rng.int(8);
  if (k < 2) return F32_SPECIAL[rng.int(F32_SPECIAL.length)];
  if (k < 6) return ((rng.int(2) << 31) | ((127 - 20 + rng.int(40)) << 23) | (rng.u32() & 0x7fffff)) >>> 0;
  if (k === 6) return ((rng.int(2) << 31) | (rng.int(256) << 23) | (rng.u32() & 0x7fffff)) >>> 0; // any exponent
  return rng.u32();
}

/** A double-precision value as raw bits. */
export function f64(rng: Rng): bigint {
  const k = rng.int(8);
  if (k < 2) return F64_SPECIAL[rng.int(F64_SPECIAL.length)];
  const mant = rng.u64() & 0xfffffffffffffn;
  if (k < 6) return (BigInt(rng.int(2)) << 63n) | (BigInt(1023 - 40 + rng.int(80)) << 52n) | mant;
  if (k === 6) return (BigInt(rng.int(2)) << 63n) | (BigInt(rng.int(2048)) << 52n) | mant;
  return rng.u64();
}

export type Lanes = "f32" | "f64" | "int" | "count";

/** 16 bytes of XMM content made of lanes of one kind. */
export function xmmValue(rng: Rng, kind: Lanes): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  if (kind === "f32") for (let i = 0; i < 4; i++) v.setUint32(4 * i, f32(rng), true);
  else if (kind === "f64") for (let i = 0; i < 2; i++) v.setBigUint64(8 * i, f64(rng), true);
  else if (kind === "count") {
    v.setBigUint64(0, BigInt(rng.pick([0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, rng.int(70)])) | (rng.int(8) === 0 ? rng.u64() : 0n), true);
    v.setBigUint64(8, rng.u64(), true);
  } else {
    // Integer lanes: per 32-bit lane, edges of 8/16/32-bit values or random bits.
    for (let i = 0; i < 4; i++) {
      const k = rng.int(5);
      let x: number;
      if (k === 0) x = Number(rng.pick(edges(32)));
      else if (k === 1) { const e16 = edges(16); x = Number(rng.pick(e16)) | (Number(rng.pick(e16)) << 16); }
      else if (k === 2) { const e8 = edges(8); x = 0; for (let j = 0; j < 4; j++) x |= Number(rng.pick(e8)) << (8 * j); }
      else x = rng.u32();
      v.setUint32(4 * i, x >>> 0, true);
    }
  }
  return out;
}

/** `size` bytes of memory-operand content of a kind (the low part of an XMM value, or an integer). */
export function memValue(rng: Rng, kind: Lanes | "i32" | "i64" | "i16", size: number): Uint8Array {
  if (kind === "i32" || kind === "i64" || kind === "i16") {
    const w = kind === "i32" ? 32 : kind === "i64" ? 64 : 16;
    const x = rng.bool(0.5) ? rng.pick(edges(w)) : rng.u64() & mask(w);
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = Number((x >> BigInt(8 * i)) & 0xffn);
    return out;
  }
  return xmmValue(rng, kind).slice(0, size);
}

/** A random MXCSR: mostly all exceptions masked, every rounding mode, sometimes FTZ/DAZ and sticky flags, rarely unmasked exceptions. */
export function mxcsrValue(rng: Rng): number {
  let mx = 0x1f80;
  mx |= (rng.bool(0.4) ? 0 : rng.int(4)) << 13;
  if (rng.bool(0.15)) mx |= 0x8000;
  if (rng.bool(0.15)) mx |= 0x40;
  if (rng.bool(0.2)) mx |= rng.int(64);
  if (rng.bool(0.04)) mx &= ~(rng.int(64) << 7);
  return mx;
}
