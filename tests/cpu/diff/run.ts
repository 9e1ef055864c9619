// Prints the differential report without vitest:
//   npx tsx tests/cpu/diff/run.ts [family-or-name-filter] [--seed S]
// --seed explores other random cases than the test's fixed seed.
// The full list of mismatches (first few per form) goes to build/test/diff-report.txt.
import { buildCpu } from "../../../scripts/build-cpu.mjs";
import { runDiff } from "./harness";
import { busyboxCoverage } from "./forms-busybox";

// Rebuild build/cpu.wasm first when src/cpu changed, so the report is about the current sources.
if (await buildCpu()) console.error("built build/cpu.wasm");

const args = process.argv.slice(2);
const at = args.indexOf("--seed");
const seed = at >= 0 ? args.splice(at, 2)[1] : undefined;
const filter = args[0] ?? "";
const r = await runDiff(filter, (s) => process.stderr.write(s + "\n"), seed);
console.log(r.text);
console.log(`time: generate ${r.seconds.generate.toFixed(1)} s, native ${r.seconds.native.toFixed(1)} s, emulator ${r.seconds.emulator.toFixed(1)} s; details in build/test/diff-report.txt`);
const bb = busyboxCoverage();
if (bb.total) {
  const pct = (n: number): string => `${((100 * n) / bb.total).toFixed(1)}%`;
  console.log(`busybox: ${bb.total} instructions; ${bb.shapes} shapes tested cover ${pct(bb.tested)}, BSF/BSR/SHLD/SHRD (bits/shift families) ${pct(bb.elsewhere)}, ` +
    `unadvertised-feature shapes (informational) ${pct(bb.unadvertised)}, left out (control flow, CPUID, AVX/AVX-512...) ${pct(bb.skipped)}`);
}
