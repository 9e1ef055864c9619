// The CPU's side of the block compiler (see how-it-works.md, "Block
// compiler"). run() counts executions of annotated instructions in their
// decode-cache entries; when one gets hot, jitBuild() collects the region
// that starts there (straight lines of the same page reachable through
// direct branches that already ran) as copies of their cache entries and
// hands them to the host (`env.jitCompile`), which emits a WebAssembly
// function for them, puts it in the shared function table and returns its
// index. run() then calls it with call_indirect.
//
// A compiled function has the type (rip: i64, state: i32, budget: i32, done: i32,
// depth: i32) -> i64 (depth: compiled calls waiting below it, src/kernel/jit):
// it returns the next RIP and stores the number of instructions it retired at
// JIT_N. Before an access its TLB probe misses it returns that instruction's
// RIP, everything before it retired, for run() to execute; on a page fault in
// the generic path, the faulting instruction's RIP with `fault` set (exactly
// as the interpreter). The helpers below are its slow paths; they read and
// write the lazy flags in flags.ts, so compiled code stores its own lazy-flag
// state before calling.
import { S, fault, clearFault, tlbAddr, genTable, jcFlush, JC, JC_SIZE, codeGenAddr, hitX } from "./core";
import { decode, DEC_OK, DC, DC_SIZE } from "./decode";
import { FE_KIND, K_JCC, K_JMP, K_CALL, K_RET, K_CALL_RM, K_JMP_RM } from "./fast";
import { alu } from "./alu";
import { shift } from "./shift";
import { imul2 } from "./muldiv";
import { cond, getCF } from "./flags";

// Entry bytes of the block compiler (decode.ts zeroes them when it saves an entry).
export const FE_BLOCK = 40;  // u32 table index of the block starting here (0 none, NO_BLOCK: not compilable)
export const FE_BLEN = 44;   // u16 instructions in that block
export const FE_HITS = 46;   // u16 executions counted towards the threshold
export const NO_BLOCK: u32 = 0xffff_ffff;
/** Most instructions in one compiled region. */
const MAX_INSNS = 256;
/** Byte of a JBUF copy holding the instruction's offset in its page (u16; entries leave +48.. unused). */
export const JB_OFF = 48;

/** Instructions retired by the last compiled-block call; at +4 the exit reason of the last jGeneric() (index.ts); at +8 1 when it left before a TLB miss (compile.ts missExit()), cleared by run(). */
export const JIT_N: usize = memory.data(12, 8);
/** The entries of the region being compiled, 64 bytes each. */
const JBUF: usize = memory.data(MAX_INSNS * 64, 64);
/** Per offset of the page: 1 queued, 2 collected (region collection). */
const SEEN: usize = memory.data(4096, 16);
/** Offsets waiting to be collected (u16 each). */
const QUEUE: usize = memory.data(MAX_INSNS * 2, 16);

/** Executions of an instruction before its block is compiled (0: compiler off). */
export let jitThreshold: u32 = 0;
export function setJitThreshold(n: u32): void { jitThreshold = n > 0xffff ? 0xffff : n; }

// @ts-ignore: decorator
@external("env", "jitCompile")
declare function jitCompile(buf: usize, count: i32, host: usize, genAddr: usize, gen: u32, last: i32, rip: u64): u32;

/**
 * Warm heads: block heads that reached jitThreshold / 4 executions since the
 * last compilation (rip u64, host address u32 per 16 bytes). They are
 * compiled together with the next hot head, into the same WebAssembly
 * module: a module costs the engine a fixed ~0.5 ms whatever it holds (it
 * prepares every imported helper), while its functions cost little each.
 */
const WARM_MAX = 32;
const WARM: usize = memory.data(WARM_MAX * 16, 16);
let warmN = 0;
/** Notes a head that reached the warm count (run()); a full list drops it (it compiles alone when hot). */
export function warmAdd(rip: u64, host: usize): void {
  if (warmN >= WARM_MAX) return;
  const w = WARM + (<usize>warmN << 4);
  store<u64>(w, rip);
  store<u32>(w, <u32>host, 8);
  warmN++;
}
/** Forgets the warm heads: their RIPs may translate differently (TLB flushed), or their regions are gone. */
export function warmClear(): void { warmN = 0; }
/** Host addresses (low 16 bits) of the instructions the batch's regions hold so far: a warm head among them is not compiled on its own. */
const COVER: usize = memory.data(8192, 16);

/** True when the decode-cache entry for host address h is valid for generation gen (the code ran before). */
@inline function cached(h: usize, gen: u32): bool {
  const e = DC + ((h & (DC_SIZE - 1)) << 6);
  return load<u32>(e) == <u32>h && load<u32>(e, 4) == gen;
}

/**
 * Compiles the region starting at `rip` (host address `host`, decode-cache
 * entry already valid), together with the warm heads' regions in one
 * module; returns the hot head's table index or NO_BLOCK. The warm heads
 * whose entries are still valid and uncompiled get their index and budget
 * need in their entries (an entry evicted since finds its region again
 * through the host's map when it gets hot).
 */
export function jitBuild(rip: u64, host: usize, genAddr: usize): u32 {
  const gen = load<u32>(genAddr);
  // A warm head inside the hot region or an earlier one of the batch would
  // run there and never be entered as a head (a collision of the low bits
  // only skips one that compiles later when it gets hot).
  if (warmN > 0) { memory.fill(COVER, 0, 8192); collect(rip, host, gen, true); }
  for (let i = 0; i < warmN; i++) {
    const w = WARM + (<usize>i << 4);
    const wh = <usize>load<u32>(w, 8);
    if (wh == host) continue;
    const we = DC + ((wh & (DC_SIZE - 1)) << 6);
    const wga = codeGenAddr(wh);
    const wg = load<u32>(wga);
    if (!cached(wh, wg) || load<u32>(we, FE_BLOCK) != 0 || load<u8>(we, FE_KIND) == 0) continue;
    if (load<u8>(COVER + ((wh & 0xffff) >> 3)) & (1 << <u8>(wh & 7))) continue;
    const n = collect(load<u64>(w), wh, wg, true);
    if (n == 0) continue;
    const idx = jitCompile(JBUF, n, wh, wga, wg, 0, load<u64>(w));
    // Collecting decodes ahead: the entry may belong to another instruction by now.
    if (idx != 0 && cached(wh, wg)) {
      store<u32>(we, idx, FE_BLOCK);
      store<u16>(we, load<u16>(JBUF, FE_BLEN), FE_BLEN);
    }
  }
  warmClear();
  // The hot head last: its collection decodes its own entry again if a warm one evicted it.
  const n = collect(rip, host, gen, false);
  const idx = jitCompile(JBUF, n, host, genAddr, gen, 1, rip); // with n == 0 it still compiles the warm ones
  if (n == 0) return NO_BLOCK;
  store<u16>(DC + ((host & (DC_SIZE - 1)) << 6), load<u16>(JBUF, FE_BLEN), FE_BLEN);
  return idx == 0 ? NO_BLOCK : idx;
}

/**
 * Collects the region starting at `rip` (host address `host`, decode-cache
 * entry already valid, `gen` its page's generation) into JBUF; returns the
 * number of instructions. A region is the fast-path code of this page reachable from `rip` by
 * falling through, by direct JMP/Jcc whose target already ran (its entry
 * is cached) and by returning from a CALL to its return address (the same
 * rule): straight lines, each up to a JMP/CALL/RET/indirect
 * branch, a non-fast instruction, the page end or code already collected.
 * The copies go to JBUF in collection order with their page offsets at
 * JB_OFF; the host writes the head's budget need (the longest run before
 * the region checks the budget again) into the first copy's FE_BLEN.
 */
function collect(rip: u64, host: usize, gen: u32, cover: bool): i32 {
  const pageRip = rip & ~<u64>0xfff;
  const pageHost = host & ~<usize>0xfff;
  memory.fill(SEEN, 0, 4096);
  store<u16>(QUEUE, <u16>(host & 0xfff));
  store<u8>(SEEN + (host & 0xfff), 1);
  let n = 0, qh = 0, qt = 1;
  while (qh < qt && n < MAX_INSNS) {
    let off = <usize>load<u16>(QUEUE + (<usize>qh << 1));
    qh++;
    while (n < MAX_INSNS) {
      const h = pageHost + off;
      if (decode(pageRip + <u64>off) != DEC_OK || fault) { clearFault(); break; }
      if (!cached(h, gen)) break; // straddles the page end: not cached
      const e = DC + ((h & (DC_SIZE - 1)) << 6);
      const k = <i32>load<u8>(e, FE_KIND);
      if (k == 0) break;
      const c = JBUF + (<usize>n << 6);
      memory.copy(c, e, 64);
      store<u16>(c, <u16>off, JB_OFF);
      store<u8>(SEEN + off, 2);
      if (cover) { const b = COVER + ((h & 0xffff) >> 3); store<u8>(b, load<u8>(b) | <u8>(1 << <u8>(h & 7))); }
      n++;
      const len = <usize>load<u8>(e, 22);
      // Another line to collect: a branch target, or a call's return address
      // (where the compiled call goes on when the callee returns there).
      let t: i64 = -1;
      if (k == K_JCC || k == K_JMP) t = <i64>(off + len) + <i64>load<u64>(e, 8);
      else if (k == K_CALL || k == K_CALL_RM) t = <i64>(off + len);
      if (t >= 0 && t < 4096 && load<u8>(SEEN + <usize>t) == 0 && qt < MAX_INSNS && cached(pageHost + <usize>t, gen)) {
        store<u8>(SEEN + <usize>t, 1);
        store<u16>(QUEUE + (<usize>qt << 1), <u16>t);
        qt++;
      }
      if (k == K_JMP || k == K_CALL || k == K_RET || k == K_CALL_RM || k == K_JMP_RM) break;
      off += len;
      if (off >= 4096 || load<u8>(SEEN + off) != 0) break;
    }
  }
  return n;
}

/**
 * The decode-cache entry of the region compiled at `rip` now, or 0: what
 * dispatch's lookup finds (fetch TLB, not filled here; the entry of that
 * host address with its page's generation; a region index at FE_BLOCK, its
 * budget need at FE_BLEN). The host's code generator asks it for the
 * targets of direct CALLs (src/kernel/jit/index.ts callee()).
 */
export function jitRegionAt(rip: u64): usize {
  const h = hitX(rip);
  if (h == 0 || !cached(h, load<u32>(codeGenAddr(h)))) return 0;
  const e = DC + ((h & (DC_SIZE - 1)) << 6);
  const idx = load<u32>(e, FE_BLOCK);
  return idx == 0 || idx == NO_BLOCK ? 0 : e;
}

/** Statistics: compiled-block calls and the instructions they retired. */
export let jitCalls: u64 = 0;
export let jitInsns: u64 = 0;
@inline export function jitNote(n: u32): void { jitCalls++; jitInsns += <u64>n; }
export function jitStat(which: i32): f64 { return which == 0 ? <f64>jitCalls : <f64>jitInsns; }

/** Forgets every compiled block (the host reuses their table slots). */
export function jitReset(): void {
  warmClear();
  for (let e = DC; e < DC + (DC_SIZE << 6); e += 64) store<u64>(e, 0, FE_BLOCK);
  jcFlush();
}

/** Calls compiled block `idx`; returns the next RIP, the retired count at JIT_N. */
@inline export function jitCall(idx: u32, rip: u64, budget: u32): u64 {
  return call_indirect<u64>(idx, rip, <u32>S, budget, 0, 0); // none retired yet, no compiled call waiting
}

// ---- slow paths for compiled code (exported by index.ts) ----
export function jAlu(op: i32, a: u64, b: u64, sz: i32): u64 { return alu(op, a, b, sz); }
export function jShift(kind: i32, v: u64, cnt: u32, sz: i32): u64 { return shift(kind, v, cnt, sz); }
export function jImul2(a: u64, b: u64, sz: i32): u64 { return imul2(a, b, sz); }
export function jCond(cc: i32): i32 { return cond(cc) ? 1 : 0; }
export function jCF(): i32 { return getCF() ? 1 : 0; }
/** Addresses compiled code needs: JIT_N, the TLB tables (read, write, fetch), the decode cache, the generation table, the jump cache. */
export function jitAddr(which: i32): u32 {
  if (which == 0) return <u32>JIT_N;
  if (which == 6) return <u32>JC;
  if (which == 7) return <u32>JC_SIZE;
  if (which == 8) return <u32>DC_SIZE;
  if (which == 4) return <u32>DC;
  if (which == 5) return <u32>genTable();
  return <u32>tlbAddr(which);
}
