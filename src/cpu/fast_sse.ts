// Fast path for the common SSE/SSE2 data moves (see fast.ts): MOVUPS/MOVUPD/
// MOVSS/MOVSD loads and stores, MOVDQU, the register forms of MOVAPS/MOVAPD/
// MOVDQA, MOVD/MOVQ between GPRs and XMM, MOVQ xmm/m64, and the register
// forms of the bitwise logic ops (ANDPS/ANDNPS/ORPS/XORPS, PD and PAND/PANDN/
// POR/PXOR: the zeroing idiom `xorps x, x` among them). Compilers emit these
// for doubles and struct copies; on the generic path each one also forced the
// compiled block before it back to run().
//
// Memory forms that require 16-byte alignment (#GP otherwise) stay generic:
// the fast path has no way to leave run() with anything but a page fault.
// Each handler does what sse_move.ts / sse_fp.ts / sse_int.ts do, with the
// same memory helpers (rd32/rd64/rd128, wr32/wr64/wr128), so results and
// faults are identical: on a page fault nothing is committed and RIP stays.
import { S, fault, rd32, rd64, rd128, wr32, wr64, wr128, modMod, modReg, modRm, rexW, pfx66, pfxF2, pfxF3 } from "./core";
import { XMM0 } from "./state";

// Entry bytes (the same places as fast.ts's FE_SZ..FE_MEM, which the block
// compiler reads as sz/reg/rm/sub/mem): for these kinds the registers are
// numbers, not state offsets (XMM offsets do not fit in a byte).
const FE_KIND = 34;
const XS_SZ = 35;   // u8 operand size in bytes: 4, 8 or 16
const XS_REG = 36;  // u8 ModRM.reg: an XMM register number
const XS_RM = 37;   // u8 ModRM.rm: XMM number, or GPR number for MOVD/MOVQ with a GPR
const XS_SUB = 38;  // u8 K_XST/K_XLD: 1 = a register destination gets its upper quadword zeroed; K_XLOGIC: op
const XS_MEM = 39;  // u8 1 when the r/m operand is memory

/** First SSE kind; fast.ts sends every kind from here on to execSse(). */
export const K_SSE_FIRST = 40;
/** xmm[reg] <- xmm/m (0F 10, 0F 28 reg, 66/F3 0F 6F, F3 0F 7E). */
export const K_XLD = 40;
/** xmm/m <- xmm[reg] (0F 11, 0F 29 reg, 66/F3 0F 7F, 66 0F D6). */
export const K_XST = 41;
/** xmm[reg] = xmm[reg] op xmm[rm], register forms only (sub: 0 AND, 1 ANDN, 2 OR, 3 XOR). */
export const K_XLOGIC = 42;
/** 66 0F 6E: MOVD/MOVQ xmm, r/m32/64 (zero-extended to 128 bits). */
export const K_MOVD_X = 43;
/** 66 0F 7E: MOVD/MOVQ r/m32/64, xmm. */
export const K_MOVD_R = 44;

@inline function xmmAt(n: i32): usize { return S + XMM0 + (<usize>n << 4); }

/**
 * Classifies a 0F-map instruction just decoded as one of the SSE kinds and
 * writes its entry bytes; false when it is not one (the caller goes on).
 */
export function sseAnnotate(e: usize, op: i32, lock: bool, asz32: bool): bool {
  // LOCK is #UD; 67h truncates the address (eaOf assumes 64-bit addressing);
  // with both F2 and F3 the later one counts (sse.ts): left to the generic path.
  if (lock || asz32 || (pfxF2 && pfxF3)) return false;
  const pc = pfxF2 ? 3 : pfxF3 ? 2 : pfx66 ? 1 : 0; // mandatory-prefix class, as sse.ts
  const mem = modMod != 3;
  let k = 0, sz = 16, sub = 0;
  switch (op) {
    case 0x10: case 0x11: // MOVUPS/MOVUPD/MOVSS/MOVSD
      k = op == 0x10 ? K_XLD : K_XST; sz = pc < 2 ? 16 : pc == 2 ? 4 : 8; break;
    case 0x28: case 0x29: // MOVAPS/MOVAPD: register forms only (alignment)
      if (pc >= 2 || mem) return false;
      k = op == 0x28 ? K_XLD : K_XST; break;
    case 0x6f: case 0x7f: // MOVDQU; MOVDQA register forms only
      if (!(pc == 2 || (pc == 1 && !mem))) return false;
      k = op == 0x6f ? K_XLD : K_XST; break;
    case 0x7e:
      if (pc == 2) { k = K_XLD; sz = 8; sub = 1; break; }  // MOVQ xmm, xmm/m64
      if (pc != 1) return false;                             // MMX form
      k = K_MOVD_R; sz = rexW ? 8 : 4; break;
    case 0x6e:
      if (pc != 1) return false;
      k = K_MOVD_X; sz = rexW ? 8 : 4; break;
    case 0xd6: // MOVQ xmm/m64, xmm
      if (pc != 1) return false;
      k = K_XST; sz = 8; sub = 1; break;
    case 0x54: case 0x55: case 0x56: case 0x57: // ANDPS/ANDNPS/ORPS/XORPS (and PD)
      if (pc >= 2 || mem) return false;
      k = K_XLOGIC; sub = op - 0x54; break;
    case 0xdb: case 0xdf: case 0xeb: case 0xef: // PAND/PANDN/POR/PXOR
      if (pc != 1 || mem) return false;
      k = K_XLOGIC; sub = op == 0xdb ? 0 : op == 0xdf ? 1 : op == 0xeb ? 2 : 3; break;
    default:
      return false;
  }
  store<u8>(e, <u8>sz, XS_SZ);
  store<u8>(e, <u8>modReg, XS_REG);
  store<u8>(e, <u8>modRm, XS_RM);
  store<u8>(e, <u8>sub, XS_SUB);
  store<u8>(e, mem ? 1 : 0, XS_MEM);
  store<u8>(e, <u8>k, FE_KIND);
  return true;
}

/**
 * Executes SSE kind `k` of entry `e` at `rip`; `next` is the following RIP,
 * `a` the effective address of a memory operand. Returns the next RIP, or
 * `rip` with `fault` set on a page fault (nothing committed).
 */
/**
 * Register-to-register move of sz bytes (4, 8, 16) from XMM `from` to XMM
 * `to`: MOVSS/MOVSD keep the rest of the destination, MOVQ (zeroHi) zeroes it.
 */
@inline function copyXmm(to: usize, from: usize, sz: i32, zeroHi: bool): void {
  if (sz == 16) v128.store(to, v128.load(from));
  else if (sz == 8) { store<u64>(to, load<u64>(from)); if (zeroHi) store<u64>(to, 0, 8); }
  else store<u32>(to, load<u32>(from));
}

export function execSse(k: i32, e: usize, rip: u64, next: u64, a: u64): u64 {
  const sz = <i32>load<u8>(e, XS_SZ);
  const D = xmmAt(<i32>load<u8>(e, XS_REG));
  const rm = <i32>load<u8>(e, XS_RM);
  const mem = load<u8>(e, XS_MEM) != 0;
  const zeroHi = load<u8>(e, XS_SUB) != 0;
  switch (k) {
    case K_XLD: {
      if (!mem) {
        copyXmm(D, xmmAt(rm), sz, zeroHi);
        return next;
      }
      // Memory source: the value zero-extended to 128 bits (sse_common.ts loadSrc).
      if (sz == 16) {
        const v = rd128(a);
        if (fault) return rip;
        v128.store(D, v);
      } else {
        const v = sz == 8 ? rd64(a) : <u64>rd32(a);
        if (fault) return rip;
        store<u64>(D, v); store<u64>(D, 0, 8);
      }
      return next;
    }
    case K_XST: {
      if (!mem) {
        copyXmm(xmmAt(rm), D, sz, zeroHi);
        return next;
      }
      if (sz == 16) wr128(a, v128.load(D));
      else if (sz == 8) wr64(a, load<u64>(D));
      else wr32(a, load<u32>(D));
      return fault ? rip : next;
    }
    case K_XLOGIC: {
      const x = v128.load(D), y = v128.load(xmmAt(rm));
      const op = <i32>load<u8>(e, XS_SUB);
      let v: v128;
      if (op == 0) v = v128.and(x, y);
      else if (op == 1) v = v128.andnot(y, x); // ~dest & src
      else if (op == 2) v = v128.or(x, y);
      else v = v128.xor(x, y);
      v128.store(D, v);
      return next;
    }
    case K_MOVD_X: {
      let v: u64;
      if (!mem) v = sz == 8 ? load<u64>(S + (<usize>rm << 3)) : <u64>load<u32>(S + (<usize>rm << 3));
      else {
        v = sz == 8 ? rd64(a) : <u64>rd32(a);
        if (fault) return rip;
      }
      store<u64>(D, v); store<u64>(D, 0, 8);
      return next;
    }
    default: { // K_MOVD_R
      if (!mem) {
        // A 32-bit GPR write zero-extends (setGpr32).
        store<u64>(S + (<usize>rm << 3), sz == 8 ? load<u64>(D) : <u64>load<u32>(D));
        return next;
      }
      if (sz == 8) wr64(a, load<u64>(D)); else wr32(a, load<u32>(D));
      return fault ? rip : next;
    }
  }
}
