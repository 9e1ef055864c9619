// Block-compiler statistics for the bench/cpu.ts workloads (not a benchmark:
// shares of instructions run compiled, block calls, compile time).
// Run: npx tsx bench/jitstat.ts
import { writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makeScratch, runHako, scratchMachine } from "../tests/userland/harness";
import type { BlockCompiler } from "../src/kernel/jit/index";

const s = makeScratch();
const data = Buffer.alloc(4 << 20);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
writeFileSync(join(s.work, "4m.bin"), data);
const WORKLOADS: string[][] = [
  ["sha256sum", "4m.bin"], ["md5sum", "4m.bin"], ["sha512sum", "4m.bin"],
  ["awk", "BEGIN { s = 0; for (i = 0; i < 50000; i++) s += (i * i) % 7 + i / 3; printf \"%.1f\\n\", s }"],
];
const m = await scratchMachine(s);
const jit = (globalThis as { hakoJit?: BlockCompiler }).hakoJit!;
for (const argv of WORKLOADS) {
  const c0 = m.cpu.jitStat(0), i0 = m.cpu.jitStat(1), b0 = jit.compiled, s0 = jit.segments, ms0 = jit.compileMs;
  const t0 = performance.now();
  const h = runHako(m, argv);
  const ms = performance.now() - t0;
  const calls = m.cpu.jitStat(0) - c0, ins = m.cpu.jitStat(1) - i0;
  console.log(`${argv[0].padEnd(10)} ${ms.toFixed(0).padStart(6)} ms  ${(h.instructions / 1e6).toFixed(1)} M instr, ${(100 * ins / h.instructions).toFixed(1)}% compiled, ` +
    `${(calls / 1e6).toFixed(2)} M run()->block calls (${(ins / calls).toFixed(1)} instr each), ${jit.compiled - b0} regions (${jit.segments - s0} segments) compiled in ${(jit.compileMs - ms0).toFixed(0)} ms`);
}
rmSync(s.dir, { recursive: true, force: true });
