// The generic ModRM form: "OP r/m, r", "OP r, r/m", "OP r/m, imm", "OP r/m"
// in one operand size, register and memory operands mixed, operand values
// from edge lists first (pairs), then seeded random ones.
import { ALL_FLAGS, type Case, type Form, type Rng } from "./case";
import { Builder, edges, le, value, type Width } from "./builder";
import type { Mem } from "./encode";
import { DATA_ADDR, DATA_SIZE } from "./layout";

export interface Vals {
  /** Value of the r/m operand (register or memory). */
  a: bigint;
  /** Value of the ModRM.reg register operand (if any). */
  b: bigint;
  /** Immediate value (raw, before sign extension). */
  i: bigint;
  mem: boolean;
  /** Register numbers chosen (-1 when absent). */
  rmReg: number;
  reg: number;
  ea: number;
}

export interface RmSpec {
  family: string;
  name: string;
  /** Width of the r/m operand. */
  w: Width;
  /** Width of the reg operand (default w). */
  rw?: Width;
  /** Operand-size attribute deciding 66h / REX.W (default: the wider of w and rw). */
  osz?: 16 | 32 | 64 | 8;
  op: number[];
  /** Prefixes placed before 66h (e.g. mandatory F3). */
  pre?: number[];
  digit?: number;
  /** Immediate size in bits (0 = none). */
  imm?: 0 | 8 | 16 | 32 | 64;
  rm?: "both" | "reg" | "mem";
  lock?: boolean;
  /** 8-bit operand without REX (AH..BH reachable), or with a REX prefix (SPL..DIL). */
  r8?: "legacy" | "rex";
  /** Flags compared (default all). */
  flags?: number;
  /** Registers reserved before operands are picked (implicit operands). */
  claim?: number[];
  a?: (rng: Rng) => bigint;
  b?: (rng: Rng) => bigint;
  i?: (rng: Rng) => bigint;
  /** Memory operand options. */
  memOpts?: { align?: number; margin?: number };
  /** Memory operand size in bytes when it differs from w/8. */
  memSize?: number;
  /** Adjusts the case after operands are placed (implicit registers, undefined results). */
  post?: (b: Builder, v: Vals) => void;
  n?: number;
  /** Segment-override prefix (64 FS, 65 GS: a random base is set; 2E/3E/26/36 have base 0). */
  seg?: number;
  /** Opcode + immediate only (accumulator short forms); the r/m value is for post() to place. */
  noModrm?: boolean;
}

export const DEFAULT_N = 180;

export function rmForm(s: RmSpec): Form {
  return {
    family: s.family,
    name: s.name,
    cases(rng: Rng): Case[] {
      const out: Case[] = [];
      const n = s.n ?? DEFAULT_N;
      const rw = s.rw ?? s.w;
      const ea = edges(s.w), eb = edges(rw), ei = s.imm ? edges(s.imm) : [0n];
      const pairs: [bigint, bigint, bigint][] = [];
      if (!s.a && !s.b) {
        const second = s.digit === undefined ? eb : s.imm ? ei : [0n];
        for (const x of ea) for (const y of second) pairs.push([x, y, y]);
      }
      for (let k = 0; k < n; k++) {
        const bld = new Builder(rng);
        const legacy = s.w === 8 || rw === 8 ? s.r8 !== "rex" : false;
        for (const r of s.claim ?? []) bld.claim(r);
        bld.c.flagMask = s.flags ?? ALL_FLAGS;
        const mem = !s.noModrm && (s.rm === "mem" || (s.rm !== "reg" && rng.bool(0.4)));
        let a = s.a ? s.a(rng) : value(rng, s.w);
        let b = s.b ? s.b(rng) : value(rng, rw);
        let i = s.i ? s.i(rng) : s.imm ? value(rng, s.imm) : 0n;
        if (k < pairs.length && k * 2 < n) {
          [a, b, i] = pairs[k];
          if (s.digit === undefined) i = s.i ? s.i(rng) : s.imm ? value(rng, s.imm) : 0n;
        }
        const pick8 = (w: number): { legacy8?: boolean; low8?: boolean } => (legacy ? (w === 8 ? { legacy8: true } : { low8: true }) : {});
        let reg = -1;
        if (s.digit === undefined) {
          reg = bld.pick(pick8(rw));
          bld.setReg(reg, rw, b, legacy && rw === 8);
        }
        let rmReg = -1, eaddr = 0;
        let rm: number | Mem | undefined;
        if (s.noModrm) {
          rm = undefined;
        } else if (mem) {
          const size = s.memSize ?? s.w / 8;
          let segBase: bigint | undefined;
          if (s.seg === 0x64 || s.seg === 0x65) {
            segBase = BigInt(rng.bool() ? 1 + rng.int(0xfffff) : DATA_ADDR + rng.int(DATA_SIZE));
            if (s.seg === 0x64) bld.c.fsBase = segBase; else bld.c.gsBase = segBase;
            bld.note(`${s.seg === 0x64 ? "fs" : "gs"}_base=0x${segBase.toString(16)}`);
          }
          const { m, ea: e } = bld.mem(size, { legacyRegs: legacy, ...s.memOpts, segBase });
          eaddr = e;
          bld.patch(e, le(a, size));
          rm = m;
        } else {
          rmReg = bld.pick(pick8(s.w));
          bld.setReg(rmReg, s.w, a, legacy && s.w === 8);
          rm = rmReg;
        }
        const osz = s.osz ?? Math.max(s.w, rw);
        const pre = [...(s.seg ? [s.seg] : []), ...(s.lock ? [0xf0] : []), ...(s.pre ?? []), ...(osz === 16 ? [0x66] : [])];
        const immBytes = s.imm ? le(i, s.imm / 8) : undefined;
        if (s.imm) bld.note(`imm=0x${(i & ((1n << BigInt(s.imm)) - 1n)).toString(16)}`);
        bld.emit({ pre, w: osz === 64, rex: (s.w === 8 || rw === 8) && s.r8 === "rex", op: s.op, reg: rm === undefined ? undefined : s.digit ?? reg, rm, immBytes });
        s.post?.(bld, { a, b, i, mem, rmReg, reg, ea: eaddr });
        out.push(bld.done());
      }
      return out;
    },
  };
}

/** Width-dependent helpers for names: "r/m32", "r32", opcode byte for 8-bit vs wider. */
export const WIDTHS: Width[] = [16, 32, 64];
export function rm(w: number): string { return `r/m${w}`; }
export function r(w: number): string { return `r${w}`; }
