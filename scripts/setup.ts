// One entry for everything generated: the CPU wasm and the userland images.
// `tsx scripts/setup.ts` before start; `--test` also checks the test tools.
import { ensure, NEEDS_BUILD, NEEDS_TEST } from "./deps";
import { buildCpu } from "./build-cpu.mjs";
import { buildImages } from "./build-images";

const test = process.argv.includes("--test");
ensure(test ? [...NEEDS_BUILD, ...NEEDS_TEST] : NEEDS_BUILD);
if (await buildCpu()) console.log("built build/cpu.wasm");
await buildImages();
