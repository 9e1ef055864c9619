// Process creation, natively and in Hako, in one run: the start-to-exit
// latency of /bin/true (a fresh process from the host: PATH lookup, exec,
// run, exit, reap) and a fork+exec loop inside one shell. Prints the times
// and the ratio against native.
// Run: npx tsx bench/proc.ts   (not a test: numbers vary with the machine)
import { rmSync } from "node:fs";
import { makeScratch, runNative, runHako, scratchMachine } from "../tests/userland/harness";

const s = makeScratch();
const m = await scratchMachine(s);

function time(f: () => unknown, n: number): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t0) / n;
}

const rows: string[][] = [["workload", "native ms", "hako ms", "ratio"]];
const trueN = 20;
const nTrue = time(() => runNative(s, ["true"]), trueN);
const hTrue = time(() => runHako(m, ["true"]), trueN);
rows.push(["/bin/true start to exit", nTrue.toFixed(2), hTrue.toFixed(2), `${(hTrue / nTrue).toFixed(1)}×`]);

const loop = ["sh", "-c", "for i in $(seq 200); do /bin/true; done"];
const nat = runNative(s, loop), hk = runHako(m, loop);
if (nat.status !== 0 || hk.status !== 0) { console.error("loop failed", nat, hk); process.exitCode = 1; }
const nLoop = time(() => runNative(s, loop), 2);
const hLoop = time(() => runHako(m, loop), 2);
rows.push(["sh: 200 × fork+exec /bin/true", nLoop.toFixed(1), hLoop.toFixed(1), `${(hLoop / nLoop).toFixed(1)}×`]);
rows.push(["  per fork+exec+wait", (nLoop / 200).toFixed(3), (hLoop / 200).toFixed(3), ""]);

const pipe = ["sh", "-c", "seq 20000 | sort -rn | head -1"];
const nPipe = time(() => runNative(s, pipe), 2);
const hPipe = time(() => runHako(m, pipe), 2);
rows.push(["seq 20000 | sort -rn | head -1", nPipe.toFixed(1), hPipe.toFixed(1), `${(hPipe / nPipe).toFixed(1)}×`]);

const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  "));
rmSync(s.dir, { recursive: true, force: true });
