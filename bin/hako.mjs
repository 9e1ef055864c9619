#!/usr/bin/env node
// The `hako` command: runs src/hako/cli.ts through tsx's ESM loader.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/hako/cli.ts");
process.exitCode = await main(process.argv.slice(2));
