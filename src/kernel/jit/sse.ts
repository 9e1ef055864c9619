// Block-compiler emission for the SSE data-move kinds of src/cpu/fast_sse.ts
// (40..44): the same operations in the same order, so results and faults are
// those of the interpreter. XMM registers stay in the state block (one v128
// or i64 load/store each); GPRs go through the compiler's register locals.
// Memory: 4- and 8-byte accesses use the compiler's inline TLB probe;
// 16-byte ones probe the TLB for all 16 bytes in the page. A miss (a page
// crossing, a fault) leaves the region before the instruction, for the
// interpreter (missExit()). None of these kinds reads or writes the flags.
import { Bytes, Op, I32, VOID, SIMD_PREFIX, Simd } from "./wasm";
import { XMM0 } from "../../cpu/state";

/** SSE kinds (src/cpu/fast_sse.ts). */
export const KS = { XLD: 40, XST: 41, XLOGIC: 42, MOVD_X: 43, MOVD_R: 44 } as const;

/** The fields of an instruction these kinds use (compile.ts's Ins). */
export interface SseIns { kind: number; sz: number; reg: number; rm: number; sub: number; mem: boolean }

/** Entry prefix bits (src/cpu/decode.ts, byte +23): 66, F2, F3 and 67 (32-bit addressing). */
export const PFX_66 = 1, PFX_F2 = 2, PFX_F3 = 4, PFX_67 = 64;

/**
 * The emission primitives of compile.ts's BlockCompiler that SSE kinds need
 * (see there for what each does). BlockCompiler implements this interface
 * and passes itself, so a renamed primitive fails the type check.
 */
export interface SseEmitter {
  readonly c: Bytes;
  readonly lay: { tlbR: number; tlbW: number };
  readonly P_S: number;
  /** A scratch local valid until the next instruction. */
  temp(t: number): number;
  get(l: number): void;
  set(l: number): void;
  i32(v: number): void;
  i64(v: bigint): void;
  op(o: number): void;
  mem(o: number, offset: number): void;
  open(o: number, t: number): void;
  els(): void;
  close(): void;
  save64(): number;
  save32(): number;
  ea(i: SseIns): number;
  read(a: number, sz: number, k: number): void;
  write(a: number, sz: number, v: number, k: number): void;
  tlbHit(tlb: number, a: number, sz: number, t: number): void;
  hostOf(tlb: number, t: number, a: number): void;
  missExit(k: number): void;
  getR(off: number, sz: number): void;
  setR(off: number, sz: number, value: () => void): void;
  /** Sets CF, PF, AF, ZF, SF and OF to the bits the i32 `bits` pushes (the flags must be in the CPU's globals: after handOver()). */
  setStatusFlags(bits: () => void): void;
}

/** True for kinds that neither touch the flags nor can leave the block (register forms). */
export function sseFlagsNeutral(i: SseIns): boolean {
  return i.kind >= KS.XLD && i.kind <= KS.MOVD_R && !i.mem;
}

const I64_LOAD = Op.i64Load, I64_STORE = Op.i64Store, I32_LOAD = Op.i32Load, I32_STORE = Op.i32Store;
/** Memarg alignment exponent of the XMM registers (16 bytes; the state block is 64-byte aligned). */
const A16 = 4;

/**
 * Emits instruction k (an SSE kind); false (it never ends the block).
 * Throws for kinds it does not know.
 */
export function compileSse(b: SseEmitter, k: number, i: SseIns): boolean {
  const x = (n: number): number => XMM0 + 16 * n;
  const simd = (o: number): void => { b.c.byte(SIMD_PREFIX).u32(o); };
  const simdMem = (o: number, off: number): void => { simd(o); b.c.u32(A16).u32(off); };
  const S = (): void => b.get(b.P_S);
  /** Copies sz (4, 8, 16) bytes from state offset `from` to state offset `to`. */
  const copy = (to: number, from: number, sz: number): void => {
    S();
    if (sz === 16) { S(); simdMem(Simd.v128Load, from); simdMem(Simd.v128Store, to); return; }
    S(); b.mem(sz === 8 ? I64_LOAD : I32_LOAD, from); b.mem(sz === 8 ? I64_STORE : I32_STORE, to);
  };
  const zeroHigh = (to: number): void => { S(); b.i64(0n); b.mem(I64_STORE, to + 8); };
  /** Stores the i64 local v zero-extended into XMM at state offset `to`. */
  const setLow = (to: number, v: number): void => { S(); b.get(v); b.mem(I64_STORE, to); zeroHigh(to); };
  const D = x(i.reg);
  switch (i.kind) {
    case KS.XLD: {
      if (!i.mem) {
        // Register source: MOVSS/MOVSD keep the rest of the destination, MOVQ (F3 7E) zeroes it.
        copy(D, x(i.rm), i.sz);
        if (i.sz === 8 && i.sub) zeroHigh(D);
        return false;
      }
      const a = b.ea(i);
      if (i.sz !== 16) {
        b.read(a, i.sz, k);
        setLow(D, b.save64());
        return false;
      }
      read128(b, a, D, k);
      return false;
    }
    case KS.XST: {
      if (!i.mem) {
        copy(x(i.rm), D, i.sz);
        if (i.sz === 8 && i.sub) zeroHigh(x(i.rm));
        return false;
      }
      const a = b.ea(i);
      if (i.sz !== 16) {
        S(); b.mem(i.sz === 8 ? I64_LOAD : Op.i64Load32U, D);
        b.write(a, i.sz, b.save64(), k);
      } else write128(b, a, D, k);
      return false;
    }
    case KS.XLOGIC: {
      S();
      if (i.sub === 1) { S(); simdMem(Simd.v128Load, x(i.rm)); S(); simdMem(Simd.v128Load, D); simd(Simd.v128AndNot); } // src & ~dest
      else {
        S(); simdMem(Simd.v128Load, D); S(); simdMem(Simd.v128Load, x(i.rm));
        simd(i.sub === 0 ? Simd.v128And : i.sub === 2 ? Simd.v128Or : Simd.v128Xor);
      }
      simdMem(Simd.v128Store, D);
      return false;
    }
    case KS.MOVD_X: {
      let v: number;
      if (!i.mem) { b.getR(i.rm * 8, i.sz); v = b.save64(); }
      else { const a = b.ea(i); b.read(a, i.sz, k); v = b.save64(); }
      setLow(D, v);
      return false;
    }
    case KS.MOVD_R: {
      S(); b.mem(i.sz === 8 ? I64_LOAD : Op.i64Load32U, D);
      const v = b.save64();
      if (!i.mem) { b.setR(i.rm * 8, i.sz, () => b.get(v)); return false; }
      const a = b.ea(i);
      b.write(a, i.sz, v, k);
      return false;
    }
    default:
      throw new Error(`jit: kind ${i.kind} not compilable`);
  }
}

/** 16 bytes at address local `a` into the XMM register at state offset `to`; a miss leaves before instruction k. */
function read128(b: SseEmitter, a: number, to: number, k: number): void {
  const t = b.temp(I32);
  b.tlbHit(b.lay.tlbR, a, 16, t);
  b.open(Op.if, VOID);
  b.get(b.P_S); b.hostOf(b.lay.tlbR, t, a); b.c.byte(SIMD_PREFIX).u32(Simd.v128Load).u32(0).u32(0);
  b.c.byte(SIMD_PREFIX).u32(Simd.v128Store).u32(A16).u32(to);
  b.els();
  b.missExit(k);
  b.close();
}

/** 16 bytes of the XMM register at state offset `from` to address local `a`; a miss leaves before instruction k. */
function write128(b: SseEmitter, a: number, from: number, k: number): void {
  const t = b.temp(I32);
  b.tlbHit(b.lay.tlbW, a, 16, t);
  b.open(Op.if, VOID);
  b.hostOf(b.lay.tlbW, t, a); b.get(b.P_S); b.c.byte(SIMD_PREFIX).u32(Simd.v128Load).u32(A16).u32(from);
  b.c.byte(SIMD_PREFIX).u32(Simd.v128Store).u32(0).u32(0);
  b.els();
  b.missExit(k);
  b.close();
}
