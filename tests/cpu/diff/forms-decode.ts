// Decoder edge cases: prefix combinations with defined meaning (REX ignored
// when a legacy prefix follows it, REX.W over 66h, repeated prefixes,
// multi-byte NOPs), and encodings that must fault: opcodes invalid in 64-bit
// mode, UD0/UD1/UD2, LOCK on non-lockable instructions or register
// destinations (#UD), LEA with a register operand (#UD), and privileged
// instructions (#GP → SIGSEGV). An emulator must never guess at these.
import type { Form } from "./case";
import { Builder, value } from "./builder";

function fixed(name: string, n: number, bytes: (b: Builder) => number[]): Form {
  return {
    family: "decode", name, faults: true,
    cases(rng) {
      const out = [];
      for (let k = 0; k < n; k++) {
        const b = new Builder(rng);
        for (const r of [0, 1, 2, 3, 6, 7]) b.setReg(r, 64, value(rng, 64));
        b.raw(bytes(b));
        out.push(b.done());
      }
      return out;
    },
  };
}

export function decodeForms(): Form[] {
  const out: Form[] = [];
  const modrmRR = (b: Builder): number => 0xc0 | (b.rng.pick([0, 1, 2, 3, 6, 7]) << 3) | b.rng.pick([0, 1, 2, 3, 6, 7]);
  const alu = (b: Builder): number => b.rng.int(8) * 8 + 1;
  // Defined prefix combinations.
  out.push(fixed("REX then 66h: REX ignored (48 66 01 /r = ADD r/m16, r16)", 60, (b) => [0x48, 0x66, alu(b), modrmRR(b)]));
  out.push(fixed("66h then REX.W: REX.W wins (66 48 01 /r = ADD r/m64, r64)", 60, (b) => [0x66, 0x48, alu(b), modrmRR(b)]));
  out.push(fixed("66h with REX.W and imm: imm32 (66 48 81 /n id)", 60, (b) => [0x66, 0x48, 0x81, modrmRR(b), ...b.rng.bytes(4)]));
  out.push(fixed("repeated 66h prefixes (66 66 01 /r)", 40, (b) => [0x66, 0x66, alu(b), modrmRR(b)]));
  out.push(fixed("REX then segment prefix: REX ignored (41 2E 01 /r)", 40, (b) => [0x41, 0x2e, alu(b), modrmRR(b)]));
  out.push(fixed("two REX prefixes: only the last counts (48 41 01 /r)", 40, (b) => [0x48, 0x41, alu(b), modrmRR(b)]));
  out.push(fixed("multi-byte NOPs (0F 1F /0, 66 0F 1F, 66 2E 0F 1F 84 ...)", 40, (b) => b.rng.pick([
    [0x0f, 0x1f, 0x00], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00], [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
    [0x0f, 0x1f, 0x80, 0, 0, 0, 0], [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0], [0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0]])));
  out.push(fixed("hint NOPs (0F 18..1E with memory operand)", 40, (b) => [0x0f, 0x18 + b.rng.int(7), 0x00 | (b.rng.int(8) << 3) | 5, 0, 0, 0, 0]));
  // Must be #UD (SIGILL).
  const invalid64 = [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x82, 0x9a, 0xce, 0xd4, 0xd5, 0xd6, 0xea];
  out.push(fixed("opcodes invalid in 64-bit mode (06 07 0E 16 17 1E 1F 27 2F 37 3F 60 61 82 9A CE D4 D5 D6 EA)", 120, (b) => [b.rng.pick(invalid64), 0xc0, 0, 0, 0, 0, 0, 0]));
  out.push(fixed("UD2 / UD0 / UD1 (0F 0B, 0F FF /r, 0F B9 /r)", 60, (b) => b.rng.pick([[0x0f, 0x0b], [0x0f, 0xff, 0xc0], [0x0f, 0xb9, 0xc0]])));
  out.push(fixed("LOCK on a register destination (F0 01 /r mod=3)", 60, (b) => [0xf0, alu(b), modrmRR(b)]));
  out.push(fixed("LOCK on non-lockable instructions (F0 8B, F0 90, F0 F8, F0 C1 /4)", 60, (b) => b.rng.pick([[0xf0, 0x8b, 0x03], [0xf0, 0x90], [0xf0, 0xf8], [0xf0, 0xc1, 0x23, 0x01], [0xf0, 0x85, 0x03]])));
  out.push(fixed("LEA with a register operand (8D /r mod=3)", 40, (b) => [0x48, 0x8d, modrmRR(b)]));
  out.push(fixed("undefined group members (FE /2-7 mod=3, FF /7, FF /3 /5 mod=3, C6/C7 /1-6 mod=3)", 80, (b) => b.rng.pick([
    [0xfe, 0xc0 | ((2 + b.rng.int(6)) << 3)], [0xff, 0xf8], [0xff, 0xd8], [0xff, 0xe8], [0xc6, 0xc0 | ((1 + b.rng.int(6)) << 3), 0], [0xc7, 0xc0 | ((1 + b.rng.int(6)) << 3), 0, 0, 0, 0]])));
  out.push(fixed("reserved two-byte opcodes (0F 04 0A 0C 24-27 36 39 3B-3F A6 A7)", 80, (b) => [0x0f, b.rng.pick([0x04, 0x0a, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0xa6, 0xa7]), 0xc0]));
  // Privileged in user mode: #GP(0) → SIGSEGV.
  out.push(fixed("privileged: HLT, CLI, STI, IN, OUT, CLTS, WBINVD, RDMSR, WRMSR, MOV CR", 80, (b) => b.rng.pick([
    [0xf4], [0xfa], [0xfb], [0xe4, 0x60], [0xe6, 0x60], [0xec], [0xee], [0x0f, 0x06], [0x0f, 0x09], [0x0f, 0x32], [0x0f, 0x30], [0x0f, 0x20, 0xc0], [0x0f, 0x22, 0xc0]])));
  return out;
}
