// CPU-bound busybox workloads, natively and in Hako, in one run: prints the
// guest instructions, emulated MIPS and the slowdown factor against native.
// Run: npx tsx bench/cpu.ts   (not a test: numbers vary with the machine)
// First: in a Node whose V8 worker pool fits the machine, as the `hako` command runs.
import "../src/hako/pool-rerun.mjs";
import { rmSync } from "node:fs";
import { makeScratch, runNative, runHako, scratchMachine } from "../tests/userland/harness";
import { WORKLOADS, writeWorkloadInput } from "./cpu-workloads";

const s = makeScratch();
writeWorkloadInput(s.work);

const m = await scratchMachine(s);
const rows: string[][] = [["workload", "native ms", "hako ms", "slowdown", "guest instr", "MIPS"]];
let totalInstr = 0, totalCpu = 0;
for (const w of WORKLOADS) {
  // Warm both once (page cache, decode cache of nothing: each run is a fresh process).
  runNative(s, w.argv);
  const n0 = performance.now();
  const nat = runNative(s, w.argv);
  const nativeMs = performance.now() - n0;
  const h0 = performance.now();
  const h = runHako(m, w.argv);
  const hakoMs = performance.now() - h0;
  if (h.stdout !== nat.stdout || h.status !== nat.status) {
    console.error(`${w.name}: output differs!\n native: ${JSON.stringify(nat)}\n hako: ${JSON.stringify(h)}`);
    process.exitCode = 1;
  }
  totalInstr += h.instructions;
  totalCpu += h.cpuMs;
  rows.push([w.name, nativeMs.toFixed(1), hakoMs.toFixed(1), `${(hakoMs / nativeMs).toFixed(1)}×`, `${(h.instructions / 1e6).toFixed(1)} M`, (h.instructions / h.cpuMs / 1000).toFixed(1)]);
}
rows.push(["all", "", "", "", `${(totalInstr / 1e6).toFixed(1)} M`, (totalInstr / totalCpu / 1000).toFixed(1)]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
rmSync(s.dir, { recursive: true, force: true });
console.log("\nnative ms include process start-up (~1 ms); hako ms include exec and teardown.");
