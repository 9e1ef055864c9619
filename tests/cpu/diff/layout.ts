// The fixed machine layout shared by the native harness (native.c) and the
// emulator driver (emu.ts), and the binary record formats between the TS
// driver and native.c. Keep in sync with the #defines at the top of native.c.

/** Snippet code: two RWX pages on both sides (instructions may straddle them); the page after is unmapped. */
export const CODE_ADDR = 0x1000_0000;
export const CODE_SIZE = 0x2000;
/** Data region: two RW pages, so accesses can cross a page boundary; the page after it is unmapped. */
export const DATA_ADDR = 0x2000_0000;
export const DATA_SIZE = 0x2000;
/** Stack region: one RW page; RSP starts in its middle so pushes and pops both stay inside. */
export const STACK_ADDR = 0x3000_0000;
export const STACK_SIZE = 0x1000;
export const STACK_RSP = STACK_ADDR + 0x800;
/** A zero-filled read-only page (not part of the compared image): writes to it are protection faults. */
export const RO_ADDR = 0x2000_4000;
/** First unmapped address after the data region (page-fault cases aim here). */
export const GUARD_ADDR = DATA_ADDR + DATA_SIZE;
/** The memory image compared after each case: data region, then stack region. */
export const IMAGE_SIZE = DATA_SIZE + STACK_SIZE;

/** Image offset of a guest address inside the data or stack region, or -1. */
export function imageOffset(addr: number): number {
  if (addr >= DATA_ADDR && addr < DATA_ADDR + DATA_SIZE) return addr - DATA_ADDR;
  if (addr >= STACK_ADDR && addr < STACK_ADDR + STACK_SIZE) return DATA_SIZE + addr - STACK_ADDR;
  return -1;
}
/** Guest address of an image offset. */
export function imageAddr(off: number): number {
  return off < DATA_SIZE ? DATA_ADDR + off : STACK_ADDR + off - DATA_SIZE;
}

// Input file: header { u32 magic, u32 count, u8 image[IMAGE_SIZE] }, then per case:
// { u32 recLen, u32 flags, u32 codeLen, u32 nPatch, u64 gpr[16], u64 rflags,
//   u64 fsBase, u64 gsBase (0 = unchanged), u8 code[codeLen], nPatch x { u32 imageOff, u32 len, u8 bytes[len] },
//   u8 fx[512] if flags & IN_HAS_FX }.
export const MAGIC_IN = 0x4b414831; // "1HAK"
export const IN_HAS_FX = 1;
export const IN_WANT_FX = 2;

// Output, per case: { u32 recLen, u32 signo, u32 siCode, u32 nDiff, u32 trapNo, u32 errCode, u64 siAddr,
//   u64 gpr[16], u64 rip, u64 rflags, u8 fx[512] if IN_WANT_FX, u32 diff[nDiff] }
// with diff = imageOff | byte << 24. signo 0 = reached the end of the snippet
// (rip is then CODE_ADDR + codeLen); otherwise registers are those of the
// signal context (RIP at the faulting instruction).
export const OUT_FIXED = 6 * 4 + 8 + 8 * 16 + 8 + 8;

/** The FXSAVE image used when a case does not give one: FNINIT state, MXCSR 0x1F80, XMM zero. */
export function defaultFx(): Uint8Array {
  const fx = new Uint8Array(512);
  const v = new DataView(fx.buffer);
  v.setUint16(0, 0x037f, true);
  v.setUint32(24, 0x1f80, true);
  return fx;
}
