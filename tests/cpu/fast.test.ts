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
  const m = await importOriginal<typeof import("../../src/kernel/cpu")>();
  const PAGE = 4096;
  const WINDOW = 64 * PAGE;
  const warm = (cpu: CpuExports): CpuExports => {
    const real = cpu.run.bind(cpu);
    return {
      memory: cpu.memory,
      ramBase: () => cpu.ramBase(),
      flushTlb: () => cpu.flushTlb(),
      invalidateCode: (pa: number, len: number) => cpu.invalidateCode(pa, len),
      setJitThreshold: (n: number) => cpu.setJitThreshold(n),
      jitStat: (w: number) => cpu.jitStat(w),
      run(state: number, budget: number): number {
        // The emulator allocates its few frames (state block, page tables,
        // code, data, stack) first from the bottom of RAM; a snippet can only
        // touch mapped pages, so the first WINDOW bytes hold all it can change.
        const base = cpu.ramBase();
        const before = Buffer.from(new Uint8Array(cpu.memory.buffer, base, WINDOW));
        real(state, budget);
        const now = Buffer.from(cpu.memory.buffer, base, WINDOW);
        for (let off = 0; off < before.length; off += PAGE) {
          const a = before.subarray(off, off + PAGE);
          const b = now.subarray(off, off + PAGE);
          if (!a.equals(b)) { b.set(a); cpu.invalidateCode(base + off, PAGE); }
        }
        return real(state, budget);
      },
    };
  };
  return { ...m, loadCpuNode: async () => warm(await m.loadCpuNode()) };
});

// Imported after the mock so the emulator side sees the wrapped CPU.
const { runDiff } = await import("./diff/harness");

const FAMILIES = ["alu", "shift", "muldiv", "bits", "mov", "xchg", "cc", "stack", "string", "misc", "seg", "chain", "decode", "smc", "fetch", "busybox"];

describe("warm decode cache (fast path) vs native CPU", () => {
  it("agrees on every integer form, 0 mismatches", async () => {
    let forms = 0, cases = 0, mismatches = 0;
    for (const f of FAMILIES) {
      const r = await runDiff(f);
      forms += r.totalForms; cases += r.totalCases; mismatches += r.totalMismatches;
      if (r.totalMismatches) console.log(r.text);
    }
    console.log(`warm cache: ${forms} forms, ${cases} cases, ${mismatches} mismatches`);
    expect(forms).toBeGreaterThanOrEqual(500);
    expect(mismatches).toBe(0);
  }, 900_000);
});
