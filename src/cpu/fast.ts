// Fast path for the most frequent integer forms, executed straight from a
// decode-cache entry without copying its fields into the decoder's globals.
//
// When the decoder caches an instruction (decode.ts save()) it calls
// fastAnnotate(), which classifies the decoded instruction: forms without
// F2/F3/LOCK/67 prefixes (66 only where it just selects 16-bit operands)
// whose semantics are simple (ALU, MOV, LEA, Jcc, CALL/RET, PUSH/POP,
// MOVZX/MOVSX, shifts, CMOVcc, SETcc, IMUL, INC/DEC, NOT/NEG, BSWAP, BT imm)
// get a kind byte and their register operands as state-block
// offsets (the AH..BH rule already applied). run() (index.ts) dispatches
// those with execFast(); every other form takes the generic decode/exec path.
// Each handler uses the same helpers in the same order as the generic code
// in exec.ts / exec0f.ts, so results, flags and faults are identical: on a
// fault nothing is committed and the current RIP is returned with `fault` set.
import { S, fault, probeWrite, hitR, hitW, modMod, modReg, modRm, rexPresent, pfx66, pfxF2, pfxF3 } from "./core";
import { RSP, FS_BASE, GS_BASE } from "./state";
import { rdMem, wrMem } from "./operand";
import { alu, incdec, neg, ALU_CMP, ALU_AND } from "./alu";
import { shift } from "./shift";
import { imul2 } from "./muldiv";
import { cond, setBtFlags } from "./flags";
import { sseAnnotate, execSse, K_SSE_FIRST } from "./fast_sse";

// Entry bytes written by fastAnnotate (see decode.ts for +0..+33).
export const FE_KIND = 34;  // u8 K_* (0: generic path)
const FE_SZ = 35;           // u8 operand size
const FE_REG = 36;          // u8 state offset of the ModRM.reg (or opcode) register
const FE_RM = 37;           // u8 state offset of the r/m register (mod == 3)
const FE_SUB = 38;          // u8 ALU op / condition / shift kind / extension kind
const FE_MEM = 39;          // u8 1 when the r/m operand is memory
// Decoder fields reused (decode.ts layout).
const FE_IMM = 8, FE_DISP = 16, FE_LEN = 22, FE_SEG = 25, FE_BASE = 31, FE_IDX = 32, FE_SCALE = 33;
const EA_RIP = 16;

const K_ALU_RM_R = 1;   // op r/m, reg (00..3F, lo 0/1)
const K_ALU_R_RM = 2;   // op reg, r/m (lo 2/3)
const K_ALU_RM_I = 3;   // op r/m, imm (80/81/83, 04/05.. with r/m = rAX)
const K_TEST_RM_R = 4;  // 84/85
const K_TEST_RM_I = 5;  // A8/A9, F6/F7 /0 /1
const K_MOV_RM_R = 6;   // 88/89
const K_MOV_R_RM = 7;   // 8A/8B
const K_MOV_RM_I = 8;   // C6/C7 /0, B0..BF
const K_LEA = 9;
export const K_JCC = 10;       // 70..7F, 0F 80..8F
export const K_JMP = 11;       // EB, E9
export const K_CALL = 12;      // E8
export const K_RET = 13;       // C3
const K_PUSH = 14;      // 50..57
const K_POP = 15;       // 58..5F
const K_MOVX = 16;      // 0F B6/B7/BE/BF, 63 (sub: 1 zx8, 2 zx16, 3 sx8, 4 sx16, 5 sx32)
const K_SHIFT = 17;     // C0/C1/D0..D3 (sub = kind; count from imm / 1 / CL)
const K_CMOV = 18;      // 0F 40..4F
const K_SETCC = 19;     // 0F 90..9F
const K_IMUL = 20;      // 0F AF
const K_IMUL_I = 21;    // 69/6B
const K_INCDEC = 22;    // FE/FF /0 /1 (sub 1 = DEC)
const K_NOP = 23;       // 90 without REX.B, 0F 1F
const K_SHIFT_CL = 24;  // D2/D3
const K_SHIFT_1 = 25;   // D0/D1
export const K_CALL_RM = 26;   // FF /2
export const K_JMP_RM = 27;    // FF /4
/**
 * Not on the fast path: run() takes the generic path for it. The block
 * compiler calls the generic path from compiled code (jGeneric) instead of
 * leaving the block: SSE/SSE2, MMX, x87 and string forms, none of which
 * transfers control (a long REP yields with RIP on itself).
 */
export const K_GENERIC = 39;
const K_NOTNEG = 28;    // F6/F7 /2 /3 (sub 1 = NEG)
const K_BSWAP = 29;     // 0F C8..CF (32/64-bit only: the 16-bit form is undefined)
const K_BT_I = 30;      // 0F BA /4../7 (sub: 0 BT, 1 BTS, 2 BTR, 3 BTC; bit offset imm8)

/** Forms compiled code may run through the generic path without leaving (K_GENERIC). */
function genericInBlock(map: i32, op: i32): bool {
  if (map == 0) return (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0xd8 && op <= 0xdf);
  if (map == 1) {
    return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) || (op >= 0x50 && op <= 0x7f && op != 0x77)
      || op == 0xc2 || (op >= 0xc4 && op <= 0xc6) || op >= 0xd0;
  }
  return true; // 0F 38 and 0F 3A: SSSE3/SSE4 forms (#UD where not implemented)
}

/** Forms whose 66-prefixed variant is the same operation at 16 bits (SDM vol. 1 §3.6). */
function sizedBy66(map: i32, op: i32): bool {
  if (map == 0) {
    if (op < 0x40) return (op & 7) < 6;
    return op == 0x69 || op == 0x6b || (op >= 0x80 && op <= 0x8b) || op == 0xa8 || op == 0xa9
      || (op >= 0xb0 && op <= 0xbf) || op == 0xc0 || op == 0xc1 || op == 0xc6 || op == 0xc7
      || (op >= 0xd0 && op <= 0xd3) || op == 0xf6 || op == 0xf7 || op == 0xfe;
  }
  if (map == 1) return (op >= 0x40 && op <= 0x4f) || op == 0xaf || op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf || op == 0xba;
  return false;
}

/** State-block offset of register n at size sz (8-bit: AH..BH without REX). */
function regOff(n: i32, sz: i32): u8 {
  if (sz == 1 && !rexPresent && n >= 4 && n < 8) return <u8>(((n - 4) << 3) + 1);
  return <u8>(n << 3);
}

/**
 * Classifies the instruction just decoded (decoder globals) and writes the
 * fast-path bytes of cache entry `e`.
 */
export function fastAnnotate(e: usize, map: i32, op: i32, osz: i32, lock: bool, seg: i32, asz32: bool, rex: i32): void {
  store<u8>(e, 0, FE_KIND);
  if (!lock && genericInBlock(map, op)) store<u8>(e, K_GENERIC, FE_KIND);
  // SSE data moves (fast_sse.ts) have mandatory prefixes: classified first.
  if (map == 1 && sseAnnotate(e, op, lock, asz32)) return;
  if (lock || asz32 || pfxF2 || pfxF3) return;
  // An operand-size prefix only makes the integer forms 16-bit (osz == 2);
  // it changes the meaning of branches, PUSH/POP and BSWAP, which stay generic.
  if (pfx66 && !sizedBy66(map, op)) return;
  // FS/GS overrides (TLS, the stack-protector canary at fs:0x28) are kept:
  // eaOf() adds the base. LEA ignores segments, so it stays generic then.
  if (seg >= 0 && map == 0 && op == 0x8d) return;
  let k = 0, sz = osz, sub = 0;
  let reg = modReg, rm = modRm, mem = modMod != 3;
  const r7 = modReg & 7;
  if (map == 0) {
    if (op < 0x40) {
      const lo = op & 7;
      if (lo >= 6) return;
      sub = op >> 3;
      sz = (lo & 1) == 0 ? 1 : osz;
      if (lo < 2) k = K_ALU_RM_R;
      else if (lo < 4) k = K_ALU_R_RM;
      else { k = K_ALU_RM_I; rm = 0; mem = false; }
    } else if (op >= 0x50 && op <= 0x5f) {
      k = op < 0x58 ? K_PUSH : K_POP; sz = 8; reg = (op & 7) | ((rex & 1) << 3);
    } else if (op == 0x63) {
      if (osz != 8) return;
      k = K_MOVX; sub = 5;
    } else if (op == 0x69 || op == 0x6b) {
      k = K_IMUL_I;
    } else if (op >= 0x70 && op <= 0x7f) {
      k = K_JCC; sub = op & 15;
    } else if (op == 0x80 || op == 0x81 || op == 0x83) {
      k = K_ALU_RM_I; sub = r7; sz = op == 0x80 ? 1 : osz;
    } else if (op == 0x84 || op == 0x85) {
      k = K_TEST_RM_R; sz = op == 0x84 ? 1 : osz;
    } else if (op == 0x88 || op == 0x89) {
      k = K_MOV_RM_R; sz = op == 0x88 ? 1 : osz;
    } else if (op == 0x8a || op == 0x8b) {
      k = K_MOV_R_RM; sz = op == 0x8a ? 1 : osz;
    } else if (op == 0x8d) {
      if (!mem) return;
      k = K_LEA;
    } else if (op == 0x90) {
      if (rex & 1) return;
      k = K_NOP;
    } else if (op == 0xa8 || op == 0xa9) {
      k = K_TEST_RM_I; sz = op == 0xa8 ? 1 : osz; rm = 0; mem = false;
    } else if (op >= 0xb0 && op <= 0xbf) {
      k = K_MOV_RM_I; sz = op < 0xb8 ? 1 : osz; rm = (op & 7) | ((rex & 1) << 3); mem = false;
    } else if (op == 0xc0 || op == 0xc1) {
      k = K_SHIFT; sub = r7; sz = op == 0xc0 ? 1 : osz;
    } else if (op == 0xd0 || op == 0xd1) {
      k = K_SHIFT_1; sub = r7; sz = op == 0xd0 ? 1 : osz;
    } else if (op == 0xd2 || op == 0xd3) {
      k = K_SHIFT_CL; sub = r7; sz = op == 0xd2 ? 1 : osz;
    } else if (op == 0xc3) {
      k = K_RET;
    } else if (op == 0xc6 || op == 0xc7) {
      if (r7 != 0) return;
      k = K_MOV_RM_I; sz = op == 0xc6 ? 1 : osz;
    } else if (op == 0xe8) {
      k = K_CALL;
    } else if (op == 0xe9 || op == 0xeb) {
      k = K_JMP;
    } else if (op == 0xf6 || op == 0xf7) {
      if (r7 > 3) return;
      sz = op == 0xf6 ? 1 : osz;
      if (r7 >= 2) { k = K_NOTNEG; sub = r7 - 2; } else k = K_TEST_RM_I;
    } else if (op == 0xff && (r7 == 2 || r7 == 4)) {
      k = r7 == 2 ? K_CALL_RM : K_JMP_RM; sz = 8; // 64-bit operand size is forced
    } else if (op == 0xfe || op == 0xff) {
      if (r7 > 1) return;
      k = K_INCDEC; sub = r7; sz = op == 0xfe ? 1 : osz;
    } else return;
  } else if (map == 1) {
    if (op >= 0x80 && op <= 0x8f) { k = K_JCC; sub = op & 15; }
    else if (op >= 0x40 && op <= 0x4f) { k = K_CMOV; sub = op & 15; }
    else if (op >= 0x90 && op <= 0x9f) { k = K_SETCC; sub = op & 15; sz = 1; }
    else if (op == 0xaf) k = K_IMUL;
    else if (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf) {
      k = K_MOVX;
      sub = (op == 0xb6 ? 1 : (op == 0xb7 ? 2 : (op == 0xbe ? 3 : 4)));
      // r/m register at the source size (8-bit AH..BH rule); the destination at osz.
      store<u8>(e, regOff(rm, op == 0xb6 || op == 0xbe ? 1 : 2), FE_RM);
      store<u8>(e, regOff(reg, osz), FE_REG);
      store<u8>(e, <u8>osz, FE_SZ);
      store<u8>(e, <u8>sub, FE_SUB);
      store<u8>(e, mem ? 1 : 0, FE_MEM);
      store<u8>(e, <u8>k, FE_KIND);
      return;
    }
    else if (op == 0x1f) k = K_NOP;
    else if (op >= 0xc8 && op <= 0xcf) { k = K_BSWAP; rm = (op & 7) | ((rex & 1) << 3); mem = false; }
    else if (op == 0xba) {
      if (r7 < 4) return;
      k = K_BT_I; sub = r7 - 4;
    }
    else return;
  } else return;
  store<u8>(e, <u8>sz, FE_SZ);
  store<u8>(e, regOff(reg, sz), FE_REG);
  store<u8>(e, regOff(rm, sz), FE_RM);
  store<u8>(e, <u8>sub, FE_SUB);
  store<u8>(e, mem ? 1 : 0, FE_MEM);
  store<u8>(e, <u8>k, FE_KIND);
}

@inline function getR(off: usize, sz: i32): u64 {
  if (sz == 8) return load<u64>(S + off);
  if (sz == 4) return <u64>load<u32>(S + off);
  if (sz == 1) return <u64>load<u8>(S + off);
  return <u64>load<u16>(S + off);
}
/** Register write at size sz; 32-bit writes zero the upper half (SDM vol. 1 §3.4.1.1). */
@inline function setR(off: usize, sz: i32, v: u64): void {
  if (sz == 8) store<u64>(S + off, v);
  else if (sz == 4) store<u64>(S + off, v & 0xffff_ffff);
  else if (sz == 1) store<u8>(S + off, <u8>v);
  else store<u16>(S + off, <u16>v);
}
/** Memory read through the TLB fast path (inline); misses, page crossings and faults go to operand.ts. */
@inline function rdF(a: u64, sz: i32): u64 {
  const h = hitR(a, <u64>sz);
  if (h) {
    if (sz == 8) return load<u64>(h);
    if (sz == 4) return <u64>load<u32>(h);
    if (sz == 1) return <u64>load<u8>(h);
    return <u64>load<u16>(h);
  }
  return rdMem(a, sz);
}
@inline function wrF(a: u64, sz: i32, v: u64): void {
  const h = hitW(a, <u64>sz);
  if (h) {
    if (sz == 8) store<u64>(h, v);
    else if (sz == 4) store<u32>(h, <u32>v);
    else if (sz == 1) store<u8>(h, <u8>v);
    else store<u16>(h, <u16>v);
    return;
  }
  wrMem(a, sz, v);
}
/** Effective address from the entry's recipe (64-bit addressing: guaranteed by fastAnnotate), FS/GS base added. */
@inline function eaOf(e: usize, next: u64): u64 {
  let a = <u64>(<i64>load<i32>(e, FE_DISP));
  const b = <i32>load<i8>(e, FE_BASE);
  if (b >= 0) a += b == EA_RIP ? next : load<u64>(S + (<usize>b << 3));
  const x = <i32>load<i8>(e, FE_IDX);
  if (x >= 0) a += load<u64>(S + (<usize>x << 3)) << <u64>load<u8>(e, FE_SCALE);
  const sg = <i32>load<i8>(e, FE_SEG);
  if (sg >= 0) a += load<u64>(S + (sg == 4 ? FS_BASE : GS_BASE));
  return a;
}

/**
 * Executes the annotated instruction of entry `e` at `rip` (kind `k`);
 * returns the next RIP, or `rip` itself with `fault` set on a page fault.
 */
@inline export function execFast(k: i32, e: usize, rip: u64): u64 {
  const next = rip + <u64>load<u8>(e, FE_LEN);
  const sz = <i32>load<u8>(e, FE_SZ);
  switch (k) {
    case K_ALU_RM_R: case K_ALU_RM_I: {
      const aop = <i32>load<u8>(e, FE_SUB);
      const b = k == K_ALU_RM_R ? getR(<usize>load<u8>(e, FE_REG), sz) : load<u64>(e, FE_IMM);
      if (load<u8>(e, FE_MEM) == 0) {
        const off = <usize>load<u8>(e, FE_RM);
        const r = alu(aop, getR(off, sz), b, sz);
        if (aop != ALU_CMP) setR(off, sz, r);
        return next;
      }
      const a = eaOf(e, next);
      if (aop != ALU_CMP && !hitW(a, <u64>sz) && !probeWrite(a, <u64>sz)) return rip;
      const v = rdF(a, sz);
      if (fault) return rip;
      const r = alu(aop, v, b, sz);
      if (aop != ALU_CMP) wrF(a, sz, r);
      return next;
    }
    case K_ALU_R_RM: {
      const aop = <i32>load<u8>(e, FE_SUB);
      let b: u64;
      if (load<u8>(e, FE_MEM) == 0) b = getR(<usize>load<u8>(e, FE_RM), sz);
      else { b = rdF(eaOf(e, next), sz); if (fault) return rip; }
      const off = <usize>load<u8>(e, FE_REG);
      const r = alu(aop, getR(off, sz), b, sz);
      if (aop != ALU_CMP) setR(off, sz, r);
      return next;
    }
    case K_TEST_RM_R: case K_TEST_RM_I: {
      let a: u64;
      if (load<u8>(e, FE_MEM) == 0) a = getR(<usize>load<u8>(e, FE_RM), sz);
      else { a = rdF(eaOf(e, next), sz); if (fault) return rip; }
      const b = k == K_TEST_RM_R ? getR(<usize>load<u8>(e, FE_REG), sz) : load<u64>(e, FE_IMM);
      alu(ALU_AND, a, b, sz);
      return next;
    }
    case K_MOV_RM_R: case K_MOV_RM_I: {
      const v = k == K_MOV_RM_R ? getR(<usize>load<u8>(e, FE_REG), sz) : load<u64>(e, FE_IMM);
      if (load<u8>(e, FE_MEM) == 0) { setR(<usize>load<u8>(e, FE_RM), sz, v); return next; }
      wrF(eaOf(e, next), sz, v);
      return fault ? rip : next;
    }
    case K_MOV_R_RM: {
      let v: u64;
      if (load<u8>(e, FE_MEM) == 0) v = getR(<usize>load<u8>(e, FE_RM), sz);
      else { v = rdF(eaOf(e, next), sz); if (fault) return rip; }
      setR(<usize>load<u8>(e, FE_REG), sz, v);
      return next;
    }
    case K_LEA:
      setR(<usize>load<u8>(e, FE_REG), sz, eaOf(e, next));
      return next;
    case K_JCC:
      return cond(<i32>load<u8>(e, FE_SUB)) ? next + load<u64>(e, FE_IMM) : next;
    case K_JMP:
      return next + load<u64>(e, FE_IMM);
    case K_CALL: {
      const sp = load<u64>(S + RSP) - 8;
      wrF(sp, 8, next);
      if (fault) return rip;
      store<u64>(S + RSP, sp);
      return next + load<u64>(e, FE_IMM);
    }
    case K_RET: {
      const sp = load<u64>(S + RSP);
      const t = rdF(sp, 8);
      if (fault) return rip;
      store<u64>(S + RSP, sp + 8);
      return t;
    }
    case K_PUSH: {
      const v = load<u64>(S + <usize>load<u8>(e, FE_REG));
      const sp = load<u64>(S + RSP) - 8;
      wrF(sp, 8, v);
      if (fault) return rip;
      store<u64>(S + RSP, sp);
      return next;
    }
    case K_POP: {
      const sp = load<u64>(S + RSP);
      const v = rdF(sp, 8);
      if (fault) return rip;
      store<u64>(S + RSP, sp + 8);
      store<u64>(S + <usize>load<u8>(e, FE_REG), v); // POP RSP: the popped value wins
      return next;
    }
    case K_MOVX: {
      const sub = <i32>load<u8>(e, FE_SUB);
      const ssz = sub == 5 ? 4 : ((sub & 1) != 0 ? 1 : 2);
      let v: u64;
      if (load<u8>(e, FE_MEM) == 0) v = getR(<usize>load<u8>(e, FE_RM), ssz);
      else { v = rdF(eaOf(e, next), ssz); if (fault) return rip; }
      if (sub == 3) v = <u64>(<i64>(<i8>(<u8>v)));
      else if (sub == 4) v = <u64>(<i64>(<i16>(<u16>v)));
      else if (sub == 5) v = <u64>(<i64>(<i32>(<u32>v)));
      setR(<usize>load<u8>(e, FE_REG), sz, v);
      return next;
    }
    case K_SHIFT: case K_SHIFT_1: case K_SHIFT_CL: {
      const cnt: u32 = k == K_SHIFT ? <u32>load<u64>(e, FE_IMM) : (k == K_SHIFT_1 ? 1 : <u32>load<u8>(S + 8));
      const kind = <i32>load<u8>(e, FE_SUB);
      if (load<u8>(e, FE_MEM) == 0) {
        const off = <usize>load<u8>(e, FE_RM);
        setR(off, sz, shift(kind, getR(off, sz), cnt, sz));
        return next;
      }
      const a = eaOf(e, next);
      if (!hitW(a, <u64>sz) && !probeWrite(a, <u64>sz)) return rip;
      const v = rdF(a, sz);
      if (fault) return rip;
      wrF(a, sz, shift(kind, v, cnt, sz));
      return next;
    }
    case K_CMOV: {
      // CMOVcc reads its source even when false; a 32-bit form always zero-extends.
      let v: u64;
      if (load<u8>(e, FE_MEM) == 0) v = getR(<usize>load<u8>(e, FE_RM), sz);
      else { v = rdF(eaOf(e, next), sz); if (fault) return rip; }
      const off = <usize>load<u8>(e, FE_REG);
      if (cond(<i32>load<u8>(e, FE_SUB))) setR(off, sz, v);
      else if (sz == 4) store<u64>(S + off, <u64>load<u32>(S + off));
      return next;
    }
    case K_SETCC: {
      const v: u64 = cond(<i32>load<u8>(e, FE_SUB)) ? 1 : 0;
      if (load<u8>(e, FE_MEM) == 0) { store<u8>(S + <usize>load<u8>(e, FE_RM), <u8>v); return next; }
      wrF(eaOf(e, next), 1, v);
      return fault ? rip : next;
    }
    case K_IMUL: case K_IMUL_I: {
      let b: u64;
      if (load<u8>(e, FE_MEM) == 0) b = getR(<usize>load<u8>(e, FE_RM), sz);
      else { b = rdF(eaOf(e, next), sz); if (fault) return rip; }
      const off = <usize>load<u8>(e, FE_REG);
      // Same operand order as exec.ts / exec0f.ts: IMUL r, r/m and IMUL r, r/m, imm.
      const r = k == K_IMUL ? imul2(getR(off, sz), b, sz) : imul2(b, load<u64>(e, FE_IMM), sz);
      setR(off, sz, r);
      return next;
    }
    case K_INCDEC: {
      const dec = load<u8>(e, FE_SUB) != 0;
      if (load<u8>(e, FE_MEM) == 0) {
        const off = <usize>load<u8>(e, FE_RM);
        setR(off, sz, incdec(dec, getR(off, sz), sz));
        return next;
      }
      const a = eaOf(e, next);
      if (!hitW(a, <u64>sz) && !probeWrite(a, <u64>sz)) return rip;
      const v = rdF(a, sz);
      if (fault) return rip;
      wrF(a, sz, incdec(dec, v, sz));
      return next;
    }
    case K_CALL_RM: case K_JMP_RM: {
      // Target first (a fault there commits nothing), then the return address (exec.ts group5).
      let t: u64;
      if (load<u8>(e, FE_MEM) == 0) t = load<u64>(S + <usize>load<u8>(e, FE_RM));
      else { t = rdF(eaOf(e, next), 8); if (fault) return rip; }
      if (k == K_CALL_RM) {
        const sp = load<u64>(S + RSP) - 8;
        wrF(sp, 8, next);
        if (fault) return rip;
        store<u64>(S + RSP, sp);
      }
      return t;
    }
    case K_NOTNEG: {
      const isNeg = load<u8>(e, FE_SUB) != 0;
      if (load<u8>(e, FE_MEM) == 0) {
        const off = <usize>load<u8>(e, FE_RM);
        const v = getR(off, sz);
        setR(off, sz, isNeg ? neg(v, sz) : ~v);
        return next;
      }
      const a = eaOf(e, next);
      if (!hitW(a, <u64>sz) && !probeWrite(a, <u64>sz)) return rip;
      const v = rdF(a, sz);
      if (fault) return rip;
      wrF(a, sz, isNeg ? neg(v, sz) : ~v);
      return next;
    }
    case K_BSWAP: {
      const off = <usize>load<u8>(e, FE_RM);
      if (sz == 8) store<u64>(S + off, bswap<u64>(load<u64>(S + off)));
      else store<u64>(S + off, <u64>bswap<u32>(load<u32>(S + off)));
      return next;
    }
    case K_BT_I: {
      // As bits.ts bitTest() with an immediate offset: the operand itself, bit (imm8 mod width).
      const kind = <i32>load<u8>(e, FE_SUB);
      const b = load<u64>(e, FE_IMM) & <u64>((sz << 3) - 1);
      if (load<u8>(e, FE_MEM) == 0) {
        const off = <usize>load<u8>(e, FE_RM);
        const v = getR(off, sz);
        if (kind != 0) setR(off, sz, bitApply(kind, v, b));
        setBtFlags(((v >> b) & 1) != 0);
        return next;
      }
      const a = eaOf(e, next);
      if (kind != 0 && !hitW(a, <u64>sz) && !probeWrite(a, <u64>sz)) return rip;
      const v = rdF(a, sz);
      if (fault) return rip;
      if (kind != 0) wrF(a, sz, bitApply(kind, v, b));
      setBtFlags(((v >> b) & 1) != 0);
      return next;
    }
    default:
      // SSE kinds out of line: they would only grow run()'s inlined loop.
      if (k >= K_SSE_FIRST) return execSse(k, e, rip, next, load<u8>(e, FE_MEM) != 0 ? eaOf(e, next) : 0);
      return next; // K_NOP
  }
}

@inline function bitApply(kind: i32, v: u64, b: u64): u64 {
  const m = <u64>1 << b;
  return kind == 1 ? v | m : (kind == 2 ? v & ~m : v ^ m);
}
