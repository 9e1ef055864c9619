// The address space: VMAs split and merge as mmap/munmap/mprotect require,
// pages appear on first touch, permissions are enforced on faults, frames
// return to the pool, and the kernel's copies give EFAULT instead of throwing.
import { describe, it, expect, beforeAll } from "vitest";
import { loadCpuNode } from "../../src/kernel/cpu";
import { PhysMem } from "../../src/kernel/mm/physmem";
import { PROT_READ, PROT_WRITE, PROT_EXEC } from "../../src/kernel/mm/pagetable";
import { AddressSpace, PF_WRITE, PF_FETCH, PF_USER } from "../../src/kernel/mm/addrspace";
import { EFAULT, ENOMEM } from "../../src/kernel/errno";

let mem: PhysMem;
beforeAll(async () => { mem = new PhysMem(await loadCpuNode(), 16 << 20); });

const RW = PROT_READ | PROT_WRITE;

describe("AddressSpace", () => {
  it("allocates pages lazily inside a VMA and refuses faults outside", () => {
    const before = mem.usedFrames;
    const as = new AddressSpace(mem);
    as.map(0x10000, 0x20000, RW, "");
    expect(mem.usedFrames).toBe(before + 1); // the page-table root only
    expect(as.pt.lookup(0x10000)).toBeNull();
    expect(as.fault(0x10008, PF_USER | PF_WRITE)).toBe(true);
    expect(as.pt.lookup(0x10000)).not.toBeNull();
    expect(as.fault(0x20000, PF_USER)).toBe(false);
    expect(as.fault(0xf000, PF_USER)).toBe(false);
    as.destroy();
    expect(mem.usedFrames).toBe(before);
  });

  it("enforces the VMA's permissions on faults", () => {
    const as = new AddressSpace(mem);
    as.map(0x10000, 0x11000, PROT_READ, "");
    as.map(0x11000, 0x12000, PROT_READ | PROT_EXEC, "");
    as.map(0x12000, 0x13000, 0, "");
    expect(as.fault(0x10000, PF_USER | PF_WRITE)).toBe(false);
    expect(as.fault(0x10000, PF_USER | PF_FETCH)).toBe(false);
    expect(as.fault(0x10000, PF_USER)).toBe(true);
    expect(as.fault(0x11000, PF_USER | PF_FETCH)).toBe(true);
    expect(as.fault(0x12000, PF_USER)).toBe(false);
    const pte = as.pt.lookup(0x10000)!;
    expect(pte.nx).toBe(true);
    expect(pte.flags & 2).toBe(0);
    expect(as.pt.lookup(0x11000)!.nx).toBe(false);
    as.destroy();
  });

  it("splits VMAs on munmap and mprotect and frees unmapped frames", () => {
    const as = new AddressSpace(mem);
    as.map(0x100000, 0x105000, RW, "");
    for (let a = 0x100000; a < 0x105000; a += 0x1000) as.fault(a, PF_USER | PF_WRITE);
    const used = mem.usedFrames;
    as.unmap(0x102000, 0x103000);
    expect(mem.usedFrames).toBe(used - 1);
    expect(as.vmas.map((v) => [v.start, v.end])).toEqual([[0x100000, 0x102000], [0x103000, 0x105000]]);
    expect(as.protect(0x101000, 0x102000, PROT_READ)).toBe(0);
    expect(as.vmas.map((v) => [v.start, v.end, v.prot])).toEqual([[0x100000, 0x101000, RW], [0x101000, 0x102000, PROT_READ], [0x103000, 0x105000, RW]]);
    expect(as.pt.lookup(0x101000)!.flags & 2).toBe(0);
    // mprotect over a hole fails with ENOMEM, as Linux does.
    expect(as.protect(0x101000, 0x104000, PROT_READ)).toBe(-ENOMEM);
    as.destroy();
  });

  it("keeps a page's contents across PROT_NONE and back", () => {
    const as = new AddressSpace(mem);
    as.map(0x200000, 0x201000, RW, "");
    expect(as.copyOut(0x200010, new Uint8Array([1, 2, 3]))).toBe(0);
    as.protect(0x200000, 0x201000, 0);
    expect(as.pt.lookup(0x200000)).toBeNull();
    expect(as.copyIn(0x200010, 3)).toBeNull();
    as.protect(0x200000, 0x201000, PROT_READ);
    expect([...as.copyIn(0x200010, 3)!]).toEqual([1, 2, 3]);
    as.destroy();
  });

  it("MAP_FIXED replaces what was mapped with fresh zero pages", () => {
    const as = new AddressSpace(mem);
    as.map(0x300000, 0x303000, RW, "");
    as.copyOut(0x301000, new Uint8Array([9]));
    as.copyOut(0x300fff, new Uint8Array([8]));
    as.map(0x301000, 0x302000, RW, "");
    expect([...as.copyIn(0x301000, 1)!]).toEqual([0]);
    expect([...as.copyIn(0x300fff, 1)!]).toEqual([8]);
    expect(as.vmas.length).toBe(3);
    as.destroy();
  });

  it("copyIn/copyOut/readCString return EFAULT for bad pointers, never throw", () => {
    const as = new AddressSpace(mem);
    as.map(0x400000, 0x401000, PROT_READ, "");
    as.map(0x401000, 0x402000, RW, "");
    expect(as.copyIn(0x10, 4)).toBeNull();
    expect(as.copyIn(-5, 4)).toBeNull();
    expect(as.copyIn(2 ** 48, 4)).toBeNull();
    expect(as.copyOut(0x400000, new Uint8Array(1))).toBe(-EFAULT); // read-only
    expect(as.copyOut(0x401ffe, new Uint8Array(4))).toBe(-EFAULT); // runs off the end
    expect(as.copyIn(0x400ffe, 4)).not.toBeNull(); // spans two readable VMAs
    expect(as.readCString(0x10)).toBe(-EFAULT);
    as.copyOut(0x401000, new TextEncoder().encode("hako\0"));
    expect(as.readCString(0x401000)).toBe("hako");
    as.copyOut(0x401000 + 96, new Uint8Array(4000).fill(65));
    expect(as.readCString(0x401000 + 96)).toBe(-EFAULT); // no NUL before the end of the mapping
    as.destroy();
  });

  it("brk grows and shrinks the heap and frees what it drops", () => {
    const as = new AddressSpace(mem);
    as.brkStart = as.brk = 0x600000;
    const used = mem.usedFrames;
    expect(as.setBrk(0)).toBe(0x600000);
    expect(as.setBrk(0x600000 + 0x3000 + 5)).toBe(0x603005);
    expect(as.find(0x603000)!.name).toBe("[heap]");
    expect(as.copyOut(0x603004, new Uint8Array([1]))).toBe(0);
    expect(as.copyOut(0x604000, new Uint8Array([1]))).toBe(-EFAULT);
    expect(as.setBrk(0x601000)).toBe(0x601000);
    expect(as.find(0x601000)).toBeNull();
    expect(mem.usedFrames).toBeLessThanOrEqual(used + 3);
    // Below the start: refused, the break stays.
    expect(as.setBrk(0x500000)).toBe(0x601000);
    // Into another mapping: refused.
    as.map(0x700000, 0x701000, RW, "");
    expect(as.setBrk(0x700800)).toBe(0x601000);
    as.destroy();
  });

  it("places mmap top-down below mmapBase, skipping used ranges", () => {
    const as = new AddressSpace(mem);
    as.mmapBase = 0x7f0000000000;
    const a = as.findFree(0x2000, 0);
    expect(a).toBe(0x7f0000000000 - 0x2000);
    as.map(a, a + 0x2000, RW, "");
    const b = as.findFree(0x1000, 0);
    expect(b).toBe(a - 0x1000);
    // A free hint is honoured.
    expect(as.findFree(0x1000, 0x10000000)).toBe(0x10000000);
    as.destroy();
  });
});
