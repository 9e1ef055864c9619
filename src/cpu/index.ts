// Entry points of the CPU module (see how-it-works.md): run(), ramBase(),
// flushTlb(), invalidateCode(). run() is the fetch-decode-execute loop.
import {
  S, setStateBlock, fault, clearFault, nextRip, setRetired, tlbFlush, modMod, modReg, dropCode,
  fetchAddr, codeGenAddr,
} from "./core";
import {
  RIP, RFLAGS, CR3, ICOUNT, EXIT_REASON, EXIT_BUDGET, EXIT_UD, EXIT_GP, EXIT_PAGE_FAULT,
  EXIT_SYSCALL, EXIT_BREAKPOINT,
} from "./state";
import { decode, DEC_OK, DEC_FAULT, DEC_UD, opMap, opByte, lockPfx, DC, DC_SIZE } from "./decode";
import { execFast, FE_KIND, K_GENERIC } from "./fast";
import { exec0 } from "./exec";
import { exec0f } from "./exec0f";
import { sseExec } from "./sse";
import { materialize, setFlagsWord } from "./flags";
import { jitBuild, jitCall, jitNote, jitThreshold, FE_BLOCK, FE_BLEN, FE_HITS, NO_BLOCK, JIT_N, warmAdd, warmClear } from "./jit";
// The block compiler's interface to the host's code generator (jit.ts).
export {
  setJitThreshold, jitReset, jitStat, jAlu, jShift, jImul2, jCond, jCF, jitAddr, jitRegionAt,
} from "./jit";
export { fault } from "./core";
export { lfOp, lfA, lfB, lfR, lfC, lfSz, fl } from "./flags";

// The kernel's RAM starts after the CPU's static data (TLB, tables), page aligned.
export function ramBase(): u32 {
  const end = (<u32>__heap_base + 0xffff) & ~<u32>0xffff;
  return end < (1 << 20) ? (1 << 20) : end;
}

export function flushTlb(): void { tlbFlush(); warmClear(); }

/** CR3 of the last run(); the TLB holds translations of this address space only. */
let lastCr3: u64 = <u64>-1;

/** Drops cached decodes of [paddr, paddr+len): the kernel wrote guest frames. */
export function invalidateCode(paddr: u32, len: u32): void {
  if (len == 0) return;
  // A freed frame that was the last PML4 may come back as a new process's
  // root with the same CR3 value: make the next run() flush the TLB then.
  const root = lastCr3 & ~<u64>0xfff;
  if (root >= <u64>paddr && root < <u64>paddr + <u64>len) lastCr3 = <u64>-1;
  const first = paddr >> 12, last = (paddr + len - 1) >> 12;
  for (let pg = first; pg <= last; pg++) dropCode(<usize>pg << 12);
}


/** LOCK is allowed only on read-modify-write instructions with a memory destination (SDM vol. 2 "LOCK"). */
function lockAllowed(): bool {
  if (modMod == 3) return false;
  const op = opByte;
  const r = modReg & 7;
  if (opMap == 0) {
    if (op < 0x40) return (op & 7) < 2 && (op >> 3) != 7;
    if (op >= 0x80 && op <= 0x83) return r != 7;
    if (op == 0x86 || op == 0x87) return true;
    if (op == 0xf6 || op == 0xf7) return r == 2 || r == 3;
    if (op == 0xfe || op == 0xff) return r < 2;
    return false;
  }
  if (opMap == 1) {
    if (op == 0xab || op == 0xb3 || op == 0xbb || op == 0xb0 || op == 0xb1 || op == 0xc0 || op == 0xc1) return true;
    if (op == 0xba) return r >= 5;
    if (op == 0xc7) return r == 1;
  }
  return false;
}

/**
 * For compiled code: runs the instruction at `rip` on the generic path, as
 * run() would; returns the next RIP (a long REP leaves it on itself). On a
 * page fault `fault` is set and RIP stays; another exit reason goes to the
 * status word at JIT_N + 4 and nothing was done: the block leaves and run()
 * executes the instruction again, raising it.
 */
export function jGeneric(rip: u64): u64 {
  const r = step(rip);
  store<u32>(JIT_N, fault ? 0 : <u32>r, 4); // JIT_N + 4: the status word compiled code checks
  return r != 0 || fault ? rip : nextRip;
}

/** Decodes and executes one instruction at `rip`; returns 0 or an exit reason. */
function step(rip: u64): i32 {
  const d = decode(rip);
  if (d != DEC_OK) return d == DEC_FAULT ? EXIT_PAGE_FAULT : (d == DEC_UD ? EXIT_UD : EXIT_GP);
  if (lockPfx && !lockAllowed()) return EXIT_UD;
  const map = opMap;
  if (map == 0) return exec0();
  if (map == 1) return exec0f();
  return sseExec(map, opByte);
}

export function run(state: u32, budget: u32): i32 {
  setStateBlock(<usize>state);
  const cr3 = load<u64>(S + CR3);
  if (cr3 != lastCr3) { flushTlb(); lastCr3 = cr3; }
  setFlagsWord(<u32>load<u64>(S + RFLAGS));
  let rip = load<u64>(S + RIP);
  let n: u32 = 0;
  let exit: i32 = 0;
  clearFault();
  // The current code page: its linear page, host frame and generation word.
  // Page tables cannot change during run() (the kernel runs between calls),
  // so the translation stays valid until RIP leaves the page; the generation
  // word is re-read per instruction (CPU writes to the page bump it).
  let codePage: u64 = 1; // no page: page addresses have the low bits clear
  let codeHost: usize = 0;
  let genAddr: usize = 0;
  let fell = false; // the last instruction ran on the fast path and fell through
  // A block left before its first instruction (the generic path must raise
  // what it met): run that instruction here, not the block again.
  let stay = false;
  // A compiled block left before an access its TLB probe missed (compile.ts
  // missExit() sets JIT_N + 8): the instruction after that one counts as a
  // head, so where misses keep happening a region starting after the access
  // gets compiled and the interpreter only runs the access itself.
  let afterMiss = false;
  while (true) {
    if (n >= budget) { exit = EXIT_BUDGET; break; }
    const page = rip & ~<u64>0xfff;
    if (page != codePage) {
      const h = fetchAddr(rip);
      if (fault) { clearFault(); codePage = 1; } // the generic path raises it
      else { codePage = page; codeHost = h & ~<usize>0xfff; genAddr = codeGenAddr(h); }
    }
    if (page == codePage) {
      // Pre-annotated hot forms run straight from the decode-cache entry.
      const host = codeHost | <usize>(rip & 0xfff);
      const e = DC + ((host & (DC_SIZE - 1)) << 6);
      if (load<u32>(e) == <u32>host && load<u32>(e, 4) == load<u32>(genAddr)) {
        const k = <i32>load<u8>(e, FE_KIND);
        if (k != 0) {
          // Block compiler: a compiled block starting here runs if the
          // budget covers its longest path; otherwise count towards compiling.
          // Only block heads count: instructions reached by a branch, after a
          // compiled block or after a generic instruction, not those the fast
          // path fell through to (they belong to the block before them).
          let bi = load<u32>(e, FE_BLOCK);
          if (bi == 0 && jitThreshold != 0 && !fell) {
            const hits = <u32>load<u16>(e, FE_HITS) + 1;
            if (hits >= jitThreshold) {
              bi = jitBuild(rip, host, genAddr);
              // The scan decoded ahead (and may have marked pages as code): the entry stays ours.
              store<u32>(e, bi, FE_BLOCK);
            } else {
              store<u16>(e, <u16>hits, FE_HITS);
              // A quarter of the way: compiled with the next hot head (jit.ts warmAdd()).
              if (hits == jitThreshold >> 2) warmAdd(rip, host);
            }
          }
          if (bi != 0 && bi != NO_BLOCK && !stay && n + <u32>load<u16>(e, FE_BLEN) <= budget) {
            const nr = jitCall(bi, rip, budget - n);
            const got = load<u32>(JIT_N);
            n += got;
            jitNote(got);
            rip = nr;
            fell = false;
            afterMiss = load<u32>(JIT_N, 8) != 0;
            if (afterMiss) store<u32>(JIT_N, 0, 8);
            stay = got == 0;
            if (fault) { exit = EXIT_PAGE_FAULT; clearFault(); break; }
            continue;
          }
          stay = false;
          if (k != K_GENERIC) {
            const nr = execFast(k, e, rip);
            if (fault) { exit = EXIT_PAGE_FAULT; clearFault(); break; }
            fell = !afterMiss && nr == rip + <u64>load<u8>(e, 22);
            afterMiss = false;
            rip = nr;
            n++;
            continue;
          }
        }
      }
    }
    setRetired(n);
    fell = false;
    afterMiss = false;
    stay = false;
    const r = step(rip);
    // A handler that faulted must return an exit code; treat a 0 with the
    // fault state set as the page fault it is rather than run on.
    if (r != 0 || fault) {
      if (fault) { exit = EXIT_PAGE_FAULT; clearFault(); break; }
      // Traps retire the instruction and leave RIP after it.
      if (r == EXIT_SYSCALL || r == EXIT_BREAKPOINT) { rip = nextRip; n++; }
      exit = r;
      break;
    }
    rip = nextRip;
    n++;
  }
  store<u64>(S + RIP, rip);
  store<u64>(S + RFLAGS, <u64>materialize());
  store<u64>(S + ICOUNT, load<u64>(S + ICOUNT) + <u64>n);
  store<u32>(S + EXIT_REASON, <u32>exit);
  return exit;
}
