// V8's worker threads for a Node host (the `hako` command, the benchmarks).
// Plain JavaScript, like scripts/build-cpu.mjs: bin/hako.mjs runs it before
// it loads tsx, so a second start costs one bare Node start.
//
// V8 compiles a WebAssembly function with Liftoff when it is first called and
// recompiles the hot ones with TurboFan on its worker threads while the
// baseline code goes on running (dynamic tiering). The block compiler's
// regions are such functions: awk's first run hands V8 ~300 KiB of them,
// ~250 ms of TurboFan work. Node starts four worker threads whatever the
// machine (`--v8-pool-size`, default 4); on a machine with two cores, those
// compiles then share the core of the thread that runs the guest. A browser
// sizes V8's pool to the machine; a Node host does the same here: one core
// for the guest, the rest (at most Node's four) for V8.
import { spawnSync } from "node:child_process";
import { availableParallelism, constants } from "node:os";

/** Worker threads for V8 on a machine with `cores` cores: all but one, at least one, at most Node's default of 4. */
export function poolSize(cores) {
  return Math.max(1, Math.min(4, cores - 1));
}

/** Whether the Node options already set the pool size (the user's choice, or the run below). */
export function poolSet(execArgv, nodeOptions) {
  const set = (a) => a === "--v8-pool-size" || a.startsWith("--v8-pool-size=");
  return execArgv.some(set) || (nodeOptions ?? "").split(/\s+/).some(set);
}

/**
 * Runs this script again in a Node whose V8 pool fits the machine, when
 * Node's default would not and nothing set it; returns the exit status for
 * this process to exit with (128+N if the child died of signal N), or null
 * when this process is fine as it is and should go on itself. `cores`: the
 * machine's (tests pass others).
 */
export function rerunWithPool(cores = availableParallelism()) {
  const n = poolSize(cores);
  if (n >= 4 || poolSet(process.execArgv, process.env.NODE_OPTIONS)) return null;
  const r = spawnSync(process.execPath, [...process.execArgv, `--v8-pool-size=${n}`, ...process.argv.slice(1)], { stdio: "inherit" });
  if (r.error) return null; // no second Node: go on in this one
  if (r.signal) return 128 + (constants.signals[r.signal] ?? 0);
  return r.status ?? 1;
}
