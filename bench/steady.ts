// First run against steady state: each bench/cpu.ts workload run four times
// in one machine. The first run pays for compiling its regions; later runs
// find them compiled (the block compiler keeps them while the code's pages
// are unchanged), so the difference is what compilation costs the first.
// Not a benchmark of its own (bench/cpu.ts compares with native).
// Run: npx tsx bench/steady.ts
// First: in a Node whose V8 worker pool fits the machine, as the `hako` command runs.
import "../src/hako/pool-rerun.mjs";
import { rmSync } from "node:fs";
import { makeScratch, runHako, scratchMachine } from "../tests/userland/harness";
import { WORKLOADS, writeWorkloadInput } from "./cpu-workloads";

const RUNS = 4;
const s = makeScratch();
writeWorkloadInput(s.work);
const m = await scratchMachine(s);
for (const { name, argv } of WORKLOADS) {
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    runHako(m, argv);
    ms.push(performance.now() - t0);
  }
  const later = ms.slice(1);
  console.log(`${name.padEnd(20)} first ${ms[0].toFixed(0).padStart(5)} ms, then ${later.map((x) => x.toFixed(0)).join(" / ")} ms (best ${Math.min(...later).toFixed(0)})`);
}
rmSync(s.dir, { recursive: true, force: true });
