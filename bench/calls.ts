// Function-call cost, natively and in Hako, in one run: a loop with its
// body inline, the same body as a call to a leaf function, and a call to a
// function that calls the leaf twice (bench/progs/calls.c, built with gcc
// -static here). Prints each run's time and slowdown, and the cost of one
// call and return (the difference to the inline loop, per call).
// Run: npx tsx bench/calls.ts   (not a test: numbers vary with the machine)
// First: in a Node whose V8 worker pool fits the machine, as the `hako` command runs.
import "../src/hako/pool-rerun.mjs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { makeScratch, runNative, runHako, scratchMachine } from "../tests/userland/harness";

const s = makeScratch();
execFileSync("gcc", ["-static", "-O2", "-o", join(s.dir, "bin/calls"), join(import.meta.dirname, "progs/calls.c")]);
const m = await scratchMachine(s);
const N = 5_000_000;
const modes: Array<[string, string, number]> = [["i", "inline loop body", 0], ["l", "call of a leaf", 1], ["o", "call of a caller of 2 leaves", 3]];

function timed(f: () => { stdout: string; status: number }): { ms: number; out: string } {
  const t0 = performance.now();
  const r = f();
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`calls exited with ${r.status}`);
  return { ms, out: r.stdout };
}

const rows: string[][] = [["loop of 5 M", "native ms", "hako ms", "slowdown", "ns per call native", "ns per call hako"]];
let base: { n: number; h: number } | null = null;
for (const [mode, name, calls] of modes) {
  const argv = ["calls", mode, String(N)];
  runNative(s, argv); runHako(m, argv); // warm: page cache, and in Hako the compiled code of the first run
  const nat = timed(() => runNative(s, argv)), hk = timed(() => runHako(m, argv));
  if (nat.out !== hk.out) { console.error(`${name}: output differs: ${nat.out} vs ${hk.out}`); process.exitCode = 1; }
  const per = (ms: number, b: number): string => (calls && base ? ((ms - b) * 1e6 / (N * calls)).toFixed(1) : "");
  rows.push([name, nat.ms.toFixed(1), hk.ms.toFixed(1), `${(hk.ms / nat.ms).toFixed(1)}×`, per(nat.ms, base?.n ?? 0), per(hk.ms, base?.h ?? 0)]);
  if (!calls) base = { n: nat.ms, h: hk.ms };
}
const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  "));
rmSync(s.dir, { recursive: true, force: true });
console.log("\nBoth include process start-up; the second run of each is timed (Hako's code already compiled).");
