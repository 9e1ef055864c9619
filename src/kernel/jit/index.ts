// Host side of the block compiler: src/cpu/jit.ts calls `env.jitCompile`
// with a hot block's decode-cache entries; this module compiles them
// (compile.ts), instantiates the code against the CPU's memory, lazy-flag
// globals and helpers, and installs the function in the CPU's function table,
// whose index run() then calls. Regions come in batches (the hot head and
// the warm ones src/cpu/jit.ts takes along), one module per batch: a module
// has a fixed cost in the engine. Modules compile synchronously: they are
// small, which Node and browser workers allow.
import { compileBlock, compileDispatch, readBlock, HELPERS, GLOBALS, JB_BLEN, DISPATCH_FN, type JitLayout, type Callee, type CallPatch } from "./compile";
import { encodeModule, Bytes, Op, I32, I64, type FuncType, type Import } from "./wasm";

/** The CPU exports the compiler uses (see src/cpu/jit.ts). */
export interface JitCpuExports {
  memory: WebAssembly.Memory;
  jitAddr(which: number): number;
  jitReset(): void;
  jitRegionAt(rip: bigint): number;
  [helper: string]: unknown;
}

// Function types: 0 the block; then one per helper in HELPERS order.
const TYPES: FuncType[] = [
  { params: [I64, I32, I32, I32, I32], results: [I64] }, // block and dispatch (rip, state, budget, done, call depth) -> next rip
  { params: [I32, I64, I64, I32], results: [I64] }, // jAlu
  { params: [I32, I64, I32, I32], results: [I64] }, // jShift
  { params: [I64, I64, I32], results: [I64] },  // jImul2
  { params: [I32], results: [I32] },            // jCond
  { params: [], results: [I32] },               // jCF
  { params: [I64], results: [I64] },            // jGeneric
];
const BASE_IMPORTS: Import[] = [
  { module: "c", name: "memory", kind: "memory" },
  { module: "c", name: "table", kind: "table" },
  ...HELPERS.map((name, i): Import => ({ module: "c", name, kind: "func", type: i + 1 })),
  ...GLOBALS.map(([name, t]): Import => ({ module: "c", name, kind: "global", valType: t, mutable: true })),
];
/**
 * Block modules import the dispatch function (compiled once, in a module of
 * its own: function DISPATCH_FN) but not the table: V8 keeps every instance
 * that imports a table alive as long as the table, so only dispatch does.
 */
const IMPORTS: Import[] = [
  ...BASE_IMPORTS.filter((i) => i.kind !== "table"),
  { module: "c", name: "dispatch", kind: "func", type: 0 },
];

/**
 * Table slots in use before the compiler starts over (dropping every block).
 * Each batch of blocks is a module with its own code region in the engine;
 * dropped ones are only reclaimed by a garbage collection, and V8 runs out of
 * code space with many thousands alive, so keep their number small.
 */
const MAX_BLOCKS = 1024;
/** Most blocks one batch can hold (src/cpu/jit.ts: the warm heads and the hot one). */
const MAX_BATCH = 33;

/** Decode-cache entry field of a head's region index (src/cpu/jit.ts FE_BLOCK; its budget need is at JB_BLEN, FE_BLEN there). */
const FE_BLOCK = 40;

/** A generated region waiting for its batch's module: its table slot, its body, the direct calls to patch in it. */
interface Batched { idx: number; body: Bytes; patches: CallPatch[] }

export class BlockCompiler {
  private cpu: JitCpuExports | null = null;
  private lay: JitLayout | null = null;
  private imports: WebAssembly.Imports = {};
  private next = 1;
  /** Blocks chain to the next through tail calls (WebAssembly tail calls available). */
  private chain = false;
  /** Blocks (regions) compiled so far, the segments they held and the modules they went into (for statistics). */
  compiled = 0;
  segments = 0;
  /** Runs of accesses sharing one TLB probe (span.ts) in the regions compiled. */
  runs = 0;
  /** CALLs compiled to call their callee's region directly (callee()). */
  directCalls = 0;
  modules = 0;

  constructor(readonly table: WebAssembly.Table) {}

  attach(cpu: JitCpuExports): void {
    this.cpu = cpu;
    this.lay = {
      jitN: cpu.jitAddr(0), tlbR: cpu.jitAddr(1), tlbW: cpu.jitAddr(2), tlbX: cpu.jitAddr(3), dc: cpu.jitAddr(4), gen: cpu.jitAddr(5),
      jc: cpu.jitAddr(6), jcSize: cpu.jitAddr(7), dcSize: cpu.jitAddr(8),
    };
    const c: Record<string, unknown> = { memory: cpu.memory, table: this.table };
    for (const h of HELPERS) c[h] = cpu[h];
    for (const [g] of GLOBALS) c[g] = cpu[g];
    // The dispatch function uses return_call_indirect (WebAssembly tail calls:
    // Chrome 112, Firefox 121, Safari 18.2, Node 20); without them blocks
    // return to run() after each exit and the stub below is never called.
    c.dispatch = (): bigint => { throw new Error("jit: dispatch without tail calls"); };
    this.chain = false;
    try {
      const m = new WebAssembly.Module(encodeModule(TYPES, BASE_IMPORTS, [{ type: 0, body: compileDispatch(this.lay), export: "d" }]));
      c.dispatch = new WebAssembly.Instance(m, { c: c as WebAssembly.ModuleImports }).exports.d;
      this.chain = true;
    } catch {
      // no tail calls: keep the stub
    }
    this.imports = { c: c as WebAssembly.ModuleImports };
    // The slot of a block whose code the engine rejected (a compiler bug):
    // it retires nothing and returns its RIP, so run() interprets there.
    const b = new Bytes().u32(0);
    b.byte(Op.i32Const).s32(this.lay.jitN).byte(Op.localGet).u32(3).byte(Op.i32Store).u32(2).u32(0).byte(Op.localGet).u32(0).byte(Op.end);
    const bm = new WebAssembly.Module(encodeModule([TYPES[0]], [{ module: "c", name: "memory", kind: "memory" }], [{ type: 0, body: b, export: "b" }]));
    this.bailout = new WebAssembly.Instance(bm, { c: { memory: cpu.memory } }).exports.b as WebAssembly.ExportValue as Function;
  }
  private bailout: Function | null = null;

  /** Milliseconds spent compiling. */
  compileMs = 0;
  /** Of compileMs: generating the wasm (JavaScript), `new WebAssembly.Module`, instantiating; and the bytes generated. */
  genMs = 0;
  moduleMs = 0;
  instanceMs = 0;
  bytes = 0;
  /** Blocks the compiler failed on (a bug: tests assert there are none), and the last error. */
  errors = 0;
  lastError: unknown = null;

  /**
   * Blocks compiled so far by first byte's host address, with the generation
   * of their page then: a decode-cache entry evicted by another with the same
   * index (or its page re-decoded without a change) finds its block again.
   */
  private known = new Map<number, { gen: number; count: number; idx: number; need: number }>();

  /** Generated blocks waiting for the batch's last one: their table slots are reserved, not yet filled. */
  private batch: Batched[] = [];
  /**
   * Regions of earlier batches the batch's regions call directly (compile.ts
   * callOut()), imported by the batch's module as functions DISPATCH_FN + 1
   * + j (a call's ref j): their table slot, their function. A call of a
   * region earlier in the same batch has ref -(its position + 1): the
   * module's own function after the imports.
   */
  private callees: Array<{ idx: number; fn: Function }> = [];
  private calleeAt = new Map<number, number>();

  /**
   * env.jitCompile(buf, count, host, genAddr, gen, last, rip): the table
   * index of the block, 0 if it cannot be compiled. Blocks are generated at
   * once and get their slot, but go into one module with the rest of their
   * batch when `last` comes (count may then be 0: just the batch); the CPU
   * runs none of them before that. `rip`: the head's address now (where
   * the region's direct calls go, for callee()).
   */
  compile(buf: number, count: number, host: number, genAddr: number, gen: number, last: boolean, rip: bigint): number {
    const cpu = this.cpu;
    if (!cpu) return 0;
    const t0 = performance.now();
    let idx = 0;
    try {
      if (count > 0) idx = this.generate(buf, count, host, genAddr, gen >>> 0, BigInt.asUintN(64, rip));
    } catch (e) {
      // A compiler bug must not take the machine down: the block stays interpreted.
      this.errors++;
      this.lastError = e;
    }
    if (last && this.batch.length) this.flush();
    this.compileMs += performance.now() - t0;
    return idx;
  }

  /** Generates the region in `buf` (head page `host`'s, generation word `genAddr` holding `gen`) into the batch; returns its slot. */
  private generate(buf: number, count: number, host: number, genAddr: number, gen: number, rip: bigint): number {
    const cpu = this.cpu, lay = this.lay;
    if (!cpu || !lay) return 0;
    // The head's budget need goes back to the CPU in the first copy (src/cpu/jit.ts jitBuild()).
    const setNeed = (need: number): void => { new DataView(cpu.memory.buffer).setUint16(buf + JB_BLEN, need, true); };
    const k = this.known.get(host);
    if (k && k.gen === gen && k.count === count) { setNeed(k.need); return k.idx; }
    if (!this.batch.length && this.next + MAX_BATCH > MAX_BLOCKS) {
      // Start over: forget every block (their entries drop their indices) and reuse the slots.
      cpu.jitReset();
      this.known.clear();
      this.next = 1;
    }
    const t0 = performance.now();
    const block = readBlock(new DataView(cpu.memory.buffer), buf, count);
    const { body, need, segments, runs, patches } = compileBlock(block, lay, { host: host & ~0xfff, genAddr, gen, rip, callee: (t) => this.callee(t) }, this.chain);
    this.segments += segments;
    this.runs += runs;
    const idx = this.next++;
    if (idx >= this.table.length) this.table.grow(Math.max(64, this.table.length));
    this.batch.push({ idx, body, patches });
    this.known.set(host, { gen, count, idx, need });
    setNeed(need);
    this.genMs += performance.now() - t0;
    return idx;
  }

  /** Most regions one module imports to call directly (each costs the engine a little when it instantiates the module). */
  private static readonly MAX_CALLEES = 32;
  /**
   * The region a direct CALL to `target` runs now, if one is compiled (in
   * an earlier batch, or earlier in this one): what the CPU's fetch TLB,
   * decode cache and page generation say (src/cpu/jit.ts jitRegionAt(),
   * dispatch's lookup). The call site checks the jump cache still maps
   * `target` to that slot before it calls the function (a changed mapping,
   * page or region goes through dispatch).
   */
  private callee(target: bigint): Callee | null {
    const cpu = this.cpu;
    if (!cpu || !this.chain) return null;
    const e = cpu.jitRegionAt(target);
    if (e === 0) return null;
    const v = new DataView(cpu.memory.buffer);
    const idx = v.getUint32(e + FE_BLOCK, true), need = v.getUint16(e + JB_BLEN, true);
    const mate = this.batch.findIndex((b) => b.idx === idx);
    if (mate >= 0) { this.directCalls++; return { ref: -(mate + 1), idx, need }; }
    let j = this.calleeAt.get(idx);
    if (j === undefined) {
      if (this.callees.length >= BlockCompiler.MAX_CALLEES) return null;
      const fn = this.table.get(idx) as Function | null;
      if (!fn) return null;
      j = this.callees.length;
      this.callees.push({ idx, fn });
      this.calleeAt.set(idx, j);
    }
    this.directCalls++;
    return { ref: j, idx, need };
  }

  /** Compiles the batch into one module and fills its slots. */
  private flush(): void {
    const batch = this.batch, callees = this.callees;
    this.batch = [];
    this.callees = [];
    this.calleeAt.clear();
    try {
      this.install(batch, callees, false);
    } catch (e) {
      // One bad function fails the whole module: each on its own, so only it stays interpreted.
      this.errors++;
      this.lastError = e;
      for (const b of batch) {
        try { this.install([b], callees, true); } catch { this.table.set(b.idx, this.bailout); }
      }
    }
  }
  /** For tests: a batch holding a slot this returns true for is rejected, as the engine rejects bad code. */
  reject: ((idx: number) => boolean) | null = null;
  private install(batch: Batched[], callees: Array<{ idx: number; fn: Function }>, alone: boolean): void {
    const reject = this.reject;
    if (reject && batch.some(({ idx }) => reject(idx))) throw new WebAssembly.CompileError("rejected for a test");
    const t0 = performance.now();
    // Direct calls get their function index now that the imports are known;
    // a region compiled alone calls its batch-mates through dispatch instead.
    const first = DISPATCH_FN + 1 + callees.length;
    for (const { body, patches } of batch) {
      for (const { pos, ref } of patches) body.patchU32(pos, ref >= 0 ? DISPATCH_FN + 1 + ref : alone ? DISPATCH_FN : first - ref - 1);
    }
    const imports = callees.length ? [...IMPORTS, ...callees.map((_, j): Import => ({ module: "k", name: `${j}`, kind: "func", type: 0 }))] : IMPORTS;
    const bytes = encodeModule(TYPES, imports, batch.map(({ body }, i) => ({ type: 0, body, export: `f${i}` })));
    const t1 = performance.now();
    const mod = new WebAssembly.Module(bytes);
    const t2 = performance.now();
    const values = callees.length ? { ...this.imports, k: Object.fromEntries(callees.map(({ fn }, j) => [`${j}`, fn])) } : this.imports;
    const inst = new WebAssembly.Instance(mod, values);
    this.genMs += t1 - t0; this.moduleMs += t2 - t1; this.instanceMs += performance.now() - t2; this.bytes += bytes.length;
    batch.forEach(({ idx }, i) => this.table.set(idx, inst.exports[`f${i}`] as WebAssembly.ExportValue as Function));
    this.compiled += batch.length;
    this.modules++;
  }
}

