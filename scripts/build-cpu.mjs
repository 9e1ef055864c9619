// Builds src/cpu (AssemblyScript) into build/cpu.wasm. Skips the build when
// the wasm is newer than every source, so `npm start`/`npm test` stay fast.
import { readdirSync, statSync, mkdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src/cpu");
const out = join(root, "build/cpu.wasm");

function newestSource(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

export async function buildCpu({ force = false } = {}) {
  const self = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  if (!force && existsSync(out) && statSync(out).mtimeMs > Math.max(newestSource(srcDir), self)) return false;
  mkdirSync(dirname(out), { recursive: true });
  const asc = (await import("assemblyscript/asc")).default;
  const { error, stderr } = await asc.main([
    join(srcDir, "index.ts"),
    "--outFile", out,
    "--textFile", out.replace(/\.wasm$/, ".wat"),
    "--runtime", "stub",
    "-O3", "--noAssert",
    "--enable", "simd", "--enable", "bulk-memory",
    "--initialMemory", "64",
    // Compiled blocks (src/kernel/jit) are added to this table by the host.
    "--importTable",
  ], { stdout: process.stdout, stderr: process.stderr });
  if (error) {
    console.error(stderr.toString());
    throw new Error(`AssemblyScript build of src/cpu failed: ${error.message}`);
  }
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildCpu({ force: process.argv.includes("--force") });
  console.log(built ? "built build/cpu.wasm" : "build/cpu.wasm is up to date");
}
