// End to end: a static glibc program full of long-double work
// (tests/cpu/x87-longdouble.c) runs natively and in a Hako machine, through
// the decoder, the run loop and the kernel; the outputs must be identical.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";
import { buildCpu } from "../../scripts/build-cpu.mjs";

const here = dirname(fileURLToPath(import.meta.url));
let root = "";

beforeAll(async () => {
  await buildCpu();
  root = mkdtempSync(join(tmpdir(), "hako-x87-prog-"));
  mkdirSync(join(root, "work"));
  execFileSync("gcc", ["-O2", "-static", "-o", join(root, "work/ld"), join(here, "x87-longdouble.c"), "-lm"]);
});

describe("x87 long double in a real program", () => {
  it("printf/strtold/sqrtl/fmodl/rintl output matches the host", async () => {
    const native = execFileSync(join(root, "work/ld")).toString("latin1");
    const m = await Machine.create({ root: new HostFs(root).root });
    const out: Uint8Array[] = [], err: Uint8Array[] = [];
    const r = m.run({
      argv: ["/work/ld"], cwd: "/work", env: ["PATH=/bin"],
      stdio: { stdin: sourceDevice(bufferSource(new Uint8Array())), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => err.push(d)) },
      maxInstructions: 2e9,
    });
    expect(Buffer.concat(err).toString("latin1")).toBe("");
    expect(r.status).toBe(0);
    expect(Buffer.concat(out).toString("latin1")).toBe(native);
  });
});
