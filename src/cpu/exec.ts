// Execution of the one-byte opcode map (SDM vol. 2 table A-2). One switch
// over the opcode byte; each case is a few lines that call the instruction
// families (alu, shift, muldiv, string, control). This file is long because
// the map is: it is a flat table in code form, read it by opcode.
//
// Contract for every case: on a fault return the EXIT_* code before any
// architectural change (memory destinations are probed before flags or
// registers change); on success return 0 with core.nextRip set to the
// next instruction (branches overwrite it).
import {
  S, fault, modMod, modReg, modRm, ea, imm, nextRip, setNextRip, gpr64, setGpr64, probeWrite, rd64,
} from "./core";
import { RAX, EXIT_PAGE_FAULT, EXIT_UD, EXIT_GP, EXIT_BREAKPOINT, FS_BASE, GS_BASE } from "./state";
import { opByte, osz, asz32, segPfx, eaBase, rexRaw } from "./decode";
import { getReg, setReg, readRM, writeRM, rmWritable, rdMem, wrMem, push, peek, popCommit } from "./operand";
import { alu, incdec, neg, ALU_CMP, ALU_AND } from "./alu";
import { shift } from "./shift";
import { mul1, imul1, imul2, div1, idiv1 } from "./muldiv";
import { stringOp } from "./string";
import { cond, materialize, setFlagsWord, getCF, setCF, fl, F_DF } from "./flags";
import { x87Exec, fwait } from "./x87";

const PF = EXIT_PAGE_FAULT;

/** Flags POPF may change in user mode: CF PF AF ZF SF TF DF OF NT AC ID (not IF, IOPL). */
const POPF_MASK: u32 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4000 | 0x40000 | 0x200000;

@inline function opReg(): i32 { return (opByte & 7) | ((rexRaw & 1) << 3); }

export function exec0(): i32 {
  const op = opByte;
  if (op < 0x40) {
    const lo = op & 7;
    if (lo >= 6) return EXIT_UD; // segment push/pop, DAA/DAS/AAA/AAS: invalid in 64-bit mode
    const aop = op >> 3;
    const sz = (lo & 1) == 0 ? 1 : osz;
    if (lo < 2) {
      if (aop != ALU_CMP && !rmWritable(sz)) return PF;
      const a = readRM(sz);
      if (fault) return PF;
      const r = alu(aop, a, getReg(modReg, sz), sz);
      if (aop != ALU_CMP) writeRM(sz, r);
    } else if (lo < 4) {
      const b = readRM(sz);
      if (fault) return PF;
      const r = alu(aop, getReg(modReg, sz), b, sz);
      if (aop != ALU_CMP) setReg(modReg, sz, r);
    } else {
      const r = alu(aop, getReg(0, sz), imm, sz);
      if (aop != ALU_CMP) setReg(0, sz, r);
    }
    return 0;
  }
  switch (op) {
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57: {
      const sz = osz == 2 ? 2 : 8;
      if (!push(sz, getReg(opReg(), sz))) return PF;
      return 0;
    }
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
      const sz = osz == 2 ? 2 : 8;
      const v = peek(sz);
      if (fault) return PF;
      popCommit(sz);
      setReg(opReg(), sz, v); // POP RSP: the popped value wins
      return 0;
    }
    case 0x63: { // MOVSXD r, r/m32
      if (osz == 8) {
        const v = readRM(4);
        if (fault) return PF;
        setGpr64(modReg, <u64>(<i64>(<i32>(<u32>v))));
      } else {
        const v = readRM(osz);
        if (fault) return PF;
        setReg(modReg, osz, v);
      }
      return 0;
    }
    case 0x68: case 0x6a: {
      const sz = osz == 2 ? 2 : 8;
      if (!push(sz, imm)) return PF;
      return 0;
    }
    case 0x69: case 0x6b: {
      const b = readRM(osz);
      if (fault) return PF;
      setReg(modReg, osz, imul2(b, imm, osz));
      return 0;
    }
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
      if (cond(op & 15)) setNextRip(nextRip + imm);
      return 0;
    case 0x80: case 0x81: case 0x83: {
      const sz = op == 0x80 ? 1 : osz;
      const aop = modReg & 7;
      if (aop != ALU_CMP && !rmWritable(sz)) return PF;
      const a = readRM(sz);
      if (fault) return PF;
      const r = alu(aop, a, imm, sz);
      if (aop != ALU_CMP) writeRM(sz, r);
      return 0;
    }
    case 0x84: case 0x85: {
      const sz = op == 0x84 ? 1 : osz;
      const a = readRM(sz);
      if (fault) return PF;
      alu(ALU_AND, a, getReg(modReg, sz), sz);
      return 0;
    }
    case 0x86: case 0x87: {
      const sz = op == 0x86 ? 1 : osz;
      if (!rmWritable(sz)) return PF;
      const a = readRM(sz);
      if (fault) return PF;
      const b = getReg(modReg, sz);
      writeRM(sz, b);
      setReg(modReg, sz, a);
      return 0;
    }
    case 0x88: case 0x89: {
      const sz = op == 0x88 ? 1 : osz;
      writeRM(sz, getReg(modReg, sz));
      return fault ? PF : 0;
    }
    case 0x8a: case 0x8b: {
      const sz = op == 0x8a ? 1 : osz;
      const v = readRM(sz);
      if (fault) return PF;
      setReg(modReg, sz, v);
      return 0;
    }
    case 0x8c: { // MOV r/m, Sreg: the selectors Linux gives a 64-bit process
      const sr = modReg & 7;
      if (sr > 5) return EXIT_UD;
      const sel: u64 = sr == 1 ? 0x33 : (sr == 2 ? 0x2b : 0);
      if (modMod == 3) setReg(modRm, osz, sel); else { wrMem(ea, 2, sel); if (fault) return PF; }
      return 0;
    }
    case 0x8d: { // LEA: the offset only, no segment base
      if (modMod == 3) return EXIT_UD;
      let a = ea;
      if (segPfx == 4) a -= load<u64>(S + FS_BASE);
      else if (segPfx == 5) a -= load<u64>(S + GS_BASE);
      setReg(modReg, osz, a);
      return 0;
    }
    case 0x8f: { // POP r/m
      if ((modReg & 7) != 0) return EXIT_UD;
      const sz = osz == 2 ? 2 : 8;
      const v = peek(sz);
      if (fault) return PF;
      if (modMod == 3) { popCommit(sz); setReg(modRm, sz, v); return 0; }
      // An RSP-based address is computed after the increment (SDM "POP").
      const a = eaBase == 4 ? ea + <u64>sz : ea;
      wrMem(a, sz, v);
      if (fault) return PF;
      popCommit(sz);
      return 0;
    }
    case 0x90: {
      if (rexRaw & 1) { // XCHG eAX, r8 (REX.B turns 90 into a real exchange)
        const t = getReg(0, osz);
        setReg(0, osz, getReg(8, osz));
        setReg(8, osz, t);
      }
      return 0; // NOP; F3 90 = PAUSE
    }
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
      const r = opReg();
      const t = getReg(0, osz);
      setReg(0, osz, getReg(r, osz));
      setReg(r, osz, t);
      return 0;
    }
    case 0x98: // CBW / CWDE / CDQE
      if (osz == 8) setGpr64(0, <u64>(<i64>(<i32>(<u32>gpr64(0)))));
      else if (osz == 4) setReg(0, 4, <u64>(<i32>(<i16>(<u16>gpr64(0)))));
      else setReg(0, 2, <u64>(<i16>(<i8>(<u8>gpr64(0)))));
      return 0;
    case 0x99: { // CWD / CDQ / CQO
      const sign = (getReg(0, osz) >> (<u64>(osz << 3) - 1)) & 1;
      setReg(2, osz, sign ? <u64>-1 : 0);
      return 0;
    }
    case 0x9b: return fwait();
    case 0x9c: { // PUSHF: VM and RF read as 0
      const f = materialize() & 0x00fcffd7 | 2;
      if (!push(osz == 2 ? 2 : 8, <u64>f)) return PF;
      return 0;
    }
    case 0x9d: {
      const sz = osz == 2 ? 2 : 8;
      const v = <u32>peek(sz);
      if (fault) return PF;
      popCommit(sz);
      const mask = sz == 2 ? POPF_MASK & 0xffff : POPF_MASK;
      setFlagsWord((materialize() & ~mask) | (v & mask));
      return 0;
    }
    case 0x9e: { // SAHF: SF ZF AF PF CF from AH
      const ah = <u32>load<u8>(S + RAX + 1);
      setFlagsWord((materialize() & ~0xd5) | (ah & 0xd5));
      return 0;
    }
    case 0x9f: store<u8>(S + RAX + 1, <u8>((materialize() & 0xd5) | 2)); return 0;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: { // MOV with a moffs address
      const sz = (op & 1) == 0 ? 1 : osz;
      let a = imm;
      if (segPfx == 4) a += load<u64>(S + FS_BASE);
      else if (segPfx == 5) a += load<u64>(S + GS_BASE);
      if (op < 0xa2) {
        const v = rdMem(a, sz);
        if (fault) return PF;
        setReg(0, sz, v);
      } else {
        wrMem(a, sz, getReg(0, sz));
        if (fault) return PF;
      }
      return 0;
    }
    case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab:
    case 0xac: case 0xad: case 0xae: case 0xaf:
      return stringOp(op);
    case 0xa8: case 0xa9: {
      const sz = op == 0xa8 ? 1 : osz;
      alu(ALU_AND, getReg(0, sz), imm, sz);
      return 0;
    }
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
      setReg(opReg(), 1, imm);
      return 0;
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
      setReg(opReg(), osz, imm);
      return 0;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      const sz = (op & 1) == 0 ? 1 : osz;
      const cnt: u32 = op <= 0xc1 ? <u32>imm : (op <= 0xd1 ? 1 : <u32>gpr64(1) & 0xff);
      if (!rmWritable(sz)) return PF;
      const v = readRM(sz);
      if (fault) return PF;
      writeRM(sz, shift(modReg & 7, v, cnt, sz));
      return 0;
    }
    case 0xc2: case 0xc3: { // RET [imm16]
      const t = rd64(gpr64(4));
      if (fault) return PF;
      setGpr64(4, gpr64(4) + 8 + (op == 0xc2 ? imm : 0));
      setNextRip(t);
      return 0;
    }
    case 0xc6: case 0xc7: {
      if ((modReg & 7) != 0) return EXIT_UD; // C6 F8 XABORT, C7 F8 XBEGIN: no RTM
      const sz = op == 0xc6 ? 1 : osz;
      writeRM(sz, imm);
      return fault ? PF : 0;
    }
    case 0xc8: return enter();
    case 0xc9: { // LEAVE
      const v = rd64(gpr64(5));
      if (fault) return PF;
      setGpr64(4, gpr64(5) + 8);
      setGpr64(5, v);
      return 0;
    }
    case 0xcc: return EXIT_BREAKPOINT; // RIP after INT3
    case 0xd7: { // XLAT: AL = [rBX + AL]
      let a = gpr64(3);
      if (asz32) a &= 0xffffffff;
      a += <u64>(gpr64(0) & 0xff);
      if (asz32) a &= 0xffffffff;
      if (segPfx == 4) a += load<u64>(S + FS_BASE);
      else if (segPfx == 5) a += load<u64>(S + GS_BASE);
      const v = rdMem(a, 1);
      if (fault) return PF;
      store<u8>(S + RAX, <u8>v);
      return 0;
    }
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
      return x87Exec(op);
    case 0xe0: case 0xe1: case 0xe2: { // LOOPNE / LOOPE / LOOP
      let c = gpr64(1);
      if (asz32) { c = (c - 1) & 0xffffffff; setReg(1, 4, c); }
      else { c = c - 1; setGpr64(1, c); }
      let take = c != 0;
      if (op == 0xe0) take = take && !cond(4);
      else if (op == 0xe1) take = take && cond(4);
      if (take) setNextRip(nextRip + imm);
      return 0;
    }
    case 0xe3: { // JRCXZ / JECXZ
      const c = asz32 ? gpr64(1) & 0xffffffff : gpr64(1);
      if (c == 0) setNextRip(nextRip + imm);
      return 0;
    }
    case 0xe8: {
      if (!push(8, nextRip)) return PF;
      setNextRip(nextRip + imm);
      return 0;
    }
    case 0xe9: case 0xeb: setNextRip(nextRip + imm); return 0;
    case 0xf5: setCF(!getCF()); return 0;
    case 0xf6: case 0xf7: return group3(op == 0xf6 ? 1 : osz);
    case 0xf8: setCF(false); return 0;
    case 0xf9: setCF(true); return 0;
    case 0xfc: materialize(); setFlagsWord(fl & ~F_DF); return 0;
    case 0xfd: materialize(); setFlagsWord(fl | F_DF); return 0;
    case 0xfe: {
      const r = modReg & 7;
      if (r > 1) return EXIT_UD;
      if (!rmWritable(1)) return PF;
      const v = readRM(1);
      if (fault) return PF;
      writeRM(1, incdec(r == 1, v, 1));
      return 0;
    }
    case 0xff: return group5();
    // Privileged or I/O: #GP in user mode (Linux: SIGSEGV).
    case 0xe4: case 0xe5: case 0xe6: case 0xe7: case 0xec: case 0xed: case 0xee: case 0xef:
    case 0x6c: case 0x6d: case 0x6e: case 0x6f: case 0xf4: case 0xfa: case 0xfb:
    case 0xcd: case 0xcf: case 0xca: case 0xcb: case 0x8e:
      return EXIT_GP;
    default:
      return EXIT_UD;
  }
}

function group3(sz: i32): i32 {
  const r = modReg & 7;
  if (r == 2 || r == 3) {
    if (!rmWritable(sz)) return PF;
    const v = readRM(sz);
    if (fault) return PF;
    writeRM(sz, r == 2 ? ~v : neg(v, sz));
    return 0;
  }
  const v = readRM(sz);
  if (fault) return PF;
  switch (r) {
    case 0: case 1: alu(ALU_AND, v, imm, sz); return 0;
    case 4: mul1(v, sz); return 0;
    case 5: imul1(v, sz); return 0;
    case 6: return div1(v, sz);
    default: return idiv1(v, sz);
  }
}

function group5(): i32 {
  const r = modReg & 7;
  switch (r) {
    case 0: case 1: {
      if (!rmWritable(osz)) return PF;
      const v = readRM(osz);
      if (fault) return PF;
      writeRM(osz, incdec(r == 1, v, osz));
      return 0;
    }
    case 2: case 4: { // CALL / JMP r/m64 (64-bit operand size is forced)
      const t = readRM(8);
      if (fault) return PF;
      if (r == 2 && !push(8, nextRip)) return PF;
      setNextRip(t);
      return 0;
    }
    case 6: {
      const sz = osz == 2 ? 2 : 8;
      const v = readRM(sz);
      if (fault) return PF;
      if (!push(sz, v)) return PF;
      return 0;
    }
    case 3: case 5: return modMod == 3 ? EXIT_UD : EXIT_GP; // far CALL/JMP
    default: return EXIT_UD;
  }
}

/** ENTER imm16, imm8 (SDM vol. 2 "ENTER", 64-bit operand size). */
function enter(): i32 {
  const size = imm & 0xffff;
  const level = <i32>((imm >> 16) & 31);
  const rbp = gpr64(5);
  // Probe everything ENTER pushes first, so a fault on the stack commits nothing.
  const bytes = <u64>(8 * (level + 1));
  if (!probeWrite(gpr64(4) - bytes, bytes)) return PF;
  // Push the old RBP; the new frame pointer is where it went.
  const frame = gpr64(4) - 8;
  wrMem(frame, 8, rbp);
  let w = frame;
  if (level > 0) {
    // Copy level-1 frame pointers from the enclosing frame's display, then push the new one.
    let p = rbp;
    for (let i = 1; i < level; i++) {
      p -= 8;
      const v = rd64(p);
      if (fault) return PF;
      w -= 8;
      wrMem(w, 8, v);
    }
    w -= 8;
    wrMem(w, 8, frame);
  }
  setGpr64(5, frame);
  setGpr64(4, w - size);
  return 0;
}
