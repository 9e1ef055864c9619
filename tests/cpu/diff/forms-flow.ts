// Stack, control transfer through the stack, string instructions and the
// small flag/conversion instructions. The stack region holds RSP (STACK_RSP)
// and is compared byte by byte, so pushed values and return addresses count.
import { DF, STATUS, type Form } from "./case";
import { rmForm } from "./rmform";
import { Builder, RSP, le, mask, value } from "./builder";
import { CODE_ADDR, DATA_ADDR, DATA_SIZE, GUARD_ADDR, STACK_RSP } from "./layout";

function simple(family: string, name: string, n: number, body: (b: Builder) => void): Form {
  return {
    family, name, faults: name.startsWith("UD2") || undefined,
    cases(rng) {
      const cs = [];
      for (let k = 0; k < n; k++) { const b = new Builder(rng); body(b); cs.push(b.done()); }
      return cs;
    },
  };
}
const endOf = (b: Builder, len: number): bigint => BigInt(CODE_ADDR + len);

export function stackForms(): Form[] {
  const out: Form[] = [];
  const f = "stack";
  for (const w of [64, 16] as const) {
    const p = w === 16 ? [0x66] : [];
    out.push(simple(f, `PUSH r${w} (${w === 16 ? "66 " : ""}50+r)`, 80, (b) => {
      const r = b.pick({ allowRsp: true });
      if (r !== RSP) b.setReg(r, 64, b.rng.u64());
      b.emit({ pre: p, op: [0x50], opreg: r });
    }));
    out.push(simple(f, `POP r${w} (${w === 16 ? "66 " : ""}58+r)`, 80, (b) => {
      const r = b.pick({ allowRsp: true });
      b.emit({ pre: p, op: [0x58], opreg: r });
    }));
    out.push(rmForm({ family: f, name: `PUSH r/m${w} (${w === 16 ? "66 " : ""}FF /6)`, w, osz: w === 64 ? 32 : 16, op: [0xff], digit: 6, n: 80, memOpts: {} }));
    out.push(rmForm({ family: f, name: `POP r/m${w} (${w === 16 ? "66 " : ""}8F /0)`, w, osz: w === 64 ? 32 : 16, op: [0x8f], digit: 0, n: 80 }));
  }
  out.push(simple(f, "PUSH imm8 (6A)", 40, (b) => b.emit({ op: [0x6a], immBytes: le(value(b.rng, 8), 1) })));
  out.push(simple(f, "PUSH imm32 (68)", 40, (b) => b.emit({ op: [0x68], immBytes: le(value(b.rng, 32), 4) })));
  out.push(simple(f, "PUSH imm16 (66 68)", 40, (b) => b.emit({ pre: [0x66], op: [0x68], immBytes: le(value(b.rng, 16), 2) })));
  out.push(simple(f, "PUSHFQ (9C)", 60, (b) => b.emit({ op: [0x9c] })));
  out.push(simple(f, "POPFQ (9D)", 80, (b) => {
    // Only user-settable status bits and DF (TF would trap): the popped image is random over those.
    b.patch(STACK_RSP, le(BigInt((b.rng.u32() & (STATUS | DF)) | 2), 8));
    b.emit({ op: [0x9d] });
  }));
  out.push(simple(f, "CALL rel32 (E8)", 40, (b) => { b.emit({ op: [0xe8], immBytes: le(0n, 4) }); }));
  for (const [name, d] of [["CALL", 2], ["JMP", 4]] as const) {
    out.push(simple(f, `${name} r/m64 (FF /${d})`, 80, (b) => {
      // The target is the end of the snippet; the length does not depend on the values.
      if (b.rng.bool()) {
        const r = b.pick();
        const len = 2 + (r >= 8 ? 1 : 0);
        b.setReg(r, 64, endOf(b, len));
        b.emit({ op: [0xff], reg: d, rm: r });
      } else {
        const { m, ea } = b.mem(8, { keepRsp: true, faults: false });
        const probe = new Builder(b.rng);
        void probe;
        const bytes = b.emit({ op: [0xff], reg: d, rm: m });
        b.patch(ea, le(endOf(b, bytes.length), 8));
        if (m.base === "rip") { b.insns.pop(); b.emit({ op: [0xff], reg: d, rm: m }); }
      }
    }));
  }
  out.push(simple(f, "RET (C3)", 40, (b) => { b.patch(STACK_RSP, le(endOf(b, 1), 8)); b.emit({ op: [0xc3] }); }));
  out.push(simple(f, "RET imm16 (C2 iw)", 40, (b) => {
    b.patch(STACK_RSP, le(endOf(b, 3), 8));
    b.emit({ op: [0xc2], immBytes: le(BigInt(b.rng.pick([0, 8, 0x10, 0x100, 0xfff8, b.rng.int(0x10000)])), 2) });
  }));
  out.push(simple(f, "ENTER imm16, imm8 (C8)", 120, (b) => {
    b.claim(5);
    b.setReg(5, 64, BigInt(STACK_RSP + 8 * (1 + b.rng.int(64))));
    const level = b.rng.pick([0, 0, 1, 1, 2, 3, 5, 31, 32, 33]);
    const size = b.rng.pick([0, 8, 0x20, b.rng.int(0x200)]);
    b.note(`size=${size} level=${level}`);
    b.emit({ op: [0xc8], immBytes: Uint8Array.from([size & 0xff, size >> 8, level]) });
  }));
  out.push(simple(f, "LEAVE (C9)", 60, (b) => {
    b.claim(5);
    b.setReg(5, 64, BigInt(STACK_RSP + 8 * b.rng.int(64) - 256));
    b.emit({ op: [0xc9] });
  }));
  return out;
}

const STR: [string, number, string[]][] = [
  ["MOVS", 0xa4, ["", "REP"]], ["STOS", 0xaa, ["", "REP"]], ["LODS", 0xac, ["", "REP"]],
  ["CMPS", 0xa6, ["", "REPE", "REPNE"]], ["SCAS", 0xae, ["", "REPE", "REPNE"]],
];
const SUFFIX: Record<number, string> = { 1: "B", 2: "W", 4: "D", 8: "Q" };

function stringCase(b: Builder, name: string, op: number, rep: string, size: number, a32: boolean): void {
  const rng = b.rng;
  for (const r of [0, 1, 6, 7]) b.claim(r);
  const down = rng.bool(0.3);
  if (down) b.c.rflags |= DF;
  // Long runs (bulk-copy fast paths) for MOVS/STOS/LODS, short ones where each element is patched.
  const bulk = name === "MOVS" || name === "STOS" || name === "LODS";
  const count = rep ? rng.pick([0, 1, 2, 3, 7, rng.int(25), ...(bulk ? [rng.int(700 / size), 4096 / size] : [])]) : rng.int(4);
  const span = Math.max(count, 1) * size;
  const place = (fault: boolean): number => {
    if (fault && !down) return GUARD_ADDR - size * (1 + rng.int(3));
    // One case in five runs across the boundary between the two data pages.
    const lo = span < 0x1000 && rng.int(5) === 0
      ? DATA_ADDR + 0x1000 - rng.int(span + 1)
      : DATA_ADDR + 64 + rng.int(Math.max(1, DATA_SIZE - 128 - span));
    return down ? lo + span - size : lo;
  };
  const fault = rng.int(100) < 4;
  const src = place(false);
  // MOVS sometimes overlaps source and destination by a few elements (REP MOVS copies element by element).
  const dst = name === "MOVS" && !fault && rng.int(4) === 0
    ? Math.min(Math.max(src + (rng.int(9) - 4) * size + rng.int(size), DATA_ADDR + 64), DATA_ADDR + DATA_SIZE - 64 - span)
    : place(fault);
  const hi = (): bigint => (a32 ? rng.u64() & ~mask(32) : 0n);
  b.setReg(6, 64, hi() | BigInt(src), false, "rsi");
  b.setReg(7, 64, hi() | BigInt(dst), false, "rdi");
  b.setReg(1, 64, rep ? hi() | BigInt(count) : rng.u64(), false, "rcx");
  const acc = value(rng, size * 8);
  b.setReg(0, 64, (rng.u64() & ~mask(size * 8)) | acc, false, "rax");
  // Compare-type ops need equal runs to make REPE/REPNE stop at an interesting element.
  if (name === "CMPS" || name === "SCAS") {
    const n = Math.max(count, 1);
    const stop = rng.int(n + 1);
    const first = down ? -1 : 1;
    for (let k = 0; k < n; k++) {
      const s = value(rng, size * 8);
      const equal = rep === "REPNE" ? k === stop : k !== stop;
      const at = (base: number): number => base + first * k * size;
      if (name === "CMPS") {
        b.patch(at(src), le(s, size), false);
        b.patch(at(dst), le(equal ? s : s ^ BigInt(1 + rng.int(255)), size), false);
      } else {
        b.patch(at(dst), le(equal ? acc : acc ^ BigInt(1 + rng.int(255)), size), false);
      }
    }
  }
  const pre = [...(a32 ? [0x67] : []), ...(rep === "REP" || rep === "REPE" ? [0xf3] : rep === "REPNE" ? [0xf2] : []), ...(size === 2 ? [0x66] : [])];
  b.emit({ pre, w: size === 8, op: [size === 1 ? op : op + 1] });
}

export function stringForms(): Form[] {
  const out: Form[] = [];
  for (const [name, op, reps] of STR) {
    for (const rep of reps) {
      for (const size of [1, 2, 4, 8]) {
        out.push(simple("string", `${rep ? rep + " " : ""}${name}${SUFFIX[size]} (${rep === "REPNE" ? "F2 " : rep ? "F3 " : ""}${(size === 1 ? op : op + 1).toString(16).toUpperCase()})`, 120,
          (b) => stringCase(b, name, op, rep, size, false)));
      }
    }
  }
  for (const [name, op, rep, size] of [["MOVS", 0xa4, "REP", 1], ["STOS", 0xaa, "REP", 8], ["SCAS", 0xae, "REPNE", 1], ["CMPS", 0xa6, "REPE", 4], ["LODS", 0xac, "", 2]] as const) {
    out.push(simple("string", `67 ${rep ? rep + " " : ""}${name}${SUFFIX[size]} (32-bit RSI/RDI/RCX)`, 120, (b) => stringCase(b, name, op, rep, size, true)));
  }
  return out;
}

export function miscForms(): Form[] {
  const out: Form[] = [];
  const f = "misc";
  const one: [string, number[]][] = [
    ["LAHF (9F)", [0x9f]], ["SAHF (9E)", [0x9e]], ["CLC (F8)", [0xf8]], ["STC (F9)", [0xf9]], ["CMC (F5)", [0xf5]],
    ["CLD (FC)", [0xfc]], ["STD (FD)", [0xfd]], ["CBW (66 98)", [0x66, 0x98]], ["CWDE (98)", [0x98]], ["CDQE (48 98)", [0x48, 0x98]],
    ["CWD (66 99)", [0x66, 0x99]], ["CDQ (99)", [0x99]], ["CQO (48 99)", [0x48, 0x99]], ["NOP (90)", [0x90]], ["PAUSE (F3 90)", [0xf3, 0x90]],
    ["ENDBR64 (F3 0F 1E FA)", [0xf3, 0x0f, 0x1e, 0xfa]], ["LFENCE (0F AE E8)", [0x0f, 0xae, 0xe8]], ["MFENCE (0F AE F0)", [0x0f, 0xae, 0xf0]],
    ["SFENCE (0F AE F8)", [0x0f, 0xae, 0xf8]], ["UD2 (0F 0B)", [0x0f, 0x0b]],
  ];
  for (const [name, bytes] of one) {
    out.push(simple(f, name, 60, (b) => {
      if (b.rng.bool()) b.setReg(0, 64, b.rng.pick([0n, 0x80n, 0x8000n, 0x80000000n, 0x7fn, mask(64), b.rng.u64()]), false, "rax");
      if (name.startsWith("SAHF")) b.setReg(0, 64, b.rng.u64(), false, "rax");
      if (name.startsWith("CLD")) b.c.rflags |= b.rng.bool() ? DF : 0;
      b.raw(bytes);
    }));
  }
  // SYSCALL with an unknown number: Linux answers -ENOSYS; RCX = next RIP, R11 = RFLAGS (SDM: SYSCALL).
  out.push(simple(f, "SYSCALL (0F 05, unknown number: -ENOSYS)", 60, (b) => {
    b.claim(0);
    b.setReg(0, 64, BigInt(1000 + b.rng.int(30000)), false, "rax");
    b.c.syscallEnosys = true;
    b.raw([0x0f, 0x05]);
  }));
  out.push(simple(f, "XLAT (D7)", 60, (b) => {
    b.claim(0); b.claim(3);
    b.setReg(3, 64, BigInt(DATA_ADDR + b.rng.int(DATA_SIZE - 256)), false, "rbx");
    b.setReg(0, 64, b.rng.u64(), false, "rax");
    b.raw([0xd7]);
  }));
  out.push(rmForm({ family: f, name: "NOP r/m32 (0F 1F /0)", w: 32, op: [0x0f, 0x1f], digit: 0, n: 40 }));
  out.push(rmForm({ family: f, name: "CLFLUSH m8 (0F AE /7)", w: 8, op: [0x0f, 0xae], digit: 7, rm: "mem", r8: "rex", n: 40 }));
  out.push(rmForm({ family: f, name: "PREFETCHW m8 (0F 0D /1)", w: 8, op: [0x0f, 0x0d], digit: 1, rm: "mem", r8: "rex", n: 40 }));
  // Selectors of a 64-bit Linux process: CS 0x33, SS 0x2b, DS/ES/FS/GS 0.
  out.push(simple(f, "MOV m16, Sreg (8C /r, memory destination)", 60, (b) => {
    const { m, ea } = b.mem(2);
    b.patch(ea, b.rng.bytes(2));
    b.emit({ op: [0x8c], reg: b.rng.int(6), rm: m });
  }));
  out.push(simple(f, "MOV r32/r64, Sreg (8C /r, register destination)", 60, (b) => {
    const r = b.pick();
    b.emit({ w: b.rng.bool(), op: [0x8c], reg: b.rng.int(6), rm: r });
  }));
  for (const d of [0, 1, 2, 3]) out.push(rmForm({ family: f, name: `PREFETCH${["NTA", "T0", "T1", "T2"][d]} m8 (0F 18 /${d})`, w: 8, op: [0x0f, 0x18], digit: d, rm: "mem", r8: "rex", n: 40 }));
  return out;
}
