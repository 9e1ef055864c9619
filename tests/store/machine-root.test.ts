// The page's persistence with a real machine in Node: busybox writes on the
// root overlay (new files, a copy-up, a deletion that leaves a whiteout),
// the upper layer is saved, and a second machine restored from the same
// store sees it all. With a store too small for the next save, the save is
// refused, busybox's next writes fail with ENOSPC ("No space left on
// device"), what was committed before is what a restore gives, and deleting
// a file lets saving and writing go on.
import "fake-indexeddb/auto";
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { Machine } from "../../src/kernel/machine";
import { imageRootFs } from "../../src/kernel/fs/imagefs";
import { loadImage, type LoadedImage } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { MemoryKv, type Kv } from "../../src/store/kv";
import { IdbKv } from "../../src/store/idbkv";
import { RootPersistence, rootUpper } from "../../src/worker/persistence";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";
import { IMAGES_DIR } from "../../scripts/build-images";

let image: LoadedImage;
beforeAll(async () => { image = await loadImage(dirSource(join(IMAGES_DIR, "busybox"))); });

/** A machine on the busybox image whose root's upper layer is restored from (and saved to) `kv`. */
async function boot(kv: Kv): Promise<{ m: Machine; disk: RootPersistence }> {
  const m = await Machine.create({ root: imageRootFs(image).root, ramBytes: 64 << 20 });
  const upper = rootUpper(m);
  if (!upper) throw new Error("the machine's root is not an overlay with a tmpfs upper layer");
  const disk = new RootPersistence(upper, kv);
  await disk.restore();
  disk.attach(m);
  return { m, disk };
}

function sh(m: Machine, script: string): { out: string; status: number } {
  const out: Uint8Array[] = [];
  const r = m.run({
    argv: ["/bin/sh", "-c", script], cwd: "/root", env: ["PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOME=/root"],
    stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => out.push(d)) },
    maxInstructions: 5e9,
  });
  return { out: Buffer.concat(out).toString(), status: r.status };
}

describe("the machine root's upper layer, saved and restored", () => {
  it("brings back files, a copied-up file and a deleted lower file after a reboot (over IndexedDB)", async () => {
    const kv = new IdbKv("hako-machine-root", "store");
    const a = await boot(kv);
    expect(sh(a.m, "echo hi > /root/note && mkdir -p /root/d && seq 1 20000 > /root/d/nums && ln -s d/nums /root/link && echo '10.0.0.1 box' >> /etc/hosts && rm /usr/bin/yes && md5sum /root/d/nums").status).toBe(0);
    const sum = sh(a.m, "md5sum /root/d/nums").out;
    const s = await a.disk.flush();
    expect(s.full).toBe(false);
    expect(s.saves).toBe(1);
    const b = await boot(kv);
    expect(b.disk.status().restoredPaths).toBeGreaterThan(5);
    expect(sh(b.m, "cat /root/note; md5sum /root/d/nums; readlink /root/link; tail -n 1 /etc/hosts").out)
      .toBe(`hi\n${sum}d/nums\n10.0.0.1 box\n`);
    const gone = sh(b.m, "ls /usr/bin/yes");
    expect(gone.status).toBe(1);
    expect(gone.out).toMatch(/No such file or directory/);
    // The lower layer is untouched: a machine without the saved upper still has yes and the image's hosts file.
    const fresh = await boot(new MemoryKv());
    expect(sh(fresh.m, "ls /usr/bin/yes; cat /root/note").out).toMatch(/^\/usr\/bin\/yes\ncat: can't open '\/root\/note': No such file or directory\n$/);
  });

  it("turns a full store into ENOSPC for the guest's writes, keeps the committed root, and recovers after rm", async () => {
    const kv = new MemoryKv({ quotaBytes: 256 * 1024 });
    const a = await boot(kv);
    expect(sh(a.m, "head -c 100000 /dev/zero > /root/a").status).toBe(0);
    expect((await a.disk.flush()).full).toBe(false);
    expect(sh(a.m, "head -c 300000 /dev/urandom > /root/b").status).toBe(0);
    expect((await a.disk.flush()).full).toBe(true);
    // The guest now meets a full disk.
    const w = sh(a.m, "dd if=/dev/zero of=/root/c bs=4096 count=1");
    expect(w.status).toBe(1);
    expect(w.out).toMatch(/No space left on device/);
    // fsync(2) says the data is not durable; sync(2) cannot fail.
    const f = sh(a.m, "sync /root/a");
    expect(f.status).toBe(1);
    expect(f.out).toMatch(/No space left on device/);
    expect(sh(a.m, "sync").status).toBe(0);
    // A reload now would give the last committed root: a, not b.
    const b = await boot(kv);
    expect(sh(b.m, "ls /root").out).toBe("a\n");
    // Making room lets the next save through, and writes work again.
    expect(sh(a.m, "rm /root/b /root/c").status).toBe(0);
    expect((await a.disk.flush()).full).toBe(false);
    expect(sh(a.m, "echo ok > /root/c && cat /root/c").out).toBe("ok\n");
    expect((await a.disk.flush()).full).toBe(false);
    expect(sh((await boot(kv)).m, "ls /root; cat /root/c").out).toBe("a\nc\nok\n");
  });
});
