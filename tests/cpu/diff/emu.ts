// Emulator side of the differential test: the same fixed layout as native.c,
// built with the kernel's own frame allocator and page tables, one CPU
// instance reused for every case (re-created only if the wasm traps).
import {
  loadCpuNode, type CpuExports,
  CR3, EXIT_BREAKPOINT, EXIT_BUDGET, EXIT_DE, EXIT_GP, EXIT_MF, EXIT_PAGE_FAULT, EXIT_SYSCALL, EXIT_UD, EXIT_XM,
  FAULT_ADDR, FAULT_CODE, FS_BASE, FXAREA, GS_BASE, RFLAGS, RIP, STATE_SIZE,
} from "../../../src/kernel/cpu";
import { PhysMem, PAGE_SIZE } from "../../../src/kernel/mm/physmem";
import { PageTable, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../src/kernel/mm/pagetable";
import type { Case } from "./case";
import { CODE_ADDR, CODE_SIZE, DATA_ADDR, DATA_SIZE, IMAGE_SIZE, RO_ADDR, STACK_ADDR, STACK_SIZE, defaultFx, imageOffset } from "./layout";
import type { Outcome } from "./outcome";

/** Instructions allowed per case; snippets are a handful of instructions (REP counts stay small). */
const BUDGET = 100_000;
const EXIT_NAMES: Record<number, string> = {
  1: "SYSCALL", 2: "PAGE_FAULT", 3: "UD", 4: "DE", 5: "GP", 6: "BREAKPOINT", 7: "BUDGET", 8: "MF", 9: "XM",
};

/** The pristine image with the case's patches applied: the memory the snippet starts from. */
export function initialImage(image: Uint8Array, c: Case): Uint8Array {
  const m = new Uint8Array(image);
  for (const p of c.patches) m.set(p.bytes, imageOffset(p.addr));
  return m;
}

export class Emulator {
  private cpu!: CpuExports;
  private state = 0;
  /** Physical address of each code page. */
  private codePa: number[] = [];
  /** Physical address of each 4 KiB page of the memory image (data pages, then the stack page). */
  private imagePa: number[] = [];

  static async create(): Promise<Emulator> {
    const e = new Emulator();
    await e.reset();
    return e;
  }

  /** (Re)instantiates the CPU and maps the fixed layout. */
  async reset(): Promise<void> {
    this.cpu = await loadCpuNode();
    const mem = new PhysMem(this.cpu, 1 << 20);
    const pt = new PageTable(mem);
    const frame = (): number => {
      const pa = mem.alloc();
      if (pa < 0) throw new Error("emulator: out of frames");
      return pa;
    };
    this.state = frame();
    if (STATE_SIZE > PAGE_SIZE) throw new Error("state block larger than a page");
    // RWX like the native code pages, so self-modifying snippets behave the same.
    this.codePa = [];
    for (let off = 0; off < CODE_SIZE; off += PAGE_SIZE) {
      const pa = frame();
      pt.map(CODE_ADDR + off, pa, PROT_READ | PROT_WRITE | PROT_EXEC);
      this.codePa.push(pa);
    }
    this.imagePa = [];
    for (let off = 0; off < DATA_SIZE; off += PAGE_SIZE) {
      const pa = frame();
      pt.map(DATA_ADDR + off, pa, PROT_READ | PROT_WRITE);
      this.imagePa.push(pa);
    }
    for (let off = 0; off < STACK_SIZE; off += PAGE_SIZE) {
      const pa = frame();
      pt.map(STACK_ADDR + off, pa, PROT_READ | PROT_WRITE);
      this.imagePa.push(pa);
    }
    pt.map(RO_ADDR, frame(), PROT_READ);
    this.cpu.flushTlb();
    const v = new DataView(this.cpu.memory.buffer);
    v.setBigUint64(this.state + CR3, BigInt(pt.root), true);
  }

  /** Runs one case from `initial` (see initialImage) and reports what happened. */
  async run(c: Case, initial: Uint8Array): Promise<Outcome> {
    try {
      return this.runOnce(c, initial);
    } catch (e) {
      await this.reset();
      const zero = new BigUint64Array(16);
      return { kind: "crash", detail: `emulator threw: ${(e as Error).message}`, faultAddr: 0n, pageFault: false, faultCode: 0, gpr: zero, rip: 0n, rflags: 0, diffs: new Uint32Array(0) };
    }
  }

  private runOnce(c: Case, initial: Uint8Array): Outcome {
    const cpu = this.cpu;
    let u8 = new Uint8Array(cpu.memory.buffer);
    if (c.code.length > CODE_SIZE) throw new Error("snippet too long");
    const code = new Uint8Array(CODE_SIZE);
    code.set(c.code);
    if (c.code.length < CODE_SIZE) code[c.code.length] = 0xcc; // int3 ends the snippet
    for (let i = 0; i < this.codePa.length; i++) {
      u8.set(code.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), this.codePa[i]);
      cpu.invalidateCode(this.codePa[i], PAGE_SIZE);
    }
    for (let i = 0; i < this.imagePa.length; i++) {
      u8.set(initial.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), this.imagePa[i]);
      cpu.invalidateCode(this.imagePa[i], PAGE_SIZE);
    }
    const s = this.state;
    let v = new DataView(cpu.memory.buffer);
    const cr3 = v.getBigUint64(s + CR3, true);
    u8.fill(0, s, s + STATE_SIZE);
    v.setBigUint64(s + CR3, cr3, true);
    for (let i = 0; i < 16; i++) v.setBigUint64(s + 8 * i, c.gpr[i], true);
    v.setBigUint64(s + RIP, BigInt(CODE_ADDR), true);
    // IF is always set in Linux user mode (and visible to PUSHF): start from it as the native side does.
    v.setBigUint64(s + RFLAGS, BigInt(c.rflags | 0x202), true);
    v.setBigUint64(s + FS_BASE, c.fsBase ?? 0n, true);
    v.setBigUint64(s + GS_BASE, c.gsBase ?? 0n, true);
    u8.set(c.fx ?? defaultFx(), s + FXAREA);

    // Single-step cases run with a budget of 1 and resume after every EXIT_BUDGET, so the
    // state block must carry the exact state (lazy flags, REP progress) across every exit.
    const step = (): number => {
      if (!c.singleStep) return cpu.run(s, BUDGET);
      let x = EXIT_BUDGET;
      for (let n = 0; x === EXIT_BUDGET && n < BUDGET; n++) x = cpu.run(s, 1);
      return x;
    };
    let exit = step();
    // A minimal kernel for SYSCALL cases: every number is unknown, so the result is -ENOSYS.
    for (let n = 0; exit === EXIT_SYSCALL && c.syscallEnosys && n < 16; n++) {
      new DataView(cpu.memory.buffer).setBigInt64(s, -38n, true);
      exit = step();
    }
    // The CPU never grows memory today, but refetch views in case it ever does.
    u8 = new Uint8Array(cpu.memory.buffer);
    v = new DataView(cpu.memory.buffer);
    const gpr = new BigUint64Array(16);
    for (let i = 0; i < 16; i++) gpr[i] = v.getBigUint64(s + 8 * i, true);
    let rip = v.getBigUint64(s + RIP, true);
    const rflags = Number(v.getBigUint64(s + RFLAGS, true) & 0xffffffffn);
    const fx = c.wantFx ? u8.slice(s + FXAREA, s + FXAREA + 512) : undefined;

    let kind: Outcome["kind"];
    const end = BigInt(CODE_ADDR + c.code.length);
    switch (exit) {
      case EXIT_BREAKPOINT:
        // int3 is a trap: RIP is after it. At our terminator that means "reached the end".
        if (rip === end + 1n) { kind = "ok"; rip = end; } else kind = "SIGTRAP";
        break;
      case EXIT_PAGE_FAULT: case EXIT_GP: kind = "SIGSEGV"; break;
      case EXIT_UD: kind = "SIGILL"; break;
      case EXIT_DE: case EXIT_MF: case EXIT_XM: kind = "SIGFPE"; break;
      case EXIT_SYSCALL: kind = "syscall"; break;
      case EXIT_BUDGET: kind = "budget"; break;
      default: kind = "crash";
    }
    const pageFault = exit === EXIT_PAGE_FAULT;
    const faultAddr = pageFault ? v.getBigUint64(s + FAULT_ADDR, true) : 0n;
    const faultCode = pageFault ? v.getUint32(s + FAULT_CODE, true) : 0;

    const diffs: number[] = [];
    for (let i = 0; i < this.imagePa.length; i++) {
      const pa = this.imagePa[i];
      const base = i * PAGE_SIZE;
      const now = Buffer.from(cpu.memory.buffer, pa, PAGE_SIZE);
      const was = Buffer.from(initial.buffer, initial.byteOffset + base, PAGE_SIZE);
      if (now.equals(was)) continue;
      for (let j = 0; j < PAGE_SIZE; j++) if (now[j] !== was[j]) diffs.push((base + j) | (now[j] << 24));
    }
    if (this.imagePa.length * PAGE_SIZE !== IMAGE_SIZE) throw new Error("image layout mismatch");
    return { kind, detail: `exit ${EXIT_NAMES[exit] ?? exit}`, faultAddr, pageFault, faultCode, gpr, rip, rflags, fx, diffs: Uint32Array.from(diffs, (d) => d >>> 0) };
  }
}
