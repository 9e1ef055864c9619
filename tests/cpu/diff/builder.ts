// Helpers the forms tables share: edge and random operand values, register
// picking and setting (incl. AH..BH), memory operands with every addressing
// shape placed inside (or, for fault cases, across the end of) the data region.
import { newCase, hex, hexBytes, type Case, type Rng, STATUS } from "./case";
import { assemble, le, type Insn, type Mem, type Width } from "./encode";
import { CODE_ADDR, DATA_ADDR, DATA_SIZE, GUARD_ADDR, RO_ADDR, STACK_ADDR, STACK_SIZE } from "./layout";

export const RSP = 4;
export function mask(w: number): bigint { return (1n << BigInt(w)) - 1n; }
export function signBit(w: number): bigint { return 1n << BigInt(w - 1); }
export function toSigned(v: bigint, w: number): bigint { return v & signBit(w) ? v - (1n << BigInt(w)) : v; }

const edgeCache = new Map<number, bigint[]>();
/** Edge values for a width: 0, 1, 2, -1, -2, the sign boundaries and alternating patterns. */
export function edges(w: number): bigint[] {
  let list = edgeCache.get(w);
  if (!list) {
    const m = mask(w), s = signBit(w);
    const all = [0n, 1n, 2n, m, m - 1n, s - 1n, s, s + 1n, s - 2n, m / 3n, (m / 3n) * 2n, 0x7fn & m, 0x80n & m];
    list = [...new Set(all.map((v) => v & m))];
    edgeCache.set(w, list);
  }
  return list;
}

/** An operand value: an edge value, a random one, a small one, or one near a sign boundary. */
export function value(rng: Rng, w: number): bigint {
  const m = mask(w);
  switch (rng.int(6)) {
    case 0: return rng.pick(edges(w));
    case 1: return BigInt(rng.int(64)) & m;
    case 2: return (signBit(w) + BigInt(rng.int(9)) - 4n) & m;
    case 3: return (m - BigInt(rng.int(8))) & m;
    default: return rng.u64() & m;
  }
}

/** Random status flags (DF clear). */
export function randFlags(rng: Rng): number { return (rng.u32() & STATUS) | 2; }

export interface PickOpts {
  /** Width 8 without REX: numbers 4..7 are AH, CH, DH, BH and only 0..7 exist. */
  legacy8?: boolean;
  /** Only registers 0..7 (no REX allowed), normal naming. */
  low8?: boolean;
  allowRsp?: boolean;
}

/** A case under construction; keeps track of registers already given a role. */
export class Builder {
  readonly c: Case;
  readonly used = new Set<number>();
  private notes: string[] = [];
  insns: Uint8Array[] = [];

  constructor(readonly rng: Rng) {
    this.c = newCase();
    for (let i = 0; i < 16; i++) if (i !== RSP) this.c.gpr[i] = rng.u64();
    this.c.rflags = randFlags(rng);
  }

  note(s: string): void { this.notes.push(s); }

  /** Picks a register not used yet; for legacy 8-bit, AH..BH share a GPR with AL..BL. */
  pick(o: PickOpts = {}): number {
    for (;;) {
      const r = this.rng.int(o.legacy8 || o.low8 ? 8 : 16);
      const phys = o.legacy8 ? r & 3 : r;
      if (!o.allowRsp && !o.legacy8 && r === RSP) continue;
      if (this.used.has(phys)) continue;
      this.used.add(phys);
      return r;
    }
  }
  /** Marks a fixed register (e.g. RCX for shift counts) as used. */
  claim(r: number): number { this.used.add(r); return r; }

  /** Writes `v` into the low `w` bits of register r (AH..BH when legacy8 and r in 4..7). */
  setReg(r: number, w: number, v: bigint, legacy8 = false, name?: string): void {
    const m = mask(w);
    if (w === 8 && legacy8 && r >= 4) {
      const g = r - 4;
      this.c.gpr[g] = (this.c.gpr[g] & ~(0xffn << 8n)) | ((v & 0xffn) << 8n);
    } else {
      this.c.gpr[r] = w === 64 ? v & m : (this.c.gpr[r] & ~m) | (v & m);
    }
    this.note(`${name ?? regName(r, w, legacy8)}=${hex(v & m)}`);
  }

  /** The current value of register r's low w bits. */
  reg(r: number, w: number): bigint { return this.c.gpr[r] & mask(w); }

  patch(addr: number, bytes: Uint8Array, label = true): void {
    // Only the part inside the data or stack region exists; the rest is unmapped (fault cases).
    const inData = (a: number): boolean => (a >= DATA_ADDR && a < DATA_ADDR + DATA_SIZE) || (a >= STACK_ADDR && a < STACK_ADDR + STACK_SIZE);
    let start = 0;
    while (start < bytes.length && !inData(addr + start)) start++;
    let end = start;
    while (end < bytes.length && inData(addr + end)) end++;
    if (end > start) this.c.patches.push({ addr: addr + start, bytes: bytes.slice(start, end) });
    if (label) this.note(`[${hex(addr)}]=${hexBytes(bytes.subarray(0, 32))}${bytes.length > 32 ? ` ... (${bytes.length} bytes)` : ""}`);
  }

  /**
   * Chooses an effective address for a `size`-byte operand (aligned to `align`
   * if given) and builds a memory operand that reaches it with a random
   * addressing shape, setting the base/index registers. About 3% of the time
   * (when `faults`), the operand crosses into or lies in the unmapped page
   * after the data region.
   */
  mem(size: number, o: { align?: number; faults?: boolean; legacyRegs?: boolean; noRip?: boolean; keepRsp?: boolean; margin?: number; segBase?: bigint } = {}): { m: Mem; ea: number } {
    const rng = this.rng;
    let ea: number;
    const roll = rng.int(100);
    if (o.faults !== false && roll < 3) {
      ea = GUARD_ADDR - rng.int(size + 8) + (roll === 0 ? 64 : 0);
    } else if (o.faults !== false && roll === 3) {
      ea = RO_ADDR + rng.int(0x1000 - size); // read-only page: reads work (zeros), writes are protection faults
    } else if (roll < 15) {
      ea = DATA_ADDR + 0x1000 - rng.int(size + 1) + (size > 1 ? 1 : 0); // around the page boundary
    } else {
      ea = DATA_ADDR + rng.int(DATA_SIZE - size - 64) + 32;
    }
    if (o.margin) ea = Math.min(Math.max(ea, DATA_ADDR + o.margin), DATA_ADDR + DATA_SIZE - o.margin - size);
    if (o.align) ea -= ea % o.align;
    if (ea + size > DATA_ADDR + DATA_SIZE && !(o.faults !== false && roll < 4)) ea = DATA_ADDR + 0x100;
    // With an FS/GS override the registers address ea - segment base (a signed offset, like TLS's fs:[-8]).
    const linear = ea;
    ea = Number(BigInt.asIntN(64, BigInt(ea) - (o.segBase ?? 0n)));
    const maxReg = o.legacyRegs ? 8 : 16;
    const pickAddrReg = (noRsp: boolean): number => {
      for (;;) {
        const r = rng.int(maxReg);
        if (this.used.has(r) || ((noRsp || o.keepRsp) && r === RSP)) continue;
        this.used.add(r);
        return r;
      }
    };
    const shape = rng.int(o.noRip ? 6 : 7);
    const dispSize = rng.pick([0, 8, 32] as const);
    const disp = dispSize === 0 ? 0 : dispSize === 8 ? rng.int(256) - 128 : rng.int(0x20000) - 0x10000;
    let m: Mem;
    if (shape === 6) {
      m = { base: "rip", index: null, scale: 1, disp: 0, target: ea };
      this.note(`[rip->${hex(ea)}]`);
    } else if (shape === 5) {
      // [disp32] absolute (SIB, no base, no index)
      m = { base: null, index: null, scale: 1, disp: ea };
    } else if (shape === 4) {
      // 67h: 32-bit address arithmetic; upper halves of base/index are ignored (and garbage here).
      const base = pickAddrReg(false), index = pickAddrReg(true);
      const scale = rng.pick([1, 2, 4, 8] as const);
      const iv = BigInt(rng.int(64) - 32);
      const bv = (BigInt(ea) - iv * BigInt(scale) - BigInt(disp)) & 0xffffffffn;
      this.c.gpr[base] = (rng.u64() & ~0xffffffffn) | bv;
      this.c.gpr[index] = (rng.u64() & ~0xffffffffn) | (iv & 0xffffffffn);
      m = { base, index, scale, disp, dispSize, addr32: true };
    } else if (shape === 3) {
      const index = pickAddrReg(true);
      const scale = rng.pick([1, 2, 4, 8] as const);
      const d = ea - rng.int(64) * scale;
      this.c.gpr[index] = BigInt((ea - d) / scale);
      m = { base: null, index, scale, disp: d };
    } else if (shape >= 1) {
      const base = pickAddrReg(false), index = pickAddrReg(true);
      const scale = rng.pick([1, 2, 4, 8] as const);
      const iv = BigInt(rng.int(256) - 128);
      this.c.gpr[index] = iv & mask(64);
      this.c.gpr[base] = (BigInt(ea) - iv * BigInt(scale) - BigInt(disp)) & mask(64);
      m = { base, index, scale, disp, dispSize };
    } else {
      const base = pickAddrReg(false);
      this.c.gpr[base] = (BigInt(ea) - BigInt(disp)) & mask(64);
      m = { base, index: null, scale: 1, disp, dispSize };
    }
    return { m, ea: linear };
  }

  /** Appends an instruction (encoded at its final address in the snippet). */
  emit(ins: Insn): Uint8Array {
    const at = CODE_ADDR + this.insns.reduce((s, b) => s + b.length, 0);
    const b = assemble(ins, at);
    this.insns.push(b);
    return b;
  }
  raw(bytes: number[]): void { this.insns.push(Uint8Array.from(bytes)); }

  /** Finishes the case: code from the emitted instructions, inputs text for reports. */
  done(): Case {
    const n = this.insns.reduce((s, b) => s + b.length, 0);
    const code = new Uint8Array(n);
    let o = 0;
    for (const b of this.insns) { code.set(b, o); o += b.length; }
    this.c.code = code;
    this.c.inputs = [...this.notes, `rflags=${hex(this.c.rflags)}`].join(" ");
    return this.c;
  }
}

const R64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
export function regName(r: number, w: number, legacy8 = false): string {
  if (w === 64) return R64[r];
  if (w === 8 && legacy8 && r >= 4) return ["ah", "ch", "dh", "bh"][r - 4];
  const base = R64[r];
  if (r >= 8) return base + (w === 32 ? "d" : w === 16 ? "w" : "b");
  if (w === 32) return "e" + base.slice(1);
  if (w === 16) return base.slice(1);
  return r < 4 ? base[1] + "l" : base.slice(1) + "l";
}

export { le, type Width };
