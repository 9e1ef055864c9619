// Test-only entry point (not part of build/cpu.wasm): exposes sseExec with
// the decoded fields given explicitly, so tests/cpu/sse.test.ts can drive the
// SSE family before/independently of the core decoder. Compiled by the test.
import {
  setStateBlock, setPrefixes, setModrm, setImm, setNextRip, clearFault, getFlags, tlbFlush,
} from "./core";
import { setFlagsWord } from "./flags";
import { sseExec, ldmxcsr, stmxcsr } from "./sse";

/** prefixes: bit0 66, bit1 F2, bit2 F3, bit3 REX.W, bit4 any REX. */
export function exec(state: u32, map: i32, op: i32, prefixes: i32, mod: i32, reg: i32, rm: i32, addr: u64, immv: u64, flags: u32): i32 {
  setStateBlock(<usize>state);
  clearFault();
  tlbFlush();
  setFlagsWord(flags);
  setPrefixes((prefixes & 1) != 0, (prefixes & 2) != 0, (prefixes & 4) != 0, (prefixes & 8) != 0, (prefixes & 16) != 0);
  setModrm(mod, reg, rm, addr);
  setImm(immv);
  setNextRip(0);
  if (map == 0xae) return reg == 2 ? ldmxcsr(addr) : stmxcsr(addr);
  return sseExec(map, op);
}
export function flagsNow(): u32 { return getFlags(); }
/** Re-executes the instruction last set up by exec() n times (for timing); returns the last exit. */
export function repeat(map: i32, op: i32, n: i32): i32 {
  let r = 0;
  for (let i = 0; i < n; i++) r = sseExec(map, op);
  return r;
}
/** First byte above the CPU's static data (TLB, decode cache...): where the test may put its state and page tables. */
export function freeBase(): u32 { return (<u32>__heap_base + 0xfff) & ~0xfff; }
