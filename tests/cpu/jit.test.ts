// The differential test again with the block compiler forced on for every
// block (threshold 1: a block is compiled to WebAssembly the first time its
// first instruction runs on the fast path), each snippet run twice as in
// fast.test.ts so the second run executes the compiled blocks. What follows
// is fast.test.ts's description of the warm-cache wrapper.
//
// The differential test again, with every snippet run from a warm decode
// cache. The plain differential test rewrites the code page before each case
// (invalidating its decodes), so each instruction is decoded and executed
// once on the generic path; the fast path of src/cpu/fast.ts (hot forms run
// straight from cache entries, linked through run()'s loop) only starts on the
// second execution. Here the CPU's run() is wrapped: it runs the case once to
// fill the cache, puts guest RAM and the state block back exactly as they
// were, tells the CPU about any code it changed (self-modifying snippets),
// and runs the case again. The second outcome is compared with native.
import { describe, expect, it, vi } from "vitest";
import type { CpuExports } from "../../src/kernel/cpu";

vi.mock("../../src/kernel/cpu", async (importOriginal) => {
  // Every case compiles its blocks into modules of their own, well over a
  // hundred thousand in this file; V8 frees unreachable wasm code only in a
  // full collection and runs out of code space first. Collect every few
  // hundred runs (test-only: real programs compile a few hundred blocks).
  const { setFlagsFromString } = await import("node:v8");
  const { runInNewContext } = await import("node:vm");
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  let runs = 0;
  const m = await importOriginal<typeof import("../../src/kernel/cpu")>();
  const { warm, withRun } = await import("./warm");
  const jitted = async (): Promise<CpuExports> => {
    const cpu = await m.loadCpuNode();
    cpu.setJitThreshold(1);
    (globalThis as { jitCpus?: CpuExports[] }).jitCpus?.push(cpu);
    return warm(withRun(cpu, (state, budget) => {
      if (++runs % 500 === 0) gc();
      return cpu.run(state, budget);
    }));
  };
  return { ...m, loadCpuNode: jitted };
});

// Every CPU the harness creates, to check compiled blocks really ran.
(globalThis as { jitCpus?: CpuExports[] }).jitCpus = [];
// Imported after the mock so the emulator side sees the wrapped CPU.
const { runFamilies, INTEGER_FAMILIES } = await import("./diff/harness");

/** Instructions all CPUs the harness made have retired in compiled blocks so far. */
const compiledSoFar = (): number => ((globalThis as { jitCpus?: CpuExports[] }).jitCpus ?? []).reduce((t, c) => t + c.jitStat(1), 0);

describe("block compiler (every block compiled) vs native CPU", () => {
  it("agrees on every integer form, 0 mismatches", async () => {
    const before = compiledSoFar();
    const { forms, cases, mismatches } = await runFamilies(INTEGER_FAMILIES);
    const compiled = compiledSoFar() - before;
    console.log(`block compiler: ${forms} forms, ${cases} cases, ${mismatches} mismatches; ${compiled} instructions retired in compiled blocks`);
    expect(compiled).toBeGreaterThan(cases);
    expect(forms).toBeGreaterThanOrEqual(500);
    expect(mismatches).toBe(0);
  }, 900_000);

  // SSE data moves are compiled (src/kernel/jit/sse.ts); the other SSE,
  // MMX, x87 and string forms are not: a block calls the CPU's generic path
  // for them (jGeneric) with the registers they use written back and
  // reloaded around the call.
  const GENERIC = ["string", "sse-mov", "sse-fp", "sse-cvt", "sse-int", "mmx", "x87"];
  it("agrees on the forms compiled blocks run through the generic path, 0 mismatches", async () => {
    const before = compiledSoFar();
    const { forms, cases, mismatches } = await runFamilies(GENERIC);
    const compiled = compiledSoFar() - before;
    console.log(`block compiler, generic forms: ${forms} forms, ${cases} cases, ${mismatches} mismatches; ${compiled} instructions retired in compiled blocks`);
    // Nearly every case runs its instruction inside a compiled block (those that fault at once do not).
    expect(compiled).toBeGreaterThan(cases * 0.9);
    expect(forms).toBeGreaterThanOrEqual(400);
    expect(mismatches).toBe(0);
  }, 900_000);
});
