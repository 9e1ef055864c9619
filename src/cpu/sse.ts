// SSE/SSE2 (and the SSE3/SSSE3/SSE4 forms glibc's baseline paths need).
// Placeholder until the SSE work lands: every form is undefined.
import { EXIT_UD } from "./state";

/** Executes an SSE-family opcode of map (1 = 0F, 2 = 0F38, 3 = 0F3A) after ModRM and immediate are decoded; returns 0 or an EXIT_* code. */
export function sseExec(map: i32, op: i32): i32 { return EXIT_UD; }
/** LDMXCSR (0F AE /2). */
export function ldmxcsr(addr: u64): i32 { return EXIT_UD; }
/** STMXCSR (0F AE /3). */
export function stmxcsr(addr: u64): i32 { return EXIT_UD; }
