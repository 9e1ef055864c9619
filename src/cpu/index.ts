// Placeholder entry until the interpreter lands: every run() ends in UD.
import { EXIT_REASON, EXIT_UD } from "./state";
export function ramBase(): u32 { return 1 << 20; }
export function flushTlb(): void {}
export function invalidateCode(paddr: u32, len: u32): void {}
export function run(state: u32, budget: u32): i32 {
  store<u32>(state + EXIT_REASON, EXIT_UD);
  return EXIT_UD;
}
