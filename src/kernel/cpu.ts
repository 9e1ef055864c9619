// The kernel's handle on the CPU: loads build/cpu.wasm (Node or browser) and
// gives typed access to its exports and to linear memory (= physical RAM).
export * from "../cpu/state";

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
}

/** Instantiates the CPU from wasm bytes (the caller fetches or reads them). */
export async function instantiateCpu(bytes: BufferSource): Promise<CpuExports> {
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`cpu.wasm abort at ${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as CpuExports;
}

/** Node only: loads build/cpu.wasm from the repository. */
export async function loadCpuNode(): Promise<CpuExports> {
  const { readFile } = await import("node:fs/promises");
  const url = new URL("../../build/cpu.wasm", import.meta.url);
  return instantiateCpu(await readFile(url));
}
