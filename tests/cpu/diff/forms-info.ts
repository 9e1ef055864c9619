// Informational forms: run on both sides and reported, but not asserted,
// because the emulator does not claim them or their exact bits are
// implementation-specific. They are here so the gap stays visible:
// - MMX (CPUID leaf 1 EDX bit 23 is set by the emulator, but only EMMS is
//   implemented so far); MMX registers alias the x87 significands (SDM
//   vol. 1 §9.5), so the whole x87 state is compared (EMMS itself is
//   implemented and therefore asserted): TOP = 0 and all tags
//   valid after any MMX instruction, exponent bits set to all ones on writes.
// - x87 transcendentals (F2XM1, FYL2X, FPTAN, FPATAN, FYL2XP1, FSIN, FCOS,
//   FSINCOS): their last bits differ between CPU vendors and generations.
import type { Case, Form, Rng } from "./case";
import { Builder, value } from "./builder";
import { defaultFx } from "./layout";
import { memValue, xmmValue } from "./fpvalues";
import { x87Form, x87State } from "./forms-x87";
import type { Mem } from "./encode";

const MMX_WHY = "CPUID reports MMX, the emulator implements only EMMS";

type MReg = "mm" | "r32" | "r64" | "x" | number;
type MRm = "mmm" | "mm" | "rm32" | "rm64" | "m" | "x" | "xm" | "rm16";

function mmxForm(name: string, op: number[], reg: MReg, rm: MRm, o: { pfx?: number; w?: boolean; mem?: number; imm?: boolean; asserted?: boolean } = {}): Form {
  return {
    family: o.asserted ? "x87" : "info-mmx", name, informational: o.asserted ? undefined : MMX_WHY,
    cases(rng: Rng): Case[] {
      const out: Case[] = [];
      for (let k = 0; k < 60; k++) {
        const b = new Builder(rng);
        const fx = defaultFx();
        x87State(b, fx, 8);
        for (let x = 0; x < 16; x++) fx.set(xmmValue(rng, rng.pick(["int", "f32", "f64"] as const)), 160 + 16 * x);
        b.c.fx = fx; b.c.wantFx = true; b.c.fswMask = 0xffff;
        const regNo = reg === "mm" ? rng.int(8) : reg === "x" ? rng.int(16) : reg === "r32" || reg === "r64" ? b.pick() : reg;
        const memOk = rm === "mmm" || rm === "m" || rm === "rm32" || rm === "rm64" || rm === "xm" || rm === "rm16";
        let rmv: number | Mem;
        if (rm === "m" || (memOk && rng.bool(0.4))) {
          const size = o.mem ?? 8;
          const { m, ea } = b.mem(size);
          b.patch(ea, memValue(rng, rm === "xm" ? "f32" : "int", size));
          rmv = m;
        } else if (rm === "rm32" || rm === "rm64" || rm === "rm16") {
          const r = b.pick();
          b.setReg(r, 64, rng.bool() ? value(rng, rm === "rm64" ? 64 : 32) : rng.u64());
          rmv = r;
        } else {
          rmv = rm === "x" || rm === "xm" ? rng.int(16) : rng.int(8);
        }
        const imm = o.imm ? rng.int(256) : undefined;
        if (op[0] === 0x77) { b.raw([0x0f, 0x77]); out.push(b.done()); continue; } // EMMS has no ModRM
        b.emit({ pre: o.pfx ? [o.pfx] : [], w: o.w, op: [0x0f, ...op], reg: regNo, rm: rmv, immBytes: imm === undefined ? undefined : Uint8Array.of(imm) });
        out.push(b.done());
      }
      return out;
    },
  };
}

export function infoForms(): Form[] {
  const out: Form[] = [];
  const h = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");
  out.push(mmxForm("MOVD mm, r/m32 (0F 6E /r)", [0x6e], "mm", "rm32", { mem: 4 }));
  out.push(mmxForm("MOVQ mm, r/m64 (REX.W 0F 6E /r)", [0x6e], "mm", "rm64", { w: true }));
  out.push(mmxForm("MOVD r/m32, mm (0F 7E /r)", [0x7e], "mm", "rm32", { mem: 4 }));
  out.push(mmxForm("MOVQ r/m64, mm (REX.W 0F 7E /r)", [0x7e], "mm", "rm64", { w: true }));
  out.push(mmxForm("MOVQ mm, mm/m64 (0F 6F /r)", [0x6f], "mm", "mmm"));
  out.push(mmxForm("MOVQ mm/m64, mm (0F 7F /r)", [0x7f], "mm", "mmm"));
  out.push(mmxForm("MOVNTQ m64, mm (0F E7 /r)", [0xe7], "mm", "m"));
  const arith: [string, number][] = [
    ["PUNPCKLBW", 0x60], ["PUNPCKLWD", 0x61], ["PUNPCKLDQ", 0x62], ["PACKSSWB", 0x63], ["PCMPGTB", 0x64], ["PCMPGTW", 0x65], ["PCMPGTD", 0x66],
    ["PACKUSWB", 0x67], ["PUNPCKHBW", 0x68], ["PUNPCKHWD", 0x69], ["PUNPCKHDQ", 0x6a], ["PACKSSDW", 0x6b], ["PCMPEQB", 0x74], ["PCMPEQW", 0x75],
    ["PCMPEQD", 0x76], ["PSRLW", 0xd1], ["PSRLD", 0xd2], ["PSRLQ", 0xd3], ["PADDQ", 0xd4], ["PMULLW", 0xd5], ["PSUBUSB", 0xd8], ["PSUBUSW", 0xd9],
    ["PMINUB", 0xda], ["PAND", 0xdb], ["PADDUSB", 0xdc], ["PADDUSW", 0xdd], ["PMAXUB", 0xde], ["PANDN", 0xdf], ["PAVGB", 0xe0], ["PSRAW", 0xe1],
    ["PSRAD", 0xe2], ["PAVGW", 0xe3], ["PMULHUW", 0xe4], ["PMULHW", 0xe5], ["PSUBSB", 0xe8], ["PSUBSW", 0xe9], ["PMINSW", 0xea], ["POR", 0xeb],
    ["PADDSB", 0xec], ["PADDSW", 0xed], ["PMAXSW", 0xee], ["PXOR", 0xef], ["PSLLW", 0xf1], ["PSLLD", 0xf2], ["PSLLQ", 0xf3], ["PMULUDQ", 0xf4],
    ["PMADDWD", 0xf5], ["PSADBW", 0xf6], ["PSUBB", 0xf8], ["PSUBW", 0xf9], ["PSUBD", 0xfa], ["PSUBQ", 0xfb], ["PADDB", 0xfc], ["PADDW", 0xfd], ["PADDD", 0xfe],
  ];
  for (const [mn, op] of arith) out.push(mmxForm(`${mn} mm, mm/m64 (0F ${h(op)} /r)`, [op], "mm", "mmm"));
  for (const [mn, op, d] of [["PSRLW", 0x71, 2], ["PSRAW", 0x71, 4], ["PSLLW", 0x71, 6], ["PSRLD", 0x72, 2], ["PSRAD", 0x72, 4], ["PSLLD", 0x72, 6], ["PSRLQ", 0x73, 2], ["PSLLQ", 0x73, 6]] as const) {
    out.push(mmxForm(`${mn} mm, imm8 (0F ${h(op)} /${d} ib)`, [op], d, "mm", { imm: true }));
  }
  out.push(mmxForm("PSHUFW mm, mm/m64, imm8 (0F 70 /r ib)", [0x70], "mm", "mmm", { imm: true }));
  out.push(mmxForm("PINSRW mm, r32/m16, imm8 (0F C4 /r ib)", [0xc4], "mm", "rm16", { mem: 2, imm: true }));
  out.push(mmxForm("PEXTRW r32, mm, imm8 (0F C5 /r ib)", [0xc5], "r32", "mm", { imm: true }));
  out.push(mmxForm("PMOVMSKB r32, mm (0F D7 /r)", [0xd7], "r32", "mm"));
  out.push(mmxForm("MOVQ2DQ xmm, mm (F3 0F D6 /r)", [0xd6], "x", "mm", { pfx: 0xf3 }));
  out.push(mmxForm("MOVDQ2Q mm, xmm (F2 0F D6 /r)", [0xd6], "mm", "x", { pfx: 0xf2 }));
  out.push(mmxForm("CVTPI2PS xmm, mm/m64 (0F 2A /r)", [0x2a], "x", "mmm"));
  out.push(mmxForm("CVTPS2PI mm, xmm/m64 (0F 2D /r)", [0x2d], "mm", "xm"));
  out.push(mmxForm("CVTTPS2PI mm, xmm/m64 (0F 2C /r)", [0x2c], "mm", "xm"));
  out.push(mmxForm("CVTPI2PD xmm, mm/m64 (66 0F 2A /r)", [0x2a], "x", "mmm", { pfx: 0x66 }));
  // EMMS is implemented, so it is asserted (in the x87 family): all tags empty, and TOP = 0 — SDM vol. 3
  // §12.2: "each time an MMX instruction is executed, the TOS value is set to 000B" (the EMMS page itself
  // only mentions the tag word; the native CPU clears TOP as well).
  out.push(mmxForm("EMMS (0F 77)", [0x77], 0, "mm", { asserted: true }));
  const why = "transcendental results are implementation-specific in the last bits";
  for (const [mn, byte] of [["F2XM1", 0xf0], ["FYL2X", 0xf1], ["FPTAN", 0xf2], ["FPATAN", 0xf3], ["FYL2XP1", 0xf9], ["FSINCOS", 0xfb], ["FSIN", 0xfe], ["FCOS", 0xff]] as const) {
    out.push(x87Form({ family: "info-x87", informational: why, name: `${mn} (D9 ${h(byte)})`, op: [0xd9], reg: byte, fixed: true, n: 100 }));
  }
  return out;
}
