// Typed access to a task's CPU state block (src/cpu/state.ts) from the
// kernel. 64-bit registers are exposed as JS numbers where the value is an
// address or a size (exact below 2^53) and as bigints where all 64 bits matter.
import type { PhysMem } from "./mm/physmem";

export class Regs {
  constructor(private mem: PhysMem, readonly base: number) {}

  /** Unsigned 64-bit value as a number (exact below 2^53). */
  get(off: number): number {
    const v = this.mem.view;
    return v.getUint32(this.base + off, true) + v.getUint32(this.base + off + 4, true) * 0x100000000;
  }
  /** Low 32 bits as a signed int (C `int` arguments). */
  i32(off: number): number { return this.mem.view.getInt32(this.base + off, true); }
  /** Signed 64-bit value as a number (off_t, long). */
  i64(off: number): number { return Number(this.mem.view.getBigInt64(this.base + off, true)); }
  big(off: number): bigint { return this.mem.view.getBigUint64(this.base + off, true); }

  /** Stores a number: negative values are written two's complement (errno returns). */
  set(off: number, value: number): void {
    this.mem.view.setBigInt64(this.base + off, BigInt(Math.trunc(value)), true);
  }
  setBig(off: number, value: bigint): void { this.mem.view.setBigUint64(this.base + off, BigInt.asUintN(64, value), true); }
  u32(off: number): number { return this.mem.view.getUint32(this.base + off, true); }
  setU32(off: number, v: number): void { this.mem.view.setUint32(this.base + off, v >>> 0, true); }
  setU16(off: number, v: number): void { this.mem.view.setUint16(this.base + off, v, true); }

  /** Zeroes the whole block. */
  clear(size: number): void { this.mem.u8.fill(0, this.base, this.base + size); }
}
