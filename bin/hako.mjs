#!/usr/bin/env node
// The `hako` command: runs src/hako/cli.ts through tsx's ESM loader, in a
// Node whose V8 worker pool fits the machine (src/hako/pool-rerun.mjs,
// before tsx loads, so starting again costs one bare Node start).
import "../src/hako/pool-rerun.mjs";

const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/hako/cli.ts");
process.exitCode = await main(process.argv.slice(2));
