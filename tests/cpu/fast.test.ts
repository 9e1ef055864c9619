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

vi.mock("../../src/kernel/cpu", async (importOriginal) => {
  const m = await importOriginal<typeof import("../../src/kernel/cpu")>();
  const { warm } = await import("./warm");
  return { ...m, loadCpuNode: async () => warm(await m.loadCpuNode()) };
});

// Imported after the mock so the emulator side sees the wrapped CPU.
const { runFamilies, INTEGER_FAMILIES } = await import("./diff/harness");

// "sse": every SSE/SSE2 family (sse-mov, sse-fp, sse-cvt, sse-int); the data moves run on the fast path (fast_sse.ts).
const FAMILIES = [...INTEGER_FAMILIES, "sse"];

describe("warm decode cache (fast path) vs native CPU", () => {
  it("agrees on every integer and SSE form, 0 mismatches", async () => {
    const { forms, cases, mismatches } = await runFamilies(FAMILIES);
    console.log(`warm cache: ${forms} forms, ${cases} cases, ${mismatches} mismatches`);
    expect(forms).toBeGreaterThanOrEqual(500);
    expect(mismatches).toBe(0);
  }, 900_000);
});
