// x87 forms. Each case starts from an FXSAVE image with a random stack
// (0..8 valid registers, random TOP) of 80-bit specials and ordinary values,
// a random control word (every precision and rounding control, rarely
// unmasked exceptions) and random condition codes; the snippet is the
// instruction followed by FWAIT, so a pending unmasked exception surfaces as
// #MF (SIGFPE) at the FWAIT, as on hardware. Compared: FCW, FSW (minus the
// condition codes the SDM leaves undefined for the instruction), the
// abridged tag word, every valid ST(i) bit-exactly, MXCSR/XMM, memory.
// FIP/FDP/FOP are not compared (AMD and Intel save them differently).
import { ALL_FLAGS, type Case, type Form, type Rng } from "./case";
import { Builder, edges, le, mask } from "./builder";
import { defaultFx } from "./layout";
import { f32, f64 } from "./fpvalues";
import type { Mem } from "./encode";

const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
/** After most x87 instructions C0, C2 and C3 are undefined (SDM vol. 2, "FPU Flags Affected"). */
const ARITH_FSW = 0xffff & ~(C0 | C2 | C3);

/** An 80-bit value as [sign+exponent, significand]. */
type F80 = [number, bigint];

/** Class of an 80-bit register value (SDM vol. 1 §8.2.2, table 8-3): unnormals and pseudo-NaN/inf/denormals are "invalid" encodings. */
export function f80Class(v: F80): "zero" | "denormal" | "normal" | "inf" | "nan" | "invalid" {
  const e = v[0] & 0x7fff, j = v[1] >> 63n;
  if (e === 0) return v[1] === 0n ? "zero" : j ? "invalid" : "denormal";
  if (!j) return "invalid";
  if (e === 0x7fff) return v[1] << 1n === 0n || (v[1] & mask(63)) === 0n ? "inf" : "nan";
  return "normal";
}
const ONE = 0x8000000000000000n;
const F80_SPECIAL: F80[] = [
  [0, 0n], [0x8000, 0n], [0x7fff, ONE], [0xffff, ONE], [0x7fff, 0xc000000000000000n], [0xffff, 0xc000000000000000n],
  [0x7fff, 0xa000000000000000n], [0x7fff, 0x8000000000000001n], [0xffff, 0xc000000012345678n], [0x0000, 1n], [0x8000, 0x7fffffffffffffffn],
  [0x0000, ONE] /* pseudo-denormal */, [0x3fff, 0x4000000000000000n] /* unnormal */, [0x7fff, 0x4000000000000000n] /* pseudo-NaN */, [0x7fff, 0n] /* pseudo-inf */,
  [0x0001, ONE], [0x7ffe, mask(64)], [0xfffe, mask(64)], [0x3fff, ONE], [0xbfff, ONE], [0x3ffe, ONE], [0x4000, 0xc000000000000000n],
  [0x3fff, ONE | 1n], [0x3fff, mask(64)], [0x401d, ONE] /* 2^30 */, [0x401e, ONE] /* 2^31 */, [0xc01e, ONE], [0x401e, 0xfffffffe00000000n] /* 2^31-1 */,
  [0x403e, ONE] /* 2^63 */, [0xc03e, ONE], [0x403d, mask(64)], [0x400e, ONE] /* 2^15 */, [0xc00e, ONE], [0x4000, ONE | (1n << 62n)] /* 3 */,
  [0x3ff6, ONE | 0x400n], [0x3f80, 0xffffff8000000000n], [0x3c00, 0xfffffffffffff800n], [0x407e, 0xffffff8000000000n] /* ~FLT_MAX */, [0x43fe, 0xfffffffffffff800n],
  [0x3f81, ONE] /* FLT_MIN */, [0x3c01, ONE] /* DBL_MIN */, [0x3f6a, ONE], [0x3bcd, ONE], [0x3fff, ONE | 0x400n] /* rounds differently per PC */, [0x3fff, ONE | 0x3ffn],
];

export function f80(rng: Rng): F80 {
  const k = rng.int(8);
  if (k < 3) return F80_SPECIAL[rng.int(F80_SPECIAL.length)];
  const s = rng.int(2) << 15;
  if (k < 6) return [s | (0x3fff - 40 + rng.int(80)), ONE | (rng.u64() >> 1n)];
  if (k === 6) return [s | (1 + rng.int(0x7ffe)), ONE | (rng.u64() >> 1n)];
  return [s | rng.int(0x8000), rng.u64()];
}
function f80Bytes(v: F80): Uint8Array {
  const b = new Uint8Array(10);
  b.set(le(v[1], 8), 0);
  b[8] = v[0] & 0xff; b[9] = v[0] >> 8;
  return b;
}

type MemKind = "m32fp" | "m64fp" | "m80fp" | "m16int" | "m32int" | "m64int" | "m16" | "env" | "save" | "fx" | "none";
const MEM_SIZE: Record<MemKind, number> = { m32fp: 4, m64fp: 8, m80fp: 10, m16int: 2, m32int: 4, m64int: 8, m16: 2, env: 28, save: 108, fx: 512, none: 0 };

function memBytes(rng: Rng, kind: MemKind): Uint8Array {
  switch (kind) {
    case "m32fp": return le(BigInt(f32(rng)), 4);
    case "m64fp": return le(f64(rng), 8);
    case "m80fp": return f80Bytes(f80(rng));
    case "m16int": return le(rng.bool() ? rng.pick(edges(16)) : BigInt(rng.int(0x10000)), 2);
    case "m32int": return le(rng.bool() ? rng.pick(edges(32)) : BigInt(rng.u32()), 4);
    case "m64int": return le(rng.bool() ? rng.pick(edges(64)) : rng.u64(), 8);
    default: return rng.bytes(MEM_SIZE[kind]);
  }
}

/** A random control word: mostly default, every PC (24/53/64-bit) and RC, rarely unmasked exceptions. */
function fcwValue(rng: Rng): number {
  if (rng.bool(0.35)) return 0x037f;
  let cw = 0x0040 | 0x3f | (rng.pick([0, 2, 3]) << 8) | (rng.int(4) << 10);
  if (rng.bool(0.06)) cw &= ~(rng.int(64));
  return cw;
}

/** Fills an FXSAVE image with a random x87 state; returns the valid stack (ST0 first). */
export function x87State(b: Builder, fx: Uint8Array, minValid = 0): F80[] {
  const rng = b.rng;
  const v = new DataView(fx.buffer);
  const cw = fcwValue(rng);
  const valid = Math.max(minValid, rng.pick([0, 1, 2, 2, 3, 3, 4, 5, 7, 8]));
  const top = rng.int(8);
  let ftw = 0;
  const stack: F80[] = [];
  for (let i = 0; i < 8; i++) {
    // Empty registers get random contents too: they must stay invisible.
    const x: F80 = i < valid ? f80(rng) : [rng.int(0x10000), rng.u64()];
    fx.set(f80Bytes(x), 32 + 16 * i);
    if (i < valid) { ftw |= 1 << ((top + i) & 7); stack.push(x); }
  }
  const masked = cw & 0x3f;
  const sw = (top << 11) | (rng.u32() & (C0 | C1 | C2 | C3)) | (rng.bool(0.2) ? rng.int(64) & masked : 0);
  v.setUint16(0, cw, true);
  v.setUint16(2, sw, true);
  fx[4] = ftw;
  const f80Hex = (x: F80): string => `${x[0].toString(16).padStart(4, "0")}:${x[1].toString(16).padStart(16, "0")}`;
  b.note(`fcw=0x${cw.toString(16)} fsw=0x${sw.toString(16)} ftw=0x${ftw.toString(16)} ${valid ? stack.map((x, i) => `st${i}=${f80Hex(x)}`).join(" ") : "stack empty"}`);
  return stack;
}

interface X87Spec {
  name: string;
  /** Escape byte (D8..DF), or the full opcode for 0F forms. */
  op: number[];
  /** ModRM.reg (/digit) for memory forms; for register forms the full second byte base (C0+i adds i). */
  digit?: number;
  /** Register form: second byte = reg + i (i = 0..7 random), or fixed when `fixed`. */
  reg?: number;
  fixed?: boolean;
  mem?: MemKind;
  align?: number;
  fsw?: number;
  /** Minimum number of valid registers (0 allows underflow cases). */
  minValid?: number;
  /** Memory bytes that are vendor-dependent: [offset, length] inside the operand. */
  ignore?: [number, number][];
  /** Fill the memory operand with a whole valid image (FRSTOR/FLDENV/FXRSTOR sources). */
  image?: (b: Builder) => Uint8Array;
  n?: number;
  family?: string;
  informational?: string;
  /** REX.W (FXSAVE64/FXRSTOR64). */
  w?: boolean;
  /** Narrows the compared FSW bits for this case's inputs (stack ST0 first, control word). */
  fswFor?: (stack: F80[], fcw: number) => number;
}

export function x87Form(s: X87Spec): Form {
  return {
    family: s.family ?? "x87", name: s.name, informational: s.informational,
    cases(rng: Rng): Case[] {
      const out: Case[] = [];
      for (let k = 0; k < (s.n ?? 200); k++) {
        const b = new Builder(rng);
        const fx = defaultFx();
        const stack = x87State(b, fx, s.minValid ?? 0);
        b.c.fx = fx;
        b.c.wantFx = true;
        b.c.fswMask = s.fsw ?? ARITH_FSW;
        if (s.fswFor) b.c.fswMask &= s.fswFor(stack, fx[0] | (fx[1] << 8));
        if (s.mem && MEM_SIZE[s.mem] > 16) b.c.exactFaultAddr = false;
        b.c.flagMask = ALL_FLAGS;
        if (s.mem && s.mem !== "none") {
          const size = MEM_SIZE[s.mem];
          const { m, ea } = b.mem(size, { align: s.align });
          b.patch(ea, s.image ? s.image(b) : memBytes(rng, s.mem));
          if (s.ignore) b.c.memIgnore = s.ignore.map(([o, l]) => [ea + o, l]);
          b.emit({ w: s.w, op: s.op, reg: s.digit, rm: m as Mem });
        } else {
          const i = s.fixed ? 0 : rng.int(8);
          b.raw([...s.op, (s.reg ?? 0) + i]);
        }
        b.raw([0x9b]); // FWAIT: report a pending unmasked exception here, as hardware does
        out.push(b.done());
      }
      return out;
    },
  };
}

const hx = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");

export function x87Forms(): Form[] {
  const out: Form[] = [];
  const mem = (name: string, esc: number, digit: number, kind: MemKind, o: Partial<X87Spec> = {}): void => {
    out.push(x87Form({ name: `${name} (${hx(esc)} /${digit})`, op: [esc], digit, mem: kind, ...o }));
  };
  const reg = (name: string, esc: number, base: number, o: Partial<X87Spec> = {}): void => {
    out.push(x87Form({ name: `${name} (${hx(esc)} ${hx(base)}${o.fixed ? "" : "+i"})`, op: [esc], reg: base, ...o }));
  };
  // Loads and stores.
  mem("FLD m32fp", 0xd9, 0, "m32fp"); mem("FLD m64fp", 0xdd, 0, "m64fp"); mem("FLD m80fp", 0xdb, 5, "m80fp");
  mem("FILD m16int", 0xdf, 0, "m16int"); mem("FILD m32int", 0xdb, 0, "m32int"); mem("FILD m64int", 0xdf, 5, "m64int");
  mem("FST m32fp", 0xd9, 2, "m32fp"); mem("FSTP m32fp", 0xd9, 3, "m32fp"); mem("FST m64fp", 0xdd, 2, "m64fp"); mem("FSTP m64fp", 0xdd, 3, "m64fp");
  mem("FSTP m80fp", 0xdb, 7, "m80fp");
  mem("FIST m16int", 0xdf, 2, "m16int"); mem("FISTP m16int", 0xdf, 3, "m16int"); mem("FIST m32int", 0xdb, 2, "m32int");
  mem("FISTP m32int", 0xdb, 3, "m32int"); mem("FISTP m64int", 0xdf, 7, "m64int");
  mem("FISTTP m16int", 0xdf, 1, "m16int"); mem("FISTTP m32int", 0xdb, 1, "m32int"); mem("FISTTP m64int", 0xdd, 1, "m64int");
  reg("FLD ST(i)", 0xd9, 0xc0); reg("FST ST(i)", 0xdd, 0xd0); reg("FSTP ST(i)", 0xdd, 0xd8); reg("FXCH ST(i)", 0xd9, 0xc8);
  // FFREE: C0-C3 undefined (SDM).
  reg("FFREE ST(i)", 0xdd, 0xc0, { fsw: ~(C0 | C1 | C2 | C3) & 0xffff });
  // Arithmetic and compares in every operand form.
  const ops = ["FADD", "FMUL", "FCOM", "FCOMP", "FSUB", "FSUBR", "FDIV", "FDIVR"];
  ops.forEach((op, n) => {
    const cmp = op.startsWith("FCOM");
    const fsw = cmp ? 0xffff : ARITH_FSW;
    // With #IA unmasked Intel documents the condition codes as "not set"; this AMD CPU sets them
    // to "unordered": vendor-dependent, so they are compared only when IM is masked.
    const fswFor = cmp ? (_: F80[], fcw: number): number => (fcw & 1 ? 0xffff : ~(C0 | C1 | C2 | C3) & 0xffff) : undefined;
    mem(`${op} m32fp`, 0xd8, n, "m32fp", { fsw, fswFor, n: 250 });
    mem(`${op} m64fp`, 0xdc, n, "m64fp", { fsw, fswFor, n: 250 });
    mem(`FI${op.slice(1)} m32int`, 0xda, n, "m32int", { fsw, fswFor });
    mem(`FI${op.slice(1)} m16int`, 0xde, n, "m16int", { fsw, fswFor });
    reg(`${op} ST(0), ST(i)`, 0xd8, 0xc0 + 8 * n, { fsw, fswFor, n: 250 });
    if (!cmp) {
      reg(`${op} ST(i), ST(0)`, 0xdc, 0xc0 + 8 * n, { fsw, n: 250 });
      reg(`${op}P ST(i), ST(0)`, 0xde, 0xc0 + 8 * n, { fsw, n: 250 });
    }
  });
  const cmpFor = (_: F80[], fcw: number): number => (fcw & 1 ? 0xffff : ~(C0 | C1 | C2 | C3) & 0xffff);
  reg("FCOMPP", 0xde, 0xd9, { fixed: true, fsw: 0xffff, fswFor: cmpFor });
  reg("FUCOM ST(i)", 0xdd, 0xe0, { fsw: 0xffff, fswFor: cmpFor }); reg("FUCOMP ST(i)", 0xdd, 0xe8, { fsw: 0xffff, fswFor: cmpFor });
  reg("FUCOMPP", 0xda, 0xe9, { fixed: true, fsw: 0xffff, fswFor: cmpFor });
  // FCOMI family: ZF/PF/CF in RFLAGS; C0/C2/C3 not affected. Intel documents C1 as cleared, this
  // AMD CPU leaves it unchanged: vendor-dependent, not compared.
  const fcomi = ~C1 & 0xffff;
  reg("FCOMI ST(0), ST(i)", 0xdb, 0xf0, { fsw: fcomi }); reg("FUCOMI ST(0), ST(i)", 0xdb, 0xe8, { fsw: fcomi });
  reg("FCOMIP ST(0), ST(i)", 0xdf, 0xf0, { fsw: fcomi }); reg("FUCOMIP ST(0), ST(i)", 0xdf, 0xe8, { fsw: fcomi });
  const fcmov: [string, number, number][] = [["FCMOVB", 0xda, 0xc0], ["FCMOVE", 0xda, 0xc8], ["FCMOVBE", 0xda, 0xd0], ["FCMOVU", 0xda, 0xd8],
    ["FCMOVNB", 0xdb, 0xc0], ["FCMOVNE", 0xdb, 0xc8], ["FCMOVNBE", 0xdb, 0xd0], ["FCMOVNU", 0xdb, 0xd8]];
  // FCMOVcc: "C1 set to 0 if stack underflow occurred", otherwise unspecified; C0/C2/C3 undefined.
  for (const [name, esc, base] of fcmov) reg(`${name} ST(0), ST(i)`, esc, base, { fsw: ~(C0 | C1 | C2 | C3) & 0xffff });
  // D9 E0..FF: one-byte-pair operations (the transcendental ones are left out: their last bits are implementation-specific).
  const d9: [string, number, number?][] = [["FCHS", 0xe0], ["FABS", 0xe1], ["FTST", 0xe4, 0xffff], ["FXAM", 0xe5, 0xffff], ["FLD1", 0xe8], ["FLDL2T", 0xe9],
    ["FLDL2E", 0xea], ["FLDPI", 0xeb], ["FLDLG2", 0xec], ["FLDLN2", 0xed], ["FLDZ", 0xee], ["FXTRACT", 0xf4], ["FPREM1", 0xf5, 0xffff],
    ["FDECSTP", 0xf6], ["FINCSTP", 0xf7], ["FPREM", 0xf8, 0xffff], ["FSQRT", 0xfa], ["FRNDINT", 0xfc], ["FSCALE", 0xfd], ["FNOP", 0xd0]];
  for (const [name, byte, fsw] of d9) {
    reg(name, 0xd9, byte, { fixed: true, fsw: fsw ?? ARITH_FSW, n: name.startsWith("FPREM") || name === "FSCALE" ? 300 : 200, fswFor: name.startsWith("FPREM") ? premFsw : undefined });
  }
  // Control and state.
  reg("FFREEP ST(i)", 0xdf, 0xc0, { fsw: ~(C0 | C1 | C2 | C3) & 0xffff });
  // Packed BCD: 18 digits and a sign byte; only valid digits (invalid ones give an undefined result).
  mem("FBLD m80bcd", 0xdf, 4, "m80fp", { image: (b) => bcd(b.rng) });
  mem("FBSTP m80bcd", 0xdf, 6, "m80fp");
  reg("FNSTSW AX", 0xdf, 0xe0, { fixed: true, fsw: 0xffff });
  reg("FNCLEX", 0xdb, 0xe2, { fixed: true });
  reg("FNINIT", 0xdb, 0xe3, { fixed: true, fsw: 0xffff });
  mem("FNSTSW m16", 0xdd, 7, "m16", { fsw: 0xffff, n: 80 });
  mem("FNSTCW m16", 0xd9, 7, "m16", { fsw: 0xffff, n: 80 });
  mem("FLDCW m16", 0xd9, 5, "m16", { fsw: 0xffff, image: (b) => le(BigInt(fcwValue(b.rng) | (b.rng.bool(0.2) ? b.rng.int(0x10000) & 0xf0c0 : 0)), 2) });
  // Environment images: FIP (+12), FCS/FOP (+16), FDP (+20), FDS (+24) are vendor-dependent.
  mem("FNSTENV m28", 0xd9, 6, "env", { fsw: 0xffff, n: 80, ignore: [[12, 16]] });
  mem("FLDENV m28", 0xd9, 4, "env", { fsw: 0xffff, n: 80, image: envImage });
  mem("FNSAVE m108", 0xdd, 6, "save", { fsw: 0xffff, n: 80, ignore: [[12, 16]] });
  mem("FRSTOR m108", 0xdd, 4, "save", { fsw: 0xffff, n: 80, image: (b) => { const e = envImage(b); const s = new Uint8Array(108); s.set(e); for (let i = 0; i < 8; i++) s.set(f80Bytes(f80(b.rng)), 28 + 10 * i); return s; } });
  // FXSAVE/FXRSTOR: 16-byte aligned (one in ten misaligned: #GP). FOP/FIP/FDP (+6..+23) and MXCSR_MASK (+28) are vendor-dependent.
  out.push(x87Form({ name: "FXSAVE m512 (0F AE /0)", op: [0x0f, 0xae], digit: 0, mem: "fx", align: 16, fsw: 0xffff, n: 80, ignore: [[6, 18], [28, 4], [464, 48]] }));
  out.push(x87Form({ name: "FXRSTOR m512 (0F AE /1)", op: [0x0f, 0xae], digit: 1, mem: "fx", align: 16, fsw: 0xffff, n: 80, image: fxImage }));
  // REX.W forms (FXSAVE64/FXRSTOR64): 64-bit FIP/FDP layout, which is not compared anyway.
  out.push(x87Form({ name: "FXSAVE64 m512 (REX.W 0F AE /0)", op: [0x0f, 0xae], w: true, digit: 0, mem: "fx", align: 16, fsw: 0xffff, n: 60, ignore: [[6, 18], [28, 4], [464, 48]] }));
  out.push(x87Form({ name: "FXRSTOR64 m512 (REX.W 0F AE /1)", op: [0x0f, 0xae], w: true, digit: 1, mem: "fx", align: 16, fsw: 0xffff, n: 60, image: fxImage }));
  return out;
}

/**
 * FPREM/FPREM1 report quotient bits in C0/C3/C1 only when a remainder is
 * computed; for NaN, infinite, invalid-encoding or zero-divisor operands and
 * stack underflow the result is the masked response and the quotient bits
 * are unspecified, so they are not compared.
 */
function premFsw(stack: F80[]): number {
  const q = ~(C0 | C1 | C3) & 0xffff;
  if (stack.length < 2) return q;
  const a = f80Class(stack[0]), d = f80Class(stack[1]);
  if (a === "nan" || a === "inf" || a === "invalid" || d === "nan" || d === "zero" || d === "inf" || d === "invalid") return q;
  return 0xffff;
}

function bcd(rng: Rng): Uint8Array {
  const out = new Uint8Array(10);
  const digits = rng.pick([0, 1, 2, 9, 17, 18, rng.int(19)]);
  for (let i = 0; i < digits; i++) {
    const d = rng.int(10);
    out[i >> 1] |= i & 1 ? d << 4 : d;
  }
  out[9] = rng.bool() ? 0x80 : 0;
  return out;
}

/** A 28-byte protected-mode environment with a random control/status/tag word. */
function envImage(b: Builder): Uint8Array {
  const e = b.rng.bytes(28);
  const v = new DataView(e.buffer);
  const cw = fcwValue(b.rng);
  v.setUint32(0, 0xffff0000 | cw, true);
  v.setUint32(4, 0xffff0000 | (b.rng.int(8) << 11) | (b.rng.u32() & (C0 | C1 | C2 | C3)) | (b.rng.int(64) & cw & 0x3f), true);
  v.setUint32(8, 0xffff0000 | b.rng.int(0x10000), true);
  return e;
}

/** A valid FXSAVE image: random x87 state, a valid MXCSR, random XMM. */
function fxImage(b: Builder): Uint8Array {
  const fx = defaultFx();
  x87State(b, fx);
  const v = new DataView(fx.buffer);
  v.setUint32(24, 0x1f80 | (b.rng.int(4) << 13) | (b.rng.bool(0.3) ? b.rng.int(64) : 0), true);
  fx.set(b.rng.bytes(256), 160);
  return fx;
}
