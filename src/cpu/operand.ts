// Operand access by size (1, 2, 4 or 8 bytes) for the decoded instruction:
// registers (8-bit AH..BH rule and 32-bit zero-extension via core.ts),
// the ModRM r/m operand, memory and the stack. Memory helpers set core.ts's
// `fault` and return 0 on a page fault; callers check it before committing.
import {
  S, gpr8, gpr16, gpr32, gpr64, setGpr8, setGpr16, setGpr32, setGpr64,
  rd8, rd16, rd32, rd64, wr8, wr16, wr32, wr64, probeWrite, modMod, modRm, ea, fault,
} from "./core";
import { RSP } from "./state";

export function getReg(n: i32, sz: i32): u64 {
  if (sz == 8) return gpr64(n);
  if (sz == 4) return <u64>gpr32(n);
  if (sz == 2) return <u64>gpr16(n);
  return <u64>gpr8(n);
}
export function setReg(n: i32, sz: i32, v: u64): void {
  if (sz == 8) setGpr64(n, v);
  else if (sz == 4) setGpr32(n, <u32>v);
  else if (sz == 2) setGpr16(n, <u32>v);
  else setGpr8(n, <u32>v);
}
export function rdMem(a: u64, sz: i32): u64 {
  if (sz == 8) return rd64(a);
  if (sz == 4) return <u64>rd32(a);
  if (sz == 2) return <u64>rd16(a);
  return <u64>rd8(a);
}
export function wrMem(a: u64, sz: i32, v: u64): void {
  if (sz == 8) wr64(a, v);
  else if (sz == 4) wr32(a, <u32>v);
  else if (sz == 2) wr16(a, <u32>v);
  else wr8(a, <u32>v);
}
/** The r/m operand (register or memory at ea). */
export function readRM(sz: i32): u64 {
  return modMod == 3 ? getReg(modRm, sz) : rdMem(ea, sz);
}
export function writeRM(sz: i32, v: u64): void {
  if (modMod == 3) setReg(modRm, sz, v); else wrMem(ea, sz, v);
}
/** Before a read-modify-write: true when the r/m destination can be written (sets the fault otherwise). */
export function rmWritable(sz: i32): bool {
  return modMod == 3 || probeWrite(ea, <u64>sz);
}

// ---- stack (64-bit mode: RSP, default operand size 64, 66h gives 16) ----
export function push(sz: i32, v: u64): bool {
  const sp = gpr64(4) - <u64>sz;
  wrMem(sp, sz, v);
  if (fault) return false;
  store<u64>(S + RSP, sp);
  return true;
}
/** Reads the top of the stack without popping (the caller commits with popCommit). */
export function peek(sz: i32): u64 { return rdMem(gpr64(4), sz); }
export function popCommit(sz: i32): void { store<u64>(S + RSP, gpr64(4) + <u64>sz); }
