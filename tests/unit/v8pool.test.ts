// The Node host's V8 worker pool (src/hako/v8pool.mjs): sized to the
// machine, and a script that starts again with it keeps its arguments,
// standard streams and exit status.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { poolSize, poolSet } from "../../src/hako/v8pool.mjs";

describe("V8 worker pool", () => {
  it("leaves one core to the guest, keeps at least one worker and at most Node's four", () => {
    expect([1, 2, 3, 4, 5, 8, 64].map(poolSize)).toEqual([1, 1, 2, 3, 4, 4, 4]);
  });

  it("sees a pool size set on the command line or in NODE_OPTIONS", () => {
    expect(poolSet(["--v8-pool-size=2"], undefined)).toBe(true);
    expect(poolSet(["--v8-pool-size", "2"], undefined)).toBe(true);
    expect(poolSet(["--max-old-space-size=100"], "--trace-warnings --v8-pool-size=1")).toBe(true);
    expect(poolSet(["--v8-pool-sizes"], "--v8-pool")).toBe(false);
    expect(poolSet([], undefined)).toBe(false);
  });

  it("runs a script again with the pool flag, passing arguments, stdin, stdout and the exit status through", () => {
    const dir = mkdtempSync(join(tmpdir(), "hako-pool-"));
    try {
      const script = join(dir, "s.mjs");
      const mod = pathToFileURL(resolve("src/hako/v8pool.mjs")).href;
      writeFileSync(script, [
        `import { rerunWithPool } from ${JSON.stringify(mod)};`,
        `const st = rerunWithPool(Number(process.argv[2]));`,
        `if (st !== null) process.exit(st);`,
        `const input = (await import("node:fs")).readFileSync(0, "utf8");`,
        `console.log(JSON.stringify({ flags: process.execArgv, args: process.argv.slice(2), input }));`,
        `process.exit(Number(process.argv[3]));`,
      ].join("\n"));
      const env = { ...process.env, NODE_OPTIONS: "" };
      // Two cores: one worker, in a second Node.
      const two = spawnSync(process.execPath, [script, "2", "7"], { input: "typed", env, encoding: "utf8" });
      expect(two.status).toBe(7);
      expect(JSON.parse(two.stdout)).toEqual({ flags: ["--v8-pool-size=1"], args: ["2", "7"], input: "typed" });
      // Eight cores: Node's default is right, no second start.
      const eight = spawnSync(process.execPath, [script, "8", "0"], { input: "", env, encoding: "utf8" });
      expect(eight.status).toBe(0);
      expect(JSON.parse(eight.stdout).flags).toEqual([]);
      // A pool the user chose is kept.
      const own = spawnSync(process.execPath, ["--v8-pool-size=3", script, "2", "0"], { input: "", env, encoding: "utf8" });
      expect(JSON.parse(own.stdout).flags).toEqual(["--v8-pool-size=3"]);
      // A child killed by a signal: 128 + N, as the hako command reports a guest's.
      writeFileSync(join(dir, "k.mjs"), `import { rerunWithPool } from ${JSON.stringify(mod)};\nconst st = rerunWithPool(2);\nif (st !== null) process.exit(st);\nprocess.kill(process.pid, "SIGKILL");\n`);
      const killed = spawnSync(process.execPath, [join(dir, "k.mjs")], { env, encoding: "utf8" });
      expect(killed.status).toBe(137);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
