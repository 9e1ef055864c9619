// The page cache (mm/pagecache.ts, mm/filemap.ts) at the frame level: one
// frame per file page whoever maps it; a write to a private mapping copies
// the page (even when nobody else maps it: the cache may hand it out
// again); a changed file gets a new frame while old mappers keep theirs;
// reclaim drops only unmapped pages; charging goes through the hooks once
// per page; fork shares the frames without charging the child.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { loadCpuNode, PTE_W, PTE_COW } from "../../src/kernel/cpu";
import { PhysMem } from "../../src/kernel/mm/physmem";
import { PROT_READ, PROT_WRITE, PROT_EXEC } from "../../src/kernel/mm/pagetable";
import { AddressSpace, PF_WRITE, PF_USER, PF_PROT, type MemCharge } from "../../src/kernel/mm/addrspace";
import { mapFilePages } from "../../src/kernel/mm/filemap";
import { cacheCharging } from "../../src/kernel/mm/pagecache";

let mem: PhysMem;
beforeAll(async () => { mem = new PhysMem(await loadCpuNode(), 16 << 20); });

const saved = { ...cacheCharging };
afterEach(() => { Object.assign(cacheCharging, saved); mem.cache.reclaim(null); });

const file = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
const at = (as: AddressSpace, va: number, n = 8): number[] => [...(as.copyIn(va, n) ?? [])];

class Counter implements MemCharge {
  n = 0;
  charge(k: number): boolean { this.n += k; return true; }
  uncharge(k: number): void { this.n -= k; }
}

describe("page cache", () => {
  it("two address spaces mapping one file share its frames; the last page's bytes past the end of the file are zero", () => {
    const before = mem.usedFrames;
    const data = file(2 * 4096 + 10, 1);
    const a = new AddressSpace(mem), b = new AddressSpace(mem);
    for (const as of [a, b]) {
      as.map(0x10000, 0x13000, PROT_READ | PROT_EXEC, "/f");
      expect(mapFilePages(as, "1:7", 0, data, 0x10000, 3, PROT_READ | PROT_EXEC)).toBe(true);
    }
    expect(mem.cache.frames).toBe(3);
    for (let p = 0; p < 3; p++) {
      const pa = a.pt.lookup(0x10000 + p * 4096)!, pb = b.pt.lookup(0x10000 + p * 4096)!;
      expect(pb.pa).toBe(pa.pa);
      expect(mem.refCount(pa.pa)).toBe(3); // the cache and two mappers
      expect(pa.flags & PTE_W).toBe(0);
    }
    expect([a.rss, a.fileRss, a.chargedRss]).toEqual([3, 3, 0]);
    expect(at(a, 0x12000 + 5, 8)).toEqual([...data.subarray(0x2005, 0x200a), 0, 0, 0]);
    // 3 cache frames + 2 × (root + 3 intermediate tables + nothing private)
    expect(mem.usedFrames - before).toBe(3 + 2 * 4);
    a.destroy(); b.destroy();
    expect(mem.cache.reclaim(null)).toBe(3);
    expect(mem.usedFrames).toBe(before);
  });

  it("a write to a private file page copies it, even for its only mapper, and charges the copy", () => {
    const data = file(4096, 2);
    const a = new AddressSpace(mem);
    a.charge = new Counter();
    a.map(0x10000, 0x11000, PROT_READ | PROT_WRITE, "/f");
    mapFilePages(a, "1:8", 0, data, 0x10000, 1, PROT_READ | PROT_WRITE);
    const cached = a.pt.lookup(0x10000)!.pa;
    expect(a.pt.lookup(0x10000)!.flags & PTE_COW).toBe(PTE_COW);
    expect((a.charge as Counter).n).toBe(0);
    expect(a.fault(0x10000, PF_WRITE | PF_USER | PF_PROT)).toBe(true);
    const mine = a.pt.lookup(0x10000)!;
    expect(mine.pa).not.toBe(cached);
    expect(mine.flags & PTE_W).toBe(PTE_W);
    expect(a.copyOut(0x10000, Uint8Array.of(0xee))).toBe(0);
    expect(at(a, 0x10000, 2)).toEqual([0xee, data[1]]);
    expect(mem.u8[cached]).toBe(data[0]); // the cached page is untouched
    expect([a.rss, a.fileRss, (a.charge as Counter).n]).toEqual([1, 0, 1]);
    // A new mapper still gets the file's bytes.
    const b = new AddressSpace(mem);
    b.map(0x10000, 0x11000, PROT_READ, "/f");
    mapFilePages(b, "1:8", 0, data, 0x10000, 1, PROT_READ);
    expect(b.pt.lookup(0x10000)!.pa).toBe(cached);
    a.destroy(); b.destroy();
    expect((a.charge as Counter).n).toBe(0);
  });

  it("a changed file gets a new frame; the old mapper keeps its bytes and the stale frame leaves the cache", () => {
    const v1 = file(4096, 3), v2 = Uint8Array.from(v1);
    v2[100] ^= 0xff;
    const a = new AddressSpace(mem), b = new AddressSpace(mem);
    a.map(0x10000, 0x11000, PROT_READ, "/f");
    b.map(0x10000, 0x11000, PROT_READ, "/f");
    mapFilePages(a, "1:9", 0, v1, 0x10000, 1, PROT_READ);
    const old = a.pt.lookup(0x10000)!.pa;
    mapFilePages(b, "1:9", 0, v2, 0x10000, 1, PROT_READ);
    expect(b.pt.lookup(0x10000)!.pa).not.toBe(old);
    expect(at(b, 0x10000 + 100, 1)).toEqual([v2[100]]);
    expect(at(a, 0x10000 + 100, 1)).toEqual([v1[100]]);
    expect(mem.cache.frames).toBe(1);
    expect(mem.refCount(old)).toBe(1); // a's alone now
    a.destroy(); b.destroy();
  });

  it("reclaim drops only the pages nobody maps; fork shares file frames without charging the child", () => {
    const data = file(3 * 4096, 4);
    const a = new AddressSpace(mem);
    a.charge = new Counter();
    a.map(0x10000, 0x12000, PROT_READ, "/f");
    mapFilePages(a, "1:10", 0, data, 0x10000, 2, PROT_READ); // pages 0, 1 mapped
    const tmp = new AddressSpace(mem);
    tmp.map(0x10000, 0x11000, PROT_READ, "/f");
    mapFilePages(tmp, "1:10", 2 * 4096, data.subarray(2 * 4096), 0x10000, 1, PROT_READ); // page 2, then unmapped
    tmp.destroy();
    const child = a.fork()!;
    expect(child.pt.lookup(0x11000)!.pa).toBe(a.pt.lookup(0x11000)!.pa);
    expect([child.rss, child.fileRss, (a.charge as Counter).n]).toEqual([2, 2, 0]);
    expect(mem.cache.reclaim(null)).toBe(1);
    expect(mem.cache.frames).toBe(2);
    a.destroy(); child.destroy();
    expect(mem.cache.reclaim(null)).toBe(2);
  });

  it("charges each new page once through the hooks and uncharges it when dropped; a refused charge fails the mapping", () => {
    const owner = { name: "g" };
    let charged = 0;
    cacheCharging.charge = () => (charged < 2 ? (charged++, owner) : null);
    cacheCharging.uncharge = (o) => { expect(o).toBe(owner); charged--; };
    const data = file(3 * 4096, 5);
    const a = new AddressSpace(mem), b = new AddressSpace(mem);
    a.map(0x10000, 0x13000, PROT_READ, "/f");
    b.map(0x10000, 0x12000, PROT_READ, "/f");
    expect(mapFilePages(b, "1:11", 0, data, 0x10000, 2, PROT_READ)).toBe(true);
    expect(charged).toBe(2);
    expect(mapFilePages(a, "1:11", 0, data, 0x10000, 3, PROT_READ)).toBe(false); // page 2 is refused
    expect(charged).toBe(2); // the shared pages 0 and 1 were not charged again
    a.destroy(); b.destroy();
    mem.cache.reclaim(null);
    expect(charged).toBe(0);
  });

  it("RAM running out reclaims unmapped cached pages before an allocation fails", async () => {
    const small = new PhysMem(await loadCpuNode(), 64 * 4096);
    const data = file(40 * 4096, 6);
    const a = new AddressSpace(small);
    a.map(0x10000, 0x10000 + 40 * 4096, PROT_READ, "/f");
    expect(mapFilePages(a, "1:12", 0, data, 0x10000, 40, PROT_READ)).toBe(true);
    a.destroy(); // 40 cached pages, unmapped
    const b = new AddressSpace(small);
    b.map(0x100000, 0x100000 + 50 * 4096, PROT_READ | PROT_WRITE, "");
    for (let p = 0; p < 50; p++) expect(b.fault(0x100000 + p * 4096, PF_WRITE | PF_USER)).toBe(true);
    expect(small.cache.frames).toBeLessThan(40);
    b.destroy();
  });
});
