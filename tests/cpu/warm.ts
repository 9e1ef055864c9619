// CPU wrappers for the differential tests that run snippets from a warm
// decode cache (fast.test.ts, jit.test.ts). Imported from inside their
// vi.mock factories, so it imports only types from src/kernel/cpu.
import type { CpuExports } from "../../src/kernel/cpu";

const PAGE = 4096;
const WINDOW = 64 * PAGE;

/** `cpu` with its run() replaced by `run`; everything else is passed through. */
export function withRun(cpu: CpuExports, run: (state: number, budget: number) => number): CpuExports {
  return {
    memory: cpu.memory,
    ramBase: () => cpu.ramBase(),
    flushTlb: () => cpu.flushTlb(),
    invalidateCode: (pa: number, len: number) => cpu.invalidateCode(pa, len),
    setJitThreshold: (n: number) => cpu.setJitThreshold(n),
    jitStat: (w: number) => cpu.jitStat(w),
    run,
  };
}

/**
 * Runs every case twice: once to fill the decode cache, then, with guest RAM
 * put back exactly as it was (and the CPU told about code it changed, for
 * self-modifying snippets), again; the second outcome is the one compared.
 */
export function warm(cpu: CpuExports): CpuExports {
  const real = cpu.run.bind(cpu);
  return withRun(cpu, (state, budget) => {
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
  });
}
