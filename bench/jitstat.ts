// Block-compiler statistics for the bench/cpu.ts workloads (not a benchmark:
// shares of instructions run compiled, block calls, compile time, modules).
// Run: npx tsx bench/jitstat.ts
// First: in a Node whose V8 worker pool fits the machine, as the `hako` command runs.
import "../src/hako/pool-rerun.mjs";
import { rmSync } from "node:fs";
import { makeScratch, runHako, scratchMachine } from "../tests/userland/harness";
import type { BlockCompiler } from "../src/kernel/jit/index";
import { WORKLOADS, writeWorkloadInput } from "./cpu-workloads";

const s = makeScratch();
writeWorkloadInput(s.work);
const m = await scratchMachine(s);
const jit = (globalThis as { hakoJit?: BlockCompiler }).hakoJit!;
for (const { argv } of WORKLOADS) {
  const c0 = m.cpu.jitStat(0), i0 = m.cpu.jitStat(1), b0 = jit.compiled, s0 = jit.segments, ms0 = jit.compileMs;
  const d0 = jit.modules, g0 = jit.genMs, w0 = jit.moduleMs, n0 = jit.instanceMs, y0 = jit.bytes;
  const t0 = performance.now();
  const h = runHako(m, argv);
  const ms = performance.now() - t0;
  const calls = m.cpu.jitStat(0) - c0, ins = m.cpu.jitStat(1) - i0;
  console.log(`${argv[0].padEnd(10)} ${ms.toFixed(0).padStart(6)} ms  ${(h.instructions / 1e6).toFixed(1)} M instr, ${(100 * ins / h.instructions).toFixed(1)}% compiled, ` +
    `${(calls / 1e6).toFixed(2)} M run()->block calls (${(ins / calls).toFixed(1)} instr each), ${jit.compiled - b0} regions (${jit.segments - s0} segments, ${jit.modules - d0} modules) compiled in ${(jit.compileMs - ms0).toFixed(0)} ms ` +
    `(${((jit.bytes - y0) / 1024).toFixed(0)} KiB of wasm: generating ${(jit.genMs - g0).toFixed(0)} ms, compiling ${(jit.moduleMs - w0).toFixed(0)} ms, instantiating ${(jit.instanceMs - n0).toFixed(0)} ms)`);
}
rmSync(s.dir, { recursive: true, force: true });
