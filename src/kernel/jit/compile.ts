// The block compiler's code generator: turns a region of annotated x86
// instructions (copies of their decode-cache entries, collected by
// src/cpu/jit.ts: straight lines of one page reachable from a head) into one
// WebAssembly function of type (rip: i64, state: i32, budget: i32, done: i32)
// -> i64 that does exactly what the interpreter's fast path
// (src/cpu/fast.ts) does for each of them, in order. `done` counts
// instructions retired by the regions chained before it since run() called
// the first; `budget` is what run() allowed for all.
//
// - Layout: the region is split into segments (entered only at their first
//   instruction) laid out as nested wasm blocks: a segment falls into the
//   next, a forward branch breaks out to its target, a branch to the head
//   goes round one loop; other backward branches leave. The budget is
//   checked where a path can come round again (the loop's back edge, after a
//   compiled call) for the longest forward run from there; dispatch checks it
//   for the head. The flags cross forward boundaries in the canonical locals
//   (what all ways into a segment agree on is known statically there).
// - Registers the region uses often live in wasm locals (the prologue loads
//   them, the shared epilogue stores those it writes); the others are read
//   and written in the state block where they are used.
// - Lazy flags: the compiler knows which instruction last wrote the flags and
//   keeps its operands in locals; Jcc/SETcc/CMOVcc after SUB/CMP, ADD,
//   INC/DEC, logic ops and shifts test them directly, BT writes one result
//   record, and flags no one can observe are not computed. The lazy-flag
//   globals of the CPU are written only where something else may read them:
//   at every exit, the loop's back edge and helpers that read or write flags.
// - Memory: the software TLB is probed inline; a miss (a page crossing, a
//   code page for a write, a fault to come) leaves the region before the
//   instruction for run(), which executes it in the interpreter
//   (missExit()). So no store in a region reaches a page holding cached
//   code: the write TLB never maps one.
// - SSE data moves are compiled by sse.ts; other SSE, MMX, x87 and string
//   forms run through the CPU's generic path (jGeneric) from inside the code.
// - Chaining: a region that ends normally tail-calls the module's dispatch
//   function, which finds the next RIP's region in the jump cache or the
//   way run() does (fetch TLB, decode-cache entry, page generation) and
//   tail-calls it through the table if the budget covers it, or returns to
//   run() otherwise. A CALL whose return address starts a segment calls
//   dispatch as an ordinary call instead, and RET returns (callOut()): the
//   caller goes on in its own region when the callee comes back there.
import { Bytes, Op, I32, I64, VOID } from "./wasm";
import { compileSse, sseFlagsNeutral, PFX_F2, PFX_F3, type SseEmitter } from "./sse";
import { compileSseArith } from "./ssearith";
import { compileSseConvert } from "./ssecvt";
import { compileRepStos, compileRepMovs } from "./string";
import { findRuns, spanBase, type InRun, type Run } from "./span";
import { K, type Ins } from "./ins";

/** Decode-cache entry fields (src/cpu/decode.ts and fast.ts). */
const E = { imm: 8, disp: 16, len: 22, seg: 25, base: 31, idx: 32, scale: 33, kind: 34, sz: 35, reg: 36, rm: 37, sub: 38, mem: 39 } as const;
const EA_RIP = 16;
const FS_BASE = 144, GS_BASE = 152, RSP = 32, RCX = 8;


// Lazy-flag kinds (src/cpu/flags.ts).
const LF_ADD = 1, LF_SUB = 3, LF_LOGIC = 5, LF_INC = 6, LF_DEC = 7, LF_RES = 8;
const F_CF = 1, F_PF = 4, F_AF = 0x10, F_ZF = 0x40, F_SF = 0x80, F_OF = 0x800;
const FL_ALL = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF;
/** Flags each condition pair (cc >> 1) reads: O, C, Z, BE, S, P, L, LE (SDM vol. 1 appendix B). */
const COND_READS = [F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, F_SF | F_OF, F_ZF | F_SF | F_OF];
const ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_SBB = 3, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7;
const SH_SHL = 4, SH_SHR = 5, SH_SAL = 6, SH_SAR = 7;

/** Imported functions, in import order (their indices). */
export const HELPERS = ["jAlu", "jShift", "jImul2", "jCond", "jCF", "jGeneric"] as const;
const F_ALU = 0, F_SHIFT = 1, F_IMUL2 = 2, F_COND = 3, F_GETCF = 4, F_GENERIC = 5;
/** Imported globals, in import order. */
export const GLOBALS = [["fault", I32], ["lfOp", I32], ["lfA", I64], ["lfB", I64], ["lfR", I64], ["lfC", I64], ["lfSz", I32], ["fl", I32]] as const;
const G_FAULT = 0, G_OP = 1, G_A = 2, G_B = 3, G_R = 4, G_C = 5, G_SZ = 6, G_FL = 7;


/** Where the CPU keeps what compiled code touches (jitAddr()). */
export interface JitLayout { jitN: number; tlbR: number; tlbW: number; tlbX: number; dc: number; gen: number; jc: number; jcSize: number; dcSize: number }

/** Function index of the dispatch function (imported after the helpers). */
export const DISPATCH_FN = HELPERS.length;

/** The lazy flags as the compiler knows them at a point of the block (null: only the CPU's globals know). */
interface LazyFlags { op: number; sz: number; a: number; b: number; r: number; c: number }

/** Byte of a copy holding the instruction's page offset (src/cpu/jit.ts JB_OFF). */
const JB_OFF = 48;
/** Byte of the first copy where the compiler leaves the head's budget need (the entry's FE_BLEN). */
export const JB_BLEN = 44;

export function readBlock(mem: DataView, buf: number, count: number): Ins[] {
  const out: Ins[] = [];
  const head = mem.getUint16(buf + JB_OFF, true);
  for (let i = 0; i < count; i++) {
    const e = buf + i * 64;
    const off = mem.getUint16(e + JB_OFF, true) - head;
    const ins: Ins = {
      kind: mem.getUint8(e + E.kind), sz: mem.getUint8(e + E.sz), reg: mem.getUint8(e + E.reg), rm: mem.getUint8(e + E.rm),
      sub: mem.getUint8(e + E.sub), mem: mem.getUint8(e + E.mem) !== 0, imm: mem.getBigUint64(e + E.imm, true),
      disp: mem.getInt32(e + E.disp, true), len: mem.getUint8(e + E.len), seg: mem.getInt8(e + E.seg),
      base: mem.getInt8(e + E.base), idx: mem.getInt8(e + E.idx), scale: mem.getUint8(e + E.scale), off,
      map: mem.getUint8(e + 20), op: mem.getUint8(e + 21), modMod: mem.getUint8(e + 28), modReg: mem.getUint8(e + 29), modRm: mem.getUint8(e + 30),
      pfx: mem.getUint8(e + 23),
    };
    out.push(ins);
  }
  return out;
}

const mask = (sz: number): bigint => (sz === 8 ? 0xffff_ffff_ffff_ffffn : (1n << BigInt(sz * 8)) - 1n);
const signBit = (sz: number): bigint => 1n << BigInt(sz * 8 - 1);
const LOADS: Record<number, number> = { 1: Op.i64Load8U, 2: Op.i64Load16U, 4: Op.i64Load32U, 8: Op.i64Load };
const STORES: Record<number, number> = { 1: Op.i64Store8, 2: Op.i64Store16, 4: Op.i64Store32, 8: Op.i64Store };

/**
 * GPRs a K_GENERIC instruction (SSE/MMX/x87/string, fast.ts) may read and
 * write: its ModRM registers and address registers; string forms RAX, RCX,
 * RSI, RDI; x87 RAX (FNSTSW AX).
 */
function genericRegs(i: Ins): { reads: number[]; writes: number[] } {
  const w = new Set<number>([i.modReg & 15]);
  if (i.modMod === 3) w.add(i.modRm & 15);
  if (i.map === 0) { w.add(0); if (i.op < 0xd8) { w.add(1); w.add(6); w.add(7); } }
  const r = new Set<number>(w);
  if (i.base >= 0 && i.base < 16) r.add(i.base);
  if (i.idx >= 0 && i.idx < 16) r.add(i.idx);
  return { reads: [...r], writes: [...w] };
}

/** Compiled calls (callOut()) nested deeper than this leave through dispatch instead. */
const MAX_CALLS = 48;

/** Registers used by fewer of a region's instructions stay in the state block (inMem). */
const LOCAL_USES = 3;

/**
 * How many of the region's instructions may use each GPR (a generous
 * count: it only decides where a register lives, not what code does).
 */
function regUses(block: Ins[]): number[] {
  const uses = new Array<number>(16).fill(0);
  const add = (n: number): void => { if (n >= 0 && n < 16) uses[n]++; };
  for (const i of block) {
    if (i.kind === K.GENERIC) {
      for (const n of genericRegs(i).reads) add(n); // its writes are among its reads
      continue;
    }
    if (i.mem) { add(i.base); add(i.idx); } else add(i.rm >> 3);
    add(i.reg >> 3);
    if (i.kind === K.PUSH || i.kind === K.POP || i.kind === K.CALL || i.kind === K.RET || i.kind === K.CALL_RM) uses[4] += 2;
    if (i.kind === K.SHIFT_CL) add(1);
  }
  return uses;
}

/** A flagUse() answer (a module-level function: a closure made per call costs more than the analysis). */
function flagSet(reads: number, kills: number, writes = kills): { reads: number; writes: number; kills: number } {
  return { reads, writes, kills };
}

/** The code page a region is compiled from: its frame, its generation word and the generation then. */
export interface RegionPage {
  host: number; genAddr: number; gen: number;
  /** The head's address when the region was collected, and the region a direct CALL's target runs then (index.ts callee()). */
  rip: bigint;
  callee: (target: bigint) => Callee | null;
}
/**
 * A compiled region a CALL can call directly: its table slot, its head's
 * budget need, and what the batch's module will call (`ref`: index.ts
 * resolves it to a function index when the batch's imports are known, and
 * patches the call).
 */
export interface Callee { ref: number; idx: number; need: number }
/** A call whose function index is written when the batch's module is put together (offset in the body). */
export interface CallPatch { pos: number; ref: number }

/** Compiles one region into a function body (locals and code), its head's budget need and its segment count. */
export function compileBlock(block: Ins[], lay: JitLayout, page: RegionPage, chain: boolean): { body: Bytes; need: number; segments: number; runs: number; patches: CallPatch[] } {
  return new BlockCompiler(block, lay, page, chain).compile();
}

/**
 * The dispatch function (same type as a block): finds the region for `rip`
 * in the jump cache (src/cpu/core.ts JC), or else the way run() does —
 * fetch TLB hit, decode-cache entry of that host address with the page's
 * current generation, a compiled block — and then fills the jump cache. If
 * the block's longest path fits the budget it tail-calls it; otherwise it
 * stores the retired count and returns `rip` to run(), which carries on.
 */
/**
 * Pushes the offset in the jump cache (src/cpu/core.ts JC, 16-byte entries)
 * of the entry for the RIP `rip` pushes: the page offset xor the page
 * number's low bits. Dispatch and direct calls look up the same entry.
 */
function jcSlot(c: Bytes, rip: () => void, lay: JitLayout): void {
  rip(); rip(); c.opS(Op.i64Const, 12); c.byte(Op.i64ShrU); c.byte(Op.i64Xor); c.byte(Op.i32WrapI64);
  c.opS(Op.i32Const, lay.jcSize - 1); c.byte(Op.i32And); c.opS(Op.i32Const, 4); c.byte(Op.i32Shl);
}

export function compileDispatch(lay: JitLayout): Bytes {
  const c = new Bytes();
  const RIP = 0, S = 1, BUDGET = 2, DONE = 3, DEPTH = 4, T = 5, HOST = 6, E = 7, IDX = 8, J = 9;
  const get = (l: number): void => { c.byte(Op.localGet).u32(l); };
  const tee = (l: number): void => { c.byte(Op.localTee).u32(l); };
  const i32 = (v: number): void => { c.byte(Op.i32Const).s32(v); };
  const i64 = (v: bigint): void => { c.byte(Op.i64Const).s64(v); };
  const mem = (o: number, off: number): void => { c.byte(o).u32(0).u32(off); };
  const out = (depth = 0): void => { c.byte(Op.brIf).u32(depth); };
  const tail = (): void => { get(RIP); get(S); get(BUDGET); get(DONE); get(DEPTH); get(IDX); c.byte(Op.returnCallIndirect).u32(0).u32(0); };
  c.byte(Op.block).byte(VOID); // leaving it: back to run()
  c.byte(Op.block).byte(VOID); // leaving it: not in the jump cache
  jcSlot(c, () => get(RIP), lay); i32(lay.jc); c.byte(Op.i32Add); tee(J);
  mem(Op.i64Load, 0); get(RIP); c.byte(Op.i64Ne); out();
  get(J); mem(Op.i32Load, 8); tee(IDX); c.byte(Op.i32Eqz); out(); // empty (a zeroed entry matches rip 0)
  get(DONE); get(J); mem(Op.i32Load16U, 12); c.byte(Op.i32Add); get(BUDGET); c.byte(Op.i32GtU); out(1);
  tail();
  c.byte(Op.end);
  // Fetch TLB: entry for the page of rip, tag = page | 0xfff.
  get(RIP); c.byte(Op.i32WrapI64); i32(8); c.byte(Op.i32ShrU); i32(0x3ff0); c.byte(Op.i32And); tee(T);
  mem(Op.i64Load, lay.tlbX); get(RIP); i64(0xfffn); c.byte(Op.i64Or); c.byte(Op.i64Ne); out();
  get(T); mem(Op.i32Load, lay.tlbX + 8); get(RIP); c.byte(Op.i32WrapI64); c.byte(Op.i32Add); tee(HOST);
  // Pages above the generation table (1 GiB) are never cached.
  i32(30); c.byte(Op.i32ShrU); out();
  get(HOST); i32(lay.dcSize - 1); c.byte(Op.i32And); i32(6); c.byte(Op.i32Shl); i32(lay.dc); c.byte(Op.i32Add); tee(E);
  mem(Op.i32Load, 0); get(HOST); c.byte(Op.i32Ne); out();
  get(E); mem(Op.i32Load, 4); get(HOST); i32(12); c.byte(Op.i32ShrU); i32(2); c.byte(Op.i32Shl); i32(lay.gen); c.byte(Op.i32Add);
  mem(Op.i32Load, 0); c.byte(Op.i32Ne); out();
  // A block (index not 0 and not NO_BLOCK): into the jump cache; then run it if its longest path fits.
  get(E); mem(Op.i32Load, 40); tee(IDX); i32(2); c.byte(Op.i32Add); i32(3); c.byte(Op.i32LtU); out();
  get(J); get(RIP); mem(Op.i64Store, 0);
  get(J); get(IDX); mem(Op.i32Store, 8);
  get(J); get(E); mem(Op.i32Load16U, 44); mem(Op.i32Store16, 12);
  get(DONE); get(E); mem(Op.i32Load16U, 44); c.byte(Op.i32Add); get(BUDGET); c.byte(Op.i32GtU); out();
  tail();
  c.byte(Op.end);
  i32(lay.jitN); get(DONE); mem(Op.i32Store, 0);
  get(RIP);
  const body = new Bytes();
  body.u32(1).u32(5).byte(I32);
  body.bytes(c.view()).byte(Op.end);
  return body;
}

/** Emits one region; also the emitter sse.ts and ssearith.ts work with (SseEmitter). */
class BlockCompiler implements SseEmitter {
  readonly c = new Bytes(16384);
  private locals: number[] = [];
  private flags: LazyFlags | null = null;
  /** With flags null: the globals hold the flags (fOp is 0 on every path here), else the canonical locals may. */
  private clean = true;
  /** Flag state on entry to each segment, merged over the transfers into it (segment 0: clean). */
  private entry: Array<LazyFlags | "clean" | "dyn" | undefined> = [];
  private depth = 0;
  /** Local: instructions retired by the segments already left (loop passes included). */
  private cnt = -1;
  /** Locals of the shared exit: next RIP, instructions retired in the current segment, whether to chain. */
  private exitRip = -1;
  private exitN = -1;
  private exitChain = -1;
  private exitDepth = 0;
  /** Canonical lazy-flag locals: kind (0: the globals hold the flags), size, operands, result, extra. */
  private fOp = -1;
  private fSz = -1;
  private fA = -1;
  private fB = -1;
  private fR = -1;
  private fC = -1;
  private readonly P_RIP = 0;
  readonly P_S = 1;
  private readonly P_BUDGET = 2;
  private readonly P_DONE = 3;
  /** Compiled calls (callOut()) waiting below this region: 0 when run() or dispatch from run() entered it. */
  private readonly P_DEPTH = 4;

  constructor(private block: Ins[], readonly lay: JitLayout, private page: RegionPage, private chain: boolean) {}

  /** Direct calls to patch (positions in `c` until compile() moves them to the body's). */
  private patches: CallPatch[] = [];

  compile(): { body: Bytes; need: number; segments: number; runs: number; patches: CallPatch[] } {
    this.cnt = this.local(I32);
    this.exitRip = this.local(I64); this.exitN = this.local(I32); this.exitChain = this.local(I32);
    this.fOp = this.local(I32); this.fSz = this.local(I32);
    this.fA = this.local(I64); this.fB = this.local(I64); this.fR = this.local(I64); this.fC = this.local(I64);
    this.plan();
    this.plannedNeeds();
    for (const { start, end } of this.segs) this.runCount += findRuns(this.block, start, end, this.runs);
    const uses = regUses(this.block);
    // A loop back to the head runs its code many times per entry: all in locals.
    for (let n = 0; n < 16; n++) this.inMem[n] = uses[n] < (this.loops ? 1 : LOCAL_USES);
    // Every register local exists from the start: a compiled call reloads them all after the callee.
    for (let n = 0; n < 16; n++) if (!this.inMem[n]) this.regL[n] = this.local(I64);
    const m = this.segs.length;
    this.open(Op.block, VOID); this.exitDepth = this.depth;
    // Segment s's code follows the end of block s (opened outermost first),
    // so it falls into s + 1 and a forward branch breaks out to its target;
    // a branch back to the head goes round the loop that holds them all.
    // Other backward branches leave the region (their target becomes a
    // region head of its own): one natural loop keeps the engine's register
    // allocation as good as for a single block.
    if (this.loops) { this.open(Op.loop, VOID); this.topDepth = this.depth; }
    for (let j = m - 1; j >= 1; j--) { this.open(Op.block, VOID); this.segDepth[j] = this.depth; }
    for (let sg = 0; sg < m; sg++) {
      if (sg > 0) this.close();
      this.segment(sg);
    }
    if (this.loops) this.close();
    this.close();
    this.epilogue();
    // Body: locals grouped by runs of one type, the prologue, the code, end.
    const body = new Bytes(this.c.length + 1024);
    const groups: Array<[number, number]> = [];
    for (const t of this.locals) {
      if (groups.length && groups[groups.length - 1][1] === t) groups[groups.length - 1][0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [n, t] of groups) body.u32(n).byte(t);
    body.bytes(this.prologue().view());
    const at = body.length;
    body.bytes(this.c.view()).byte(Op.end);
    for (const p of this.patches) p.pos += at;
    return { body, need: this.need[0], segments: m, runs: this.runCount, patches: this.patches };
  }

  // ---- region layout ----
  /** Segments: runs of instructions entered only at their first (index range, inclusive). */
  private segs: Array<{ start: number; end: number }> = [];
  /** Segment index by the offset of its first instruction. */
  private labels = new Map<number, number>();
  /** Whether a branch goes back to the head (then the segments sit in a loop). */
  private loops = false;
  /** Index of the current segment's first instruction and its last. */
  private base = 0;
  private segEnd = 0;
  private topDepth = -1;
  /** Depth of the block whose end is segment s's code (a forward branch breaks out of it). */
  private segDepth: number[] = [];
  /** Index of the segment being emitted. */
  private cur = 0;

  private static ends(i: Ins): boolean {
    return i.kind === K.JMP || i.kind === K.CALL || i.kind === K.RET || i.kind === K.CALL_RM || i.kind === K.JMP_RM;
  }
  /**
   * Splits the collected instructions (straight lines in collection order,
   * src/cpu/jit.ts) into segments: a new one starts at the head, at every
   * branch target inside the region, where a line falls through into code
   * collected elsewhere, and after every line end.
   */
  private plan(): void {
    const b = this.block;
    const at = new Map<number, number>();
    b.forEach((ins, i) => at.set(ins.off, i));
    const starts = new Set<number>([0]);
    // Control from instruction i to instruction t stays inside when t comes after i in collection order, or is the head.
    const edge = (i: number, t: number | undefined): void => {
      if (t === undefined || !(t > i || t === 0)) return;
      starts.add(t);
      if (t === 0) this.loops = true;
    };
    b.forEach((ins, i) => {
      if (ins.kind === K.JCC || ins.kind === K.JMP) edge(i, at.get(Number(this.target(ins))));
      // A compiled call goes on at its return address (callOut()): the head too, round the loop.
      if (ins.kind === K.CALL || ins.kind === K.CALL_RM) edge(i, at.get(ins.off + ins.len));
      if (!BlockCompiler.ends(ins)) {
        const f = at.get(ins.off + ins.len);
        if (f !== i + 1) edge(i, f);
      }
      if (i > 0) {
        const p = b[i - 1];
        if (BlockCompiler.ends(p) || p.off + p.len !== ins.off) starts.add(i);
      }
    });
    for (let i = 0; i < b.length; i++) {
      if (starts.has(i)) {
        this.labels.set(b[i].off, this.segs.length);
        this.segs.push({ start: i, end: i });
      } else this.segs[this.segs.length - 1].end = i;
    }
  }
  /** Whether control can go on to segment t from the current one inside the region: forward, or to the head (the loop). */
  private inside(t: number): boolean { return t > this.cur || t === 0; }
  /** Instructions in segment s. */
  private segLen(s: number): number { return this.segs[s].end - this.segs[s].start + 1; }
  /** Longest run of instructions from each segment's start along forward transfers (no budget check on the way). */
  private need: number[] = [];
  private plannedNeeds(): void {
    const b = this.block, m = this.segs.length;
    this.need = new Array<number>(m).fill(0);
    for (let s = m - 1; s >= 0; s--) {
      const { start, end } = this.segs[s];
      let most = 0;
      const on = (t: number | undefined): void => { if (t !== undefined && t > s) most = Math.max(most, this.need[t]); };
      for (let k = start; k <= end; k++) if (b[k].kind === K.JCC || b[k].kind === K.JMP) on(this.labels.get(Number(this.target(b[k]))));
      if (!BlockCompiler.ends(b[end])) on(this.labels.get(b[end].off + b[end].len));
      this.need[s] = this.segLen(s) + most;
    }
  }

  /** Emits segment s: its instructions, then what follows its last one. */
  private segment(s: number): void {
    const sg = this.segs[s];
    this.cur = s;
    this.base = sg.start; this.segEnd = sg.end;
    // What every transfer into the segment left (segment 0: the region's
    // entry and the loop's back edges, which hand the flags to the globals).
    const st = s === 0 ? "clean" : this.entry[s] ?? "dyn";
    this.flags = typeof st === "object" ? st : null;
    this.clean = st === "clean";
    this.inWord = false;
    let ended = false;
    for (let k = sg.start; k <= sg.end && !ended; k++) ended = this.ins(k, this.block[k]);
    if (ended) return;
    const last = this.block[sg.end];
    const f = last.off + last.len;
    const t = this.labels.get(f);
    if (t === undefined || !this.inside(t)) this.exitAt(sg.end + 1, this.ripPlus(f), true);
    else this.transfer(t, sg.end + 1, t === s + 1);
  }
  /**
   * Goes on to segment t after `retired` (an instruction index: those
   * before it ran). The budget is checked only where a path can come
   * round again: back to the head and after a compiled call (`check`); it
   * must cover the longest forward run from t (need[t]), else the region
   * leaves for run() at t. A forward transfer needs no check: the head's
   * check (or dispatch's) covered the whole forward run. `fall`: t's code
   * follows this point, no jump needed.
   */
  private transfer(t: number, retired: number, fall: boolean, check = t === 0): void {
    const n = retired - this.base;
    if (check) {
      this.get(this.cnt); if (n) { this.i32(n); this.op(Op.i32Add); this.tee(this.cnt); }
      this.get(this.P_DONE); this.op(Op.i32Add); this.i32(this.need[t]); this.op(Op.i32Add);
      this.get(this.P_BUDGET); this.op(Op.i32GtU);
      this.open(Op.if, VOID);
      this.exitRaw(0, this.ripPlus(this.block[this.segs[t].start].off), false);
      this.close();
    } else if (n) { this.get(this.cnt); this.i32(n); this.op(Op.i32Add); this.set(this.cnt); }
    // Forward, the flags go on in the canonical locals (fOp names their
    // kind; 0: the globals hold them). Back to the head, they go to the
    // globals: the head then knows where they are.
    if (t === 0) { this.handOver(); this.c.byte(Op.br).u32(this.depth - this.topDepth); return; }
    this.mergeInto(t);
    if (fall) return;
    // Forward: out of the blocks up to t's.
    this.c.byte(Op.br).u32(this.depth - this.segDepth[t]);
  }
  /** Merges the flag state here into segment t's entry state: what all its ways in agree on. */
  private mergeInto(t: number): void {
    const f = this.flags;
    const here = f ?? (this.clean ? "clean" : "dyn");
    const e = this.entry[t];
    if (e === undefined) { this.entry[t] = f ? { ...f } : here; return; }
    const same = typeof e === "object" && f ? e.op === f.op && e.sz === f.sz : e === here;
    if (!same) this.entry[t] = "dyn";
  }

  // ---- emission primitives ----
  op(o: number): void { this.c.byte(o); }
  private local(t: number): number { this.locals.push(t); return 5 + this.locals.length - 1; }
  /**
   * A scratch local, valid until the next instruction: scratch locals are
   * reused per instruction, so a region has few locals for the engine to
   * carry around its loops (a fresh local per temporary made large regions
   * slower than the blocks they replaced).
   */
  temp(t: number): number {
    const pool = t === I64 ? this.pool64 : this.pool32;
    const n = t === I64 ? this.used64++ : this.used32++;
    if (n === pool.length) pool.push(this.local(t));
    return pool[n];
  }
  private pool64: number[] = [];
  private pool32: number[] = [];
  private used64 = 0;
  private used32 = 0;
  get(l: number): void { this.c.opU(Op.localGet, l); }
  set(l: number): void { this.c.opU(Op.localSet, l); }
  private tee(l: number): void { this.c.opU(Op.localTee, l); }
  i32(v: number): void { this.c.opS(Op.i32Const, v); }
  i64(v: bigint): void {
    if (v >= -0x8000_0000n && v < 0x8000_0000n) this.c.opS(Op.i64Const, Number(v));
    else this.c.byte(Op.i64Const).s64(v);
  }
  /** i64.const of a number in the s32 range (no BigInt on the way). */
  i64n(v: number): void { this.c.opS(Op.i64Const, v); }
  mem(o: number, offset: number): void { this.c.memOp(o, offset); }
  private call(f: number): void { this.c.opU(Op.call, f); }
  private gget(g: number): void { this.c.opU(Op.globalGet, g); }
  private gset(g: number): void { this.c.opU(Op.globalSet, g); }
  open(o: number, t: number): void { this.c.byte(o).byte(t); this.depth++; }
  els(): void { this.op(Op.else); }
  close(): void { this.op(Op.end); this.depth--; }
  /** Pops an i64 into a new local. */
  save64(): number { const l = this.temp(I64); this.set(l); return l; }
  save32(): number { const l = this.temp(I32); this.set(l); return l; }

  /** Branch target of a relative JCC/JMP/CALL, as an offset from the block start. */
  private target(i: Ins): bigint { return BigInt(i.off + i.len) + BigInt.asIntN(64, i.imm); }
  private ripPlus(off: number | bigint): () => void {
    return () => { this.get(this.P_RIP); if (typeof off === "number") this.i64n(off); else this.i64(off); this.op(Op.i64Add); };
  }

  // ---- registers ----
  // GPRs the region uses often live in locals: the prologue loads them, the
  // epilogue stores back those it writes (a register not yet written at that
  // exit still holds what was loaded). The others (inMem) are read and
  // written in the state block where they are used, so a path that does not
  // touch them pays nothing for them at entry and exit.
  private regL: number[] = new Array<number>(16).fill(-1);
  private written: boolean[] = new Array<boolean>(16).fill(false);
  private inMem: boolean[] = new Array<boolean>(16).fill(false);

  /** The local holding GPR n (loaded by the prologue); not for inMem registers. */
  private reg(n: number): number {
    if (this.inMem[n]) throw new Error(`jit: GPR ${n} lives in the state block`);
    return this.regL[n];
  }
  /** Pushes all 64 bits of GPR n. */
  private reg64(n: number): void {
    if (this.inMem[n]) { this.get(this.P_S); this.mem(Op.i64Load, n * 8); } else this.get(this.reg(n));
  }
  /** Pushes the register at state offset `off` (GPR n*8, or n*8+1 for AH..BH) read at size sz, zero-extended. */
  getR(off: number, sz: number): void {
    if (off >= 128 || this.inMem[off >> 3]) { this.get(this.P_S); this.mem(LOADS[sz], off); return; }
    this.get(this.reg(off >> 3));
    if (off & 7) { this.i64(8n); this.op(Op.i64ShrU); }
    if (sz !== 8) { this.i64(mask(sz)); this.op(Op.i64And); }
  }
  /** Pushes the whole 64-bit register after writing `value` at size sz (32-bit writes zero the upper half; 8/16-bit keep it). */
  private merged(off: number, sz: number, value: () => void): void {
    if (sz === 8) { value(); return; }
    if (sz === 4) { value(); this.i64(0xffff_ffffn); this.op(Op.i64And); return; }
    const hi = (off & 7) !== 0;
    const m = mask(sz) << (hi ? 8n : 0n);
    this.reg64(off >> 3); this.i64(BigInt.asIntN(64, ~m)); this.op(Op.i64And);
    value(); this.i64(mask(sz)); this.op(Op.i64And);
    if (hi) { this.i64(8n); this.op(Op.i64Shl); }
    this.op(Op.i64Or);
  }
  /** Writes the i64 left by `value` to register `off` at size sz. */
  setR(off: number, sz: number, value: () => void): void {
    const n = off >> 3;
    if (this.inMem[n]) {
      // 8- and 16-bit writes store just their bytes; 32-bit ones zero the upper half.
      this.get(this.P_S);
      if (sz <= 2) { value(); this.mem(STORES[sz], off); return; }
      this.merged(off, sz, value); this.mem(Op.i64Store, off);
      return;
    }
    const l = this.reg(n);
    this.merged(off, sz, value);
    this.set(l);
    this.written[n] = true;
  }
  private prologue(): Bytes {
    const p = new Bytes();
    this.loadRegs(p);
    return p;
  }
  /** Emits into `out` the loads of every register local from the state block (prologue, after a compiled call). */
  private loadRegs(out: Bytes): void {
    for (let n = 0; n < 16; n++) {
      if (this.regL[n] < 0) continue;
      out.byte(Op.localGet).u32(this.P_S).byte(Op.i64Load).u32(0).u32(n * 8).byte(Op.localSet).u32(this.regL[n]);
    }
  }
  /**
   * Whether GPR n's local may differ from the state block here. Without a
   * loop every path to this point runs only code emitted before it, so a
   * register no such code wrote still holds what the prologue (or the
   * reload after a compiled call) loaded; round a loop, any may.
   */
  private dirty(n: number): boolean { return this.regL[n] >= 0 && (this.loops || this.written[n]); }
  /** Stores the registers the block writes back into the state block (in the epilogue). */
  private writeBack(): void {
    for (let n = 0; n < 16; n++) {
      if (!this.written[n]) continue;
      this.get(this.P_S); this.get(this.regL[n]); this.mem(Op.i64Store, n * 8);
    }
  }

  // ---- lazy flags ----
  /**
   * Writes the lazy-flag state into the CPU's globals (static state
   * unchanged): what the compiler knows, or else whatever record the
   * canonical locals hold (fOp != 0; a segment start knows nothing).
   */
  private flush(): void {
    const f = this.flags;
    if (!f) { if (!this.clean) this.flushDynamic(); return; }
    this.i32(f.op); this.gset(G_OP);
    this.i32(f.sz); this.gset(G_SZ);
    if (f.op !== LF_RES) { this.get(this.fA); this.gset(G_A); this.get(this.fB); this.gset(G_B); }
    this.get(this.fR); this.gset(G_R);
    // lfC: LF_RES's CF/OF bits, INC/DEC's carry in.
    if (f.op === LF_RES || f.op === LF_INC || f.op === LF_DEC) { this.get(this.fC); this.gset(G_C); }
  }
  /** Sets the six status flags in the CPU's flags word to the i32 `bits` pushes and drops the lazy record (after handOver()). */
  setStatusFlags(bits: () => void): void {
    this.gget(G_FL); this.i32(~FL_ALL); this.op(Op.i32And); bits(); this.op(Op.i32Or); this.gset(G_FL);
    this.i32(0); this.gset(G_OP);
  }
  /** Before a helper that reads and writes the flags: afterwards only the globals know them. */
  private handOver(): void {
    this.flush();
    this.flags = null;
    this.clean = true;
    this.i32(0); this.set(this.fOp);
  }
  /** Records a flag writer: kind op at size sz with the operands/result in the canonical locals. */
  private record(op: number, sz: number, a: number, b: number, r: number, c: number): void {
    if (a >= 0) { this.get(a); this.set(this.fA); }
    if (b >= 0) { this.get(b); this.set(this.fB); }
    this.get(r); this.set(this.fR);
    if (c >= 0) { this.get(c); this.set(this.fC); }
    this.i32(op); this.set(this.fOp);
    this.i32(sz); this.set(this.fSz);
    this.flags = { op, sz, a: this.fA, b: this.fB, r: this.fR, c: this.fC };
    this.inWord = false;
  }
  /** The flags of the last writer, if the globals do not hold them yet (fOp != 0): epilogue and segment starts. */
  private flushDynamic(): void {
    this.get(this.fOp);
    this.open(Op.if, VOID);
    this.get(this.fOp); this.gset(G_OP);
    this.get(this.fSz); this.gset(G_SZ);
    this.get(this.fA); this.gset(G_A);
    this.get(this.fB); this.gset(G_B);
    this.get(this.fR); this.gset(G_R);
    this.get(this.fC); this.gset(G_C);
    this.close();
  }

  /** Pushes CF (i32 0/1) as the flags stand. */
  private carryBefore(): void {
    const f = this.flags;
    if (f && this.condInline(f, 1)) return;
    // The record in the canonical locals (a segment start knows nothing
    // else), or the globals (flags.ts getCF()). The kinds without operand
    // arithmetic inline (a `dec ecx; jnz` loop's DEC finds the last pass's
    // LF_DEC), the others through jCF.
    if (f || this.clean) { this.flush(); this.carryFrom(false); return; }
    this.get(this.fOp);
    this.open(Op.if, I32);
    this.carryFrom(true);
    this.els();
    this.carryFrom(false);
    this.close();
  }
  /**
   * Pushes CF from the record in the canonical locals (fOp != 0) or in the
   * globals, as flags.ts getCF() computes it: inline for every kind but
   * ADC/SBB (operands compared at the record's size: shifted to the top,
   * since the globals may hold them unmasked).
   */
  private carryFrom(locals: boolean): void {
    const t = this.temp(I32), sh = this.temp(I64);
    const c = (): void => { if (locals) this.get(this.fC); else this.gget(G_C); };
    const a = (): void => { if (locals) this.get(this.fA); else this.gget(G_A); this.get(sh); this.op(Op.i64Shl); };
    const b = (): void => { if (locals) this.get(this.fB); else this.gget(G_B); this.get(sh); this.op(Op.i64Shl); };
    const r = (): void => { if (locals) this.get(this.fR); else this.gget(G_R); this.get(sh); this.op(Op.i64Shl); };
    if (locals) this.get(this.fOp); else this.gget(G_OP);
    this.set(t);
    this.topShift(() => { if (locals) this.get(this.fSz); else this.gget(G_SZ); }); this.set(sh);
    // One arm per kind, the last one the helper: if t == kind then cf else (next).
    const arms: Array<[(v: number) => void, () => void]> = [
      [(v) => { this.get(v); this.i32(LF_INC); this.op(Op.i32Sub); this.i32(2); this.op(Op.i32LtU); }, () => { c(); this.op(Op.i64Eqz); this.op(Op.i32Eqz); }],
      [(v) => { this.get(v); this.i32(LF_SUB); this.op(Op.i32Eq); }, () => { a(); b(); this.op(Op.i64LtU); }],
      [(v) => { this.get(v); this.i32(LF_ADD); this.op(Op.i32Eq); }, () => { r(); a(); this.op(Op.i64LtU); }],
      [(v) => { this.get(v); this.i32(LF_LOGIC); this.op(Op.i32Eq); }, () => this.i32(0)],
      [(v) => { this.get(v); this.i32(LF_RES); this.op(Op.i32Eq); }, () => { c(); this.op(Op.i32WrapI64); this.i32(F_CF); this.op(Op.i32And); }],
    ];
    if (!locals) arms.push([(v) => { this.get(v); this.op(Op.i32Eqz); }, () => { this.gget(G_FL); this.i32(F_CF); this.op(Op.i32And); }]);
    for (const [test, cf] of arms) { test(t); this.open(Op.if, I32); cf(); this.els(); }
    if (locals) { this.flushDynamic(); this.i32(0); this.set(this.fOp); }
    this.call(F_GETCF);
    for (let n = 0; n < arms.length; n++) this.close();
  }
  /** Pushes ZF (i32 0/1) as the flags stand, without a helper (flags.ts getZF()). */
  private zfNow(): void {
    const f = this.flags;
    if (f && this.condInline(f, 2)) return;
    // A segment start: the record in the canonical locals, or the globals.
    // With no lazy record ZF is in fl, else the result at lfSz bytes is zero.
    const fromLocals = !f && !this.clean;
    if (f) this.flush();
    const zfOf = (r: () => void, sz: () => void): void => { r(); this.topShift(sz); this.op(Op.i64Shl); this.op(Op.i64Eqz); };
    if (fromLocals) {
      this.get(this.fOp);
      this.open(Op.if, I32);
      zfOf(() => this.get(this.fR), () => this.get(this.fSz));
      this.els();
    }
    this.gget(G_OP); this.op(Op.i32Eqz);
    this.open(Op.if, I32);
    this.gget(G_FL); this.i32(6); this.op(Op.i32ShrU); this.i32(1); this.op(Op.i32And);
    this.els();
    zfOf(() => this.gget(G_R), () => this.gget(G_SZ));
    this.close();
    if (fromLocals) this.close();
  }
  /** Pushes the i64 shift that moves a value of the record's size (bytes, the i32 `sz` pushes) to the top of 64 bits. */
  private topShift(sz: () => void): void {
    this.i64(64n); sz(); this.op(Op.i64ExtendI32U); this.i64(3n); this.op(Op.i64Shl); this.op(Op.i64Sub);
  }
  /** Pushes condition cc (0..15, SDM vol. 1 appendix B) as an i32. */
  private cond(cc: number): void {
    const f = this.flags;
    const base = cc >> 1;
    if (f && this.condInline(f, base)) { if (cc & 1) this.op(Op.i32Eqz); return; }
    if (!f && this.clean && this.inWord) { this.condOfWord(base); if (cc & 1) this.op(Op.i32Eqz); return; }
    this.flush();
    this.i32(cc); this.call(F_COND);
  }
  /**
   * With flags null and clean: the globals hold no lazy record, the flags
   * word is the flags (after (U)COMIS*, until the next instruction that may
   * write flags or a segment boundary), so conditions read the word.
   */
  private inWord = false;
  /** Instructions that never write the flags (inWord survives them). */
  private static keepsFlags(i: Ins): boolean {
    switch (i.kind) {
      case K.JCC: case K.CMOV: case K.SETCC: case K.MOV_RM_R: case K.MOV_R_RM: case K.MOV_RM_I: case K.MOVX: case K.LEA:
      case K.NOP: case K.BSWAP: case K.PUSH: case K.POP:
        return true;
      default:
        return sseFlagsNeutral(i);
    }
  }
  /** Pushes condition pair `base` from the CPU's flags word (the globals hold no lazy record: inWord). */
  private condOfWord(base: number): void {
    const bit = (sh: number): void => { this.gget(G_FL); this.i32(sh); this.op(Op.i32ShrU); this.i32(1); this.op(Op.i32And); };
    const any = (m: number): void => { this.gget(G_FL); this.i32(m); this.op(Op.i32And); this.op(Op.i32Eqz); this.op(Op.i32Eqz); };
    switch (base) {
      case 0: any(F_OF); return;
      case 1: any(F_CF); return;
      case 2: any(F_ZF); return;
      case 3: any(F_CF | F_ZF); return;
      case 4: any(F_SF); return;
      case 5: any(F_PF); return;
      case 6: bit(7); bit(11); this.op(Op.i32Ne); return; // SF != OF
      default: any(F_ZF); bit(7); bit(11); this.op(Op.i32Ne); this.op(Op.i32Or); return; // ZF, or SF != OF
    }
  }
  /** Condition pair `base` from CF, OF, ZF and SF of record f (flagOf()); false for P/NP, not inline. */
  private condOf(base: number, f: LazyFlags): boolean {
    switch (base) {
      case 0: this.flagOf(f, F_OF); return true;
      case 1: this.flagOf(f, F_CF); return true;
      case 2: this.flagOf(f, F_ZF); return true;
      case 3: this.flagOf(f, F_CF); this.flagOf(f, F_ZF); this.op(Op.i32Or); return true;
      case 4: this.flagOf(f, F_SF); return true;
      case 6: this.flagOf(f, F_SF); this.flagOf(f, F_OF); this.op(Op.i32Ne); return true;
      case 7: this.flagOf(f, F_ZF); this.flagOf(f, F_SF); this.flagOf(f, F_OF); this.op(Op.i32Ne); this.op(Op.i32Or); return true;
      default: return false;
    }
  }
  /** Pushes flag `which` (F_CF, F_OF, F_ZF or F_SF) of an ADD, INC, DEC, logic or result record as an i32 0/1. */
  private flagOf(f: LazyFlags, which: number): void {
    const sz = f.sz;
    if (which === F_ZF) { this.get(f.r); if (sz !== 8) { this.i64(mask(sz)); this.op(Op.i64And); } this.op(Op.i64Eqz); return; }
    if (which === F_SF) { this.get(f.r); this.i64(signBit(sz)); this.op(Op.i64And); this.op(Op.i64Eqz); this.op(Op.i32Eqz); return; }
    if (f.op === LF_LOGIC) { this.i32(0); return; } // CF = OF = 0
    if (which === F_CF) {
      if (f.op === LF_ADD) { this.get(f.r); this.get(f.a); this.op(Op.i64LtU); }
      else if (f.op === LF_INC || f.op === LF_DEC) { this.get(f.c); this.op(Op.i64Eqz); this.op(Op.i32Eqz); }
      else { this.get(f.c); this.i64n(F_CF); this.op(Op.i64And); this.op(Op.i64Eqz); this.op(Op.i32Eqz); } // LF_RES: a bit of lfC
      return;
    }
    // OF. ADD/INC: both operands differ in sign from the result; DEC: a and 1 differ and a and r differ; LF_RES: a bit of lfC.
    if (f.op === LF_DEC) this.of3(f.a, f.b, f.r, sz);
    else if (f.op === LF_ADD || f.op === LF_INC) this.of3(f.r, f.a, f.b, sz);
    else { this.get(f.c); this.i64n(F_OF); this.op(Op.i64And); this.op(Op.i64Eqz); this.op(Op.i32Eqz); }
  }
  /** Pushes whether ((x ^ y) & (x ^ z)) has the sign bit at size sz: the OF rules of flags.ts. */
  private of3(x: number, y: number, z: number, sz: number): void {
    this.get(x); this.get(y); this.op(Op.i64Xor); this.get(x); this.get(z); this.op(Op.i64Xor); this.op(Op.i64And);
    this.i64(signBit(sz)); this.op(Op.i64And); this.op(Op.i64Eqz); this.op(Op.i32Eqz);
  }
  /** Pushes the signed value of local l at the record's size, moved to the top of 64 bits. */
  private signedTop(l: number, sz: number): void {
    this.get(l); if (sz !== 8) { this.i64n(64 - sz * 8); this.op(Op.i64Shl); }
  }
  private condInline(f: LazyFlags, base: number): boolean {
    if (f.op === LF_ADD || f.op === LF_INC || f.op === LF_DEC || f.op === LF_LOGIC || f.op === LF_RES) return this.condOf(base, f);
    if (f.op !== LF_SUB) return false;
    switch (base) {
      case 0: this.of3(f.a, f.b, f.r, f.sz); return true;
      case 1: this.get(f.a); this.get(f.b); this.op(Op.i64LtU); return true;
      case 2: this.get(f.a); this.get(f.b); this.op(Op.i64Eq); return true;
      case 3: this.get(f.a); this.get(f.b); this.op(Op.i64LeU); return true;
      case 4: this.flagOf(f, F_SF); return true;
      case 6: this.signedTop(f.a, f.sz); this.signedTop(f.b, f.sz); this.op(Op.i64LtS); return true;
      case 7: this.signedTop(f.a, f.sz); this.signedTop(f.b, f.sz); this.op(Op.i64LeS); return true;
      default: return false;
    }
  }

  // ---- exits ----
  /**
   * Leaves the block with `retired` instructions of this pass retired and RIP
   * from `rip`: to the next block through dispatch when `chain`, else to
   * run(). All exits share the epilogue (flags, registers, count).
   */
  private exitAt(retired: number, rip: () => void, chain: boolean | "unless-called" = false): void {
    this.exitRaw(retired - this.base, rip, chain);
  }
  /** Leaves with `n` instructions of the current segment retired (on top of `cnt`). */
  private exitRaw(n: number, rip: () => void, chain: boolean | "unless-called"): void {
    rip(); this.set(this.exitRip);
    this.i32(n); this.set(this.exitN);
    // "unless-called": a return chains when no compiled call waits for it (depth 0).
    if (chain === "unless-called" && this.chain) { this.get(this.P_DEPTH); this.op(Op.i32Eqz); }
    else this.i32(chain && this.chain ? 1 : 0);
    this.set(this.exitChain);
    this.c.byte(Op.br).u32(this.depth - this.exitDepth);
  }
  /**
   * After CALL (instruction k, return address pushed): when the return
   * address `ret` (a page offset) starts a segment of this region, the
   * callee runs as a host call — dispatch(target), not a tail call — and
   * its RET returns here (exitAt(..., false)). If it comes back to `ret`
   * with no fault, the region goes on at that segment after reloading its
   * register locals: a call and its return cost one call and one return
   * instead of two trips through dispatch. Anything else that comes back
   * (an exit for run(), a fault, a return elsewhere) is passed up as it is:
   * the callee already stored the state and the retired count. Calls
   * nest at most MAX_CALLS deep (the depth parameter every region and
   * dispatch pass on, one more for a callee); deeper,
   * and without a segment at `ret`, the CALL leaves through dispatch.
   * `callee`: the target's region when this one was generated (a direct
   * CALL; index.ts callee()), called directly while the jump cache agrees.
   */
  private callOut(k: number, target: () => void, ret: number, callee: Callee | null = null): void {
    const t = this.labels.get(ret);
    if (t === undefined || !this.inside(t) || !this.chain) { this.exitAt(k + 1, target, true); return; }
    this.get(this.cnt); this.i32(k + 1 - this.base); this.op(Op.i32Add); this.set(this.cnt);
    this.get(this.P_DEPTH); this.i32(MAX_CALLS); this.op(Op.i32GeU);
    this.open(Op.if, VOID); this.exitRaw(0, target, true); this.close();
    // The callee sees the machine state: flags and every register local to the state block.
    this.handOver();
    for (let n = 0; n < 16; n++) if (this.dirty(n)) { this.get(this.P_S); this.get(this.regL[n]); this.mem(Op.i64Store, n * 8); }
    const args = (): void => {
      target(); this.get(this.P_S); this.get(this.P_BUDGET); this.get(this.P_DONE); this.get(this.cnt); this.op(Op.i32Add);
      this.get(this.P_DEPTH); this.i32(1); this.op(Op.i32Add);
    };
    if (callee) {
      // The callee's region was compiled when this one was: call it directly
      // while the jump cache still maps the target to its slot (dispatch
      // fills and empties the cache; so a changed mapping, page or region
      // goes through dispatch) and its longest run fits the budget. Saves
      // dispatch's frame, its lookup's hash and the indirect call.
      target(); const tg = this.save64();
      const j = this.temp(I32);
      jcSlot(this.c, () => this.get(tg), this.lay); this.tee(j);
      this.mem(Op.i64Load, this.lay.jc); this.get(tg); this.op(Op.i64Eq);
      this.get(j); this.mem(Op.i32Load, this.lay.jc + 8); this.i32(callee.idx); this.op(Op.i32Eq); this.op(Op.i32And);
      this.get(this.P_DONE); this.get(this.cnt); this.op(Op.i32Add); this.i32(callee.need); this.op(Op.i32Add); this.get(this.P_BUDGET); this.op(Op.i32LeU);
      this.op(Op.i32And);
      this.open(Op.if, I64);
      args(); this.c.byte(Op.call); this.patches.push({ pos: this.c.length, ref: callee.ref }); this.c.u32Wide(0);
      this.els();
      args(); this.c.opU(Op.call, DISPATCH_FN);
      this.close();
    } else {
      args(); this.c.opU(Op.call, DISPATCH_FN);
    }
    const r = this.save64();
    this.get(r); this.ripPlus(ret)(); this.op(Op.i64Ne); this.gget(G_FAULT); this.op(Op.i32Or);
    this.open(Op.if, VOID); this.get(r); this.op(Op.return); this.close();
    // Back at `ret`: the callee's count, registers and flags.
    this.i32(0); this.mem(Op.i32Load, this.lay.jitN); this.get(this.P_DONE); this.op(Op.i32Sub); this.set(this.cnt);
    this.loadRegs(this.c);
    // The callee may have written this page's code.
    this.codeChanged();
    this.open(Op.if, VOID); this.exitRaw(0, this.ripPlus(this.block[this.segs[t].start].off), false); this.close();
    this.transfer(t, this.base, t === this.cur + 1, true);
  }
  private epilogue(): void {
    this.flushDynamic();
    this.writeBack();
    const count = (): void => {
      this.get(this.P_DONE); this.get(this.cnt); this.op(Op.i32Add); this.get(this.exitN); this.op(Op.i32Add);
    };
    if (this.chain) {
      this.get(this.exitChain);
      this.open(Op.if, VOID);
      this.get(this.exitRip); this.get(this.P_S); this.get(this.P_BUDGET); count(); this.get(this.P_DEPTH);
      this.c.byte(Op.returnCall).u32(DISPATCH_FN);
      this.close();
    }
    this.i32(this.lay.jitN); count(); this.mem(Op.i32Store, 0);
    this.get(this.exitRip);
  }

  /** Page fault in instruction k: nothing of it committed, RIP on it. */
  private faultExit(k: number): void { this.exitAt(k, this.ripPlus(this.block[k].off)); }
  /**
   * A TLB miss in instruction k (or a page crossing, a code page for a
   * write): leaves before it for run(), which runs it in the interpreter —
   * filling the TLB, or raising the page fault — and goes on from there
   * (JIT_N + 8 tells it the exit was a miss: the next instruction is a head).
   * No helper call in the region: a call makes the engine's register
   * allocator spill every live value around it, and the slow paths' calls
   * were a third of TurboFan's time on these functions. Misses are rare
   * (awk: a few dozen per run).
   */
  missExit(k: number): void { this.i32(this.lay.jitN); this.i32(1); this.mem(Op.i32Store, 8); this.faultExit(k); }
  private ifFault(k: number): void { this.gget(G_FAULT); this.open(Op.if, VOID); this.faultExit(k); this.close(); }
  /** After the generic path ran instruction k (it writes through the interpreter's helpers): stop if that changed this region's code page. */
  private genCheckNow(k: number): void {
    this.codeChanged();
    this.open(Op.if, VOID); this.exitAt(k + 1, this.ripPlus(this.block[k].off + this.block[k].len)); this.close();
  }
  /** Pushes an i32: whether the region's code page has changed since it was compiled (its generation word). */
  private codeChanged(): void {
    this.i32(this.page.genAddr); this.mem(Op.i32Load, 0); this.i32(this.page.gen | 0); this.op(Op.i32Ne);
  }
  /** A taken branch of instruction k to offset `t` (from the head): inside the region or out. */
  private branchTo(k: number, t: bigint): void {
    const seg = this.labels.get(Number(t));
    if (seg !== undefined && this.inside(seg)) this.transfer(seg, k + 1, false);
    else this.exitAt(k + 1, this.ripPlus(t), true);
  }

  // ---- memory ----
  /** Pushes the effective address of instruction i (64-bit addressing, FS/GS base added). */
  ea(i: Ins): number {
    this.i64n(i.disp);
    if (i.base === EA_RIP) { this.get(this.P_RIP); this.i64n(i.off + i.len); this.op(Op.i64Add); this.op(Op.i64Add); }
    else if (i.base >= 0) { this.getR(i.base * 8, 8); this.op(Op.i64Add); }
    if (i.idx >= 0) {
      this.getR(i.idx * 8, 8);
      if (i.scale) { this.i64n(i.scale); this.op(Op.i64Shl); }
      this.op(Op.i64Add);
    }
    if (i.seg === 4 || i.seg === 5) { this.getR(i.seg === 4 ? FS_BASE : GS_BASE, 8); this.op(Op.i64Add); }
    const l = this.save64();
    const b = spanBase(i);
    if (b >= 0) this.spanAt(l, b, i.disp);
    return l;
  }
  /**
   * Pushes an i32: 1 when the TLB table at `tlb` maps [a, a+sz) within one
   * page; leaves the entry address in `t`. The entry is a's, the tag compared
   * is that of the last byte's page: an access that crosses into the next
   * page cannot match (that page has another entry), so one compare also
   * rules out page crossings.
   */
  tlbHit(tlb: number, a: number, sz: number, t: number): void {
    // Entry offset ((a >> 12) & 1023) * 16 in three operations; the table's
    // address goes into the loads' offsets (core.ts: tag = page | 0xfff).
    this.get(a); this.op(Op.i32WrapI64); this.i32(8); this.op(Op.i32ShrU); this.i32(0x3ff0); this.op(Op.i32And); this.tee(t);
    this.mem(Op.i64Load, tlb);
    this.get(a); if (sz > 1) { this.i64n(sz - 1); this.op(Op.i64Add); }
    this.i64(0xfffn); this.op(Op.i64Or); this.op(Op.i64Eq);
  }
  /** Pushes the host address of `a` for a hit in TLB table `tlb` (entry offset in `t`): the entry's addend plus the address. */
  hostOf(tlb: number, t: number, a: number): void {
    this.get(t); this.mem(Op.i32Load, tlb + 8); this.get(a); this.op(Op.i32WrapI64); this.op(Op.i32Add);
  }
  /** Pushes the host address of [a, a+sz) if TLB table `tlb` maps it within one page, else 0. */
  private hostOrZero(tlb: number, a: number, sz: number): void {
    const t = this.temp(I32);
    this.tlbHit(tlb, a, sz, t);
    this.open(Op.if, I32); this.hostOf(tlb, t, a); this.els(); this.i32(0); this.close();
  }
  // ---- spans (span.ts) ----
  /** Per instruction: the runs its accesses belong to. */
  private runs: Array<InRun[] | undefined> = [];
  private runCount = 0;
  /** Per base register: the local holding the host address of its current run's span start (0 when the probe missed). */
  private spanHost: number[] = new Array<number>(16).fill(-1);
  /** The current instruction's runs, and its address locals that are a run's base plus a known distance. */
  private inRuns: InRun[] | undefined;
  private spanOff = new Map<number, { run: Run; off: number }>();
  /** At instruction k: a run that starts here probes the TLB once for its whole span. */
  private spanStart(k: number): void {
    if (this.spanOff.size) this.spanOff.clear();
    this.inRuns = this.runs[k];
    for (const { run } of this.inRuns ?? []) {
      if (run.first !== k) continue;
      const tlb = run.write ? this.lay.tlbW : this.lay.tlbR;
      this.getR(run.base * 8, 8); this.i64n(run.lo); this.op(Op.i64Add); const a = this.save64();
      this.hostOrZero(tlb, a, run.hi - run.lo);
      if (this.spanHost[run.base] < 0) this.spanHost[run.base] = this.local(I32);
      this.set(this.spanHost[run.base]);
    }
  }
  /** Notes that address local `l` holds GPR `base` (as it was before this instruction) plus `off`. */
  private spanAt(l: number, base: number, off: number): void {
    for (const { run, d } of this.inRuns ?? []) if (run.base === base) { this.spanOff.set(l, { run, off: d + off }); return; }
  }
  /** For an access of sz bytes at address local `a`: the host local of its run and its distance from the span start, or [-1, 0]. */
  private inSpan(a: number, sz: number, write: boolean): [number, number] {
    const s = this.spanOff.get(a);
    if (!s) return [-1, 0];
    const { run, off } = s;
    if (off < run.lo || off + sz > run.hi || (write && !run.write)) return [-1, 0];
    return [this.spanHost[run.base], off - run.lo];
  }

  /** Pushes the sz-byte value at address local `a` (zero-extended); a fault leaves the block at instruction k. */
  read(a: number, sz: number, k: number): void {
    const [h, o] = this.inSpan(a, sz, false);
    if (h >= 0) {
      this.get(h); this.open(Op.if, I64);
      this.get(h); this.mem(LOADS[sz], o);
      this.els();
    }
    const t = this.temp(I32);
    this.tlbHit(this.lay.tlbR, a, sz, t);
    this.open(Op.if, I64);
    this.hostOf(this.lay.tlbR, t, a); this.mem(LOADS[sz], 0);
    this.els();
    this.missExit(k);
    this.close();
    if (h >= 0) this.close();
  }
  /** Writes local `v` to address local `a`; a miss leaves before instruction k. `hw` (if >= 0): the host address rmwRead() found writable. */
  write(a: number, sz: number, v: number, k: number, hw = -1): void {
    if (hw >= 0) { this.get(hw); this.get(v); this.mem(STORES[sz], 0); return; }
    const [h, o] = this.inSpan(a, sz, true);
    if (h >= 0) {
      this.get(h); this.open(Op.if, VOID);
      this.get(h); this.get(v); this.mem(STORES[sz], o);
      this.els();
    }
    const t = this.temp(I32);
    this.tlbHit(this.lay.tlbW, a, sz, t);
    this.open(Op.if, VOID);
    this.hostOf(this.lay.tlbW, t, a); this.get(v); this.mem(STORES[sz], 0);
    this.els();
    this.missExit(k);
    this.close();
    if (h >= 0) this.close();
  }
  /**
   * Read-modify-write, first half: checks the write TLB maps [a, a+sz) (a
   * miss leaves before k) and pushes its value; returns the local holding
   * the host address for the write.
   */
  private rmwRead(a: number, sz: number, k: number): number {
    const [h, o] = this.inSpan(a, sz, true);
    if (h >= 0) { this.get(h); this.open(Op.if, I32); this.get(h); this.i32(o); this.op(Op.i32Add); this.els(); }
    this.hostOrZero(this.lay.tlbW, a, sz);
    if (h >= 0) this.close();
    const hw = this.temp(I32);
    this.tee(hw);
    this.op(Op.i32Eqz);
    this.open(Op.if, VOID); this.missExit(k); this.close();
    this.get(hw); this.mem(LOADS[sz], 0);
    return hw;
  }

  /** Pushes the r/m operand of i at size sz (register or memory). */
  private rmValue(i: Ins, sz: number, k: number): number {
    if (!i.mem) { this.getR(i.rm, sz); return this.save64(); }
    const a = this.ea(i);
    this.read(a, sz, k);
    return this.save64();
  }
  private immValue(i: Ins, sz: number): number {
    this.i64(BigInt.asIntN(64, i.imm & mask(sz)));
    return this.save64();
  }

  // ---- flag liveness ----
  /**
   * Flags instruction i (a register form) reads, those it may write and those
   * it certainly overwrites; null when it may leave the segment or touch memory.
   */
  private flagUse(i: Ins): { reads: number; writes: number; kills: number } | null {
    const ALL = FL_ALL, use = flagSet;
    if (i.mem && i.kind !== K.LEA) return null; // a memory access may fault: the flags become visible
    switch (i.kind) {
      case K.MOV_RM_R: case K.MOV_R_RM: case K.MOV_RM_I: case K.MOVX: case K.LEA: case K.NOP: case K.BSWAP:
        return use(0, 0);
      case K.ALU_RM_R: case K.ALU_R_RM: case K.ALU_RM_I:
        return use(i.sub === ALU_ADC || i.sub === ALU_SBB ? F_CF : 0, ALL);
      case K.TEST_RM_R: case K.TEST_RM_I: case K.IMUL: case K.IMUL_I: return use(0, ALL);
      case K.INCDEC: return use(0, ALL & ~F_CF);
      case K.NOTNEG: return use(0, i.sub ? ALL : 0);
      case K.BT_I: return use(F_ZF, ALL); // ZF kept, the others written (flags.ts setBtFlags())
      case K.SHIFT: case K.SHIFT_1: {
        const cnt = (i.kind === K.SHIFT ? Number(i.imm & 0xffn) : 1) & (i.sz === 8 ? 63 : 31);
        if (cnt === 0) return use(0, 0);
        if (i.sub <= 3) return use(i.sub >= 2 ? F_CF : 0, F_CF | F_OF); // rotates write CF and OF only; RCL/RCR read CF
        return use(0, ALL);
      }
      // The count may be 0: nothing is certainly overwritten, but a non-zero count writes.
      case K.SHIFT_CL: return use(i.sub === 2 || i.sub === 3 ? F_CF : 0, 0, i.sub <= 3 ? F_CF | F_OF : ALL);
      case K.CMOV: case K.SETCC: return use(COND_READS[i.sub >> 1], 0);
      default:
        if (sseFlagsNeutral(i)) return use(0, 0); // SSE register moves
        return null; // branches, stack operations, anything else
    }
  }
  /**
   * True when the flags instruction k writes can never be observed: later
   * instructions of the segment overwrite each of them before anything
   * reads it or the block can be left (a memory access may fault, a branch
   * may exit, the segment end hands the flags on). Such instructions
   * compute only their result.
   */
  private flagsDead(k: number): boolean {
    let live = this.flagUse(this.block[k])?.writes ?? FL_ALL;
    if (!live) return true;
    for (let j = k + 1; j <= this.segEnd; j++) {
      const u = this.flagUse(this.block[j]);
      if (!u || (u.reads & live)) return false;
      live &= ~u.kills;
      if (!live) return true;
    }
    return false;
  }

  /** Result of shift/rotate `kind` (not RCL/RCR) of local v by the i32 count `count` pushes, without flags. */
  private shiftNoFlags(kind: number, v: number, count: () => void, sz: number): void {
    const bits = sz * 8, m = mask(sz);
    const c = this.temp(I64);
    count(); this.op(Op.i64ExtendI32U); this.i64(sz === 8 ? 63n : 31n); this.op(Op.i64And); this.set(c);
    if (kind === 0 || kind === 1) {
      // ROL/ROR rotate by count mod width.
      const rc = this.temp(I64);
      this.get(c); this.i64n(bits - 1); this.op(Op.i64And); this.set(rc);
      this.get(v); this.get(rc); this.op(kind === 0 ? Op.i64Shl : Op.i64ShrU);
      this.get(v); this.i64n(bits); this.get(rc); this.op(Op.i64Sub); this.op(kind === 0 ? Op.i64ShrU : Op.i64Shl);
      this.op(Op.i64Or);
      if (sz !== 8) { this.i64(m); this.op(Op.i64And); }
      // rc == 0: the value itself (a shift by the full width is no shift in wasm).
      this.get(v); this.get(rc); this.op(Op.i64Eqz); this.op(Op.i32Eqz); this.op(Op.select);
      return;
    }
    if (kind === SH_SHR) { this.get(v); this.get(c); this.op(Op.i64ShrU); return; }
    if (kind === SH_SAR) {
      const sh = BigInt(64 - bits);
      this.get(v); if (sh) { this.i64(sh); this.op(Op.i64Shl); this.i64(sh); this.op(Op.i64ShrS); }
      this.get(c); this.op(Op.i64ShrS);
      if (sz !== 8) { this.i64(m); this.op(Op.i64And); }
      return;
    }
    // SHL/SAL
    this.get(v); this.get(c); this.op(Op.i64Shl);
    if (sz !== 8) { this.i64(m); this.op(Op.i64And); }
  }

  // ---- instructions ----
  /** Emits instruction k; true when it ends the block (an unconditional transfer). */
  private ins(k: number, i: Ins): boolean {
    this.used64 = 0; this.used32 = 0;
    this.spanStart(k);
    if (!BlockCompiler.keepsFlags(i)) this.inWord = false;
    const sz = i.sz;
    const next = i.off + i.len;
    switch (i.kind) {
      case K.ALU_RM_R: case K.ALU_RM_I: case K.ALU_R_RM: {
        const aop = i.sub;
        if (i.kind === K.ALU_R_RM) {
          const b = this.rmValue(i, sz, k);
          this.getR(i.reg, sz); const a = this.save64();
          const r = this.alu(aop, a, b, sz);
          if (aop !== ALU_CMP) this.setR(i.reg, sz, () => this.get(r));
          return false;
        }
        const bFrom = (): number => (i.kind === K.ALU_RM_R ? (this.getR(i.reg, sz), this.save64()) : this.immValue(i, sz));
        if (!i.mem) {
          this.getR(i.rm, sz); const a = this.save64();
          const r = this.alu(aop, a, bFrom(), sz);
          if (aop !== ALU_CMP) this.setR(i.rm, sz, () => this.get(r));
          return false;
        }
        const ad = this.ea(i);
        if (aop === ALU_CMP) {
          this.read(ad, sz, k); const a = this.save64();
          this.alu(aop, a, bFrom(), sz);
          return false;
        }
        const hw = this.rmwRead(ad, sz, k); const a = this.save64();
        const r = this.alu(aop, a, bFrom(), sz);
        this.write(ad, sz, r, k, hw);
        return false;
      }
      case K.TEST_RM_R: case K.TEST_RM_I: {
        const a = this.rmValue(i, sz, k);
        const b = i.kind === K.TEST_RM_R ? (this.getR(i.reg, sz), this.save64()) : this.immValue(i, sz);
        this.alu(ALU_AND, a, b, sz);
        return false;
      }
      case K.MOV_RM_R: case K.MOV_RM_I: {
        const v = i.kind === K.MOV_RM_R ? (this.getR(i.reg, sz), this.save64()) : (this.i64(BigInt.asIntN(64, i.imm)), this.save64());
        if (!i.mem) { this.setR(i.rm, sz, () => this.get(v)); return false; }
        const ad = this.ea(i);
        this.write(ad, sz, v, k);
        return false;
      }
      case K.MOV_R_RM: {
        const v = this.rmValue(i, sz, k);
        this.setR(i.reg, sz, () => this.get(v));
        return false;
      }
      case K.LEA: {
        const ad = this.ea(i);
        this.setR(i.reg, sz, () => this.get(ad));
        return false;
      }
      case K.NOP: return false;
      case K.MOVX: {
        const ssz = i.sub === 5 ? 4 : (i.sub & 1) ? 1 : 2;
        const v = this.rmValue(i, ssz, k);
        this.setR(i.reg, sz, () => {
          this.get(v);
          if (i.sub === 3) this.op(Op.i64Extend8S);
          else if (i.sub === 4) this.op(Op.i64Extend16S);
          else if (i.sub === 5) this.op(Op.i64Extend32S);
        });
        return false;
      }
      case K.JCC: {
        this.cond(i.sub);
        this.open(Op.if, VOID);
        this.branchTo(k, this.target(i));
        this.close();
        return false;
      }
      case K.JMP:
        this.branchTo(k, this.target(i));
        return true;
      case K.CALL: {
        this.ripPlus(next)(); this.push(this.save64(), k);
        const to = this.target(i);
        const callee = this.page.callee(BigInt.asUintN(64, this.page.rip + to));
        this.callOut(k, this.ripPlus(to), next, callee);
        return true;
      }
      case K.RET: {
        this.getR(RSP, 8); const sp = this.save64(); this.spanAt(sp, RSP >> 3, 0);
        this.read(sp, 8, k); const t = this.save64();
        this.setR(RSP, 8, () => { this.get(sp); this.i64(8n); this.op(Op.i64Add); });
        // A return to the compiled call waiting for it (callOut()) if one
        // does; otherwise on through dispatch (run() would only dispatch).
        this.exitAt(k + 1, () => this.get(t), "unless-called");
        return true;
      }
      case K.PUSH: {
        this.getR(i.reg, 8); this.push(this.save64(), k);
        return false;
      }
      case K.POP: {
        this.getR(RSP, 8); const sp = this.save64(); this.spanAt(sp, RSP >> 3, 0);
        this.read(sp, 8, k); const v = this.save64();
        this.setR(RSP, 8, () => { this.get(sp); this.i64(8n); this.op(Op.i64Add); });
        this.setR(i.reg, 8, () => this.get(v)); // POP RSP: the popped value wins
        return false;
      }
      case K.CALL_RM: case K.JMP_RM: {
        const t = this.rmValue(i, 8, k);
        if (i.kind === K.CALL_RM) {
          this.ripPlus(next)(); this.push(this.save64(), k);
          this.callOut(k, () => this.get(t), next);
          return true;
        }
        this.exitAt(k + 1, () => this.get(t), true);
        return true;
      }
      case K.CMOV: {
        // The source is read even when the condition is false; a 32-bit form always zero-extends.
        const v = this.rmValue(i, sz, k);
        const n = i.reg >> 3;
        this.merged(i.reg, sz, () => this.get(v)); const yes = this.save64();
        this.reg64(n); if (sz === 4) { this.i64(0xffff_ffffn); this.op(Op.i64And); } const no = this.save64();
        this.cond(i.sub); const c = this.save32();
        this.setR(n * 8, 8, () => { this.get(yes); this.get(no); this.get(c); this.op(Op.select); });
        return false;
      }
      case K.SETCC: {
        this.cond(i.sub);
        this.op(Op.i64ExtendI32U);
        const v = this.save64();
        if (!i.mem) { this.setR(i.rm, 1, () => this.get(v)); return false; }
        const ad = this.ea(i);
        this.write(ad, 1, v, k);
        return false;
      }
      case K.IMUL: case K.IMUL_I: {
        const b = this.rmValue(i, sz, k);
        if (this.flagsDead(k)) {
          // Only the low sz bytes of the product: the same in signed and unsigned arithmetic.
          const r = this.temp(I64);
          if (i.kind === K.IMUL) this.getR(i.reg, sz); else this.i64(BigInt.asIntN(64, i.imm));
          this.get(b); this.op(Op.i64Mul); this.set(r);
          this.setR(i.reg, sz, () => this.get(r));
          return false;
        }
        this.handOver();
        if (i.kind === K.IMUL) { this.getR(i.reg, sz); this.get(b); }
        else { this.get(b); this.i64(BigInt.asIntN(64, i.imm)); }
        this.i32(sz); this.call(F_IMUL2);
        const r = this.save64();
        this.setR(i.reg, sz, () => this.get(r));
        return false;
      }
      case K.INCDEC:
        if (!i.mem && this.flagsDead(k)) {
          return this.rmw(i, k, (v) => {
            this.get(v); this.i64(1n); this.op(i.sub ? Op.i64Sub : Op.i64Add);
            if (sz !== 8) { this.i64(mask(sz)); this.op(Op.i64And); }
          }, true);
        }
        // INC/DEC keep CF: take it from what the compiler knows, else from the globals (alu.ts incdec()).
        return this.rmw(i, k, (v) => {
          const c = this.temp(I64), one = this.temp(I64), r = this.temp(I64);
          this.carryBefore(); this.op(Op.i64ExtendI32U); this.set(c);
          this.i64(1n); this.set(one);
          this.get(v); this.i64(1n); this.op(i.sub ? Op.i64Sub : Op.i64Add);
          if (sz !== 8) { this.i64(mask(sz)); this.op(Op.i64And); }
          this.set(r);
          this.record(i.sub ? LF_DEC : LF_INC, sz, v, one, r, c);
          this.get(r);
        }, true);
      case K.SHIFT: case K.SHIFT_1: case K.SHIFT_CL: {
        const kind = i.sub;
        const cnt = i.kind === K.SHIFT ? Number(i.imm & 0xffn) : 1;
        const masked = cnt & (sz === 8 ? 63 : 31);
        if (i.kind !== K.SHIFT_CL && masked !== 0 && (kind === SH_SHL || kind === SH_SAL || kind === SH_SHR || kind === SH_SAR)) {
          return this.rmw(i, k, (v) => this.shiftInline(kind, v, masked, sz), true);
        }
        if (!i.mem && kind !== 2 && kind !== 3 && this.flagsDead(k)) {
          const count = (): void => { if (i.kind === K.SHIFT_CL) { this.getR(RCX, 1); this.op(Op.i32WrapI64); } else this.i32(cnt); };
          return this.rmw(i, k, (v) => this.shiftNoFlags(kind, v, count, sz), true);
        }
        return this.rmw(i, k, (v) => {
          this.i32(kind); this.get(v);
          if (i.kind === K.SHIFT_CL) { this.getR(RCX, 1); this.op(Op.i32WrapI64); } else this.i32(cnt);
          this.i32(sz); this.call(F_SHIFT);
        });
      }
      case K.NOTNEG:
        if (i.sub === 0) {
          // NOT: no flags.
          return this.rmw(i, k, (v) => { this.get(v); this.i64(BigInt.asIntN(64, mask(sz))); this.op(Op.i64Xor); }, true);
        }
        // NEG: the flags of SUB 0, v (alu.ts neg()).
        return this.rmw(i, k, (v) => {
          this.i64(0n); const z = this.save64();
          this.get(v); const b = this.save64();
          const r = this.alu(ALU_SUB, z, b, sz);
          this.get(r);
        }, true);
      case K.BSWAP: {
        const n = i.rm >> 3;
        this.setR(i.rm, sz, () => {
          // Byte reversal by halves: swap bytes in 16-bit lanes, lanes in 32-bit words, then the words.
          const x = this.temp(I64);
          this.reg64(n); this.set(x);
          const swap = (m: bigint, by: bigint): void => {
            this.get(x); this.i64(BigInt.asIntN(64, m)); this.op(Op.i64And); this.i64(by); this.op(Op.i64Shl);
            this.get(x); this.i64(by); this.op(Op.i64ShrU); this.i64(BigInt.asIntN(64, m)); this.op(Op.i64And);
            this.op(Op.i64Or); this.set(x);
          };
          swap(0x00ff_00ff_00ff_00ffn, 8n);
          swap(0x0000_ffff_0000_ffffn, 16n);
          this.get(x); this.i64(32n); this.op(Op.i64Rotl);
          if (sz === 4) { this.i64(32n); this.op(Op.i64ShrU); }
        });
        return false;
      }
      case K.BT_I: {
        // bits.ts bitTest() with an immediate offset. The flags are flags.ts
        // setBtFlags(): CF the bit, ZF kept, one LF_RES record.
        const kind = i.sub;
        const b = BigInt(Number(i.imm & 0xffn) & (sz * 8 - 1));
        const btFlags = (v: number): void => {
          this.zfNow(); this.op(Op.i32Eqz); this.op(Op.i64ExtendI32U); const r = this.save64();
          this.get(v); this.i64(b); this.op(Op.i64ShrU); this.i64(1n); this.op(Op.i64And); const c = this.save64();
          this.record(LF_RES, 8, -1, -1, r, c);
        };
        const apply = (v: number): void => {
          const m = 1n << b;
          this.get(v);
          if (kind === 1) { this.i64(BigInt.asIntN(64, m)); this.op(Op.i64Or); }
          else if (kind === 2) { this.i64(BigInt.asIntN(64, ~m)); this.op(Op.i64And); }
          else { this.i64(BigInt.asIntN(64, m)); this.op(Op.i64Xor); }
        };
        if (kind === 0) {
          const v = this.rmValue(i, sz, k);
          btFlags(v);
          return false;
        }
        // rmw() has probed the operand writable before this runs, so the write cannot fault after the flags are set.
        return this.rmw(i, k, (v) => { btFlags(v); apply(v); }, true);
      }
      case K.GENERIC: {
        // The CPU's generic path runs it on the state block: the registers it
        // may read go there first (all of them, in locals: a later segment
        // may write one before the loop comes back here), the ones it may
        // write come back after; the flags are handed over.
        // Scalar SSE arithmetic runs inline when MXCSR allows (ssearith.ts), so
        // do double compares and int <-> double conversions (ssecvt.ts), REP STOSB
        // when it stays in one mapped page (string.ts), else as below.
        this.handOver();
        let inline = compileSseArith(this, k, i);
        if (inline < 0) inline = compileSseConvert(this, k, i);
        if (inline < 0) inline = compileRepStos(this, i, () => this.gget(G_FL));
        if (inline < 0) inline = compileRepMovs(this, i, () => this.gget(G_FL));
        if (inline >= 0) { this.get(inline); this.op(Op.i32Eqz); this.open(Op.if, VOID); }
        const { reads, writes } = genericRegs(i);
        for (const n of reads) if (this.dirty(n)) { this.get(this.P_S); this.get(this.reg(n)); this.mem(Op.i64Store, n * 8); }
        this.ripPlus(i.off)(); this.call(F_GENERIC); const nx = this.save64();
        for (const n of writes) if (!this.inMem[n]) { this.get(this.P_S); this.mem(Op.i64Load, n * 8); this.set(this.reg(n)); this.written[n] = true; }
        this.ifFault(k);
        // Any other exit reason: nothing was done; run() executes it again and raises it.
        this.i32(this.lay.jitN); this.mem(Op.i32Load, 4);
        this.open(Op.if, VOID); this.exitAt(k, this.ripPlus(i.off)); this.close();
        // A REP that yields (RIP on itself) leaves after it, as in run().
        this.get(nx); this.ripPlus(i.off + i.len)(); this.op(Op.i64Ne);
        this.open(Op.if, VOID); this.exitAt(k + 1, () => this.get(nx)); this.close();
        this.genCheckNow(k);
        if (inline >= 0) this.close();
        // (U)COMISS/(U)COMISD leave the flags in the word, both inline
        // (setStatusFlags()) and in the interpreter (core.ts setStatusFlags()).
        if (i.map === 1 && (i.op === 0x2e || i.op === 0x2f) && !(i.pfx & (PFX_F2 | PFX_F3))) this.inWord = true;
        return false;
      }
      default:
        // SSE data moves (sse.ts; it throws for kinds it does not know either).
        return compileSse(this, k, i);
    }
  }

  /** Pushes local v on the guest stack for instruction k (PUSH, and CALL's return address). */
  private push(v: number, k: number): void {
    this.getR(RSP, 8); this.i64(8n); this.op(Op.i64Sub); const sp = this.save64();
    this.spanAt(sp, RSP >> 3, -8);
    this.write(sp, 8, v, k);
    this.setR(RSP, 8, () => this.get(sp));
  }

  /** Register or memory read-modify-write of i's r/m operand; `op` maps the old value (local) to the new one (pushed). */
  private rmw(i: Ins, k: number, op: (v: number) => void, inlineFlags = false): boolean {
    const sz = i.sz;
    if (!i.mem) {
      this.getR(i.rm, sz); const v = this.save64();
      if (!inlineFlags) this.handOver();
      op(v);
      const r = this.save64();
      this.setR(i.rm, sz, () => this.get(r));
      return false;
    }
    const ad = this.ea(i);
    const hw = this.rmwRead(ad, sz, k); const v = this.save64();
    if (!inlineFlags) this.handOver();
    op(v);
    const r = this.save64();
    this.write(ad, sz, r, k, hw);
    return false;
  }

  /** SHL/SAL/SHR/SAR by a constant non-zero count, flags as shift.ts records them (LF_RES). */
  private shiftInline(kind: number, v: number, cnt: number, sz: number): void {
    const bits = sz * 8, msb = BigInt(bits - 1), m = mask(sz), c = BigInt(cnt);
    const r = this.temp(I64), cf = this.temp(I64);
    if (kind === SH_SHL || kind === SH_SAL) {
      this.get(v); this.i64(c); this.op(Op.i64Shl); if (sz !== 8) { this.i64(m); this.op(Op.i64And); } this.set(r);
      // CF: the last bit shifted out (cnt <= bits always holds here: counts are masked to 5/6 bits, sz >= 4 or cnt < 32).
      if (cnt <= bits) { this.get(v); this.i64n(bits - cnt); this.op(Op.i64ShrU); this.i64(1n); this.op(Op.i64And); }
      else this.i64(0n);
      this.set(cf);
      // OF = MSB(result) xor CF.
      this.get(r); this.i64(msb); this.op(Op.i64ShrU); this.i64(1n); this.op(Op.i64And); this.get(cf); this.op(Op.i64Xor);
      this.i64(11n); this.op(Op.i64Shl); this.get(cf); this.op(Op.i64Or);
    } else if (kind === SH_SHR) {
      this.get(v); this.i64(c); this.op(Op.i64ShrU); this.set(r);
      this.get(v); this.i64(c - 1n); this.op(Op.i64ShrU); this.i64(1n); this.op(Op.i64And);
      this.get(v); this.i64(msb); this.op(Op.i64ShrU); this.i64(1n); this.op(Op.i64And); this.i64(11n); this.op(Op.i64Shl);
      this.op(Op.i64Or);
    } else { // SAR
      const sh = BigInt(64 - bits);
      const sv = this.temp(I64);
      this.get(v); if (sh) { this.i64(sh); this.op(Op.i64Shl); this.i64(sh); this.op(Op.i64ShrS); } this.set(sv);
      this.get(sv); this.i64(c); this.op(Op.i64ShrS); if (sz !== 8) { this.i64(m); this.op(Op.i64And); } this.set(r);
      const c1 = c - 1n > 63n ? 63n : c - 1n;
      this.get(sv); this.i64(c1); this.op(Op.i64ShrS); this.i64(1n); this.op(Op.i64And);
    }
    const fl = this.save64();
    this.record(LF_RES, sz, -1, -1, r, fl);
    this.get(r);
  }

  /** ALU op on locals a, b (masked to sz) with the lazy flags alu.ts records; returns the result local. */
  private alu(aop: number, a: number, b: number, sz: number): number {
    if (aop === ALU_ADC || aop === ALU_SBB) {
      this.handOver();
      this.i32(aop); this.get(a); this.get(b); this.i32(sz); this.call(F_ALU);
      return this.save64();
    }
    const m = mask(sz);
    this.get(a); this.get(b);
    let lf: number;
    switch (aop) {
      case ALU_ADD: this.op(Op.i64Add); lf = LF_ADD; break;
      case ALU_OR: this.op(Op.i64Or); lf = LF_LOGIC; break;
      case ALU_AND: this.op(Op.i64And); lf = LF_LOGIC; break;
      case ALU_XOR: this.op(Op.i64Xor); lf = LF_LOGIC; break;
      default: this.op(Op.i64Sub); lf = LF_SUB; break; // SUB, CMP
    }
    if (sz !== 8 && lf !== LF_LOGIC) { this.i64(m); this.op(Op.i64And); }
    const r = this.save64();
    this.record(lf, sz, a, b, r, -1);
    return r;
  }
}
