// When the page saves (worker/persistence.ts), on a fake clock: not while
// writes go on, one tick after they go quiet, at the latest 2 s after the
// tick that first saw an unsaved change, once more after a save that saw a file changed in
// the clock's granularity, at once on flush() and on sync(2)/fsync(2);
// reset() forgets the tree.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryKv } from "../../src/store/kv";
import { TreeStore } from "../../src/store/treestore";
import { RootPersistence } from "../../src/worker/persistence";
import { createTmpfs } from "../../src/kernel/fs/tmpfs";
import type { MemFs } from "../../src/kernel/fs/memfs";
import { S_IFREG, type Inode } from "../../src/kernel/fs/inode";

let fs: MemFs;
let kv: MemoryKv;
let disk: RootPersistence;
let file: Inode;
let n = 0;

/** One guest write: the file grows by a byte. */
const write = (): void => { file.write!(n++, new Uint8Array([65])); };
/** Lets the clock run `ms` and the saves it started finish (hashing runs on WebCrypto, outside the fake clock). */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await disk.idle();
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout", "performance", "Date"] });
  fs = createTmpfs({ mode: 0o755 });
  kv = new MemoryKv();
  disk = new RootPersistence(fs, kv);
  await disk.restore();
  file = fs.root.create!("log", { mode: S_IFREG | 0o644, uid: 0, gid: 0 }) as Inode;
  n = 0;
  disk.start();
});

afterEach(async () => {
  await disk.reset();
  vi.useRealTimers();
});

describe("the page's save policy", () => {
  it("saves one tick after the writes go quiet, not before", async () => {
    write();
    await advance(250);
    expect(disk.status().saves).toBe(0);
    await advance(250);
    expect(disk.status().saves).toBeGreaterThanOrEqual(1);
    expect(disk.status().dirty).toBe(false);
    const saved = await new TreeStore(kv, "root-upper").open();
    expect(saved?.entries.map(([p]) => p)).toEqual(["", "log"]);
  });

  it("saves 2 s after the tick that first saw an unsaved change, while writes go on", async () => {
    write();
    let firstSaveAt = -1;
    for (let t = 100; t <= 3000; t += 100) {
      await advance(100);
      write();
      if (firstSaveAt < 0 && disk.status().saves > 0) firstSaveAt = t;
    }
    expect(firstSaveAt).toBeGreaterThan(1500);
    // The change at 0 is seen by the tick at 250; the save starts at 2250 and is visible at the next look (2300).
    expect(firstSaveAt).toBeLessThanOrEqual(2300);
  });

  it("checks once more after a save that saw a file change within the clock's granularity", async () => {
    write();
    const s = await disk.flush();
    expect(s.saves).toBe(1);
    // The fake clock has not moved: the file's ctime is the save's own time, so one more save follows by itself.
    await advance(250);
    expect(disk.status().saves).toBe(2);
    await advance(1000);
    expect(disk.status().saves).toBe(2);
  });

  it("flush() saves at once; with nothing changed it writes nothing", async () => {
    write();
    expect((await disk.flush()).saves).toBe(1);
    await advance(5);
    const again = await disk.flush();
    expect(again.lastBytesWritten).toBe(0);
  });

  it("sync(2)/fsync(2) start a save at once, without waiting for a quiet tick", async () => {
    write();
    expect(disk.syncCall()).toBe(0);
    await advance(0);
    expect(disk.status().saves).toBe(1);
    expect(disk.status().dirty).toBe(false);
  });

  it("reset() stops saving and forgets the saved tree", async () => {
    write();
    await disk.flush();
    expect((await kv.keys("tree/root-upper/")).length).toBeGreaterThan(0);
    await disk.reset();
    write();
    await advance(3000);
    expect(await kv.keys("tree/root-upper/")).toEqual([]);
  });
});
