// MUL/IMUL/DIV/IDIV and the bit instructions. Flags per SDM vol. 2: after
// MUL/IMUL only CF and OF are defined; after DIV/IDIV none; BT* define CF
// (ZF unaffected, the rest undefined); BSF/BSR define ZF (destination
// undefined for a zero source); TZCNT/LZCNT define CF and ZF; POPCNT all.
import { ALL_FLAGS, CF, DF, OF, ZF, type Form, type Rng } from "./case";
import { rmForm, WIDTHS, rm, r } from "./rmform";
import { Builder, mask, signBit, toSigned, value, type Width } from "./builder";

const hx = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");

/** Places a dividend for DIV/IDIV by `d`: mostly a valid quotient, sometimes an overflow. */
function dividend(b: Builder, w: number, d: bigint, signed: boolean): void {
  const rng = b.rng;
  const m = mask(w), m2 = mask(2 * w);
  let x: bigint;
  const roll = rng.int(10);
  if (roll < 2) {
    x = ((BigInt(rng.u32()) << 64n) | rng.u64()) & m2; // almost always overflows
  } else if (signed && roll === 2) {
    x = (-(signBit(w) * (d === m ? 1n : 1n))) & m2;  // INT_MIN, overflows when d = -1
    if (rng.bool()) x = (toSigned(rng.u64() & m, w) * (rng.bool() ? 1n : -1n)) & m2;
  } else if (!signed) {
    const q = value(rng, w);
    const rem = d === 0n ? 0n : (rng.u64() & m) % d;
    x = (q * d + rem) & m2;
  } else {
    const sd = toSigned(d, w);
    const q = toSigned(value(rng, w), w);
    const p = q * sd;
    const mag = sd === 0n ? 0n : (rng.u64() & m) % (sd < 0n ? -sd : sd);
    const rem = p > 0n ? mag : p < 0n ? -mag : rng.bool() ? mag : -mag;
    x = (p + rem) & m2;
  }
  if (w === 8) b.setReg(0, 16, x, false, "ax");
  else { b.setReg(0, w, x & m, false, "rax(lo)"); b.setReg(2, w, x >> BigInt(w), false, "rdx(lo)"); }
}

export function mulDivForms(): Form[] {
  const out: Form[] = [];
  const ops: [string, number][] = [["MUL", 4], ["IMUL", 5], ["DIV", 6], ["IDIV", 7]];
  for (const [name, d] of ops) {
    for (const w of [8, ...WIDTHS] as Width[]) {
      for (const r8 of w === 8 ? (["legacy", "rex"] as const) : (["legacy"] as const)) {
        out.push(rmForm({
          family: "muldiv", name: `${name} ${rm(w)} (${w === 8 ? "F6" : "F7"} /${d}${r8 === "rex" ? ", REX" : ""})`, w, op: [w === 8 ? 0xf6 : 0xf7], digit: d, r8,
          claim: [0, 2], n: 240,
          post: (b, v) => {
            if (d < 6) {
              b.c.flagMask = CF | OF | DF;
              b.setReg(0, w, value(b.rng, w), false);
            } else {
              b.c.flagMask = DF;
              dividend(b, w, v.a, d === 7);
            }
          },
        }));
      }
    }
  }
  for (const w of WIDTHS) {
    const f = CF | OF | DF;
    out.push(rmForm({ family: "muldiv", name: `IMUL ${r(w)}, ${rm(w)} (0F AF /r)`, w, op: [0x0f, 0xaf], flags: f }));
    out.push(rmForm({ family: "muldiv", name: `IMUL ${r(w)}, ${rm(w)}, imm8 (6B /r ib)`, w, op: [0x6b], imm: 8, flags: f }));
    out.push(rmForm({ family: "muldiv", name: `IMUL ${r(w)}, ${rm(w)}, imm${w === 16 ? 16 : 32} (69 /r)`, w, op: [0x69], imm: w === 16 ? 16 : 32, flags: f }));
  }
  return out;
}

/** Bit offsets for BT* with a memory operand: ±64 bytes around the operand (memory forms keep an 80-byte margin). */
const bitOffset = (rng: Rng): bigint => BigInt(rng.int(1024) - 512) & mask(64);
/** Sources for BSF/BSR/TZCNT/LZCNT/POPCNT: zero, single bits, edges, random. */
function bitSource(w: number): (rng: Rng) => bigint {
  return (rng) => {
    const k = rng.int(5);
    if (k === 0) return 0n;
    if (k === 1) return 1n << BigInt(rng.int(w));
    return value(rng, w);
  };
}

export function bitForms(): Form[] {
  const out: Form[] = [];
  const bt: [string, number, number][] = [["BT", 0xa3, 4], ["BTS", 0xab, 5], ["BTR", 0xb3, 6], ["BTC", 0xbb, 7]];
  const btFlags = CF | ZF | DF;
  for (const [name, op, d] of bt) {
    for (const w of WIDTHS) {
      out.push(rmForm({ family: "bits", name: `${name} ${rm(w)}, ${r(w)} (0F ${hx(op)} /r)`, w, op: [0x0f, op], flags: btFlags, b: bitOffset, memOpts: { margin: 80 } }));
      out.push(rmForm({ family: "bits", name: `${name} ${rm(w)}, imm8 (0F BA /${d} ib)`, w, op: [0x0f, 0xba], digit: d, imm: 8, flags: btFlags }));
    }
    if (name !== "BT") {
      out.push(rmForm({ family: "bits", name: `LOCK ${name} m32, r32 (F0 0F ${hx(op)} /r)`, w: 32, op: [0x0f, op], lock: true, rm: "mem", flags: btFlags, b: bitOffset, memOpts: { margin: 80 } }));
      out.push(rmForm({ family: "bits", name: `LOCK ${name} m64, imm8 (F0 REX.W 0F BA /${d} ib)`, w: 64, op: [0x0f, 0xba], digit: d, imm: 8, lock: true, rm: "mem", flags: btFlags }));
    }
  }
  for (const w of WIDTHS) {
    for (const [name, op] of [["BSF", 0xbc], ["BSR", 0xbd]] as const) {
      out.push(rmForm({ family: "bits", name: `${name} ${r(w)}, ${rm(w)} (0F ${hx(op)} /r)`, w, op: [0x0f, op], flags: ZF | DF, a: bitSource(w),
        post: (b, v) => { if (v.a === 0n) b.c.undefRegs |= 1 << v.reg; } }));
    }
    out.push(rmForm({ family: "bits", name: `TZCNT ${r(w)}, ${rm(w)} (F3 0F BC /r)`, w, op: [0x0f, 0xbc], pre: [0xf3], flags: CF | ZF | DF, a: bitSource(w) }));
    out.push(rmForm({ family: "bits", name: `LZCNT ${r(w)}, ${rm(w)} (F3 0F BD /r)`, w, op: [0x0f, 0xbd], pre: [0xf3], flags: CF | ZF | DF, a: bitSource(w) }));
    out.push(rmForm({ family: "bits", name: `POPCNT ${r(w)}, ${rm(w)} (F3 0F B8 /r)`, w, op: [0x0f, 0xb8], pre: [0xf3], flags: ALL_FLAGS, a: bitSource(w) }));
  }
  for (const w of [32, 64] as const) {
    out.push({
      family: "bits", name: `BSWAP r${w} (${w === 64 ? "REX.W " : ""}0F C8+rd)`,
      cases(rng) {
        const cs = [];
        for (let k = 0; k < 60; k++) {
          const b = new Builder(rng);
          const reg = b.pick();
          b.setReg(reg, 64, rng.u64());
          b.emit({ w: w === 64, op: [0x0f, 0xc8], opreg: reg });
          cs.push(b.done());
        }
        return cs;
      },
    });
  }
  return out;
}
