// The busybox image as root filesystem: the same command lines run natively
// with chroot(8) into the image's layers unpacked on disk, and in Hako over
// the in-memory tree built from the OCI layout, must agree. A few cases go
// through the real `hako run` command (stdin passthrough, exit status,
// 128+N after a signal).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, linkSync, chmodSync, lutimesSync, utimesSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { buildImages } from "../../scripts/build-images";
import { loadImage } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { imageRootFs } from "../../src/kernel/fs/imagefs";
import { Machine } from "../../src/kernel/machine";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";
import { IMAGES_DIR, REPO_ROOT } from "../../src/hako/rootfs";

let chrootDir: string;
let m: Machine;
let env: string[];

beforeAll(async () => {
  if (!existsSync(join(IMAGES_DIR, "busybox/index.json"))) await buildImages();
  const img = await loadImage(dirSource(join(IMAGES_DIR, "busybox")));
  env = img.config.config?.Env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
  // Unpack the layers as a container runtime would (no whiteouts in this image), times last.
  chrootDir = mkdtempSync(join(tmpdir(), "hako-image-"));
  const times: Array<[string, number, boolean]> = [];
  for (const layer of img.layers) {
    for (const e of layer.entries) {
      const p = join(chrootDir, e.path);
      mkdirSync(dirname(p), { recursive: true });
      if (e.type === "dir") { mkdirSync(p, { recursive: true }); chmodSync(p, e.mode & 0o7777); }
      else if (e.type === "file") { writeFileSync(p, e.data); chmodSync(p, e.mode & 0o7777); }
      else if (e.type === "symlink") symlinkSync(e.linkname, p);
      else if (e.type === "hardlink") linkSync(join(chrootDir, e.linkname), p);
      else continue;
      times.push([p, e.mtime, e.type === "symlink"]);
    }
  }
  for (const [p, t, link] of times.reverse()) (link ? lutimesSync : utimesSync)(p, t, t);
  // The layers do not describe the root directory itself; Hako's is 0755 at the epoch, like a fresh tmpfs root.
  chmodSync(chrootDir, 0o755);
  utimesSync(chrootDir, 0, 0);
  m = await Machine.create({ root: imageRootFs(img).root });
}, 120000);

afterAll(() => rmSync(chrootDir, { recursive: true, force: true }));

interface Out { stdout: string; stderr: string; status: number }

function native(argv: string[], stdin = ""): Out {
  const r = spawnSync("chroot", [chrootDir, ...argv], { input: stdin, env: Object.fromEntries(env.map((e) => e.split("=", 2))) });
  if (r.error) throw r.error;
  return { stdout: r.stdout.toString("latin1"), stderr: r.stderr.toString("latin1"), status: r.status ?? 128 + signalNumber(r.signal) };
}

function signalNumber(name: string | null): number {
  return ({ SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGFPE: 8, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 } as Record<string, number>)[name ?? ""] ?? 0;
}

function hako(argv: string[], stdin = ""): Out {
  const out: Uint8Array[] = [], err: Uint8Array[] = [];
  const r = m.run({
    argv, env, cwd: "/",
    stdio: { stdin: sourceDevice(bufferSource(Buffer.from(stdin, "latin1"))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => err.push(d)) },
  });
  return { stdout: Buffer.concat(out).toString("latin1"), stderr: Buffer.concat(err).toString("latin1"), status: r.status };
}

const CASES: Array<[string[], string?]> = [
  [["ls", "-l", "/bin/sh", "/bin/busybox", "/etc", "/usr"]],
  [["ls", "-la", "/root", "/tmp", "/var"]],
  [["ls", "-ln", "/sbin/init", "/linuxrc"]],
  [["cat", "/etc/passwd", "/etc/group", "/etc/os-release"]],
  [["stat", "-c", "%n %s %a %F %U:%G %Y", "/etc/passwd", "/bin/busybox", "/bin/ls", "/tmp"]],
  [["id"]],
  [["id", "nobody"]],
  [["sha256sum", "/bin/busybox"]],
  [["readlink", "/bin/ls", "/linuxrc"]],
  [["busybox", "basename", "/usr/bin/env"]],
  [["head", "-c", "64", "/bin/busybox"]],
  [["wc", "-c", "/bin/busybox"]],
  [["sh", "-c", "cd /usr/bin && pwd && cd .. && pwd && cd ../../.. && pwd"]],
  [["sh", "-c", "read a b; echo \"[$b] [$a]\""], "one two\n"],
  [["env"]],
];

const isRoot = process.getuid?.() === 0;

// chroot(2) needs root (CI runs as root); elsewhere these comparisons are skipped.
describe.skipIf(!isRoot)("busybox image: native chroot vs Hako", () => {
  for (const [argv, stdin] of CASES) {
    it(argv.join(" "), () => expect(hako(argv, stdin)).toEqual(native(argv, stdin)));
  }
});

describe("the hako command", () => {
  const hakoCmd = (args: string[], input = ""): Out => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/hako.mjs"), "run", ...args], { input, cwd: REPO_ROOT, timeout: 120000 });
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status ?? -1 };
  };

  it.skipIf(!isRoot)("passes stdin through and exits with the command's status", () => {
    const input = "hako passes stdin through\n".repeat(1000);
    const r = hakoCmd(["--", "sha256sum"], input);
    expect(r).toEqual(native(["sha256sum"], input));
  }, 60000);

  it("runs a command found in PATH in the default busybox image, with its exit status", () => {
    expect(hakoCmd(["--image", "busybox", "--", "sh", "-c", "echo out; echo err >&2; exit 3"])).toEqual({ stdout: "out\n", stderr: "err\n", status: 3 });
  }, 60000);

  it.skipIf(!isRoot)("reports 128+N after a fatal signal", () => {
    const r = hakoCmd(["--", "sh", "-c", "kill -SEGV $$"]);
    expect(r.status).toBe(native(["sh", "-c", "kill -SEGV $$"]).status);
    expect(r.status).toBe(139);
  }, 60000);

  it("--stats prints instructions, MIPS and syscall counts to stderr", () => {
    const r = hakoCmd(["--stats", "--", "true"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\d+ instructions in [\d.]+ ms wall .* MIPS/);
    expect(r.stderr).toMatch(/exit_group×1/);
    expect(r.stderr).toMatch(/ENOSYS: rseq×1/);
  }, 60000);

  it("runs the hello-world image's Cmd like the program runs natively", async () => {
    if (!existsSync(join(IMAGES_DIR, "hello-world/index.json"))) await buildImages();
    const img = await loadImage(dirSource(join(IMAGES_DIR, "hello-world")));
    const cmd = [...(img.config.config?.Entrypoint ?? []), ...(img.config.config?.Cmd ?? [])];
    const prog = img.layers.flatMap((l) => l.entries).find((e) => e.path === cmd[0].replace(/^\//, ""));
    expect(prog?.type).toBe("file");
    const dir = mkdtempSync(join(tmpdir(), "hako-hello-"));
    writeFileSync(join(dir, "prog"), prog!.data, { mode: 0o755 });
    const n = spawnSync(join(dir, "prog"), cmd.slice(1));
    expect(hakoCmd(["--image", "hello-world"])).toEqual({ stdout: n.stdout.toString(), stderr: n.stderr.toString(), status: n.status });
  }, 60000);

  it.skipIf(!isRoot)("--root runs from a host directory", () => {
    const r = hakoCmd(["--root", chrootDir, "--", "/bin/busybox", "cat", "/etc/hostname"]);
    expect(r).toEqual(native(["/bin/busybox", "cat", "/etc/hostname"]));
  }, 60000);
});
