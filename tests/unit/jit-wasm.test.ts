// The block compiler's WebAssembly writer (src/kernel/jit/wasm.ts): its
// LEB128 constants, checked by the engine itself — a function returning
// i64.const / i32.const of each value must give the value back.
import { describe, expect, it } from "vitest";
import { Bytes, Op, I32, I64, encodeModule } from "../../src/kernel/jit/wasm";

/** Edge values: ±2^e + d for every bit position, and the 32/53/64-bit boundaries. */
function edges(bits: number): bigint[] {
  const out: bigint[] = [];
  for (let e = 0; e < bits; e++) for (const d of [-2n, -1n, 0n, 1n, 2n]) out.push((1n << BigInt(e)) + d, -(1n << BigInt(e)) + d);
  return out;
}

/** Returns what a function made of `const` and `end` returns, for each value. */
function roundTrip(values: bigint[], type: number, emit: (b: Bytes, v: bigint) => void): bigint[] {
  const funcs = values.map((v, i) => {
    const body = new Bytes().u32(0); // no locals
    emit(body.byte(type === I64 ? Op.i64Const : Op.i32Const), v);
    return { type: 0, body: body.byte(Op.end), export: `f${i}` };
  });
  const m = new WebAssembly.Module(encodeModule([{ params: [], results: [type] }], [], funcs));
  const e = new WebAssembly.Instance(m).exports as Record<string, () => number | bigint>;
  return values.map((_, i) => BigInt(e[`f${i}`]()));
}

describe("wasm.ts constants", () => {
  it("s64 encodes every 64-bit edge value as the engine reads it back", () => {
    const vals = [...edges(64), 0xffff_ffffn, 0x8000_0000n, 0xffff_ffff_ffff_ffffn, 0x1f_ffff_ffff_ffffn, 0x20_0000_0000_0000n, -0x20_0000_0000_0001n];
    expect(roundTrip(vals, I64, (b, v) => b.s64(v))).toEqual(vals.map((v) => BigInt.asIntN(64, v)));
  });

  it("s32 encodes every 32-bit edge value as the engine reads it back", () => {
    const vals = edges(32).map((v) => BigInt.asIntN(32, v));
    expect(roundTrip(vals, I32, (b, v) => b.s32(Number(v)))).toEqual(vals);
  });
});
