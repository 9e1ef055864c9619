// Integer arithmetic and logic forms: ADD..CMP in every encoding, INC/DEC/
// NEG/NOT, TEST, and their LOCK forms. Flags per Intel SDM vol. 2: AND/OR/
// XOR/TEST leave AF undefined (OF=CF=0); everything else here defines all.
import { ALL_FLAGS, AF, type Form } from "./case";
import { rmForm, WIDTHS, rm, r } from "./rmform";
import { type Builder } from "./builder";
import type { Width } from "./encode";

const ALU = ["ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"];
const LOGIC = new Set(["OR", "AND", "XOR"]);
const h = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");

/** Puts `v` into the accumulator (AL/AX/EAX/RAX) for the short forms. */
function acc(w: Width): (b: Builder, v: { a: bigint }) => void {
  return (b, v) => b.setReg(0, w, v.a);
}

export function aluForms(): Form[] {
  const out: Form[] = [];
  ALU.forEach((name, n) => {
    const flags = LOGIC.has(name) ? ALL_FLAGS & ~AF : ALL_FLAGS;
    const base = n * 8;
    const f = "alu";
    for (const r8 of ["legacy", "rex"] as const) {
      const tag = r8 === "rex" ? ", REX" : "";
      out.push(rmForm({ family: f, name: `${name} r/m8, r8 (${h(base)} /r${tag})`, w: 8, op: [base], r8, flags }));
      out.push(rmForm({ family: f, name: `${name} r8, r/m8 (${h(base + 2)} /r${tag})`, w: 8, op: [base + 2], r8, flags }));
      out.push(rmForm({ family: f, name: `${name} r/m8, imm8 (80 /${n}${tag})`, w: 8, op: [0x80], digit: n, imm: 8, r8, flags }));
    }
    for (const w of WIDTHS) {
      out.push(rmForm({ family: f, name: `${name} ${rm(w)}, ${r(w)} (${h(base + 1)} /r)`, w, op: [base + 1], flags }));
      out.push(rmForm({ family: f, name: `${name} ${r(w)}, ${rm(w)} (${h(base + 3)} /r)`, w, op: [base + 3], flags }));
      out.push(rmForm({ family: f, name: `${name} ${rm(w)}, imm${Math.min(w, 32)} (81 /${n})`, w, op: [0x81], digit: n, imm: w === 16 ? 16 : 32, flags }));
      out.push(rmForm({ family: f, name: `${name} ${rm(w)}, imm8 (83 /${n})`, w, op: [0x83], digit: n, imm: 8, flags }));
      // Short accumulator form: the r/m operand value goes to eAX instead; the "register" is unused.
      out.push(rmForm({ family: f, name: `${name} ${["AX", "EAX", "RAX"][WIDTHS.indexOf(w)]}, imm${Math.min(w, 32)} (${h(base + 5)})`, w, op: [base + 5], digit: 0, imm: w === 16 ? 16 : 32, rm: "reg", claim: [0], flags, post: acc(w), ...accOnly }));
    }
    out.push(rmForm({ family: f, name: `${name} AL, imm8 (${h(base + 4)})`, w: 8, op: [base + 4], digit: 0, imm: 8, rm: "reg", claim: [0], flags, post: acc(8), ...accOnly }));
    if (name !== "CMP") {
      out.push(rmForm({ family: f, name: `LOCK ${name} m8, r8 (F0 ${h(base)} /r)`, w: 8, op: [base], lock: true, rm: "mem", r8: "legacy", flags }));
      out.push(rmForm({ family: f, name: `LOCK ${name} m32, r32 (F0 ${h(base + 1)} /r)`, w: 32, op: [base + 1], lock: true, rm: "mem", flags }));
      out.push(rmForm({ family: f, name: `LOCK ${name} m64, imm8 (F0 REX.W 83 /${n})`, w: 64, op: [0x83], digit: n, imm: 8, lock: true, rm: "mem", flags }));
    }
  });
  return out;
}

/**
 * The accumulator forms have no ModRM: emit only opcode + immediate. rmForm
 * always encodes a ModRM, so these forms override the emitted bytes in post.
 */
const accOnly = { noModrm: true } as const;

export function unaryForms(): Form[] {
  const out: Form[] = [];
  const ops: [string, number[], number][] = [["INC", [0xfe, 0xff], 0], ["DEC", [0xfe, 0xff], 1], ["NOT", [0xf6, 0xf7], 2], ["NEG", [0xf6, 0xf7], 3]];
  for (const [name, [op8, op], d] of ops) {
    for (const r8 of ["legacy", "rex"] as const) {
      out.push(rmForm({ family: "alu", name: `${name} r/m8 (${h(op8)} /${d}${r8 === "rex" ? ", REX" : ""})`, w: 8, op: [op8], digit: d, r8 }));
    }
    for (const w of WIDTHS) out.push(rmForm({ family: "alu", name: `${name} ${rm(w)} (${h(op)} /${d})`, w, op: [op], digit: d }));
    out.push(rmForm({ family: "alu", name: `LOCK ${name} m32 (F0 ${h(op)} /${d})`, w: 32, op: [op], digit: d, lock: true, rm: "mem" }));
  }
  const tf = ALL_FLAGS & ~AF;
  for (const r8 of ["legacy", "rex"] as const) {
    const tag = r8 === "rex" ? ", REX" : "";
    out.push(rmForm({ family: "alu", name: `TEST r/m8, r8 (84 /r${tag})`, w: 8, op: [0x84], r8, flags: tf }));
    out.push(rmForm({ family: "alu", name: `TEST r/m8, imm8 (F6 /0${tag})`, w: 8, op: [0xf6], digit: 0, imm: 8, r8, flags: tf }));
  }
  for (const w of WIDTHS) {
    out.push(rmForm({ family: "alu", name: `TEST ${rm(w)}, ${r(w)} (85 /r)`, w, op: [0x85], flags: tf }));
    out.push(rmForm({ family: "alu", name: `TEST ${rm(w)}, imm${Math.min(w, 32)} (F7 /0)`, w, op: [0xf7], digit: 0, imm: w === 16 ? 16 : 32, flags: tf }));
    out.push(rmForm({ family: "alu", name: `TEST ${["AX", "EAX", "RAX"][WIDTHS.indexOf(w)]}, imm (A9)`, w, op: [0xa9], digit: 0, imm: w === 16 ? 16 : 32, rm: "reg", claim: [0], flags: tf, post: acc(w), ...accOnly }));
  }
  out.push(rmForm({ family: "alu", name: `TEST AL, imm8 (A8)`, w: 8, op: [0xa8], digit: 0, imm: 8, rm: "reg", claim: [0], flags: tf, post: acc(8), ...accOnly }));
  return out;
}
