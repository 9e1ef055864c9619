// MMX forms (src/cpu/mmx.ts), asserted. MMX registers alias the x87
// significands (SDM vol. 1 §9.5), so the whole x87 state is compared: after
// any MMX instruction TOP = 0 and all tags are valid, and a written MMn has
// exponent/sign bits all ones. The x87 state is random (any TOP, any tags),
// the MMX operands are integer edge values or x87 significands, shift counts
// come from the count edges, and in about 10% of the cases an unmasked x87
// exception is pending (FSW.ES), which every MMX-register instruction reports
// as #MF (SIGFPE) before doing anything — while CVTPI2PS/CVTPI2PD with a
// memory source are plain SSE instructions and run.
import type { Case, Form, Rng } from "./case";
import { Builder, value } from "./builder";
import { defaultFx, GUARD_ADDR } from "./layout";
import { memValue, mxcsrValue, xmmValue } from "./fpvalues";
import { x87State } from "./forms-x87";
import type { Mem } from "./encode";

type MReg = "mm" | "r32" | "x" | number;
type MRm = "mmm" | "mm" | "rm32" | "rm64" | "m" | "x" | "xm" | "xm128" | "rm16" | "none";

interface MmxOpts {
  pfx?: number;
  w?: boolean;
  /** Memory operand size (default 8). */
  mem?: number;
  imm?: boolean;
  /** Random MXCSR (rounding, FTZ/DAZ, sometimes unmasked exceptions) for the conversions. */
  mxcsr?: boolean;
  /** Source values are shift counts. */
  counts?: boolean;
  /** Memory operand kind for the xmm/m forms. */
  lanes?: "f32" | "f64";
  /** Register numbers 0-15: REX.R/REX.B are ignored for MMX registers (mm8 = mm0). */
  rex?: boolean;
  /** Cases that must all fault natively (#UD forms). */
  faults?: boolean;
  n?: number;
}

function mmxForm(name: string, op: number[], reg: MReg, rm: MRm, o: MmxOpts = {}): Form {
  return {
    family: "mmx", name, faults: o.faults,
    cases(rng: Rng): Case[] {
      const out: Case[] = [];
      for (let k = 0; k < (o.n ?? 60); k++) {
        const b = new Builder(rng);
        const fx = defaultFx();
        x87State(b, fx, rng.bool(0.7) ? 8 : 0);
        const v = new DataView(fx.buffer);
        // MMX operands: integer edges or shift counts in place of some significands.
        for (let i = 0; i < 8; i++) {
          if (!rng.bool(0.5)) continue;
          fx.set(o.counts ? xmmValue(rng, "count").slice(0, 8) : memValue(rng, "int", 8), 32 + 16 * i);
        }
        if (rng.bool(0.1)) {
          // a pending unmasked x87 exception: #MF at the next MMX (or waiting x87) instruction
          const e = 1 << rng.int(6);
          v.setUint16(0, v.getUint16(0, true) & ~e, true);
          v.setUint16(2, v.getUint16(2, true) | e | 0x8080, true);
          b.note("pending x87 exception");
        }
        for (let x = 0; x < 16; x++) fx.set(xmmValue(rng, rng.pick(["int", "f32", "f64"] as const)), 160 + 16 * x);
        if (o.mxcsr) v.setUint32(24, mxcsrValue(rng), true);
        b.c.fx = fx; b.c.wantFx = true; b.c.fswMask = 0xffff;
        const regNo = reg === "mm" ? rng.int(o.rex ? 16 : 8) : reg === "x" ? rng.int(16) : reg === "r32" ? b.pick() : reg;
        const memOk = rm === "mmm" || rm === "m" || rm === "rm32" || rm === "rm64" || rm === "xm" || rm === "xm128" || rm === "rm16";
        let rmv: number | Mem | undefined;
        if (rm === "m" || (memOk && rng.bool(0.4))) {
          const size = rm === "xm128" ? 16 : o.mem ?? 8;
          const { m, ea } = b.mem(size, rm === "xm128" && rng.bool(0.9) ? { align: 16 } : {});
          b.patch(ea, o.counts ? xmmValue(rng, "count").slice(0, size) : memValue(rng, o.lanes ?? "int", size));
          rmv = m;
        } else if (rm === "rm32" || rm === "rm64" || rm === "rm16") {
          const r = b.pick();
          b.setReg(r, 64, rng.bool() ? value(rng, rm === "rm64" ? 64 : 32) : rng.u64());
          rmv = r;
        } else if (rm === "none") {
          rmv = undefined;
        } else {
          rmv = rm === "x" || rm === "xm" || rm === "xm128" || o.rex ? rng.int(16) : rng.int(8);
        }
        if (rmv === undefined) { b.raw(op); out.push(b.done()); continue; }
        const imm = o.imm ? rng.int(256) : undefined;
        b.emit({ pre: o.pfx ? [o.pfx] : [], w: o.w, op: [0x0f, ...op], reg: regNo, rm: rmv, immBytes: imm === undefined ? undefined : Uint8Array.of(imm) });
        out.push(b.done());
      }
      return out;
    },
  };
}

/**
 * MASKMOVQ mm1, mm2 (0F F7): RDI (EDI with 67h, upper half random) points
 * into the data region, sometimes next to the guard page or into the
 * read-only page. Whether masked-off bytes can fault is implementation-
 * specific (SDM MASKMOVQ), so when the 8 bytes could fault every mask byte
 * selects its byte, as the MASKMOVDQU form does.
 */
function maskmovqForm(addr32: boolean): Form {
  const base = mmxForm(`MASKMOVQ mm, mm (${addr32 ? "67 " : ""}0F F7 /r, store to [${addr32 ? "EDI" : "RDI"}])`, [0xf7], "mm", "mm", addr32 ? { pfx: 0x67 } : {});
  return {
    ...base,
    cases(rng: Rng): Case[] {
      return base.cases(rng).map((c) => {
        const { ea } = new Builder(rng).mem(8);
        c.gpr[7] = addr32 ? (BigInt(rng.u32()) << 32n) | BigInt(ea) : BigInt(ea);
        c.inputs += ` rdi=${c.gpr[7].toString(16)}`;
        if (ea + 8 > GUARD_ADDR && c.fx) {
          const rm = c.code[c.code.length - 1] & 7;
          const top = (c.fx[3] >> 3) & 7;
          const slot = (rm - top) & 7;
          for (let i = 0; i < 8; i++) c.fx[32 + 16 * slot + i] |= 0x80;
        }
        return c;
      });
    },
  };
}

/**
 * A short MMX sequence handed back to x87 code: PADDB, PMADDWD, MOVD r32,
 * PSHUFW, then (EMMS or not) FLD1 and FWAIT. Without EMMS the stack is full
 * of valid registers, so FLD1 overflows (masked: the indefinite is pushed).
 */
function chainForm(): Form {
  const base = mmxForm("MMX sequence then x87: PADDB, PMADDWD, MOVD r32, PSHUFW, [EMMS], FLD1, FWAIT", [], "mm", "none");
  return {
    ...base,
    cases(rng: Rng): Case[] {
      return base.cases(rng).map((c) => {
        const emms = rng.bool(0.6);
        c.code = Uint8Array.from([
          0x0f, 0xfc, 0xc1, 0x0f, 0xf5, 0xd0, 0x0f, 0x7e, 0xd0, 0x0f, 0x70, 0xda, rng.int(256),
          ...(emms ? [0x0f, 0x77] : []), 0xd9, 0xe8, 0x9b,
        ]);
        c.inputs += emms ? " with EMMS" : " without EMMS";
        return c;
      });
    },
  };
}

export function mmxForms(): Form[] {
  const out: Form[] = [];
  const h = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");
  out.push(mmxForm("MOVD mm, r/m32 (0F 6E /r)", [0x6e], "mm", "rm32", { mem: 4 }));
  out.push(mmxForm("MOVQ mm, r/m64 (REX.W 0F 6E /r)", [0x6e], "mm", "rm64", { w: true }));
  out.push(mmxForm("MOVD r/m32, mm (0F 7E /r)", [0x7e], "mm", "rm32", { mem: 4 }));
  out.push(mmxForm("MOVQ r/m64, mm (REX.W 0F 7E /r)", [0x7e], "mm", "rm64", { w: true }));
  out.push(mmxForm("MOVQ mm, mm/m64 (0F 6F /r)", [0x6f], "mm", "mmm"));
  out.push(mmxForm("MOVQ mm/m64, mm (0F 7F /r)", [0x7f], "mm", "mmm"));
  out.push(mmxForm("MOVNTQ m64, mm (0F E7 /r)", [0xe7], "mm", "m"));
  // PUNPCKL* take m32 (SDM): the 4-byte operand is what must not fault.
  for (const [mn, op] of [["PUNPCKLBW", 0x60], ["PUNPCKLWD", 0x61], ["PUNPCKLDQ", 0x62]] as const) {
    out.push(mmxForm(`${mn} mm, mm/m32 (0F ${h(op)} /r)`, [op], "mm", "mmm", { mem: 4 }));
  }
  const arith: [string, number][] = [
    ["PACKSSWB", 0x63], ["PCMPGTB", 0x64], ["PCMPGTW", 0x65], ["PCMPGTD", 0x66],
    ["PACKUSWB", 0x67], ["PUNPCKHBW", 0x68], ["PUNPCKHWD", 0x69], ["PUNPCKHDQ", 0x6a], ["PACKSSDW", 0x6b], ["PCMPEQB", 0x74], ["PCMPEQW", 0x75],
    ["PCMPEQD", 0x76], ["PADDQ", 0xd4], ["PMULLW", 0xd5], ["PSUBUSB", 0xd8], ["PSUBUSW", 0xd9],
    ["PMINUB", 0xda], ["PAND", 0xdb], ["PADDUSB", 0xdc], ["PADDUSW", 0xdd], ["PMAXUB", 0xde], ["PANDN", 0xdf], ["PAVGB", 0xe0],
    ["PAVGW", 0xe3], ["PMULHUW", 0xe4], ["PMULHW", 0xe5], ["PSUBSB", 0xe8], ["PSUBSW", 0xe9], ["PMINSW", 0xea], ["POR", 0xeb],
    ["PADDSB", 0xec], ["PADDSW", 0xed], ["PMAXSW", 0xee], ["PXOR", 0xef], ["PMULUDQ", 0xf4],
    ["PMADDWD", 0xf5], ["PSADBW", 0xf6], ["PSUBB", 0xf8], ["PSUBW", 0xf9], ["PSUBD", 0xfa], ["PSUBQ", 0xfb], ["PADDB", 0xfc], ["PADDW", 0xfd], ["PADDD", 0xfe],
  ];
  for (const [mn, op] of arith) out.push(mmxForm(`${mn} mm, mm/m64 (0F ${h(op)} /r)`, [op], "mm", "mmm"));
  const shifts: [string, number][] = [["PSRLW", 0xd1], ["PSRLD", 0xd2], ["PSRLQ", 0xd3], ["PSRAW", 0xe1], ["PSRAD", 0xe2], ["PSLLW", 0xf1], ["PSLLD", 0xf2], ["PSLLQ", 0xf3]];
  for (const [mn, op] of shifts) out.push(mmxForm(`${mn} mm, mm/m64 (0F ${h(op)} /r)`, [op], "mm", "mmm", { counts: true }));
  for (const [mn, op, d] of [["PSRLW", 0x71, 2], ["PSRAW", 0x71, 4], ["PSLLW", 0x71, 6], ["PSRLD", 0x72, 2], ["PSRAD", 0x72, 4], ["PSLLD", 0x72, 6], ["PSRLQ", 0x73, 2], ["PSLLQ", 0x73, 6]] as const) {
    out.push(mmxForm(`${mn} mm, imm8 (0F ${h(op)} /${d} ib)`, [op], d, "mm", { imm: true }));
  }
  out.push(mmxForm("PSHUFW mm, mm/m64, imm8 (0F 70 /r ib)", [0x70], "mm", "mmm", { imm: true }));
  out.push(mmxForm("PINSRW mm, r32/m16, imm8 (0F C4 /r ib)", [0xc4], "mm", "rm16", { mem: 2, imm: true }));
  out.push(mmxForm("PEXTRW r32, mm, imm8 (0F C5 /r ib)", [0xc5], "r32", "mm", { imm: true }));
  out.push(mmxForm("PMOVMSKB r32, mm (0F D7 /r)", [0xd7], "r32", "mm"));
  out.push(maskmovqForm(false), maskmovqForm(true));
  out.push(mmxForm("MOVQ2DQ xmm, mm (F3 0F D6 /r)", [0xd6], "x", "mm", { pfx: 0xf3 }));
  out.push(mmxForm("MOVDQ2Q mm, xmm (F2 0F D6 /r)", [0xd6], "mm", "x", { pfx: 0xf2 }));
  out.push(mmxForm("CVTPI2PS xmm, mm/m64 (0F 2A /r)", [0x2a], "x", "mmm", { mxcsr: true }));
  out.push(mmxForm("CVTPI2PD xmm, mm/m64 (66 0F 2A /r)", [0x2a], "x", "mmm", { pfx: 0x66, mxcsr: true }));
  out.push(mmxForm("CVTPS2PI mm, xmm/m64 (0F 2D /r)", [0x2d], "mm", "xm", { mxcsr: true, lanes: "f32" }));
  out.push(mmxForm("CVTTPS2PI mm, xmm/m64 (0F 2C /r)", [0x2c], "mm", "xm", { mxcsr: true, lanes: "f32" }));
  out.push(mmxForm("CVTPD2PI mm, xmm/m128 (66 0F 2D /r)", [0x2d], "mm", "xm128", { pfx: 0x66, mxcsr: true, lanes: "f64" }));
  out.push(mmxForm("CVTTPD2PI mm, xmm/m128 (66 0F 2C /r)", [0x2c], "mm", "xm128", { pfx: 0x66, mxcsr: true, lanes: "f64" }));
  // REX.R/REX.B select nothing for MMX registers (SDM vol. 2 §2.2.1.7).
  out.push(mmxForm("PADDW mm, mm with REX.R/REX.B (REX 0F FD /r)", [0xfd], "mm", "mm", { rex: true }));
  out.push(mmxForm("MOVQ mm, mm with REX.R/REX.B (REX 0F 6F /r)", [0x6f], "mm", "mm", { rex: true }));
  out.push(mmxForm("PSLLQ mm, imm8 with REX.B (REX 0F 73 /6 ib)", [0x73], 6, "mm", { imm: true, rex: true }));
  out.push(mmxForm("PEXTRW r32, mm, imm8 with REX.B (REX 0F C5 /r ib)", [0xc5], "r32", "mm", { imm: true, rex: true }));
  out.push(mmxForm("MOVQ2DQ xmm, mm with REX.B (F3 REX 0F D6 /r)", [0xd6], "x", "mm", { pfx: 0xf3, rex: true }));
  // EMMS: all tags empty, and TOP = 0 — SDM vol. 3 §12.2: "each time an MMX instruction is executed, the
  // TOS value is set to 000B" (the EMMS page itself only mentions the tag word; the native CPU clears TOP as well).
  out.push(mmxForm("EMMS (0F 77)", [0x0f, 0x77], 0, "none"));
  out.push(chainForm());
  // Encodings without an MMX form: #UD.
  out.push(mmxForm("#UD PSRLDQ/PSLLDQ on mm (0F 73 /3, /7)", [0x73], 3, "mm", { imm: true, faults: true, n: 20 }));
  out.push(mmxForm("#UD PSRAQ on mm (0F 73 /4)", [0x73], 4, "mm", { imm: true, faults: true, n: 20 }));
  out.push(mmxForm("#UD 0F 71 /0 on mm", [0x71], 0, "mm", { imm: true, faults: true, n: 20 }));
  out.push(mmxForm("#UD PUNPCKLQDQ without 66 (0F 6C)", [0x6c], "mm", "mm", { faults: true, n: 20 }));
  out.push(mmxForm("#UD MOVQ without prefix (0F D6)", [0xd6], "mm", "mm", { faults: true, n: 20 }));
  out.push(mmxForm("#UD PEXTRW mm memory form (0F C5)", [0xc5], "r32", "m", { imm: true, faults: true, n: 20 }));
  out.push(mmxForm("#UD PMOVMSKB mm memory form (0F D7)", [0xd7], "r32", "m", { faults: true, n: 20 }));
  out.push(mmxForm("#UD MOVNTQ register form (0F E7)", [0xe7], "mm", "mm", { faults: true, n: 20 }));
  out.push(mmxForm("#UD MASKMOVQ memory form (0F F7)", [0xf7], "mm", "m", { faults: true, n: 20 }));
  out.push(mmxForm("#UD MOVQ2DQ memory form (F3 0F D6)", [0xd6], "x", "m", { pfx: 0xf3, faults: true, n: 20 }));
  return out;
}
