// The store's costs (npx tsx bench/store.ts): saving and restoring a
// machine's upper layer (1000 small files in 20 directories and one 16 MiB
// file), the change detection the page runs every 250 ms, incremental
// saves, and importing + stacking the busybox image. Over memory and over
// fake-indexeddb (a JS IndexedDB: slower than Chromium's, an upper bound).
// Not a test: it prints figures.
import "fake-indexeddb/auto";
import { join } from "node:path";
import { MemoryKv, type Kv } from "../src/store/kv";
import { IdbKv } from "../src/store/idbkv";
import { TreeStore } from "../src/store/treestore";
import { BlobStore } from "../src/store/blobs";
import { LayerStore } from "../src/store/layers";
import { dirSource } from "../src/store/nodesource";
import { TreeSync } from "../src/kernel/fs/treesync";
import { layerTree } from "../src/kernel/fs/layerfs";
import { createTmpfs } from "../src/kernel/fs/tmpfs";
import { S_IFDIR, S_IFREG, type Inode } from "../src/kernel/fs/inode";
import type { MemFs } from "../src/kernel/fs/memfs";
import { IMAGES_DIR } from "../scripts/build-images";

async function time<T>(f: () => Promise<T> | T): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

function upper(): MemFs {
  const fs = createTmpfs({ mode: 0o755 });
  const page = new Uint8Array(4096);
  for (let d = 0; d < 20; d++) {
    const dir = fs.root.create(`d${d}`, { mode: S_IFDIR | 0o755, uid: 0, gid: 0 }) as Inode;
    for (let f = 0; f < 50; f++) {
      const n = dir.create!(`f${f}`, { mode: S_IFREG | 0o644, uid: 0, gid: 0 }) as Inode;
      page[0] = d; page[1] = f;
      n.write!(0, page);
    }
  }
  const big = fs.root.create("big", { mode: S_IFREG | 0o644, uid: 0, gid: 0 }) as Inode;
  const data = new Uint8Array(16 << 20);
  for (let i = 0; i < data.length; i += 4096) { data[i] = i >>> 12; data[i + 1] = i >>> 20; }
  big.write!(0, data);
  return fs;
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

for (const [name, kv] of [["memory", new MemoryKv()], ["fake-indexeddb", new IdbKv("bench-store", "store")]] as Array<[string, Kv]>) {
  const fs = upper();
  const sync = new TreeSync(fs, new TreeStore(kv, "upper"));
  const [first, s1] = await time(() => sync.sync());
  // Files written within the clock's granularity of that save are checked once more (the racy-git rule).
  const [recheck] = await time(() => sync.sync());
  const [sig] = await time(() => sync.signature());
  const [noop, s2] = await time(() => sync.sync());
  (fs.get("d3/f7") as Inode).write!(0, new Uint8Array([1, 2, 3]));
  const [one, s3] = await time(() => sync.sync());
  (fs.get("big") as Inode).write!(5 << 20, new Uint8Array([9]));
  const [bigOne, s4] = await time(() => sync.sync());
  const back = createTmpfs({ mode: 0o755 });
  const [restore, paths] = await time(() => new TreeSync(back, new TreeStore(kv, "upper")).restore());
  console.log(`${name}: upper of 1000 × 4 KiB + 16 MiB (${paths} paths)`);
  console.log(`  first save ${ms(first)} (${(s1.lastBytesWritten / 2 ** 20).toFixed(1)} MiB written), racy recheck ${ms(recheck)}, signature walk ${ms(sig)}`);
  console.log(`  save with no change ${ms(noop)} (${s2.lastBytesWritten} B), one small file changed ${ms(one)} (${s3.lastBytesWritten} B), one byte of the 16 MiB file ${ms(bigOne)} (${s4.lastBytesWritten / 1024} KiB)`);
  console.log(`  restore ${ms(restore)}`);
}

const layers = new LayerStore(new BlobStore(new MemoryKv()));
const [imp, img] = await time(() => layers.importImage(dirSource(join(IMAGES_DIR, "busybox"))));
const [unpack, entries] = await time(() => layers.entries(img.layers[0]));
const [stack] = await time(() => layers.tree(img.layers));
const [tree] = await time(() => layerTree(entries));
const [again] = await time(() => layerTree(entries));
console.log(`busybox image: import (verify + store blobs) ${ms(imp)}, unpack layer (gunzip + tar, ${entries.length} entries) ${ms(unpack)}, stack ${ms(stack)}, layer tree ${ms(tree)}, shared tree again ${ms(again)}`);
