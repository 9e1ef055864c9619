// Flag chains: short random sequences of flag producers and consumers, to
// catch lazy-flag bugs that single instructions cannot show (INC/DEC keep CF
// from an earlier ADD, ADC after a shift, SETcc after MUL...). The sequence
// tracks which flags are undefined at each point (SDM per instruction) and
// only lets a consumer read defined ones; the final compare skips the
// flags left undefined.
import { ALL_FLAGS, AF, CF, OF, PF, SF, ZF, STATUS, type Form, type Rng } from "./case";
import { Builder, le, value, type Width } from "./builder";
import type { Insn } from "./encode";

const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

interface Step {
  /** Flags this step needs defined. */
  reads: number;
  /** Flags it writes with defined values, and those it leaves undefined. */
  defines: number;
  undefines: number;
  emit(b: Builder, regs: number[], rng: Rng): void;
}

function sizeOf(rng: Rng): Width { return rng.pick([8, 16, 32, 64] as const); }
function opsz(w: Width, op8: number, op: number): Pick<Insn, "pre" | "w" | "op" | "rex"> {
  return { pre: w === 16 ? [0x66] : [], w: w === 64, op: [w === 8 ? op8 : op], rex: w === 8 };
}

const steps: Record<string, Step> = {
  alu: { reads: 0, defines: STATUS, undefines: 0, emit(b, r, rng) {
    const n = rng.pick([0, 2, 3, 5, 7]); // ADD ADC SBB SUB CMP (all flags defined); ADC/SBB read CF: see aluCf
    const w = sizeOf(rng);
    b.emit({ ...opsz(w, n * 8, n * 8 + 1), reg: rng.pick(r), rm: rng.pick(r) });
  } },
  aluCf: { reads: CF, defines: STATUS, undefines: 0, emit(b, r, rng) {
    const n = rng.pick([2, 3]);
    const w = sizeOf(rng);
    b.emit({ ...opsz(w, n * 8, n * 8 + 1), reg: rng.pick(r), rm: rng.pick(r) });
  } },
  logic: { reads: 0, defines: STATUS & ~AF, undefines: AF, emit(b, r, rng) {
    const n = rng.pick([1, 4, 6]);
    const w = sizeOf(rng);
    if (rng.bool()) b.emit({ ...opsz(w, n * 8, n * 8 + 1), reg: rng.pick(r), rm: rng.pick(r) });
    else b.emit({ ...opsz(w, 0x84, 0x85), reg: rng.pick(r), rm: rng.pick(r) }); // TEST
  } },
  imm: { reads: 0, defines: STATUS, undefines: 0, emit(b, r, rng) {
    const n = rng.pick([0, 5, 7]);
    const w = sizeOf(rng);
    b.emit({ ...opsz(w, 0x80, 0x83), reg: n, rm: rng.pick(r), immBytes: le(value(rng, 8), 1) });
  } },
  incdec: { reads: 0, defines: STATUS & ~CF, undefines: 0, emit(b, r, rng) {
    const w = sizeOf(rng);
    b.emit({ ...opsz(w, 0xfe, 0xff), reg: rng.int(2), rm: rng.pick(r) });
  } },
  neg: { reads: 0, defines: STATUS, undefines: 0, emit(b, r, rng) { const w = sizeOf(rng); b.emit({ ...opsz(w, 0xf6, 0xf7), reg: 3, rm: rng.pick(r) }); } },
  // BT/BTS/BTR/BTC r, imm8: CF is the bit; OF, SF, AF and PF are undefined, ZF is kept (SDM vol. 2 "BT").
  bt: { reads: 0, defines: CF, undefines: OF | SF | AF | PF, emit(b, r, rng) {
    const w = rng.pick([16, 32, 64] as const);
    b.emit({ pre: w === 16 ? [0x66] : [], w: w === 64, op: [0x0f, 0xba], reg: 4 + rng.int(4), rm: rng.pick(r), immBytes: le(BigInt(rng.int(256)), 1) });
  } },
  not: { reads: 0, defines: 0, undefines: 0, emit(b, r, rng) { const w = sizeOf(rng); b.emit({ ...opsz(w, 0xf6, 0xf7), reg: 2, rm: rng.pick(r) }); } },
  shift1: { reads: 0, defines: STATUS & ~AF, undefines: AF, emit(b, r, rng) {
    const w = sizeOf(rng);
    b.emit({ ...opsz(w, 0xd0, 0xd1), reg: rng.pick([4, 5, 7]), rm: rng.pick(r) });
  } },
  rot1: { reads: 0, defines: CF | OF, undefines: 0, emit(b, r, rng) { const w = sizeOf(rng); b.emit({ ...opsz(w, 0xd0, 0xd1), reg: rng.int(2), rm: rng.pick(r) }); } },
  rcx1: { reads: CF, defines: CF | OF, undefines: 0, emit(b, r, rng) { const w = sizeOf(rng); b.emit({ ...opsz(w, 0xd0, 0xd1), reg: 2 + rng.int(2), rm: rng.pick(r) }); } },
  mul: { reads: 0, defines: CF | OF, undefines: SF | ZF | AF | PF, emit(b, r, rng) {
    const w = rng.pick([16, 32, 64] as const);
    b.emit({ pre: w === 16 ? [0x66] : [], w: w === 64, op: [0x0f, 0xaf], reg: rng.pick(r), rm: rng.pick(r) }); // IMUL r, r/m
  } },
  carry: { reads: 0, defines: CF, undefines: 0, emit(b, _r, rng) { b.raw([rng.pick([0xf8, 0xf9])]); } }, // CLC / STC
  cmc: { reads: CF, defines: CF, undefines: 0, emit(b) { b.raw([0xf5]); } },
  sahf: { reads: 0, defines: SF | ZF | AF | PF | CF, undefines: 0, emit(b) { b.raw([0x9e]); } },
  popcnt: { reads: 0, defines: STATUS, undefines: 0, emit(b, r, rng) { b.emit({ pre: [0xf3], w: rng.bool(), op: [0x0f, 0xb8], reg: rng.pick(r), rm: rng.pick(r) }); } },
};

/** Consumers: SETcc, CMOVcc, Jcc over a marker; chosen among conditions whose flags are defined. */
function consume(b: Builder, regs: number[], undef: number, rng: Rng): void {
  const ok = CC_READS.map((rd, cc) => ((rd & undef) === 0 ? cc : -1)).filter((cc) => cc >= 0);
  if (!ok.length) return;
  const cc = rng.pick(ok);
  const k = rng.int(3);
  if (k === 0) b.emit({ op: [0x0f, 0x90 + cc], reg: 0, rm: rng.pick(regs), rex: true });
  else if (k === 1) b.emit({ w: rng.bool(), op: [0x0f, 0x40 + cc], reg: rng.pick(regs), rm: rng.pick(regs) });
  else {
    const r = rng.pick(regs);
    b.emit({ op: [0x70 + cc], immBytes: Uint8Array.of(r >= 8 ? 6 : 5) });
    b.emit({ op: [0xb8], opreg: r, immBytes: le(0x5eedn + BigInt(cc), 4) });
  }
}

function chainForm(name: string, pool: string[]): Form {
  return {
    family: "chain", name: `chain: ${name}`,
    cases(rng) {
      const out = [];
      for (let k = 0; k < 300; k++) {
        const b = new Builder(rng);
        const regs: number[] = [];
        for (let i = 0; i < 4; i++) regs.push(b.pick());
        for (const r of regs) b.setReg(r, 64, rng.bool(0.7) ? value(rng, rng.pick([8, 16, 32, 64])) : rng.u64());
        let undef = 0;
        const n = 3 + rng.int(6);
        for (let i = 0; i < n; i++) {
          if (i > 0 && rng.bool(0.35)) { consume(b, regs, undef, rng); continue; }
          const cand = pool.filter((s) => (steps[s].reads & undef) === 0);
          const s = steps[rng.pick(cand)];
          s.emit(b, regs, rng);
          undef = (undef & ~s.defines) | s.undefines;
        }
        consume(b, regs, undef, rng);
        b.c.flagMask = ALL_FLAGS & ~undef;
        out.push(b.done());
      }
      return out;
    },
  };
}

export function chainForms(): Form[] {
  return [
    chainForm("ADD/SUB/CMP/ADC/SBB then Jcc/SETcc/CMOVcc", ["alu", "aluCf", "imm"]),
    chainForm("INC/DEC keep CF", ["alu", "incdec", "aluCf", "carry", "neg"]),
    chainForm("logic and NOT", ["logic", "not", "aluCf", "alu", "incdec"]),
    chainForm("shifts and rotates by 1", ["shift1", "rot1", "rcx1", "aluCf", "alu"]),
    chainForm("IMUL, POPCNT and carries", ["mul", "popcnt", "carry", "cmc", "aluCf", "rcx1"]),
    chainForm("SAHF/CLC/STC/CMC", ["sahf", "carry", "cmc", "aluCf", "incdec", "rot1"]),
    chainForm("BT carries and the flags around it", ["bt", "alu", "incdec", "aluCf", "logic", "carry"]),
    chainForm("everything", Object.keys(steps)),
  ];
}
