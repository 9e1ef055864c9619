// A small x86-64 encoder for the forms tables: legacy prefixes, REX, opcode,
// ModRM/SIB/displacement (incl. RIP-relative and 67h 32-bit addressing) and
// immediates (Intel SDM vol. 2 ch. 2).

export type Width = 8 | 16 | 32 | 64;

export interface Mem {
  base: number | "rip" | null;
  index: number | null;
  scale: 1 | 2 | 4 | 8;
  disp: number;
  /** Displacement size to use (the smallest that fits if absent). */
  dispSize?: 0 | 8 | 32;
  /** 67h prefix: 32-bit address computation. */
  addr32?: boolean;
  /** For RIP-relative operands: the target address (disp is computed from the instruction's end). */
  target?: number;
}

export interface Insn {
  /** Legacy prefixes in order (66, F2, F3, F0, segment...). 67h is added for addr32 operands. */
  pre?: number[];
  w?: boolean;
  /** Emit a REX prefix even when no bit is needed (selects SPL..DIL over AH..BH). */
  rex?: boolean;
  op: number[];
  /** ModRM.reg: a register number or /digit (0..15). */
  reg?: number;
  /** ModRM.rm operand: a register number or a memory operand. */
  rm?: number | Mem;
  /** Register encoded in the low 3 bits of the last opcode byte (with REX.B). */
  opreg?: number;
  immBytes?: Uint8Array;
}

export function le(v: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

function fits8(d: number): boolean { return d >= -128 && d <= 127; }

/** Encodes one instruction placed at guest address `at` (needed for RIP-relative operands). */
export function assemble(ins: Insn, at: number): Uint8Array {
  const out: number[] = [...(ins.pre ?? [])];
  const m = typeof ins.rm === "object" ? ins.rm : null;
  if (m?.addr32) out.push(0x67);
  let rex = 0;
  if (ins.w) rex |= 8;
  if (ins.reg !== undefined && ins.reg >= 8) rex |= 4;
  if (m && m.index !== null && m.index >= 8) rex |= 2;
  if (typeof ins.rm === "number" && ins.rm >= 8) rex |= 1;
  if (m && typeof m.base === "number" && m.base >= 8) rex |= 1;
  if (ins.opreg !== undefined && ins.opreg >= 8) rex |= 1;
  if (rex || ins.rex) out.push(0x40 | rex);
  const op = [...ins.op];
  if (ins.opreg !== undefined) op[op.length - 1] |= ins.opreg & 7;
  out.push(...op);
  let ripFix = -1;
  if (ins.rm !== undefined) {
    const reg = (ins.reg ?? 0) & 7;
    if (typeof ins.rm === "number") {
      out.push(0xc0 | (reg << 3) | (ins.rm & 7));
    } else {
      const mm = ins.rm;
      if (mm.base === "rip") {
        out.push((reg << 3) | 5);
        ripFix = out.length;
        out.push(0, 0, 0, 0);
      } else {
        const noBase = mm.base === null;
        const base = noBase ? 5 : (mm.base as number) & 7;
        let dsz: 0 | 8 | 32 = mm.dispSize ?? (mm.disp === 0 && base !== 5 ? 0 : fits8(mm.disp) ? 8 : 32);
        if (dsz === 0 && base === 5) dsz = 8; // [rbp]/[r13] need a displacement
        if (dsz === 8 && !fits8(mm.disp)) dsz = 32;
        if (noBase) dsz = 32;
        const mod = noBase ? 0 : dsz === 0 ? 0 : dsz === 8 ? 1 : 2;
        const needSib = mm.index !== null || base === 4 || noBase;
        if (needSib) {
          const idx = mm.index === null ? 4 : mm.index & 7;
          if (mm.index === 4) throw new Error("rsp cannot be an index");
          const ss = { 1: 0, 2: 1, 4: 2, 8: 3 }[mm.scale];
          out.push((mod << 6) | (reg << 3) | 4, (ss << 6) | (idx << 3) | base);
        } else {
          out.push((mod << 6) | (reg << 3) | base);
        }
        if (dsz === 8) out.push(mm.disp & 0xff);
        else if (dsz === 32) out.push(...le(BigInt(mm.disp), 4));
      }
    }
  }
  if (ins.immBytes) out.push(...ins.immBytes);
  const bytes = Uint8Array.from(out);
  if (ripFix >= 0) {
    const target = (ins.rm as Mem).target ?? 0;
    bytes.set(le(BigInt(target - (at + bytes.length)), 4), ripFix);
  }
  return bytes;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
