// The kernel's handle on the CPU: loads build/cpu.wasm (Node or browser) and
// gives typed access to its exports and to linear memory (= physical RAM).
export * from "../cpu/state";
import { BlockCompiler, type JitCpuExports } from "./jit/index";

export interface CpuExports {
  memory: WebAssembly.Memory;
  /** First linear-memory address the kernel may hand out as frames. */
  ramBase(): number;
  /** Runs the thread whose state block is at `state` for at most `budget` instructions. */
  run(state: number, budget: number): number;
  /** Drops every cached translation: call after changing page tables. */
  flushTlb(): void;
  /** Drops cached decodes of code in [paddr, paddr+len): call after the kernel writes guest frames. */
  invalidateCode(paddr: number, len: number): void;
  /** Executions before a block is compiled to WebAssembly (0: interpreter only). */
  setJitThreshold(n: number): void;
  /** Block-compiler statistics: calls of compiled code from run() (0), instructions they retired (1). */
  jitStat(which: number): number;
}

/** Executions of an instruction before the block compiler compiles the block it starts (0: off). */
export const JIT_THRESHOLD = 256;

/** Instantiates the CPU from wasm bytes (the caller fetches or reads them). */
export async function instantiateCpu(bytes: BufferSource): Promise<CpuExports> {
  // Compiled blocks live in the CPU's function table (src/kernel/jit).
  const table = new WebAssembly.Table({ initial: 1, element: "anyfunc" });
  const jit = new BlockCompiler(table);
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      table,
      jitCompile: (buf: number, count: number, host: number, genAddr: number, gen: number, last: number, rip: bigint): number =>
        jit.compile(buf, count, host, genAddr, gen, last !== 0, rip),
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`cpu.wasm abort at ${line}:${col}`);
      },
    },
  });
  const cpu = instance.exports as unknown as CpuExports & JitCpuExports;
  jit.attach(cpu);
  (globalThis as { hakoJit?: BlockCompiler }).hakoJit = jit;
  // HAKO_JIT=N overrides the threshold in Node (0 turns the compiler off), for measurements.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.HAKO_JIT;
  cpu.setJitThreshold(env !== undefined && /^\d+$/.test(env) ? Number(env) : JIT_THRESHOLD);
  return cpu;
}

/** Node only: loads build/cpu.wasm from the repository. */
export async function loadCpuNode(): Promise<CpuExports> {
  const { readFile } = await import("node:fs/promises");
  const url = new URL("../../build/cpu.wasm", import.meta.url);
  return instantiateCpu(await readFile(url));
}
