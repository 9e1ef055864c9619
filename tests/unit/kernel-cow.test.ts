// Copy-on-write fork of an address space (mm/addrspace.ts): after fork both
// sides read the same frames, read-only with PTE_COW; the first write on
// either side gets a private copy (or, for the last holder, the write bit
// back); MAP_SHARED memory stays shared; every frame returns to the pool.
import { describe, it, expect, beforeAll } from "vitest";
import { loadCpuNode, PTE_W, PTE_COW } from "../../src/kernel/cpu";
import { PhysMem } from "../../src/kernel/mm/physmem";
import { PROT_READ, PROT_WRITE } from "../../src/kernel/mm/pagetable";
import { AddressSpace, PF_WRITE, PF_USER, PF_PROT } from "../../src/kernel/mm/addrspace";

let mem: PhysMem;
beforeAll(async () => { mem = new PhysMem(await loadCpuNode(), 16 << 20); });

const RW = PROT_READ | PROT_WRITE;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (as: AddressSpace, va: number, n: number): string => new TextDecoder().decode(as.copyIn(va, n) ?? new Uint8Array());

describe("copy-on-write fork", () => {
  it("shares frames read-only, copies on the first write, and frees everything", () => {
    const before = mem.usedFrames;
    const parent = new AddressSpace(mem);
    parent.map(0x10000, 0x14000, RW, "");
    expect(parent.copyOut(0x10000, bytes("parent-0"))).toBe(0);
    expect(parent.copyOut(0x11000, bytes("parent-1"))).toBe(0);
    expect(parent.rss).toBe(2);
    const child = parent.fork()!;
    const pa = parent.pt.lookup(0x10000)!, ca = child.pt.lookup(0x10000)!;
    expect(ca.pa).toBe(pa.pa);
    expect(mem.refCount(pa.pa)).toBe(2);
    expect(pa.flags & PTE_W).toBe(0);
    expect(pa.flags & PTE_COW).toBe(PTE_COW);
    expect(child.rss).toBe(2);
    // The child writes through the kernel (as read(2) into its buffer would): it gets its own frame.
    expect(child.copyOut(0x10000, bytes("child!"))).toBe(0);
    expect(text(child, 0x10000, 8)).toBe("child!-0");
    expect(text(parent, 0x10000, 8)).toBe("parent-0");
    expect(child.pt.lookup(0x10000)!.pa).not.toBe(pa.pa);
    expect(mem.refCount(pa.pa)).toBe(1);
    // The parent is now the last holder of its frame: a write fault just gives the write bit back.
    expect(parent.fault(0x10004, PF_USER | PF_WRITE | PF_PROT)).toBe(true);
    const after = parent.pt.lookup(0x10000)!;
    expect(after.pa).toBe(pa.pa);
    expect(after.flags & PTE_W).toBe(PTE_W);
    expect(after.flags & PTE_COW).toBe(0);
    // A CPU write fault in the child on the other shared page copies it.
    expect(child.fault(0x11000, PF_USER | PF_WRITE | PF_PROT)).toBe(true);
    expect(child.pt.lookup(0x11000)!.pa).not.toBe(parent.pt.lookup(0x11000)!.pa);
    expect(text(child, 0x11000, 8)).toBe("parent-1");
    child.destroy();
    parent.destroy();
    expect(mem.usedFrames).toBe(before);
  });

  it("keeps MAP_SHARED pages shared, including pages first touched after fork", () => {
    const before = mem.usedFrames;
    const parent = new AddressSpace(mem);
    parent.map(0x20000, 0x22000, RW, "", true);
    const child = parent.fork()!;
    expect(child.copyOut(0x21000, bytes("from child"))).toBe(0);
    expect(text(parent, 0x21000, 10)).toBe("from child");
    expect(parent.pt.lookup(0x21000)!.flags & PTE_W).toBe(PTE_W);
    child.destroy();
    expect(text(parent, 0x21000, 10)).toBe("from child");
    parent.destroy();
    expect(mem.usedFrames).toBe(before);
  });

  it("a read-only page stays copy-on-write through mprotect", () => {
    const parent = new AddressSpace(mem);
    parent.map(0x30000, 0x31000, PROT_READ, "");
    expect(parent.poke(0x30000, bytes("ro"))).toBe(true);
    const child = parent.fork()!;
    expect(child.protect(0x30000, 0x31000, RW)).toBe(0);
    expect(child.pt.lookup(0x30000)!.flags & PTE_W).toBe(0);
    expect(child.copyOut(0x30000, bytes("RW"))).toBe(0);
    expect(text(parent, 0x30000, 2)).toBe("ro");
    expect(text(child, 0x30000, 2)).toBe("RW");
    child.destroy();
    parent.destroy();
  });
});
