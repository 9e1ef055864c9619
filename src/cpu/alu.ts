// Two-operand arithmetic and logic (ADD OR ADC SBB AND SUB XOR CMP, in
// ModRM.reg / opcode>>3 order, SDM vol. 2 table A-6 group 1), INC/DEC, NEG.
// Results are masked to the operand size; flags are recorded lazily.
import {
  setLazy, setLazyC, szMask, getCF, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC,
} from "./flags";

export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;

@inline export function alu(op: i32, a: u64, b: u64, sz: i32): u64 {
  const m = szMask(sz);
  a &= m; b &= m;
  let r: u64;
  switch (op) {
    case ALU_ADD: r = (a + b) & m; setLazy(LF_ADD, a, b, r, sz); break;
    case ALU_OR: r = a | b; setLazy(LF_LOGIC, a, b, r, sz); break;
    case ALU_ADC: { const c: u64 = getCF() ? 1 : 0; r = (a + b + c) & m; setLazyC(LF_ADC, a, b, r, sz, c); break; }
    case ALU_SBB: { const c: u64 = getCF() ? 1 : 0; r = (a - b - c) & m; setLazyC(LF_SBB, a, b, r, sz, c); break; }
    case ALU_AND: r = a & b; setLazy(LF_LOGIC, a, b, r, sz); break;
    case ALU_XOR: r = a ^ b; setLazy(LF_LOGIC, a, b, r, sz); break;
    default: r = (a - b) & m; setLazy(LF_SUB, a, b, r, sz); break; // SUB, CMP
  }
  return r;
}

/** INC/DEC keep CF (SDM vol. 2 "INC"). */
export function incdec(dec: bool, a: u64, sz: i32): u64 {
  const m = szMask(sz);
  const c: u64 = getCF() ? 1 : 0;
  a &= m;
  const r = (dec ? a - 1 : a + 1) & m;
  setLazyC(dec ? LF_DEC : LF_INC, a, 1, r, sz, c);
  return r;
}

/** NEG: 0 - a, CF = (a != 0), like SUB. */
export function neg(a: u64, sz: i32): u64 {
  const m = szMask(sz);
  a &= m;
  const r = (0 - a) & m;
  setLazy(LF_SUB, 0, a, r, sz);
  return r;
}
