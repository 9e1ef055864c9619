// Spans: memory accesses through one base register that share one TLB probe.
//
// A function's prologue pushes several registers and its epilogue pops
// them; its body reads and writes [rsp+disp] and the fields of a structure
// through one pointer ([rbx+8], [rbx+16], ...). Inside a segment
// (straight-line code entered only at its start) such accesses lie at
// distances the compiler knows from the base register's value at the first
// of them, as long as the register does not change (RSP may move by the
// amounts PUSH, POP, CALL, RET and ADD/SUB RSP, imm give it). The block
// compiler probes the TLB once at the first access for the run's whole span;
// when that hits, each access of the run uses the span's host address plus
// its distance. When it misses (the span is not mapped, crosses a page, or
// its page holds code and the run writes, so the write TLB has no entry),
// each access takes its usual path, faults included: the result is the
// same either way.
//
// The probe's answer stays right for the rest of the run: page tables
// change only in the kernel (never inside a region), the TLB only loses
// entries (an evicted entry's page is still mapped the same way), and a page
// becomes a code page (leaving the write TLB) only when the interpreter
// decodes it, so an instruction that may run the interpreter (a generic
// one) ends every run.
import { K, type Ins } from "./ins";
import { PFX_67 } from "./sse";

/** A run: its base register, first instruction, span [lo, hi) from the base at the first instruction, and whether any access writes. */
export interface Run { base: number; first: number; lo: number; hi: number; write: boolean; /** its accesses */ n: number }
/** An instruction's place in a run: the run and the base register's value before it, relative to the run's start. */
export interface InRun { run: Run; d: number }

/** Spans above this are split (a larger span more often crosses a page). */
const MAX_SPAN = 512;
const RSPN = 4;
const ALU_ADD = 0, ALU_SUB = 5, ALU_CMP = 7;

/** The base register of i's memory operand if a run can hold it (no index, no FS/GS, 64-bit addressing), else -1. */
export function spanBase(i: Ins): number {
  return i.mem && i.base >= 0 && i.base < 16 && i.idx < 0 && i.seg !== 4 && i.seg !== 5 && !(i.pfx & PFX_67) ? i.base : -1;
}

// Instruction kinds by what they do here (indexed by kind): 1 an integer
// form whose ModRM operand may be an access through a base, with bits for
// where its result goes and whether its memory operand is only read.
const F_FORM = 1, F_TO_REG = 2, F_TO_RM = 4, F_READS = 8;
const KIND = new Uint8Array(64);
for (const k of [K.ALU_RM_R, K.ALU_RM_I, K.MOV_RM_R, K.MOV_RM_I, K.SETCC, K.INCDEC, K.NOTNEG, K.SHIFT, K.SHIFT_1, K.SHIFT_CL, K.BT_I, K.BSWAP]) KIND[k] = F_FORM | F_TO_RM;
for (const k of [K.ALU_R_RM, K.MOV_R_RM, K.MOVX, K.LEA, K.CMOV, K.IMUL, K.IMUL_I]) KIND[k] = F_FORM | F_TO_REG;
for (const k of [K.TEST_RM_R, K.TEST_RM_I, K.NOP, K.JCC, K.JMP, K.JMP_RM]) KIND[k] = F_FORM;
for (const k of [K.TEST_RM_R, K.TEST_RM_I, K.MOV_R_RM, K.MOVX, K.CMOV, K.IMUL, K.IMUL_I, K.JMP_RM, K.ALU_R_RM]) KIND[k] |= F_READS;

// One pass's scratch (the compiler is not reentrant): the open run per base
// register and RSP's distance from the start of its run; then every access
// found (instruction, run, distance) for the second pass.
const open: Array<Run | null> = new Array<Run | null>(16).fill(null);
let rspD = 0;
const accK: number[] = [], accRun: Run[] = [], accD: number[] = [];

/** Adds an access of instruction k through `base` at `off` from the base before k. */
function access(k: number, base: number, off: number, size: number, write: boolean): void {
  let r = open[base];
  const d = base === RSPN && r ? rspD : 0;
  const lo = d + off, hi = lo + size;
  if (r && (Math.min(r.lo, lo) < r.hi - MAX_SPAN || Math.max(r.hi, hi) > r.lo + MAX_SPAN)) {
    // A new run starts here; its probe sets the base's host local, so an earlier access of this instruction leaves the old run.
    for (let j = accK.length - 1; j >= 0 && accK[j] === k; j--) if (accRun[j] === r) { accRun[j] = NONE; r.n--; }
    r = null;
  }
  if (!r) {
    r = open[base] = { base, first: k, lo: off, hi: off + size, write: false, n: 0 };
    if (base === RSPN) rspD = 0;
  } else {
    if (lo < r.lo) r.lo = lo;
    if (hi > r.hi) r.hi = hi;
  }
  if (write) r.write = true;
  r.n++;
  accK.push(k); accRun.push(r); accD.push(base === RSPN ? rspD : 0);
}
const NONE: Run = { base: -1, first: -1, lo: 0, hi: 0, write: false, n: 0 };

/**
 * Finds the runs of segment start..end and records, per instruction, the
 * runs its accesses belong to (`at`); returns how many runs it found. Only
 * runs of at least two accesses count.
 */
export function findRuns(block: Ins[], start: number, end: number, at: Array<InRun[] | undefined>): number {
  open.fill(null);
  accK.length = 0; accRun.length = 0; accD.length = 0;
  for (let k = start; k <= end; k++) at[k] = undefined;
  for (let k = start; k <= end; k++) {
    const i = block[k];
    const kind = i.kind;
    const b = spanBase(i);
    // How RSP moves after the instruction (NaN: in a way not known); the other register it writes (-1: none).
    let move = 0, w = -1;
    if (kind === K.PUSH || kind === K.CALL) { access(k, RSPN, -8, 8, true); move = -8; }
    else if (kind === K.CALL_RM) { if (b >= 0) access(k, b, i.disp, 8, false); access(k, RSPN, -8, 8, true); move = -8; }
    else if (kind === K.POP) { access(k, RSPN, 0, 8, false); w = i.reg >> 3; move = w === RSPN ? NaN : 8; }
    else if (kind === K.RET) { access(k, RSPN, 0, 8, false); move = 8; }
    else if (KIND[kind] & F_FORM) {
      const f = KIND[kind];
      const cmp = (kind === K.ALU_RM_R || kind === K.ALU_RM_I || kind === K.ALU_R_RM) && i.sub === ALU_CMP;
      if (b >= 0 && kind !== K.LEA && kind !== K.NOP) access(k, b, i.disp, Math.min(8, Math.max(1, i.sz)), !(f & F_READS) && !cmp);
      if (kind === K.ALU_RM_I && !i.mem && i.rm === RSPN * 8 && i.sz === 8 && (i.sub === ALU_ADD || i.sub === ALU_SUB)) {
        // ADD/SUB RSP, imm: RSP moves by a known amount.
        const v = Number(BigInt.asIntN(64, i.imm));
        move = i.sub === ALU_ADD ? v : -v;
      } else if (!cmp) {
        // The register the instruction writes, as compile.ts's ins() emits it: ModRM.reg, or ModRM.rm when that is a register.
        if (f & F_TO_REG) w = i.reg >> 3;
        else if ((f & F_TO_RM) && !i.mem) w = i.rm >> 3;
        if (w === RSPN) { move = NaN; w = -1; }
      }
    } else {
      // A generic instruction (it may run the interpreter) or anything else: no run goes past it.
      open.fill(null);
      continue;
    }
    if (open[RSPN]) { if (Number.isNaN(move)) open[RSPN] = null; else rspD += move; }
    if (w >= 0 && w < 16) open[w] = null;
  }
  let runs = 0;
  for (let j = 0; j < accK.length; j++) {
    const r = accRun[j];
    if (r.n < 2) continue;
    const k = accK[j];
    const list = at[k] ??= [];
    if (!list.some((x) => x.run === r)) { list.push({ run: r, d: accD[j] }); if (r.first === k) runs++; }
  }
  return runs;
}
