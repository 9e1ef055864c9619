// The per-thread CPU state block: the contract between the CPU (AssemblyScript)
// and the kernel (TypeScript). The kernel allocates STATE_SIZE bytes (64-byte
// aligned) in linear memory per thread and passes the address to run().
//
// Rule: at entry to run() the CPU loads everything it needs from the block;
// at every exit the block holds the exact architectural state (RFLAGS
// materialised from lazy flags, FXAREA a valid FXSAVE image). So the kernel
// may freely read and change any field between two run() calls.
//
// This file is plain constants so it compiles both as AssemblyScript
// (src/cpu) and as TypeScript (src/kernel/cpu.ts re-exports the same values).

// General-purpose registers, in x86 encoding order, 8 bytes each.
export const RAX = 0;
export const RCX = 8;
export const RDX = 16;
export const RBX = 24;
export const RSP = 32;
export const RBP = 40;
export const RSI = 48;
export const RDI = 56;
// R8..R15 at 64 + 8*(n-8); GPR n is at n*8.
export const RIP = 128;
export const RFLAGS = 136;
export const FS_BASE = 144;
export const GS_BASE = 152;
/** Physical (= linear-memory) address of the PML4 table. */
export const CR3 = 160;
/** u64: instructions retired, cumulative; the CPU only adds to it. */
export const ICOUNT = 168;
/** u32: why run() returned (EXIT_*). */
export const EXIT_REASON = 176;
/** u32: page-fault error code, x86 format (bit0 protection, bit1 write, bit2 user, bit4 fetch). */
export const FAULT_CODE = 180;
/** u64: faulting linear address (CR2) for EXIT_PAGE_FAULT. */
export const FAULT_ADDR = 184;
// 192..511: private to the CPU (lazy-flag spill, scratch). The kernel never touches it.
export const CPU_PRIVATE = 192;
/**
 * 512 bytes in FXSAVE layout (Intel SDM vol. 1 §10.5.1, table 10-2):
 * +0 FCW u16, +2 FSW u16 (TOP in bits 11-13), +4 FTW abridged u8 (bit i =
 * physical register i valid), +6 FOP u16, +8 FIP u64, +16 FDP u64, +24 MXCSR
 * u32, +28 MXCSR_MASK u32, +32 ST0..ST7 in stack order (ST(i) at +32+16*i,
 * 80-bit value in the low 10 bytes), +160 XMM0..XMM15 (16 bytes each).
 * Linux puts this same image into signal frames, so the kernel copies it.
 */
export const FXAREA = 512;
export const FCW = FXAREA + 0;
export const FSW = FXAREA + 2;
export const FTW = FXAREA + 4;
export const FOP = FXAREA + 6;
export const FIP = FXAREA + 8;
export const FDP = FXAREA + 16;
export const MXCSR = FXAREA + 24;
export const MXCSR_MASK = FXAREA + 28;
export const ST0 = FXAREA + 32;
export const XMM0 = FXAREA + 160;
export const STATE_SIZE = 1024;

// Exit reasons returned by run(). RIP semantics follow the hardware:
// SYSCALL: RIP already after the instruction, RCX = next RIP, R11 = RFLAGS.
// Faults (PAGE_FAULT, UD, DE, GP, MF, XM): RIP at the faulting instruction,
// no architectural state of that instruction committed.
// BREAKPOINT (int3): RIP after the int3, as the #BP trap reports it.
// BUDGET: the instruction budget ran out between two instructions.
export const EXIT_SYSCALL = 1;
export const EXIT_PAGE_FAULT = 2;
export const EXIT_UD = 3;
export const EXIT_DE = 4;
export const EXIT_GP = 5;
export const EXIT_BREAKPOINT = 6;
export const EXIT_BUDGET = 7;
export const EXIT_MF = 8;
export const EXIT_XM = 9;

// Page-table entry bits (Intel SDM vol. 3 §4.5). Addresses in entries are
// linear-memory addresses of 4 KiB frames.
export const PTE_P = 1;
export const PTE_W = 2;
export const PTE_U = 4;
export const PTE_A = 0x20;
export const PTE_D = 0x40;
/** Software bit (ignored by the CPU): the kernel's copy-on-write mark. */
export const PTE_COW = 0x200;
// NX is bit 63 of the entry: test with (entry >>> 63) in AS, or the high
// 32-bit word's bit 31 from TypeScript.
