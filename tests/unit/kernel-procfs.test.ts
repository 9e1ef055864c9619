// procfs as busybox reads it: /proc/self names the caller, /proc/PID files
// reflect the task (argv, comm, exe, memory map), /proc/meminfo the machine.
import { describe, it, expect, beforeAll } from "vitest";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { buildImages } from "../../scripts/build-images";
import { imageRoot, IMAGES_DIR } from "../../src/hako/rootfs";
import { Machine, DEFAULT_PATH } from "../../src/kernel/machine";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";

let m: Machine;

beforeAll(async () => {
  if (!existsSync(join(IMAGES_DIR, "busybox/index.json"))) await buildImages();
  m = await Machine.create({ root: (await imageRoot("busybox")).root, ramBytes: 64 << 20 });
}, 120000);

function run(argv: string[]): { out: string; status: number } {
  const out: Uint8Array[] = [];
  const r = m.run({
    argv, env: [`PATH=${DEFAULT_PATH}`],
    stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => out.push(d)) },
  });
  return { out: Buffer.concat(out).toString(), status: r.status };
}

describe("procfs", () => {
  it("/proc/self/exe is the real file behind the applet link", () => {
    expect(run(["readlink", "/proc/self/exe"])).toEqual({ out: "/bin/busybox\n", status: 0 });
  });

  it("/proc/self/cmdline is the argument vector, NUL-separated", () => {
    expect(run(["cat", "/proc/self/cmdline"]).out).toBe("cat\0/proc/self/cmdline\0");
  });

  it("/proc/self/stat names the caller and has the 52 fields of proc_pid_stat(5)", () => {
    const r = run(["cat", "/proc/self/stat"]);
    const f = r.out.trim().split(" ");
    expect(f[1]).toBe("(cat)");
    expect(f[2]).toBe("R");
    expect(f.length).toBe(52);
    expect(run(["readlink", "/proc/self"]).out).toBe(`${f[0]}\n`.replace(/^\d+/, (p) => String(Number(p) + 1)));
  });

  it("/proc/self/maps lists the image, heap and stack with their permissions", () => {
    const maps = run(["cat", "/proc/self/maps"]).out;
    expect(maps).toMatch(/^00400000-00401000 r--p .* \/bin\/busybox$/m);
    expect(maps).toMatch(/ r-xp .* \/bin\/busybox$/m);
    expect(maps).toMatch(/ rw-p .* \[heap\]$/m);
    expect(maps).toMatch(/ rw-p .* \[stack\]$/m);
  });

  it("/proc/meminfo and free report the machine's RAM", () => {
    // Linux's layout: "MemTotal:" padded to 16 columns, the number to 8 (compare the host's own file).
    expect(run(["head", "-1", "/proc/meminfo"]).out).toBe(`${"MemTotal:".padEnd(16)}${String(64 * 1024).padStart(8)} kB\n`);
    expect(run(["free"]).out).toMatch(new RegExp(`^Mem:\\s+${64 * 1024}\\s`, "m"));
  });

  it("df reads /proc/mounts and statfs", () => {
    const r = run(["df", "/"]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^overlay\s+65536\s+\d+\s+\d+\s+\d+% \/$/m);
  });
});
