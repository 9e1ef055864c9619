// Self-modifying code: stores into the code page that change instructions
// about to execute (SDM vol. 3 §8.1.3: the processor detects writes to code
// it has fetched). The code page is RWX on both sides; the effect shows in
// the registers. This checks the emulator's decoded-instruction cache.
import type { Form } from "./case";
import { Builder, le, value } from "./builder";
import { CODE_ADDR } from "./layout";

function form(name: string, body: (b: Builder) => void): Form {
  return {
    family: "smc", name,
    cases(rng) {
      const out = [];
      for (let k = 0; k < 60; k++) { const b = new Builder(rng); body(b); out.push(b.done()); }
      return out;
    },
  };
}

// Four-byte replacements that decode the same on both sides and end on the boundary.
const REPL = [[0xff, 0xc0, 0x90, 0x90], [0x48, 0xff, 0xc8, 0x90], [0xf9, 0x90, 0x90, 0x90], [0x48, 0x01, 0xc8, 0x90], [0x31, 0xc0, 0xff, 0xc1], [0x90, 0x90, 0x90, 0x90]];

export function smcForms(): Form[] {
  return [
    form("SMC: MOV m8, imm8 rewrites the next instruction's immediate (C6 05 rel32 ib; B8 id)", (b) => {
      b.claim(0);
      const imm = value(b.rng, 8);
      b.note(`new imm8=${imm}`);
      b.raw([0xc6, 0x05, 1, 0, 0, 0, Number(imm)]); // mov byte [rip+1], imm8: the low byte of the next imm32
      b.raw([0xb8, ...le(value(b.rng, 32), 4)]);
    }),
    form("SMC: MOV m32, imm32 replaces the next instruction (C7 05 rel32 id)", (b) => {
      const r = b.rng.pick(REPL);
      b.note(`new code=${r.map((x) => x.toString(16)).join(" ")}`);
      b.raw([0xc7, 0x05, 0, 0, 0, 0, ...r]);
      b.raw([0x90, 0x90, 0x90, 0x90]);
    }),
    form("SMC: REP STOSB overwrites the following code with NOPs (F3 AA)", (b) => {
      for (const r of [0, 1, 7]) b.claim(r);
      const n = b.rng.pick([0, 2, 4]);
      b.setReg(7, 64, BigInt(CODE_ADDR + 2), false, "rdi");
      b.setReg(1, 64, BigInt(n), false, "rcx");
      b.setReg(0, 8, 0x90n, false, "al");
      b.raw([0xf3, 0xaa, 0xff, 0xc0, 0xff, 0xc0]); // rep stosb; inc eax; inc eax
    }),
  ];
}
