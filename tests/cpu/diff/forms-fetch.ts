// Instruction fetch: instructions straddling the two code pages, fetches
// running into the unmapped page after them (#PF at 0x1000_2000, RIP at the
// instruction), and control transfers into non-executable pages (the data
// and stack regions are NX: #PF with the fetch bit, RIP at the target).
import type { Form } from "./case";
import { Builder, le, value } from "./builder";
import { assemble, type Insn } from "./encode";
import { CODE_ADDR, CODE_SIZE, DATA_ADDR, DATA_SIZE, STACK_ADDR, STACK_RSP } from "./layout";

const PAGE = 0x1000;

/** A long instruction for the page boundary: MOV r64, imm64; ALU m64, imm32 with SIB+disp32; MOVDQU xmm, m128; ADD r64, [rip+disp32]. */
function longInsn(b: Builder): Insn {
  const rng = b.rng;
  switch (rng.int(4)) {
    case 0: return { w: true, op: [0xb8], opreg: b.pick(), immBytes: le(rng.u64(), 8) };
    case 1: {
      const { m, ea } = b.mem(8, { faults: false });
      if (m.base !== "rip" && m.base !== null) m.dispSize = 32;
      b.patch(ea, le(value(rng, 64), 8));
      return { w: true, op: [0x81], reg: rng.pick([0, 1, 4, 5, 6, 7]), rm: m, immBytes: le(value(rng, 32), 4) };
    }
    case 2: {
      const { m, ea } = b.mem(16, { faults: false });
      b.patch(ea, rng.bytes(16));
      b.c.wantFx = true;
      return { pre: [0xf3], op: [0x0f, 0x6f], reg: rng.int(16), rm: m };
    }
    default: {
      const r = b.pick();
      const ea = DATA_ADDR + 64 + rng.int(DATA_SIZE - 128);
      b.patch(ea, le(value(rng, 64), 8));
      return { w: true, op: [0x03], reg: r, rm: { base: "rip", index: null, scale: 1, disp: 0, target: ea } };
    }
  }
}

function fetchForm(name: string, n: number, body: (b: Builder) => void, faults = true): Form {
  return {
    family: "fetch", name, faults: faults || undefined,
    cases(rng) {
      const out = [];
      for (let k = 0; k < n; k++) { const b = new Builder(rng); body(b); out.push(b.done()); }
      return out;
    },
  };
}

const codeLen = (b: Builder): number => b.insns.reduce((s, x) => s + x.length, 0);
/** JMP rel32 from the current end of the code to `target` (an offset in the code pages). */
function jmpTo(b: Builder, target: number): void { b.emit({ op: [0xe9], immBytes: le(BigInt(target - (codeLen(b) + 5)), 4) }); }
function nopsTo(b: Builder, offset: number): void { b.raw(new Array(offset - codeLen(b)).fill(0x90)); }

export function fetchForms(): Form[] {
  return [
    fetchForm("instruction straddling the two code pages", 120, (b) => {
      // The length does not depend on the address, so measure, then place it across 0x1000.
      const insn = longInsn(b);
      const len = assemble(insn, 0).length;
      const start = PAGE - 1 - b.rng.int(len - 1);
      jmpTo(b, start);
      nopsTo(b, start);
      b.emit(insn);
    }, false),
    fetchForm("instruction running into the unmapped page after the code (#PF on fetch)", 60, (b) => {
      const insn = longInsn(b);
      const len = assemble(insn, 0).length;
      const keep = 1 + b.rng.int(len - 1);
      jmpTo(b, CODE_SIZE - keep);
      nopsTo(b, CODE_SIZE - keep);
      b.raw(Array.from(assemble(insn, CODE_ADDR + CODE_SIZE - keep).subarray(0, keep)));
    }),
    fetchForm("JMP r64 into a non-executable page (data, stack, unmapped)", 80, (b) => {
      const r = b.pick();
      const target = b.rng.pick([DATA_ADDR + b.rng.int(DATA_SIZE), STACK_ADDR + b.rng.int(PAGE), DATA_ADDR + DATA_SIZE + b.rng.int(PAGE), 0x5000_0000, CODE_ADDR + CODE_SIZE]);
      b.setReg(r, 64, BigInt(target));
      b.emit({ op: [0xff], reg: 4, rm: r });
    }),
    fetchForm("CALL r64 / RET into a non-executable page", 80, (b) => {
      const target = BigInt(b.rng.pick([DATA_ADDR + b.rng.int(DATA_SIZE), STACK_ADDR + b.rng.int(PAGE), 0x5000_0000]));
      if (b.rng.bool()) {
        const r = b.pick();
        b.setReg(r, 64, target);
        b.emit({ op: [0xff], reg: 2, rm: r });
      } else {
        b.patch(STACK_RSP, le(target, 8));
        b.raw([0xc3]);
      }
    }),
  ];
}
