// x87 FPU with true 80-bit extended precision in software.
// Placeholder until the x87 work lands: every form is undefined.
import { EXIT_UD } from "./state";

/** Executes an x87 escape opcode (0xD8..0xDF) after ModRM is decoded; returns 0 or an EXIT_* code. */
export function x87Exec(op: i32): i32 { return EXIT_UD; }
/** FXSAVE (0F AE /0): stores the state block's FXAREA image to memory. */
export function fxsave(addr: u64): i32 { return EXIT_UD; }
/** FXRSTOR (0F AE /1). */
export function fxrstor(addr: u64): i32 { return EXIT_UD; }
/** FWAIT (9B): reports a pending unmasked x87 exception as EXIT_MF, else 0. */
export function fwait(): i32 { return 0; }
