// Shared pieces of the SSE/SSE2 family: where the XMM registers live, the
// scratch buffers, and fetching the source operand (register or memory, with
// the legacy-SSE 16-byte alignment rule) before any destination is written.
import { S, modMod, modRm, modReg, ea, fault, rd32, rd64, rd128 } from "./core";
import { XMM0, MXCSR, EXIT_GP, EXIT_PAGE_FAULT } from "./state";

/** Address of XMMn in the state block. */
@inline export function xmm(n: i32): usize { return S + XMM0 + (<usize>n << 4); }
/** The ModRM.reg register (usually the destination). */
@inline export function xreg(): usize { return xmm(modReg); }

/** Source operand, copied here by loadSrc so that a destination may alias it. */
export const SRC: usize = memory.data(16, 16);
/** Result being built lane by lane (packed FP ops commit it only without #XM). */
export const RES: usize = memory.data(16, 16);

/** Mandatory-prefix class: 0 none, 1 = 66, 2 = F3, 3 = F2 (F2/F3 win over 66, SDM vol. 2 §2.1.2). */
export let pfxClass: i32 = 0;
export function setPfxClass(c: i32): void { pfxClass = c; }

/**
 * Copies the r/m operand of `size` bytes (4, 8 or 16) into SRC. Memory forms
 * with `aligned` set need a 16-byte-aligned address (#GP otherwise, SDM
 * vol. 1 §11.6.8 / each instruction's exception table). Returns 0 or an exit.
 * A register source is copied whole: callers read only the bytes they need.
 */
export function loadSrc(size: i32, aligned: bool): i32 {
  if (modMod == 3) {
    v128.store(SRC, v128.load(xmm(modRm)));
    return 0;
  }
  if (aligned && (ea & 15) != 0) return EXIT_GP;
  if (size == 16) {
    const v = rd128(ea);
    if (fault) return EXIT_PAGE_FAULT;
    v128.store(SRC, v);
  } else if (size == 8) {
    const v = rd64(ea);
    if (fault) return EXIT_PAGE_FAULT;
    store<u64>(SRC, v); store<u64>(SRC, 0, 8);
  } else {
    const v = rd32(ea);
    if (fault) return EXIT_PAGE_FAULT;
    store<u64>(SRC, <u64>v); store<u64>(SRC, 0, 8);
  }
  return 0;
}

@inline export function mxcsr(): u32 { return load<u32>(S + MXCSR); }
@inline export function setMxcsr(v: u32): void { store<u32>(S + MXCSR, v); }
