// Instruction decoder: legacy prefixes, REX, opcode maps (one-byte, 0F,
// 0F38, 0F3A), ModRM/SIB/displacement, immediates and the effective
// address (Intel SDM vol. 2 ch. 2). It fills core.ts's decoded fields and
// the opcode-identity fields below; execution lives in exec*.ts.
//
// Instruction bytes are read straight from guest RAM through the fetch TLB.
// An instruction that runs into the next page is first copied into a small
// buffer; if that next page cannot be fetched the buffer is padded and the
// fault is raised only if the decoder actually consumed bytes from it, so an
// instruction ending exactly at the end of a mapping still runs.
import {
  S, fault, clearFault, fetchAddr, setPrefixes, setModrm, setImm, setNextRip,
  gpr64, raiseFault, setEa, modMod, modReg, modRm, imm, pfx66, pfxF2, pfxF3, rexW, rexPresent,
  codeGen, markCode,
} from "./core";
import { FS_BASE, GS_BASE, FAULT_ADDR, FAULT_CODE } from "./state";
import { fastAnnotate } from "./fast";

// ---- opcode identity of the current instruction ----
export let opMap: i32 = 0;     // 0 one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A
export let opByte: i32 = 0;    // the opcode byte within its map
export let osz: i32 = 4;       // operand size in bytes for 16/32/64-bit forms (2, 4 or 8)
export let asz32: bool = false; // 67h: 32-bit addressing
export let lockPfx: bool = false;
export let segPfx: i32 = -1;   // segment override (0 ES .. 5 GS) or -1
export let repPfx: i32 = 0;    // last of F2 (2) / F3 (3) seen, 0 = none
export let hasModrm: bool = false;
export let eaBase: i32 = -1;   // base register of the memory operand (-1: none, EA_RIP: RIP-relative)
export const EA_RIP = 16;
let eaIdx: i32 = -1;           // index register or -1
let eaScale: u64 = 0;          // index shift (0..3)
let eaDisp: i32 = 0;           // displacement
export let instLen: i32 = 0;
export let rexRaw: i32 = 0;    // the REX byte (0 if none)

// ---- instruction fetch ----
const FBUF: usize = memory.data(64, 16);
let fp: usize = 0;       // next byte to read (host address)
let fstart: usize = 0;   // first byte of the instruction (host address)
let flimit: usize = 0;   // bytes at or after this host address are not fetchable
let pendAddr: u64 = 0;   // fault to report if the decoder passes flimit
let pendCode: u32 = 0;

@inline function b8(): u32 { const v = <u32>load<u8>(fp); fp++; return v; }
@inline function s8(): i64 { const v = <i64>load<i8>(fp); fp++; return v; }
@inline function s16(): i64 { const v = <i64>load<i16>(fp); fp += 2; return v; }
@inline function s32(): i64 { const v = <i64>load<i32>(fp); fp += 4; return v; }
@inline function u16z(): u64 { const v = <u64>load<u16>(fp); fp += 2; return v; }
@inline function u32z(): u64 { const v = <u64>load<u32>(fp); fp += 4; return v; }
@inline function u64r(): u64 { const v = load<u64>(fp); fp += 8; return v; }

/** Points the fetcher at `rip` (first byte at `host`); false with `fault` set when the bytes are not fetchable. */
function fetchBegin(rip: u64, host: usize): bool {
  const off = <usize>(rip & 0xfff);
  if (off <= 4096 - 16) {
    fp = host; fstart = host; flimit = host + 64;
    return true;
  }
  const n = 4096 - off;
  memory.copy(FBUF, host, n);
  const next = (rip | 0xfff) + 1;
  const h2 = fetchAddr(next);
  if (fault) {
    pendAddr = load<u64>(S + FAULT_ADDR);
    pendCode = load<u32>(S + FAULT_CODE);
    clearFault();
    memory.fill(FBUF + n, 0, 64 - n);
    flimit = FBUF + n;
  } else {
    memory.copy(FBUF + n, h2, 16);
    memory.fill(FBUF + n + 16, 0, 48 - n);
    flimit = FBUF + 64;
  }
  fp = FBUF; fstart = FBUF;
  return true;
}

// ---- opcode property tables ----
// Per opcode byte: bit 0 = has ModRM; bits 1-3 = immediate kind.
const IMM_NONE = 0, IMM_8 = 1, IMM_Z = 2, IMM_16 = 3, IMM_V = 4, IMM_MOFFS = 5, IMM_ENTER = 6, IMM_GRP3 = 7;
const T0: usize = memory.data(256);
const T1: usize = memory.data(256);
let tablesReady = false;

function setRange(t: usize, lo: i32, hi: i32, v: u8): void {
  for (let i = lo; i <= hi; i++) store<u8>(t + <usize>i, v);
}
function initTables(): void {
  // One-byte map (SDM vol. 2 table A-2).
  for (let i = 0; i < 0x40; i += 8) {
    setRange(T0, i, i + 3, 1);
    store<u8>(T0 + <usize>i + 4, <u8>(IMM_8 << 1));
    store<u8>(T0 + <usize>i + 5, <u8>(IMM_Z << 1));
  }
  store<u8>(T0 + 0x62, 1); store<u8>(T0 + 0x63, 1);
  store<u8>(T0 + 0x68, <u8>(IMM_Z << 1));
  store<u8>(T0 + 0x69, <u8>(1 | IMM_Z << 1));
  store<u8>(T0 + 0x6a, <u8>(IMM_8 << 1));
  store<u8>(T0 + 0x6b, <u8>(1 | IMM_8 << 1));
  setRange(T0, 0x70, 0x7f, <u8>(IMM_8 << 1));
  setRange(T0, 0x80, 0x8f, 1);
  store<u8>(T0 + 0x80, <u8>(1 | IMM_8 << 1));
  store<u8>(T0 + 0x81, <u8>(1 | IMM_Z << 1));
  store<u8>(T0 + 0x82, <u8>(1 | IMM_8 << 1));
  store<u8>(T0 + 0x83, <u8>(1 | IMM_8 << 1));
  setRange(T0, 0xa0, 0xa3, <u8>(IMM_MOFFS << 1));
  store<u8>(T0 + 0xa8, <u8>(IMM_8 << 1));
  store<u8>(T0 + 0xa9, <u8>(IMM_Z << 1));
  setRange(T0, 0xb0, 0xb7, <u8>(IMM_8 << 1));
  setRange(T0, 0xb8, 0xbf, <u8>(IMM_V << 1));
  store<u8>(T0 + 0xc0, <u8>(1 | IMM_8 << 1));
  store<u8>(T0 + 0xc1, <u8>(1 | IMM_8 << 1));
  store<u8>(T0 + 0xc2, <u8>(IMM_16 << 1));
  store<u8>(T0 + 0xc4, 1); store<u8>(T0 + 0xc5, 1);
  store<u8>(T0 + 0xc6, <u8>(1 | IMM_8 << 1));
  store<u8>(T0 + 0xc7, <u8>(1 | IMM_Z << 1));
  store<u8>(T0 + 0xc8, <u8>(IMM_ENTER << 1));
  store<u8>(T0 + 0xca, <u8>(IMM_16 << 1));
  store<u8>(T0 + 0xcd, <u8>(IMM_8 << 1));
  setRange(T0, 0xd0, 0xd3, 1);
  store<u8>(T0 + 0xd4, <u8>(IMM_8 << 1)); store<u8>(T0 + 0xd5, <u8>(IMM_8 << 1));
  setRange(T0, 0xd8, 0xdf, 1);
  setRange(T0, 0xe0, 0xe7, <u8>(IMM_8 << 1));
  store<u8>(T0 + 0xe8, <u8>(IMM_Z << 1)); store<u8>(T0 + 0xe9, <u8>(IMM_Z << 1));
  store<u8>(T0 + 0xeb, <u8>(IMM_8 << 1));
  store<u8>(T0 + 0xf6, <u8>(1 | IMM_GRP3 << 1));
  store<u8>(T0 + 0xf7, <u8>(1 | IMM_GRP3 << 1));
  store<u8>(T0 + 0xfe, 1); store<u8>(T0 + 0xff, 1);
  // Two-byte map 0F (SDM vol. 2 table A-3): ModRM everywhere except these.
  setRange(T1, 0, 255, 1);
  store<u8>(T1 + 0x05, 0); store<u8>(T1 + 0x06, 0); store<u8>(T1 + 0x07, 0);
  store<u8>(T1 + 0x08, 0); store<u8>(T1 + 0x09, 0); store<u8>(T1 + 0x0b, 0);
  store<u8>(T1 + 0x0e, 0);
  setRange(T1, 0x30, 0x37, 0);
  store<u8>(T1 + 0x77, 0);
  setRange(T1, 0x80, 0x8f, <u8>(IMM_Z << 1));
  store<u8>(T1 + 0xa0, 0); store<u8>(T1 + 0xa1, 0); store<u8>(T1 + 0xa2, 0);
  store<u8>(T1 + 0xa8, 0); store<u8>(T1 + 0xa9, 0); store<u8>(T1 + 0xaa, 0);
  setRange(T1, 0xc8, 0xcf, 0);
  setRange(T1, 0x70, 0x73, <u8>(1 | IMM_8 << 1));
  store<u8>(T1 + 0xa4, <u8>(1 | IMM_8 << 1));
  store<u8>(T1 + 0xac, <u8>(1 | IMM_8 << 1));
  store<u8>(T1 + 0xba, <u8>(1 | IMM_8 << 1));
  store<u8>(T1 + 0xc2, <u8>(1 | IMM_8 << 1));
  setRange(T1, 0xc4, 0xc6, <u8>(1 | IMM_8 << 1));
  tablesReady = true;
}

// Decode results beyond the fields in core.ts.
export const DEC_OK = 0;
export const DEC_FAULT = 1;   // page fault while fetching (fault state set)
export const DEC_UD = 2;      // undefined encoding
export const DEC_GP = 3;      // longer than 15 bytes

/** Full decode from the instruction bytes at `rip` (fetch translation already done: `host`). */
function decodeBytes(rip: u64, host: usize): i32 {
  if (!tablesReady) initTables();
  if (!fetchBegin(rip, host)) return DEC_FAULT;
  let p66 = false, f2 = false, f3 = false;
  lockPfx = false; segPfx = -1; asz32 = false; repPfx = 0;
  let b = b8();
  // Legacy prefixes in any order, then REX (SDM vol. 2 §2.1, §2.2.1): a REX
  // byte counts only when it immediately precedes the opcode, so a legacy
  // prefix after it cancels it. The segment prefix that comes last wins;
  // ES/CS/SS/DS have base 0 in 64-bit mode and are dropped.
  let rex: i32 = 0;
  while (fp - fstart <= 15) {
    if ((b & 0xf0) == 0x40) { rex = <i32>b; b = b8(); continue; }
    if (b == 0x66) p66 = true;
    else if (b == 0x67) asz32 = true;
    else if (b == 0xf2) { f2 = true; repPfx = 2; }
    else if (b == 0xf3) { f3 = true; repPfx = 3; }
    else if (b == 0xf0) lockPfx = true;
    else if (b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26) segPfx = -1;
    else if (b == 0x64) segPfx = 4;
    else if (b == 0x65) segPfx = 5;
    else break;
    rex = 0;
    b = b8();
  }
  rexRaw = rex;
  const w = (rex & 8) != 0;
  osz = w ? 8 : (p66 ? 2 : 4);
  setPrefixes(p66, f2, f3, w, rex != 0);
  let map = 0;
  if (b == 0x0f) {
    b = b8();
    if (b == 0x38) { map = 2; b = b8(); }
    else if (b == 0x3a) { map = 3; b = b8(); }
    else map = 1;
  }
  opMap = map; opByte = <i32>b;
  let prop: u32;
  if (map == 0) prop = <u32>load<u8>(T0 + <usize>b);
  else if (map == 1) prop = <u32>load<u8>(T1 + <usize>b);
  else if (map == 2) prop = 1;
  else prop = 1 | (IMM_8 << 1);
  hasModrm = (prop & 1) != 0;
  let reg = 0;
  eaBase = -1; eaIdx = -1; eaScale = 0; eaDisp = 0;
  if (hasModrm) {
    const m = b8();
    const mod = <i32>(m >> 6);
    reg = <i32>((m >> 3) & 7) | ((rex & 4) << 1);
    const rm = <i32>(m & 7);
    if (mod != 3) {
      if (rm == 4) {
        const sib = b8();
        const scale = <u64>(sib >> 6);
        const idx = <i32>((sib >> 3) & 7) | ((rex & 2) << 2);
        const base = <i32>(sib & 7);
        if (idx != 4) { eaIdx = idx; eaScale = scale; }
        if (base == 5 && mod == 0) eaDisp = <i32>s32();
        else eaBase = base | ((rex & 1) << 3);
      } else if (rm == 5 && mod == 0) {
        eaBase = EA_RIP;
        eaDisp = <i32>s32();
      } else {
        eaBase = rm | ((rex & 1) << 3);
      }
      if (mod == 1) eaDisp = <i32>s8();
      else if (mod == 2) eaDisp = <i32>s32();
    }
    setModrm(mod, reg, rm | ((rex & 1) << 3), 0);
  } else {
    setModrm(3, 0, 0, 0);
  }
  // Immediate.
  let iv: u64 = 0;
  switch ((prop >> 1) & 7) {
    case IMM_NONE: break;
    case IMM_8: iv = <u64>s8(); break;
    // Near branches (E8/E9, 0F 8x) keep a 32-bit displacement under 66h in 64-bit mode (Intel).
    case IMM_Z: iv = (osz == 2 && map == 0 && b != 0xe8 && b != 0xe9) ? <u64>s16() : <u64>s32(); break;
    case IMM_16: iv = u16z(); break;
    case IMM_V: iv = w ? u64r() : (osz == 2 ? u16z() : u32z()); break;
    case IMM_MOFFS: iv = asz32 ? u32z() : u64r(); break;
    case IMM_ENTER: { const lo = u16z(); const lvl = <u64>b8(); iv = lo | (lvl << 16); break; }
    default: // F6/F7: only TEST (/0, /1) has an immediate.
      if ((reg & 6) == 0) iv = (b == 0xf6) ? <u64>s8() : (osz == 2 ? <u64>s16() : <u64>s32());
      break;
  }
  setImm(iv);
  const len = <i32>(fp - fstart);
  if (len > 15) return DEC_GP;
  if (fp > flimit) {
    raiseFault(pendAddr, pendCode);
    return DEC_FAULT;
  }
  instLen = len;
  return DEC_OK;
}

/** Computes the linear address of the memory operand from its decoded parts (SDM vol. 2 §2.1.5, §2.2.1.6). */
@inline function computeEa(next: u64): void {
  let a = <u64>(<i64>eaDisp);
  if (eaBase == EA_RIP) a += next; // RIP-relative: from the end of the whole instruction
  else if (eaBase >= 0) a += gpr64(eaBase);
  if (eaIdx >= 0) a += gpr64(eaIdx) << eaScale;
  if (asz32) a &= 0xffff_ffff;
  if (segPfx == 4) a += load<u64>(S + FS_BASE);
  else if (segPfx == 5) a += load<u64>(S + GS_BASE);
  setEa(a);
}

// ---- decoded-instruction cache ----
// Direct-mapped on the physical address of the first byte, 64-byte entries.
// An entry is valid while its page's generation (core.ts) is unchanged: any
// CPU write to a page holding cached code, or invalidateCode() from the
// kernel, bumps it. Instructions that straddle a page are never cached.
export const DC_SIZE: usize = 16384;
export const DC: usize = memory.data(<i32>(DC_SIZE * 64), 64);
// Entry: +0 u32 tag (physical address), +4 u32 page generation, +8 u64 imm,
// +16 i32 disp, +20 map, +21 opcode, +22 length, +23 prefix bits,
// +24 osz, +25 segment, +26 rep, +27 REX, +28 mod, +29 reg, +30 rm,
// +31 base, +32 index, +33 scale; fast.ts uses +34..+39, jit.ts +40..+47.

function save(e: usize, host: usize, gen: u32): void {
  store<u32>(e, <u32>host);
  store<u32>(e, gen, 4);
  store<u64>(e, imm, 8);
  store<i32>(e, eaDisp, 16);
  store<u8>(e, <u8>opMap, 20);
  store<u8>(e, <u8>opByte, 21);
  store<u8>(e, <u8>instLen, 22);
  const bits = (pfx66 ? 1 : 0) | (pfxF2 ? 2 : 0) | (pfxF3 ? 4 : 0) | (rexW ? 8 : 0) | (rexPresent ? 16 : 0)
    | (lockPfx ? 32 : 0) | (asz32 ? 64 : 0) | (hasModrm ? 128 : 0);
  store<u8>(e, <u8>bits, 23);
  store<u8>(e, <u8>osz, 24);
  store<i8>(e, <i8>segPfx, 25);
  store<u8>(e, <u8>repPfx, 26);
  store<u8>(e, <u8>rexRaw, 27);
  store<u8>(e, <u8>modMod, 28);
  store<u8>(e, <u8>modReg, 29);
  store<u8>(e, <u8>modRm, 30);
  store<i8>(e, <i8>eaBase, 31);
  store<i8>(e, <i8>eaIdx, 32);
  store<u8>(e, <u8>eaScale, 33);
  store<u64>(e, 0, 40); // block compiler: no block, no hits (jit.ts)
  fastAnnotate(e, opMap, opByte, osz, lockPfx, segPfx, asz32, rexRaw);
}

function restore(e: usize): void {
  setImm(load<u64>(e, 8));
  eaDisp = load<i32>(e, 16);
  opMap = <i32>load<u8>(e, 20);
  opByte = <i32>load<u8>(e, 21);
  instLen = <i32>load<u8>(e, 22);
  const bits = <i32>load<u8>(e, 23);
  setPrefixes((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0, (bits & 16) != 0);
  lockPfx = (bits & 32) != 0;
  asz32 = (bits & 64) != 0;
  hasModrm = (bits & 128) != 0;
  osz = <i32>load<u8>(e, 24);
  segPfx = <i32>load<i8>(e, 25);
  repPfx = <i32>load<u8>(e, 26);
  rexRaw = <i32>load<u8>(e, 27);
  setModrm(<i32>load<u8>(e, 28), <i32>load<u8>(e, 29), <i32>load<u8>(e, 30), 0);
  eaBase = <i32>load<i8>(e, 31);
  eaIdx = <i32>load<i8>(e, 32);
  eaScale = <u64>load<u8>(e, 33);
}

/**
 * Decodes the instruction at `rip`. On DEC_OK the core fields (prefixes,
 * ModRM, ea, imm, nextRip) and the identity fields above are set.
 */
export function decode(rip: u64): i32 {
  const host = fetchAddr(rip);
  if (fault) return DEC_FAULT;
  const e = DC + ((host & (DC_SIZE - 1)) << 6);
  if (load<u32>(e) == <u32>host && load<u32>(e, 4) == codeGen(host)) {
    restore(e);
  } else {
    const r = decodeBytes(rip, host);
    if (r != DEC_OK) return r;
    // Near the page end the bytes were copied to a buffer; an instruction
    // that still ends within the page depends on this page only.
    if (fstart == host || <u64>instLen <= 4096 - (rip & 0xfff)) save(e, host, markCode(host));
  }
  const next = rip + <u64>instLen;
  setNextRip(next);
  if (modMod != 3) computeEa(next);
  return DEC_OK;
}
