// The cost of an overlay mount over the busybox image (issue 5: under 1 ms,
// the lower layer shared): the same static program (bench/progs/ovlmount.c)
// mounts N overlays natively (in a private mount namespace, over the same
// busybox tree on disk) and in Hako (over the image shown at
// /var/lib/hako/image), timing each mount(2) and a first write in each
// merged tree (a copy-up of /etc). Then the kernel's share alone: N overlays
// built and mounted through the kernel API, with the JS heap growth per
// mount, and the image's own size for comparison (a mount must not copy it).
// Run: npx tsx --expose-gc bench/overlay.ts [N]   (not a test: numbers vary)
import { spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeScratch, runHako } from "../tests/userland/harness";
import { Machine } from "../src/kernel/machine";
import { HostFs } from "../src/kernel/fs/hostfs";
import { overlayRoot } from "../src/kernel/fs/rootfs";
import { imageRoot } from "../src/hako/rootfs";
import { exposeLayer } from "../src/kernel/fs/overlay/layerdir";
import { overlayFromOptions } from "../src/kernel/fs/overlay/fstype";
import { createTmpfs } from "../src/kernel/fs/tmpfs";
import { type Inode, isDir, isReg } from "../src/kernel/fs/inode";

const N = Number(process.argv[2] ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => { gc?.(); gc?.(); return process.memoryUsage().heapUsed; };

const s = makeScratch();
execFileSync("gcc", ["-static", "-O2", "-o", join(s.dir, "bin/ovlmount"), join(import.meta.dirname, "progs/ovlmount.c")]);
const image = (await imageRoot("busybox")).root;

/** Objects and file bytes of a tree (what a copy of the image would cost). */
function size(i: Inode): { nodes: number; bytes: number } {
  let nodes = 1, bytes = isReg(i) ? i.size : 0;
  if (isDir(i)) for (const [, c] of i.entries()) { const r = size(c); nodes += r.nodes; bytes += r.bytes; }
  return { nodes, bytes };
}

// ---- natively ----
let native: number[] | null = null;
const nbase = mkdtempSync(join(tmpdir(), "hako-ovlbench-"));
const n = spawnSync("unshare", ["-m", "--propagation", "private", join(s.dir, "bin/ovlmount"), String(N), s.dir, nbase], { encoding: "utf8" });
if (n.status === 0) native = n.stdout.trim().split(" ").map(Number).slice(1);
else console.warn(`native half skipped: ${(n.stderr || n.error?.message || "").trim()}`);
rmSync(nbase, { recursive: true, force: true });

// ---- in Hako, through mount(2) ----
const m = await Machine.create({ root: overlayRoot(new HostFs(s.dir).root).root });
if (exposeLayer(m.vfs, image, "/var/lib/hako/image", "busybox") !== 0) throw new Error("cannot show the image");
runHako(m, ["/bin/mkdir", "-p", "/tmp/bench"], "", "/");
const h0 = heap();
const r = runHako(m, ["/bin/ovlmount", String(N), "/var/lib/hako/image", "/tmp/bench"], "", "/");
const guestHeap = (heap() - h0) / N;
if (r.status !== 0) throw new Error(`ovlmount in Hako: ${r.stdout}${r.stderr}`);
const hako = r.stdout.trim().split(" ").map(Number).slice(1);

// ---- the kernel's share: overlays built and mounted through the kernel API ----
const api = await Machine.create({ root: image });
const work = createTmpfs({ mode: 0o755 });
const dirs: Inode[] = [];
for (let i = 0; i < N; i++) {
  const d = work.mkdir(`c${i}`, { mode: 0o755 });
  for (const sub of ["u", "w", "m"]) work.mkdir(`c${i}/${sub}`, { mode: 0o755 });
  dirs.push(d);
}
const k0 = heap();
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const d = dirs[i];
  const fs = overlayFromOptions("lowerdir=/image,upperdir=u,workdir=w", (p) => p === "/image" ? image : d.lookup(p) ?? -2);
  if (typeof fs === "number") throw new Error(`errno ${-fs}`);
  api.vfs.mount(d, "m", fs.root, { source: "overlay", fstype: "overlay", options: `rw,relatime,${fs.options}` });
}
const apiUs = ((performance.now() - t0) * 1000) / N;
const apiHeap = (heap() - k0) / N;
const img = size(image);

const f = (x: number): string => x.toFixed(1);
console.log(`overlay mounts over the busybox image (${img.nodes} objects, ${(img.bytes / 1024).toFixed(0)} KiB of file data), N = ${N}`);
console.log("");
console.log("                              mount(2) µs   first write µs (copy-up of /etc)");
if (native) console.log(`Linux (native)                ${f(native[0]).padStart(11)}   ${f(native[1]).padStart(9)}`);
console.log(`Hako (guest program)          ${f(hako[0]).padStart(11)}   ${f(hako[1]).padStart(9)}`);
if (native) console.log(`ratio Hako / Linux            ${(hako[0] / native[0]).toFixed(1).padStart(10)}×   ${(hako[1] / native[1]).toFixed(1).padStart(8)}×`);
console.log("");
console.log(`kernel API only (no syscall): ${f(apiUs)} µs per mount, heap +${(apiHeap / 1024).toFixed(2)} KiB per mount${gc ? "" : " (run with --expose-gc for steadier figures)"}`);
console.log(`guest run: heap +${(guestHeap / 1024).toFixed(2)} KiB per container (mount, its three tmpfs directories, one copied-up /etc and file)`);
console.log(`the image itself is ${img.nodes} objects: one copy, shared by all ${N} mounts`);
rmSync(s.dir, { recursive: true, force: true });
