// The six floating-point exception flags, in the bit positions that both the
// x87 status word (FSW bits 0-5) and MXCSR (bits 0-5) use (SDM vol. 1
// §8.1.3.1 and §10.2.3): invalid, denormal, zero-divide, overflow,
// underflow, precision.
export const IE: u32 = 1;
export const DE: u32 = 2;
export const ZE: u32 = 4;
export const OE: u32 = 8;
export const UE: u32 = 16;
export const PE: u32 = 32;
