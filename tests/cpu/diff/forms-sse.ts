// SSE/SSE2 forms (the baseline CPUID of the emulator: no SSE3+). XMM
// registers, MXCSR (every rounding mode, FTZ/DAZ, sometimes unmasked
// exceptions) and memory operands start random per form's lane kind; the
// whole XMM file, MXCSR and memory are compared bit-exactly. Legacy-SSE
// 16-byte memory operands must be aligned (#GP otherwise: SDM vol. 1 §11.6.8)
// except MOVUPS/MOVUPD/MOVDQU: aligned forms get a misaligned address
// one time in ten. COMISS/UCOMISS set ZF/PF/CF and clear OF/SF/AF.
import { type Case, type Form, type Rng } from "./case";
import { Builder, le, mask, value } from "./builder";
import { defaultFx } from "./layout";
import { memValue, mxcsrValue, xmmValue, type Lanes } from "./fpvalues";
import type { Mem } from "./encode";

type RegOp = "x" | "r32" | "r64" | number;          // ModRM.reg: xmm, gpr, or /digit
type RmOp = "x" | "xm" | "m" | "rm32" | "rm64" | "r32" | "xonly" | "rm16";

export interface SseSpec {
  family: string;
  name: string;
  /** Mandatory prefix (66, F2, F3) or none. */
  pfx?: number;
  /** Opcode bytes after 0F. */
  op: number[];
  w?: boolean;
  reg: RegOp;
  rm: RmOp;
  /** Memory operand size in bytes. */
  mem?: number;
  /** 16-byte alignment required for the memory operand. */
  align?: boolean;
  kind: Lanes;
  /** Kind of the source (rm) operand when it differs (e.g. integer source of a conversion). */
  srcKind?: Lanes | "i32" | "i64" | "i16";
  imm?: (rng: Rng) => number;
  n?: number;
  /** Approximate reciprocal (square root) instruction: compared within the documented error (see Case.approx). */
  approx?: { fn: "rcp" | "rsqrt"; lanes: number };
}

const XALL = 0xffff;

export function sseForm(s: SseSpec): Form {
  return {
    family: s.family, name: s.name,
    cases(rng: Rng): Case[] {
      const out: Case[] = [];
      for (let k = 0; k < (s.n ?? 150); k++) {
        const b = new Builder(rng);
        const fx = defaultFx();
        const v = new DataView(fx.buffer);
        for (let x = 0; x < 16; x++) fx.set(xmmValue(rng, x % 3 === 0 && s.srcKind && s.srcKind !== "i32" && s.srcKind !== "i64" && s.srcKind !== "i16" ? s.srcKind : s.kind), 160 + 16 * x);
        const mx = mxcsrValue(rng);
        v.setUint32(24, mx, true);
        b.note(`mxcsr=0x${mx.toString(16)}`);
        b.c.fx = fx;
        b.c.wantFx = true;
        b.c.xmmMask = XALL;
        let reg: number;
        if (s.reg === "x") reg = rng.int(16);
        else if (s.reg === "r32" || s.reg === "r64") reg = b.pick();
        else reg = s.reg;
        const memOk = s.rm === "xm" || s.rm === "m" || s.rm === "rm32" || s.rm === "rm64" || s.rm === "rm16";
        const useMem = s.rm === "m" || (memOk && rng.bool(0.4));
        let rm: number | Mem;
        let srcBytes: Uint8Array | undefined;
        if (useMem) {
          const size = s.mem ?? 16;
          const misalign = s.align && rng.int(10) === 0;
          const { m, ea } = b.mem(size, { align: s.align ? 16 : undefined });
          const kind = s.srcKind ?? s.kind;
          const val = s.rm === "rm32" ? memValue(rng, "i32", size) : s.rm === "rm64" ? memValue(rng, "i64", size) : s.rm === "rm16" ? memValue(rng, "i16", size) : memValue(rng, kind, size);
          // One aligned-form case in ten moves the operand 1..15 bytes off alignment (#GP natively).
          const d = misalign ? 1 + rng.int(15) : 0;
          b.patch(ea + d, val);
          srcBytes = val;
          if (d) {
            if (typeof m.base === "number") b.c.gpr[m.base] = (b.c.gpr[m.base] + BigInt(d)) & mask(64);
            else if (m.base === "rip") m.target = (m.target ?? 0) + d;
            else m.disp += d;
            b.note(`misaligned by ${d}`);
          }
          rm = m;
        } else if (s.rm === "rm32" || s.rm === "rm64" || s.rm === "r32" || s.rm === "rm16") {
          const r = b.pick();
          const w = s.rm === "rm64" ? 64 : s.rm === "rm16" ? 16 : 32;
          b.setReg(r, 64, rng.bool(0.6) ? value(rng, w) : rng.u64());
          rm = r;
        } else {
          rm = rng.int(16);
          srcBytes = fx.slice(160 + 16 * rm, 176 + 16 * rm);
        }
        if (s.approx && srcBytes) {
          const sv = new DataView(srcBytes.buffer, srcBytes.byteOffset, srcBytes.length);
          const exact: number[] = [];
          for (let l = 0; l < s.approx.lanes; l++) {
            const x = sv.getFloat32(4 * l, true);
            exact.push(s.approx.fn === "rcp" ? 1 / x : 1 / Math.sqrt(x));
          }
          b.c.approx = { xmm: reg, lanes: s.approx.lanes, exact };
        }
        const xmmHex = (x: number): string => Array.from(fx.slice(160 + 16 * x, 176 + 16 * x)).reverse().map((v) => v.toString(16).padStart(2, "0")).join("");
        if (s.reg === "x") b.note(`xmm${reg}=0x${xmmHex(reg)}`);
        if (typeof rm === "number" && (s.rm === "x" || s.rm === "xm" || s.rm === "xonly") && rm !== reg) b.note(`xmm${rm}=0x${xmmHex(rm)}`);
        if (typeof s.reg === "number") b.note(`xmm${rm as number}=0x${xmmHex(rm as number)}`);
        const imm = s.imm ? s.imm(rng) : undefined;
        if (imm !== undefined) b.note(`imm=0x${imm.toString(16)}`);
        b.emit({ pre: s.pfx ? [s.pfx] : [], w: s.w, op: [0x0f, ...s.op], reg, rm, immBytes: imm === undefined ? undefined : Uint8Array.of(imm) });
        out.push(b.done());
      }
      return out;
    },
  };
}

const P = { none: 0, "66": 0x66, F3: 0xf3, F2: 0xf2 } as const;
const hx = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");
const enc = (pfx: number, op: number[], tail = "/r"): string => `${pfx ? hx(pfx) + " " : ""}0F ${op.map(hx).join(" ")} ${tail}`;

export function sseForms(): Form[] {
  const out: Form[] = [];
  const add = (family: string, mn: string, pfx: number, op: number[], reg: RegOp, rm: RmOp, kind: Lanes, o: Partial<SseSpec> = {}): void => {
    out.push(sseForm({ family, name: `${mn} (${enc(pfx, op, typeof reg === "number" ? `/${reg}${o.imm ? " ib" : ""}` : o.imm ? "/r ib" : "/r")}${o.w ? ", REX.W" : ""})`, pfx, op, reg, rm, kind, ...o }));
  };
  // ---- moves ----
  const mv = "sse-mov";
  add(mv, "MOVUPS xmm, xmm/m128", 0, [0x10], "x", "xm", "f32");
  add(mv, "MOVUPS xmm/m128, xmm", 0, [0x11], "x", "xm", "f32");
  add(mv, "MOVUPD xmm, xmm/m128", P["66"], [0x10], "x", "xm", "f64");
  add(mv, "MOVUPD xmm/m128, xmm", P["66"], [0x11], "x", "xm", "f64");
  add(mv, "MOVSS xmm, xmm/m32", P.F3, [0x10], "x", "xm", "f32", { mem: 4 });
  add(mv, "MOVSS xmm/m32, xmm", P.F3, [0x11], "x", "xm", "f32", { mem: 4 });
  add(mv, "MOVSD xmm, xmm/m64", P.F2, [0x10], "x", "xm", "f64", { mem: 8 });
  add(mv, "MOVSD xmm/m64, xmm", P.F2, [0x11], "x", "xm", "f64", { mem: 8 });
  add(mv, "MOVLPS xmm, m64", 0, [0x12], "x", "m", "f32", { mem: 8 });
  add(mv, "MOVHLPS xmm, xmm", 0, [0x12], "x", "xonly", "f32");
  add(mv, "MOVLPS m64, xmm", 0, [0x13], "x", "m", "f32", { mem: 8 });
  add(mv, "MOVLPD xmm, m64", P["66"], [0x12], "x", "m", "f64", { mem: 8 });
  add(mv, "MOVLPD m64, xmm", P["66"], [0x13], "x", "m", "f64", { mem: 8 });
  add(mv, "MOVHPS xmm, m64", 0, [0x16], "x", "m", "f32", { mem: 8 });
  add(mv, "MOVLHPS xmm, xmm", 0, [0x16], "x", "xonly", "f32");
  add(mv, "MOVHPS m64, xmm", 0, [0x17], "x", "m", "f32", { mem: 8 });
  add(mv, "MOVHPD xmm, m64", P["66"], [0x16], "x", "m", "f64", { mem: 8 });
  add(mv, "MOVHPD m64, xmm", P["66"], [0x17], "x", "m", "f64", { mem: 8 });
  add(mv, "MOVAPS xmm, xmm/m128", 0, [0x28], "x", "xm", "f32", { align: true });
  add(mv, "MOVAPS xmm/m128, xmm", 0, [0x29], "x", "xm", "f32", { align: true });
  add(mv, "MOVAPD xmm, xmm/m128", P["66"], [0x28], "x", "xm", "f64", { align: true });
  add(mv, "MOVAPD xmm/m128, xmm", P["66"], [0x29], "x", "xm", "f64", { align: true });
  add(mv, "MOVNTPS m128, xmm", 0, [0x2b], "x", "m", "f32", { align: true });
  add(mv, "MOVNTPD m128, xmm", P["66"], [0x2b], "x", "m", "f64", { align: true });
  add(mv, "MOVMSKPS r32, xmm", 0, [0x50], "r32", "xonly", "f32");
  add(mv, "MOVMSKPD r32, xmm", P["66"], [0x50], "r32", "xonly", "f64");
  add(mv, "MOVD xmm, r/m32", P["66"], [0x6e], "x", "rm32", "int", { mem: 4 });
  add(mv, "MOVQ xmm, r/m64", P["66"], [0x6e], "x", "rm64", "int", { mem: 8, w: true });
  add(mv, "MOVD r/m32, xmm", P["66"], [0x7e], "x", "rm32", "int", { mem: 4 });
  add(mv, "MOVQ r/m64, xmm", P["66"], [0x7e], "x", "rm64", "int", { mem: 8, w: true });
  add(mv, "MOVQ xmm, xmm/m64", P.F3, [0x7e], "x", "xm", "int", { mem: 8 });
  add(mv, "MOVQ xmm/m64, xmm", P["66"], [0xd6], "x", "xm", "int", { mem: 8 });
  add(mv, "MOVDQA xmm, xmm/m128", P["66"], [0x6f], "x", "xm", "int", { align: true });
  add(mv, "MOVDQU xmm, xmm/m128", P.F3, [0x6f], "x", "xm", "int");
  add(mv, "MOVDQA xmm/m128, xmm", P["66"], [0x7f], "x", "xm", "int", { align: true });
  add(mv, "MOVDQU xmm/m128, xmm", P.F3, [0x7f], "x", "xm", "int");
  add(mv, "MOVNTDQ m128, xmm", P["66"], [0xe7], "x", "m", "int", { align: true });
  add(mv, "PMOVMSKB r32, xmm", P["66"], [0xd7], "r32", "xonly", "int");
  add(mv, "PINSRW xmm, r32/m16", P["66"], [0xc4], "x", "rm16", "int", { mem: 2, imm: (r) => r.int(256) });
  add(mv, "PEXTRW r32, xmm", P["66"], [0xc5], "r32", "xonly", "int", { imm: (r) => r.int(256) });
  // ---- packed/scalar FP arithmetic ----
  const fp = "sse-fp";
  const arith: [string, number][] = [["ADD", 0x58], ["MUL", 0x59], ["SUB", 0x5c], ["MIN", 0x5d], ["DIV", 0x5e], ["MAX", 0x5f], ["SQRT", 0x51]];
  for (const [mn, op] of arith) {
    add(fp, `${mn}PS xmm, xmm/m128`, 0, [op], "x", "xm", "f32", { align: true, n: 250 });
    add(fp, `${mn}SS xmm, xmm/m32`, P.F3, [op], "x", "xm", "f32", { mem: 4, n: 250 });
    add(fp, `${mn}PD xmm, xmm/m128`, P["66"], [op], "x", "xm", "f64", { align: true, n: 250 });
    add(fp, `${mn}SD xmm, xmm/m64`, P.F2, [op], "x", "xm", "f64", { mem: 8, n: 250 });
  }
  add(fp, "RCPPS xmm, xmm/m128", 0, [0x53], "x", "xm", "f32", { align: true, approx: { fn: "rcp", lanes: 4 }, n: 250 });
  add(fp, "RCPSS xmm, xmm/m32", P.F3, [0x53], "x", "xm", "f32", { mem: 4, approx: { fn: "rcp", lanes: 1 }, n: 250 });
  add(fp, "RSQRTPS xmm, xmm/m128", 0, [0x52], "x", "xm", "f32", { align: true, approx: { fn: "rsqrt", lanes: 4 }, n: 250 });
  add(fp, "RSQRTSS xmm, xmm/m32", P.F3, [0x52], "x", "xm", "f32", { mem: 4, approx: { fn: "rsqrt", lanes: 1 }, n: 250 });
  const logic: [string, number][] = [["AND", 0x54], ["ANDN", 0x55], ["OR", 0x56], ["XOR", 0x57]];
  for (const [mn, op] of logic) {
    add(fp, `${mn}PS xmm, xmm/m128`, 0, [op], "x", "xm", "f32", { align: true });
    add(fp, `${mn}PD xmm, xmm/m128`, P["66"], [op], "x", "xm", "f64", { align: true });
  }
  const cmpImm = (r: Rng): number => r.int(8);
  add(fp, "CMPPS xmm, xmm/m128, imm8", 0, [0xc2], "x", "xm", "f32", { align: true, imm: cmpImm, n: 250 });
  add(fp, "CMPSS xmm, xmm/m32, imm8", P.F3, [0xc2], "x", "xm", "f32", { mem: 4, imm: cmpImm, n: 250 });
  add(fp, "CMPPD xmm, xmm/m128, imm8", P["66"], [0xc2], "x", "xm", "f64", { align: true, imm: cmpImm, n: 250 });
  add(fp, "CMPSD xmm, xmm/m64, imm8", P.F2, [0xc2], "x", "xm", "f64", { mem: 8, imm: cmpImm, n: 250 });
  add(fp, "UCOMISS xmm, xmm/m32", 0, [0x2e], "x", "xm", "f32", { mem: 4, n: 250 });
  add(fp, "COMISS xmm, xmm/m32", 0, [0x2f], "x", "xm", "f32", { mem: 4, n: 250 });
  add(fp, "UCOMISD xmm, xmm/m64", P["66"], [0x2e], "x", "xm", "f64", { mem: 8, n: 250 });
  add(fp, "COMISD xmm, xmm/m64", P["66"], [0x2f], "x", "xm", "f64", { mem: 8, n: 250 });
  add(fp, "SHUFPS xmm, xmm/m128, imm8", 0, [0xc6], "x", "xm", "f32", { align: true, imm: (r) => r.int(256) });
  add(fp, "SHUFPD xmm, xmm/m128, imm8", P["66"], [0xc6], "x", "xm", "f64", { align: true, imm: (r) => r.int(256) });
  add(fp, "UNPCKLPS xmm, xmm/m128", 0, [0x14], "x", "xm", "f32", { align: true });
  add(fp, "UNPCKHPS xmm, xmm/m128", 0, [0x15], "x", "xm", "f32", { align: true });
  add(fp, "UNPCKLPD xmm, xmm/m128", P["66"], [0x14], "x", "xm", "f64", { align: true });
  add(fp, "UNPCKHPD xmm, xmm/m128", P["66"], [0x15], "x", "xm", "f64", { align: true });
  // ---- conversions ----
  const cv = "sse-cvt";
  add(cv, "CVTSI2SS xmm, r/m32", P.F3, [0x2a], "x", "rm32", "f32", { mem: 4, n: 250 });
  add(cv, "CVTSI2SS xmm, r/m64", P.F3, [0x2a], "x", "rm64", "f32", { mem: 8, w: true, n: 250 });
  add(cv, "CVTSI2SD xmm, r/m32", P.F2, [0x2a], "x", "rm32", "f64", { mem: 4, n: 250 });
  add(cv, "CVTSI2SD xmm, r/m64", P.F2, [0x2a], "x", "rm64", "f64", { mem: 8, w: true, n: 250 });
  for (const [mn, op] of [["CVTT", 0x2c], ["CVT", 0x2d]] as const) {
    add(cv, `${mn}SS2SI r32, xmm/m32`, P.F3, [op], "r32", "xm", "f32", { mem: 4, n: 250 });
    add(cv, `${mn}SS2SI r64, xmm/m32`, P.F3, [op], "r64", "xm", "f32", { mem: 4, w: true, n: 250 });
    add(cv, `${mn}SD2SI r32, xmm/m64`, P.F2, [op], "r32", "xm", "f64", { mem: 8, n: 250 });
    add(cv, `${mn}SD2SI r64, xmm/m64`, P.F2, [op], "r64", "xm", "f64", { mem: 8, w: true, n: 250 });
  }
  add(cv, "CVTPS2PD xmm, xmm/m64", 0, [0x5a], "x", "xm", "f32", { mem: 8, n: 250 });
  add(cv, "CVTSS2SD xmm, xmm/m32", P.F3, [0x5a], "x", "xm", "f32", { mem: 4, n: 250 });
  add(cv, "CVTPD2PS xmm, xmm/m128", P["66"], [0x5a], "x", "xm", "f64", { align: true, n: 250 });
  add(cv, "CVTSD2SS xmm, xmm/m64", P.F2, [0x5a], "x", "xm", "f64", { mem: 8, n: 250 });
  add(cv, "CVTDQ2PS xmm, xmm/m128", 0, [0x5b], "x", "xm", "int", { align: true, n: 250 });
  add(cv, "CVTPS2DQ xmm, xmm/m128", P["66"], [0x5b], "x", "xm", "f32", { align: true, n: 250 });
  add(cv, "CVTTPS2DQ xmm, xmm/m128", P.F3, [0x5b], "x", "xm", "f32", { align: true, n: 250 });
  add(cv, "CVTTPD2DQ xmm, xmm/m128", P["66"], [0xe6], "x", "xm", "f64", { align: true, n: 250 });
  add(cv, "CVTDQ2PD xmm, xmm/m64", P.F3, [0xe6], "x", "xm", "int", { mem: 8, n: 250 });
  add(cv, "CVTPD2DQ xmm, xmm/m128", P.F2, [0xe6], "x", "xm", "f64", { align: true, n: 250 });
  // ---- integer SIMD (66 0F xx /r, xmm, xmm/m128) ----
  const si = "sse-int";
  const ints: [string, number][] = [
    ["PUNPCKLBW", 0x60], ["PUNPCKLWD", 0x61], ["PUNPCKLDQ", 0x62], ["PACKSSWB", 0x63], ["PCMPGTB", 0x64], ["PCMPGTW", 0x65],
    ["PCMPGTD", 0x66], ["PACKUSWB", 0x67], ["PUNPCKHBW", 0x68], ["PUNPCKHWD", 0x69], ["PUNPCKHDQ", 0x6a], ["PACKSSDW", 0x6b],
    ["PUNPCKLQDQ", 0x6c], ["PUNPCKHQDQ", 0x6d], ["PCMPEQB", 0x74], ["PCMPEQW", 0x75], ["PCMPEQD", 0x76],
    ["PADDQ", 0xd4], ["PMULLW", 0xd5], ["PSUBUSB", 0xd8], ["PSUBUSW", 0xd9], ["PMINUB", 0xda], ["PAND", 0xdb],
    ["PADDUSB", 0xdc], ["PADDUSW", 0xdd], ["PMAXUB", 0xde], ["PANDN", 0xdf], ["PAVGB", 0xe0], ["PAVGW", 0xe3],
    ["PMULHUW", 0xe4], ["PMULHW", 0xe5], ["PSUBSB", 0xe8], ["PSUBSW", 0xe9], ["PMINSW", 0xea], ["POR", 0xeb],
    ["PADDSB", 0xec], ["PADDSW", 0xed], ["PMAXSW", 0xee], ["PXOR", 0xef], ["PMULUDQ", 0xf4], ["PMADDWD", 0xf5],
    ["PSADBW", 0xf6], ["PSUBB", 0xf8], ["PSUBW", 0xf9], ["PSUBD", 0xfa], ["PSUBQ", 0xfb], ["PADDB", 0xfc], ["PADDW", 0xfd], ["PADDD", 0xfe],
  ];
  for (const [mn, op] of ints) add(si, `${mn} xmm, xmm/m128`, P["66"], [op], "x", "xm", "int", { align: true });
  const shifts: [string, number][] = [["PSRLW", 0xd1], ["PSRLD", 0xd2], ["PSRLQ", 0xd3], ["PSRAW", 0xe1], ["PSRAD", 0xe2], ["PSLLW", 0xf1], ["PSLLD", 0xf2], ["PSLLQ", 0xf3]];
  for (const [mn, op] of shifts) add(si, `${mn} xmm, xmm/m128`, P["66"], [op], "x", "xm", "int", { align: true, srcKind: "count" });
  const count = (r: Rng): number => r.pick([0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, r.int(256)]);
  const immShifts: [string, number, number][] = [["PSRLW", 0x71, 2], ["PSRAW", 0x71, 4], ["PSLLW", 0x71, 6], ["PSRLD", 0x72, 2], ["PSRAD", 0x72, 4], ["PSLLD", 0x72, 6],
    ["PSRLQ", 0x73, 2], ["PSRLDQ", 0x73, 3], ["PSLLQ", 0x73, 6], ["PSLLDQ", 0x73, 7]];
  for (const [mn, op, d] of immShifts) add(si, `${mn} xmm, imm8`, P["66"], [op], d, "xonly", "int", { imm: count });
  add(si, "PSHUFD xmm, xmm/m128, imm8", P["66"], [0x70], "x", "xm", "int", { align: true, imm: (r) => r.int(256) });
  add(si, "PSHUFHW xmm, xmm/m128, imm8", P.F3, [0x70], "x", "xm", "int", { align: true, imm: (r) => r.int(256) });
  add(si, "PSHUFLW xmm, xmm/m128, imm8", P.F2, [0x70], "x", "xm", "int", { align: true, imm: (r) => r.int(256) });
  // ---- MXCSR ----
  out.push(mxcsrForm(true), mxcsrForm(false), maskmovForm());
  return out;
}

/** LDMXCSR m32 (0F AE /2) and STMXCSR m32 (0F AE /3); reserved bits set in LDMXCSR's operand → #GP. */
function mxcsrForm(load: boolean): Form {
  return {
    family: "sse-mov", name: load ? "LDMXCSR m32 (0F AE /2)" : "STMXCSR m32 (0F AE /3)",
    cases(rng) {
      const out: Case[] = [];
      for (let k = 0; k < 80; k++) {
        const b = new Builder(rng);
        const fx = defaultFx();
        new DataView(fx.buffer).setUint32(24, mxcsrValue(rng), true);
        b.c.fx = fx; b.c.wantFx = true;
        const { m, ea } = b.mem(4);
        const val = rng.int(10) === 0 ? rng.u32() : mxcsrValue(rng) | (rng.bool(0.3) ? rng.int(64) : 0);
        b.patch(ea, le(BigInt(val), 4));
        b.emit({ op: [0x0f, 0xae], reg: load ? 2 : 3, rm: m });
        out.push(b.done());
      }
      return out;
    },
  };
}

/** MASKMOVDQU xmm1, xmm2 (66 0F F7 /r): byte-masked store to [RDI] (non-temporal hint ignored). */
export function maskmovForm(): Form {
  return {
    family: "sse-mov", name: "MASKMOVDQU xmm, xmm (66 0F F7 /r, store to [RDI], [EDI] with 67h)",
    cases(rng) {
      const out: Case[] = [];
      for (let k = 0; k < 100; k++) {
        const b = new Builder(rng);
        const fx = defaultFx();
        for (let x = 0; x < 16; x++) fx.set(xmmValue(rng, "int"), 160 + 16 * x);
        b.c.fx = fx; b.c.wantFx = true;
        b.claim(7);
        const fault = rng.int(30) === 0;
        const rdi = fault ? 0x2000_2000 - rng.int(16) : 0x2000_0000 + rng.int(0x1ff0);
        // with 67h the store goes to [EDI]: the upper half of RDI must not matter
        const addr32 = rng.int(5) === 0;
        b.setReg(7, 64, addr32 ? (BigInt(rng.u32()) << 32n) | BigInt(rdi) : BigInt(rdi), false, "rdi");
        const mask = rng.int(16);
        // Whether masked-off bytes can fault is implementation-specific (SDM): fault cases write every byte.
        if (fault) for (let i = 0; i < 16; i++) fx[160 + 16 * mask + i] |= 0x80;
        b.emit({ pre: addr32 ? [0x66, 0x67] : [0x66], op: [0x0f, 0xf7], reg: rng.int(16), rm: mask });
        out.push(b.done());
      }
      return out;
    },
  };
}
