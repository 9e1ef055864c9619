// Test entry for tests/cpu/x87.test.ts: drives src/cpu/x87.ts directly,
// without the decoder, on a tiny identity-mapped address space. Compiled at
// test time with asc (--runtime stub), like build/cpu.wasm.
import { setStateBlock, setPrefixes, setModrm, setNextRip } from "../../src/cpu/core";
import { x87Exec, fxsave, fxrstor, fwait, x87SetInsnLen } from "../../src/cpu/x87";
import { CR3, PTE_P, PTE_W, PTE_U } from "../../src/cpu/state";

export const STATE: u32 = 0x80000;
const PML4: u32 = 0x90000;
/** Guest-visible data window: linear = physical, [0x100000, 0x200000). */
export const DATA: u32 = 0x100000;

/** Builds page tables mapping DATA..DATA+1MiB user-writable, except the page at DATA+0xff000 (left unmapped to test faults). */
export function setup(): void {
  memory.fill(PML4, 0, 0x4000);
  const pdpt = PML4 + 0x1000, pd = PML4 + 0x2000, pt = PML4 + 0x3000;
  const f: u64 = PTE_P | PTE_W | PTE_U;
  store<u64>(PML4, <u64>pdpt | f);
  store<u64>(pdpt, <u64>pd | f);
  store<u64>(pd, <u64>pt | f);
  for (let i: u32 = 0x100; i < 0x1ff; i++) store<u64>(pt + i * 8, (<u64>i << 12) | f);
  memory.fill(STATE, 0, 1024);
  store<u64>(STATE + CR3, PML4);
  setStateBlock(STATE);
}

/**
 * Executes one instruction: op 0xD8..0xDF (x87), 0x9B (FWAIT), 0x1AE0
 * (FXSAVE) or 0x1AE1 (FXRSTOR). Returns the exit code.
 */
export function exec(op: i32, modrm: i32, ea: u64, p66: bool, w: bool, len: i32): i32 {
  setStateBlock(STATE);
  setPrefixes(p66, false, false, w, w);
  setModrm(modrm >> 6, (modrm >> 3) & 7, modrm & 7, ea);
  setNextRip(0x401000 + <u64>len);
  x87SetInsnLen(len);
  if (op == 0x9b) return fwait();
  if (op == 0x1ae0) return fxsave(ea);
  if (op == 0x1ae1) return fxrstor(ea);
  return x87Exec(op);
}
