// Data movement: MOV in all forms (incl. moffs and imm64), MOVZX/MOVSX/MOVSXD,
// LEA, XCHG/XADD/CMPXCHG/CMPXCHG8B/16B (with LOCK), CMOVcc and SETcc.
// No flags change except XADD/CMPXCHG (as ADD/CMP) and CMPXCHG8B/16B (ZF).
import { ALL_FLAGS, ZF, DF, type Form } from "./case";
import { rmForm, WIDTHS, rm, r } from "./rmform";
import { Builder, le, value, mask, type Width } from "./builder";
import { DATA_ADDR } from "./layout";

const hx = (v: number): string => v.toString(16).toUpperCase().padStart(2, "0");
const CC = ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"];

function simple(family: string, name: string, n: number, body: (b: Builder) => void): Form {
  return {
    family, name,
    cases(rng) {
      const cs = [];
      for (let k = 0; k < n; k++) { const b = new Builder(rng); body(b); cs.push(b.done()); }
      return cs;
    },
  };
}

export function movForms(): Form[] {
  const out: Form[] = [];
  const f = "mov";
  for (const r8 of ["legacy", "rex"] as const) {
    const tag = r8 === "rex" ? ", REX" : "";
    out.push(rmForm({ family: f, name: `MOV r/m8, r8 (88 /r${tag})`, w: 8, op: [0x88], r8, n: 100 }));
    out.push(rmForm({ family: f, name: `MOV r8, r/m8 (8A /r${tag})`, w: 8, op: [0x8a], r8, n: 100 }));
    out.push(rmForm({ family: f, name: `MOV r/m8, imm8 (C6 /0${tag})`, w: 8, op: [0xc6], digit: 0, imm: 8, r8, n: 100 }));
    out.push(simple(f, `MOV r8, imm8 (B0+rb${tag})`, 60, (b) => {
      const reg = b.pick(r8 === "legacy" ? { legacy8: true } : {});
      const v = value(b.rng, 8);
      b.note(`imm=${v}`);
      b.emit({ rex: r8 === "rex", op: [0xb0], opreg: reg, immBytes: le(v, 1) });
    }));
  }
  for (const w of WIDTHS) {
    out.push(rmForm({ family: f, name: `MOV ${rm(w)}, ${r(w)} (89 /r)`, w, op: [0x89], n: 100 }));
    out.push(rmForm({ family: f, name: `MOV ${r(w)}, ${rm(w)} (8B /r)`, w, op: [0x8b], n: 100 }));
    out.push(rmForm({ family: f, name: `MOV ${rm(w)}, imm${w === 16 ? 16 : 32} (C7 /0)`, w, op: [0xc7], digit: 0, imm: w === 16 ? 16 : 32, n: 100 }));
    out.push(simple(f, `MOV ${r(w)}, imm${w} (B8+r${w === 64 ? " io" : ""})`, 60, (b) => {
      const reg = b.pick();
      const v = value(b.rng, w);
      b.note(`imm=${v}`);
      b.emit({ pre: w === 16 ? [0x66] : [], w: w === 64, op: [0xb8], opreg: reg, immBytes: le(v, w / 8) });
    }));
    out.push(rmForm({ family: f, name: `LEA ${r(w)}, m (8D /r)`, w, op: [0x8d], rm: "mem", n: 120 }));
  }
  // moffs forms: the 64-bit absolute address follows the opcode.
  for (const [op, w, store] of [[0xa0, 8, false], [0xa1, 32, false], [0xa1, 64, false], [0xa1, 16, false], [0xa2, 8, true], [0xa3, 64, true], [0xa3, 32, true]] as const) {
    out.push(simple(f, `MOV ${store ? `moffs${w}, ${["AL", "AX", "EAX", "RAX"][[8, 16, 32, 64].indexOf(w)]}` : `${["AL", "AX", "EAX", "RAX"][[8, 16, 32, 64].indexOf(w)]}, moffs${w}`} (${w === 64 ? "REX.W " : ""}${hx(op)})`, 60, (b) => {
      const addr = DATA_ADDR + b.rng.int(0x1ff0);
      b.patch(addr, le(value(b.rng, w), w / 8));
      b.emit({ pre: w === 16 ? [0x66] : [], w: w === 64, op: [op], immBytes: le(BigInt(addr), 8) });
    }));
  }
  // With 67h the moffs is 4 bytes (a 32-bit address, zero-extended).
  for (const [op, w, store] of [[0xa1, 64, false], [0xa0, 8, false], [0xa3, 32, true]] as const) {
    out.push(simple(f, `MOV ${store ? `moffs32, ${w === 32 ? "EAX" : "RAX"}` : `${w === 8 ? "AL" : "RAX"}, moffs32`} (67 ${w === 64 ? "REX.W " : ""}${hx(op)}, 4-byte address)`, 60, (b) => {
      const addr = DATA_ADDR + b.rng.int(0x1ff0);
      b.patch(addr, le(value(b.rng, w), w / 8));
      b.emit({ pre: [0x67], w: w === 64, op: [op], immBytes: le(BigInt(addr), 4) });
    }));
  }
  // MOVZX / MOVSX / MOVSXD
  for (const [name, op] of [["MOVZX", 0xb6], ["MOVSX", 0xbe]] as const) {
    for (const rw of WIDTHS) {
      for (const r8 of ["legacy", "rex"] as const) {
        out.push(rmForm({ family: f, name: `${name} ${r(rw)}, r/m8 (0F ${hx(op)} /r${r8 === "rex" ? ", REX" : ""})`, w: 8, rw, osz: rw, op: [0x0f, op], r8, n: 100 }));
      }
    }
    for (const rw of [32, 64] as const) {
      out.push(rmForm({ family: f, name: `${name} ${r(rw)}, r/m16 (0F ${hx(op + 1)} /r)`, w: 16, rw, osz: rw, op: [0x0f, op + 1], n: 100 }));
    }
  }
  out.push(rmForm({ family: f, name: `MOVSXD r64, r/m32 (REX.W 63 /r)`, w: 32, rw: 64, osz: 64, op: [0x63], n: 100 }));
  out.push(rmForm({ family: f, name: `MOVNTI m32, r32 (0F C3 /r)`, w: 32, op: [0x0f, 0xc3], rm: "mem", n: 60 }));
  out.push(rmForm({ family: f, name: `MOVNTI m64, r64 (REX.W 0F C3 /r)`, w: 64, op: [0x0f, 0xc3], rm: "mem", n: 60 }));
  return out;
}

export function xchgForms(): Form[] {
  const out: Form[] = [];
  const f = "xchg";
  out.push(rmForm({ family: f, name: `XCHG r/m8, r8 (86 /r)`, w: 8, op: [0x86], r8: "legacy", n: 100 }));
  for (const w of WIDTHS) {
    out.push(rmForm({ family: f, name: `XCHG ${rm(w)}, ${r(w)} (87 /r)`, w, op: [0x87], n: 100 }));
    out.push(simple(f, `XCHG ${r(w)}, ${["AX", "EAX", "RAX"][WIDTHS.indexOf(w)]} (90+r)`, 60, (b) => {
      b.claim(0);
      const reg = b.pick();
      b.emit({ pre: w === 16 ? [0x66] : [], w: w === 64, op: [0x90], opreg: reg });
    }));
  }
  out.push(simple(f, `XCHG r8, r8 (REX 86 /r)`, 60, (b) => {
    const x = b.pick(), y = b.pick();
    b.emit({ rex: true, op: [0x86], reg: x, rm: y });
  }));
  for (const lock of [false, true]) {
    const L = lock ? "LOCK " : "", rmk = lock ? "mem" as const : "both" as const;
    out.push(rmForm({ family: f, name: `${L}XADD r/m8, r8 (${lock ? "F0 " : ""}0F C0 /r)`, w: 8, op: [0x0f, 0xc0], r8: "legacy", lock, rm: rmk }));
    for (const w of WIDTHS) {
      out.push(rmForm({ family: f, name: `${L}XADD ${rm(w)}, ${r(w)} (${lock ? "F0 " : ""}0F C1 /r)`, w, op: [0x0f, 0xc1], lock, rm: rmk }));
    }
    // CMPXCHG: RAX equals the destination half of the time.
    out.push(rmForm({ family: f, name: `${L}CMPXCHG r/m8, r8 (${lock ? "F0 " : ""}0F B0 /r)`, w: 8, op: [0x0f, 0xb0], r8: "legacy", lock, rm: rmk, claim: [0],
      post: (b, v) => b.setReg(0, 8, b.rng.bool() ? v.a : value(b.rng, 8)) }));
    for (const w of WIDTHS) {
      out.push(rmForm({ family: f, name: `${L}CMPXCHG ${rm(w)}, ${r(w)} (${lock ? "F0 " : ""}0F B1 /r)`, w, op: [0x0f, 0xb1], lock, rm: rmk, claim: [0],
        post: (b, v) => {
          b.setReg(0, w, b.rng.bool() ? v.a : value(b.rng, w));
          // A failed CMPXCHG r32 writes the destination back on Intel (zeroing bits 63:32) but not
          // on AMD: the upper half is vendor-dependent, so compare only the low half.
          if (w === 32 && !v.mem) b.c.lowRegs = 1 << v.rmReg;
        } }));
    }
    for (const w of [64, 128] as const) {
      const name = `${L}CMPXCHG${w === 64 ? "8B m64" : "16B m128"} (${lock ? "F0 " : ""}${w === 128 ? "REX.W " : ""}0F C7 /1)`;
      out.push(simple(f, name, 150, (b) => {
        b.claim(0); b.claim(1); b.claim(2); b.claim(3);
        const half = w / 2;
        const { m, ea } = b.mem(w / 8, { align: b.rng.int(8) ? w / 8 : 0 });
        const lo = value(b.rng, half), hi = value(b.rng, half);
        b.patch(ea, le(lo | (hi << BigInt(half)), w / 8));
        const eq = b.rng.bool();
        b.setReg(0, half, eq ? lo : value(b.rng, half));
        b.setReg(2, half, eq && b.rng.int(4) ? hi : value(b.rng, half));
        b.setReg(3, half, value(b.rng, half));
        b.setReg(1, half, value(b.rng, half));
        b.c.flagMask = ZF | DF | (ALL_FLAGS & ~ZF & ~DF); // other flags are unaffected: compare them all
        b.emit({ pre: lock ? [0xf0] : [], w: w === 128, op: [0x0f, 0xc7], reg: 1, rm: m });
      }));
    }
  }
  return out;
}

export function ccForms(): Form[] {
  const out: Form[] = [];
  CC.forEach((cc, n) => {
    for (const w of WIDTHS) out.push(rmForm({ family: "cc", name: `CMOV${cc} ${r(w)}, ${rm(w)} (0F ${hx(0x40 + n)} /r)`, w, op: [0x0f, 0x40 + n], n: 90 }));
    out.push(rmForm({ family: "cc", name: `SET${cc} r/m8 (0F ${hx(0x90 + n)} /0)`, w: 8, op: [0x0f, 0x90 + n], digit: 0, r8: "legacy", n: 90 }));
    // Jcc over a marker: the marker register shows whether the branch was taken.
    for (const near of [false, true]) {
      out.push(simple("cc", `J${cc} rel${near ? 32 : 8} (${near ? `0F ${hx(0x80 + n)}` : hx(0x70 + n)})`, 90, (b) => {
        const reg = b.pick();
        const marker = { op: [0xb8], opreg: reg, immBytes: le(0x600dn + BigInt(n), 4) };
        const len = reg >= 8 ? 6 : 5;
        b.emit(near ? { op: [0x0f, 0x80 + n], immBytes: le(BigInt(len), 4) } : { op: [0x70 + n], immBytes: le(BigInt(len), 1) });
        b.emit(marker);
      }));
    }
  });
  const j: [string, number[], number][] = [["JMP rel8 (EB)", [0xeb], 1], ["JMP rel32 (E9)", [0xe9], 4]];
  for (const [name, op, sz] of j) {
    out.push(simple("cc", name, 20, (b) => {
      const reg = b.pick();
      b.emit({ op, immBytes: le(BigInt(reg >= 8 ? 6 : 5), sz) });
      b.emit({ op: [0xb8], opreg: reg, immBytes: le(0xbadn, 4) });
    }));
  }
  // RCX-driven branches: JRCXZ / LOOP / LOOPE / LOOPNE, also with 67h (ECX).
  const loops: [string, number][] = [["LOOPNE", 0xe0], ["LOOPE", 0xe1], ["LOOP", 0xe2], ["JRCXZ", 0xe3]];
  for (const [name, op] of loops) {
    for (const a32 of [false, true]) {
      out.push(simple("cc", `${a32 ? "67 " : ""}${name} rel8 (${a32 ? "67 " : ""}${hx(op)})`, 90, (b) => {
        b.claim(1);
        const c = b.rng.pick([0n, 1n, 2n, 0x100000000n, 0x100000001n, mask(64), b.rng.u64()]);
        b.setReg(1, 64, c);
        const reg = b.pick();
        b.emit({ pre: a32 ? [0x67] : [], op: [op], immBytes: le(BigInt(reg >= 8 ? 6 : 5), 1) });
        b.emit({ op: [0xb8], opreg: reg, immBytes: le(0x100bn, 4) });
      }));
    }
  }
  return out;
}

export { DF };
export type { Width };

/** Backward branches: small loops (Jcc rel8/rel32, LOOP, CALL/RET inside a loop), RCX iterations. */
export function loopForms(): Form[] {
  const loop = (name: string, body: number[]): Form => simple("cc", name, 60, (b) => {
    for (const r of [0, 1, 2, 3, 6]) b.claim(r);
    b.setReg(1, 64, BigInt(1 + b.rng.int(200)), false, "rcx");
    b.setReg(0, 64, b.rng.u64(), false, "rax");
    b.setReg(3, 64, value(b.rng, 64), false, "rbx");
    b.raw(body);
  });
  return [
    loop("loop: ADD; DEC; JNZ rel8 backwards", [0x48, 0x01, 0xd8, 0x48, 0xff, 0xc9, 0x75, 0xf8]),
    loop("loop: IMUL; ADD; LOOP rel8 backwards", [0x48, 0x0f, 0xaf, 0xc3, 0x48, 0x01, 0xd8, 0xe2, 0xf7]),
    loop("loop: INC; DEC; JNZ rel32 backwards", [0x48, 0xff, 0xc0, 0x48, 0xff, 0xc9, 0x0f, 0x85, 0xf4, 0xff, 0xff, 0xff]),
    // L: call F; dec ecx; jnz L; jmp end; F: add rax, rbx; ret; end:
    loop("loop: CALL/RET inside a loop", [0xe8, 0x06, 0, 0, 0, 0xff, 0xc9, 0x75, 0xf7, 0xeb, 0x04, 0x48, 0x01, 0xd8, 0xc3]),
  ];
}
