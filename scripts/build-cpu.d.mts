/** Builds build/cpu.wasm from src/cpu when a source is newer; true when it built. */
export function buildCpu(opts?: { force?: boolean }): Promise<boolean>;
