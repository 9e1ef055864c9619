// State-block offsets of R8..R15 (GPR n at n*8, src/cpu/state.ts).
export { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, RIP, RFLAGS, FS_BASE, GS_BASE } from "./cpu";
export const R8 = 64, R9 = 72, R10 = 80, R11 = 88, R12 = 96, R13 = 104, R14 = 112, R15 = 120;
