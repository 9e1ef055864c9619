// The block compiler (src/kernel/jit, src/cpu/jit.ts) against the
// interpreter on the situations where a compiled block must stop in the
// middle: a page fault or #DE inside a block, a block that overwrites its
// own later instructions, code the kernel rewrites between runs, and a
// budget that ends inside a loop. Each snippet runs on two CPUs built the
// same way — one compiling every block at its first execution (threshold 1),
// one interpreting only — and the whole architectural state must be equal:
// exit reason, RIP, GPRs, RFLAGS, ICOUNT, fault address and code, and memory.
// Expected values from the SDM are asserted too where they are simple.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import {
  loadCpuNode, type CpuExports, CR3, RIP, RFLAGS, ICOUNT, FAULT_ADDR, FAULT_CODE,
  EXIT_PAGE_FAULT, EXIT_DE, EXIT_BREAKPOINT, EXIT_BUDGET, XMM0,
} from "../../src/kernel/cpu";
import { PhysMem } from "../../src/kernel/mm/physmem";
import { MXCSR, FS_BASE } from "../../src/cpu/state";
import { PageTable, PROT_READ, PROT_WRITE, PROT_EXEC } from "../../src/kernel/mm/pagetable";
import type { BlockCompiler } from "../../src/kernel/jit/index";

const CODE = 0x400000;
const DATA = 0x600000;
const RODATA = 0x700000;
const STACK_TOP = 0x7ff000;

interface Snapshot {
  exit: number; rip: bigint; flags: bigint; icount: bigint; faultAddr: bigint; faultCode: number;
  gprs: bigint[]; data: string; xmm: string; stack: string;
}

class Box {
  readonly state: number;
  readonly pt: PageTable;
  constructor(readonly cpu: CpuExports, readonly mem: PhysMem, code: number[]) {
    this.pt = new PageTable(mem);
    this.state = mem.alloc();
    const map = (va: number, pages: number, prot: number): void => {
      for (let i = 0; i < pages; i++) this.pt.map(va + i * 4096, mem.alloc(), prot);
    };
    // Code is writable too, so snippets can modify themselves (like the diff test's RWX pages).
    map(CODE, 2, PROT_READ | PROT_WRITE | PROT_EXEC);
    map(DATA, 1, PROT_READ | PROT_WRITE);
    map(RODATA, 1, PROT_READ);
    map(STACK_TOP - 0x2000, 2, PROT_READ | PROT_WRITE);
    cpu.flushTlb();
    this.v.setBigUint64(this.state + CR3, BigInt(this.pt.root), true);
    this.v.setBigUint64(this.state + RFLAGS, 0x202n, true);
    this.v.setBigUint64(this.state + RIP, BigInt(CODE), true);
    this.setReg(4, BigInt(STACK_TOP));
    this.write(CODE, code);
  }
  get v(): DataView { return new DataView(this.cpu.memory.buffer); }
  write(va: number, bytes: number[]): void {
    for (let i = 0; i < bytes.length; i++) this.mem.u8[this.pt.translate(va + i, false)] = bytes[i];
  }
  /** The kernel's way to change code: write the frame and tell the CPU. */
  patch(va: number, bytes: number[]): void {
    this.write(va, bytes);
    const pa = this.pt.translate(va, false);
    this.cpu.invalidateCode(pa & ~0xfff, 4096);
  }
  setReg(n: number, v: bigint): void { this.v.setBigUint64(this.state + n * 8, BigInt.asUintN(64, v), true); }
  /** XMMn = lo | hi << 64. */
  setXmm(n: number, lo: bigint, hi: bigint): void {
    this.v.setBigUint64(this.state + XMM0 + 16 * n, lo, true);
    this.v.setBigUint64(this.state + XMM0 + 16 * n + 8, hi, true);
  }
  run(budget: number): Snapshot {
    const exit = this.cpu.run(this.state, budget);
    const v = this.v, s = this.state;
    const gprs: bigint[] = [];
    for (let n = 0; n < 16; n++) gprs.push(v.getBigUint64(s + n * 8, true));
    const dpa = this.pt.translate(DATA, false);
    const page = (va: number): string => { const pa = this.pt.translate(va, false); return Buffer.from(this.mem.u8.subarray(pa, pa + 4096)).toString("hex"); };
    return {
      exit, rip: v.getBigUint64(s + RIP, true), flags: v.getBigUint64(s + RFLAGS, true), icount: v.getBigUint64(s + ICOUNT, true),
      faultAddr: exit === EXIT_PAGE_FAULT ? v.getBigUint64(s + FAULT_ADDR, true) : 0n,
      faultCode: exit === EXIT_PAGE_FAULT ? v.getUint32(s + FAULT_CODE, true) : 0,
      gprs, data: Buffer.from(this.mem.u8.subarray(dpa, dpa + 64)).toString("hex"),
      xmm: Buffer.from(this.mem.u8.subarray(s + XMM0, s + XMM0 + 256)).toString("hex"),
      stack: page(STACK_TOP - 0x2000) + page(STACK_TOP - 0x1000),
    };
  }
}

let jitCpu: CpuExports, interpCpu: CpuExports;
/** The block compiler of jitCpu (its statistics). */
let jitCompiler: BlockCompiler;
let jitMem: PhysMem, interpMem: PhysMem;

beforeAll(async () => {
  execFileSync("node", ["scripts/build-cpu.mjs"], { stdio: "inherit" });
  jitCpu = await loadCpuNode();
  jitCompiler = (globalThis as { hakoJit?: BlockCompiler }).hakoJit!;
  jitCpu.setJitThreshold(1);
  interpCpu = await loadCpuNode();
  interpCpu.setJitThreshold(0);
  // Every Box keeps its frames (six pages): room for all the tests' boxes.
  jitMem = new PhysMem(jitCpu, 64 << 20);
  interpMem = new PhysMem(interpCpu, 64 << 20);
});

const h = (s: string): number[] => s.trim().split(/\s+/).map((x) => parseInt(x, 16));

/**
 * Runs `code` on both CPUs with the same registers `runs` times and checks
 * each pair of snapshots is equal; returns the JIT's. Between runs `between`
 * changes the machine; by default RIP and the given registers start over
 * (a first run decodes, later ones execute compiled blocks).
 */
function both(code: number[], regs: Record<number, bigint>, budget: number, runs = 2, between?: (b: Box, run: number) => void): Snapshot[] {
  const a = new Box(jitCpu, jitMem, code), b = new Box(interpCpu, interpMem, code);
  const restart = (x: Box): void => {
    for (const [n, v] of Object.entries(regs)) x.setReg(Number(n), v);
    x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
  };
  restart(a); restart(b);
  const out: Snapshot[] = [];
  const before = jitInsns();
  for (let r = 0; r < runs; r++) {
    if (r > 0) {
      if (between) { between(a, r); between(b, r); } else { restart(a); restart(b); }
    }
    const sa = a.run(budget), sb = b.run(budget);
    expect(sa).toEqual(sb);
    out.push(sa);
  }
  compiledInsns = jitInsns() - before;
  return out;
}

/** Instructions the JIT CPU retired in compiled blocks (its statistics export). */
const jitInsns = (): number => jitCpu.jitStat(1);
/** Of the last both(): instructions retired in compiled blocks (tests check the compiler was really used). */
let compiledInsns = 0;

// Register numbers.
const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSI = 6, RDI = 7;

describe("block compiler: exits in the middle of a block", () => {
  it("a read fault leaves RIP on the faulting instruction, the ones before retired", () => {
    // L: add eax,1 ; add ebx,eax ; mov rcx,[rdx] ; add eax,5 ; dec esi ; jnz L ; int3
    // rdx points at unmapped memory on the last pass only: the block first runs (and is compiled) 3 times.
    const code = h("83 c0 01 01 c3 48 8b 0a 83 c0 05 ff ce 75 f1 cc");
    // The data pointer is advanced by the kernel between runs: here a fresh run per pass via budget 7 (one pass + a bit).
    const [s1, s2] = both(code, { [RAX]: 0n, [RBX]: 10n, [RDX]: BigInt(DATA), [RSI]: 3n }, 1000, 2, (b, r) => {
      if (r === 1) { b.setReg(RDX, 0x900000n); b.setReg(RSI, 3n); b.v.setBigUint64(b.state + RIP, BigInt(CODE), true); }
    });
    expect(s1.exit).toBe(EXIT_BREAKPOINT);
    expect(s2.exit).toBe(EXIT_PAGE_FAULT);
    expect(s2.rip).toBe(BigInt(CODE + 5));
    expect(s2.faultAddr).toBe(0x900000n);
    expect(s2.faultCode).toBe(4); // user read, not present
    expect(s2.icount - s1.icount).toBe(2n);
    expect(compiledInsns).toBeGreaterThan(0);
  });

  it("a write fault (read-only page) inside a compiled loop", () => {
    // L: mov [rdx],eax ; add rdx,4 ; add eax,7 ; cmp rdx,rcx ; jne L ; int3 — rdx walks off the data page.
    const code = h("89 02 48 83 c2 04 83 c0 07 48 39 ca 75 f2 cc");
    const [, s] = both(code, { [RAX]: 1n, [RDX]: BigInt(DATA + 4096 - 16), [RCX]: BigInt(DATA + 8192) }, 1000, 2);
    expect(s.exit).toBe(EXIT_PAGE_FAULT);
    expect(s.faultAddr).toBe(BigInt(DATA + 4096));
    expect(s.faultCode).toBe(2 | 4);
    expect(compiledInsns).toBeGreaterThan(0);
  });

  it("a write to a read-only page in a read-modify-write", () => {
    // add eax,ebx ; add dword [rdx],eax ; int3 with rdx in RODATA: protection fault, the first ADD retired.
    const code = h("01 d8 01 02 cc");
    const [, s] = both(code, { [RAX]: 5n, [RBX]: 0xfffffffbn, [RDX]: BigInt(RODATA) }, 1000, 2);
    expect(s.exit).toBe(EXIT_PAGE_FAULT);
    expect(s.rip).toBe(BigInt(CODE + 2));
    expect(s.faultCode).toBe(1 | 2 | 4);
    expect(s.gprs[RAX]).toBe(0n);
    expect(s.flags & 0x41n).toBe(0x41n); // ZF and CF of the retired ADD
    expect(compiledInsns).toBe(1);
  });

  it("#DE after compiled instructions: the block ends before DIV, the interpreter raises it", () => {
    // L: add eax,1 ; sub ecx,1 ; jnz L ; xor edx,edx ; div ecx (ecx = 0) ; int3
    const code = h("83 c0 01 83 e9 01 75 f8 31 d2 f7 f1 cc");
    const [s1, s] = both(code, { [RAX]: 0n, [RCX]: 50n }, 1000, 2);
    expect(s.exit).toBe(EXIT_DE);
    expect(s.rip).toBe(BigInt(CODE + 10));
    expect(s.gprs[RAX]).toBe(50n);
    expect(s.icount - s1.icount).toBe(50n * 3n + 1n);
    expect(compiledInsns).toBeGreaterThan(0);
  });

  it("a budget that ends inside a compiled loop stops at exactly that instruction", () => {
    // L: add eax,3 ; xor ebx,eax ; dec ecx ; jnz L ; int3
    const code = h("83 c0 03 31 c3 ff c9 75 f7 cc");
    for (const budget of [1, 2, 5, 777, 1001]) {
      const runs = both(code, { [RAX]: 0n, [RBX]: 0n, [RCX]: 10000n }, budget, 3, () => {});
      expect(runs[0].exit).toBe(EXIT_BUDGET);
      expect(runs[2].icount).toBe(BigInt(budget * 3));
      if (budget > 100) expect(compiledInsns).toBeGreaterThan(budget);
    }
  });
});

describe("block compiler: self-modifying code", () => {
  it("a compiled block that overwrites a later instruction of itself runs the new bytes in the same pass", () => {
    // L: cmp ecx,3 ; cmove rdi,rbx ; mov byte [rdi],5 ; add eax,1 ; dec ecx ; jnz L ; int3
    // rdi points at data until ecx == 3, then at the imm8 of `add eax,1` (offset 12): by then the loop is compiled.
    const code = h("83 f9 03 48 0f 44 fb c6 07 05 83 c0 01 ff c9 75 ef cc");
    const [s] = both(code, { [RAX]: 0n, [RCX]: 10n, [RDI]: BigInt(DATA), [RBX]: BigInt(CODE + 12) }, 1000, 1);
    expect(s.exit).toBe(EXIT_BREAKPOINT);
    expect(s.gprs[RAX]).toBe(7n + 3n * 5n);
    expect(compiledInsns).toBeGreaterThan(0);
  });

  it("a store into a compiled loop from the loop itself takes effect on the next pass", () => {
    // L: add eax,ecx ; cmp ecx,5 ; cmove rdi,rbx ; mov byte [rdi],0x29 ; dec ecx ; jnz L ; int3
    // From ecx == 5 on, rdi = L: `add eax,ecx` (01 c8) becomes `sub eax,ecx` (29 c8).
    const code = h("01 c8 83 f9 05 48 0f 44 fb c6 07 29 ff c9 75 f0 cc");
    const [s] = both(code, { [RAX]: 1000n, [RCX]: 10n, [RDI]: BigInt(DATA), [RBX]: BigInt(CODE) }, 1000, 1);
    expect(s.exit).toBe(EXIT_BREAKPOINT);
    expect(s.gprs[RAX]).toBe(1000n + 10n + 9n + 8n + 7n + 6n + 5n - 4n - 3n - 2n - 1n);
    expect(compiledInsns).toBeGreaterThan(0);
  });

  it("code the kernel rewrites between runs is recompiled", () => {
    // L: add eax,2 ; dec ecx ; jnz L ; int3 — then the kernel turns `add eax,2` into `add eax,5`.
    const code = h("83 c0 02 ff c9 75 f9 cc");
    const runs = both(code, { [RAX]: 0n, [RCX]: 100n }, 100000, 2, (b) => {
      b.patch(CODE + 2, [0x05]);
      b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
      b.setReg(RCX, 100n);
      b.setReg(RAX, 0n);
    });
    expect(runs[0].gprs[RAX]).toBe(200n);
    expect(runs[1].gprs[RAX]).toBe(500n);
    expect(compiledInsns).toBeGreaterThan(0);
  });
});

describe("block compiler: the jump cache between regions", () => {
  // L: call F ; dec ecx ; jnz L ; int3 — F (next page, offset 0x40 so that its
  // decode-cache entry cannot share L's): add eax,2 ; ret. Between the runs F
  // becomes `add eax,5 ; ret` without any write by the CPU; dispatch must not
  // find F's old region by its RIP.
  const F = CODE + 0x1040;
  const twice = (change: (b: Box) => void): Snapshot[] => {
    const body = h("e8 3b 10 00 00 ff c9 75 f7 cc");
    const code = [...body, ...new Array<number>(F - CODE - body.length).fill(0x90), ...h("83 c0 02 c3")];
    return both(code, { [RAX]: 0n, [RCX]: 100n }, 100000, 2, (b) => {
      change(b);
      b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
      b.setReg(RCX, 100n);
      b.setReg(RAX, 0n);
    });
  };
  it("a code page mapped to another frame at the same address runs the new frame's code", () => {
    // No byte of the old frame changes: only the TLB flush can empty the jump cache.
    const runs = twice((b) => {
      const fresh = b.mem.alloc();
      b.pt.unmap(CODE + 0x1000);
      b.pt.map(CODE + 0x1000, fresh, PROT_READ | PROT_WRITE | PROT_EXEC);
      b.cpu.flushTlb();
      b.write(F, h("83 c0 05 c3"));
    });
    expect(runs.map((r) => r.gprs[RAX])).toEqual([200n, 500n]);
    expect(compiledInsns).toBeGreaterThan(500);
  });
  it("code the kernel rewrites in place is not reached through a stale jump-cache entry", () => {
    // The same frame, rewritten: dropping the page's cached code must empty the jump cache.
    const runs = twice((b) => b.patch(F + 2, [0x05]));
    expect(runs.map((r) => r.gprs[RAX])).toEqual([200n, 500n]);
    expect(compiledInsns).toBeGreaterThan(500);
  });
});

describe("block compiler: loops, calls and flags", () => {
  it("INC/DEC at a segment start take CF from whatever kind of lazy flags the globals hold", () => {
    // W ; jo +0 ; inc ecx ; int3 — the branch makes `inc` start a segment, so W's flags
    // reach it through the CPU's globals; INC keeps W's CF, and RFLAGS at the exit shows it.
    const writers = ["d1 e0", "21 d8", "ff c8", "ff c0", "39 d8", "01 d8", "f9", "f8", "0f ba e0 1f"];
    let compiled = 0;
    for (const w of writers) {
      for (const [eax, ebx] of [[0x8000_0001n, 1n], [1n, 0xffff_ffffn], [0n, 0n], [0xffff_ffffn, 1n]]) {
        // The first run decodes, the second runs the compiled region.
        const runs = both(h(`${w} 70 00 ff c1 cc`), { [RAX]: eax, [RBX]: ebx, [RCX]: 5n }, 1000, 2);
        expect(runs[1].exit).toBe(EXIT_BREAKPOINT);
        compiled += compiledInsns;
      }
    }
    expect(compiled).toBeGreaterThanOrEqual(writers.length * 4 * 2); // STC and CLC run in the interpreter
  });
  it("SETBE, SETE and INC at a join of two flag writers of different kinds and sizes read the record at run time", () => {
    // L: mov rax,r8 ; mov rbx,r9 ; ror r8,7 ; add r8,r10 ; ror r9,13 ; add r9,r11 ; test cl,1 ; jz A
    //    W1 ; jmp J
    // A: W2
    // J: setbe bl ; sete r12b ; movzx ebx,bl ; movzx r12d,r12b ; lea edi,[rbx+rdi*2] ; lea r13d,[r12+r13*2]
    //    inc rdx ; setc al ; movzx eax,al ; lea esi,[rax+rsi*2] ; dec ecx ; jnz L ; int3
    // Two ways into J leave different lazy records, so SETBE/SETE and INC
    // read the kind and operands at run time (INC for the CF it keeps; SETC
    // reads that from INC's record); RDI, R13 and RSI collect each pass's bits.
    const arms: Array<[string, string]> = [
      ["38 d8", "01 d8"], // cmp al,bl | add eax,ebx
      ["20 d8", "48 39 d8"], // and al,bl | cmp rax,rbx
      ["00 d8", "29 d8"], // add al,bl | sub eax,ebx
      ["66 39 d8", "48 01 d8"], // cmp ax,bx | add rax,rbx
    ];
    jitCpu.setJitThreshold(3);
    try {
      const before = jitInsns();
      for (const [w1, w2] of arms) {
        const a1 = h(w1), a2 = h(w2);
        const head = h("4c 89 c0 4c 89 cb 49 c1 c8 07 4d 01 d0 49 c1 c9 0d 4d 01 d9 f6 c1 01");
        const tail = h("0f 96 c3 41 0f 94 c4 0f b6 db 45 0f b6 e4 8d 3c 7b 47 8d 2c 6c 48 ff c2 0f 92 c0 0f b6 c0 8d 34 70 ff c9");
        const body = [...head, 0x74, a1.length + 2, ...a1, 0xeb, a2.length, ...a2, ...tail];
        const code = [...body, 0x75, (256 - (body.length + 2)) & 0xff, 0xcc];
        const regs = { [RCX]: 64n, [RDX]: 0n, [RSI]: 0n, [RDI]: 0n, 13: 0n, 8: 0x0123_4567_89ab_cdefn, 9: 0xfedc_ba98_7654_3210n, 10: 0x9e37_79b9_7f4a_7c15n, 11: 0xbf58_476d_1ce4_e5b9n };
        for (const budget of [50, 200, 333, 100000]) {
          const runs = both(code, regs, budget, 3);
          if (budget === 100000) expect(runs[2].exit).toBe(EXIT_BREAKPOINT);
        }
      }
      expect(jitInsns() - before).toBeGreaterThan(1000);
    } finally {
      jitCpu.setJitThreshold(1);
    }
  });
  it("INC after an interpreted CMPSB takes CF from the globals' SUB record at its size", () => {
    // cmpsb ; inc ecx ; setc dl ; int3 — CMPSB runs in the CPU's generic path,
    // which leaves a byte-sized SUB record (operands unmasked in the globals).
    const code = h("a6 ff c1 0f 92 c2 cc");
    for (const [x, y] of [[0x01, 0x02], [0x02, 0x01], [0x80, 0x7f], [0xff, 0x00], [0x00, 0xff], [0x33, 0x33]]) {
      const runs = both(code, { [RCX]: 0xffff_ff00n, [RDX]: 0n, [RSI]: BigInt(DATA), [RDI]: BigInt(DATA + 8) }, 1000, 2, (b) => {
        b.write(DATA, [x]); b.write(DATA + 8, [y]);
        b.setReg(RCX, 0xffff_ff00n); b.setReg(RDX, 0n); b.setReg(RSI, BigInt(DATA)); b.setReg(RDI, BigInt(DATA + 8));
        b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
      });
      expect(runs[1].gprs[RDX]).toBe(x < y ? 1n : 0n); // the first run found the data page zeroed
    }
  });
  it("calls, pushes and flag readers across blocks agree with the interpreter", () => {
    // L: push rcx ; call F ; pop rcx ; cmp eax,ebx ; setb dl ; add esi,edx ; cmovz eax,ebx ; dec ecx ; jnz L ; int3
    // F: imul eax,eax,3 ; ror eax,5 ; inc eax ; ret
    const body = h("51 e8 10 00 00 00 59 39 d8 0f 92 c2 01 d6 0f 44 c3 ff c9 75 eb cc");
    const f = h("6b c0 03 c1 c8 05 ff c0 c3");
    const code = [...body, ...f];
    const [s] = both(code, { [RAX]: 7n, [RBX]: 0x1234n, [RCX]: 500n, [RDX]: 0n, [RSI]: 0n }, 100000, 1);
    expect(s.exit).toBe(EXIT_BREAKPOINT);
    expect(compiledInsns).toBeGreaterThan(4000);
  });
});

describe("block compiler: regions (several lines of one page in one function)", () => {
  it("branches inside a region, a loop back to its head and one to another line agree at every budget", () => {
    // L0: mov esi,3
    // L1: add eax,esi ; dec esi ; jnz L1      (back to a line that is not the head: leaves the region)
    //     test cl,1 ; jz EVEN ; add eax,100 ; jmp JOIN
    // EVEN: sub eax,7
    // JOIN: add edx,eax ; dec ecx ; jnz L0    (back to the head: a loop inside the function)
    //     int3
    const code = h("be 03 00 00 00 01 f0 ff ce 75 fa f6 c1 01 74 05 83 c0 64 eb 03 83 e8 07 01 c2 ff c9 75 e2 cc");
    // Compile at the third execution of a head, when both arms of the
    // diamond have run once: the region then holds them (threshold 1 would
    // compile each line before its branch targets ever ran).
    jitCpu.setJitThreshold(3);
    try {
      const a = new Box(jitCpu, jitMem, code), b = new Box(interpCpu, interpMem, code);
      const regs = { [RAX]: 0n, [RCX]: 9n, [RDX]: 0n, [RSI]: 0n };
      const before = jitInsns(), regions = jitCompiler.compiled, segments = jitCompiler.segments;
      // Expected at the end (plain arithmetic on the same loop).
      let eax = 0, edx = 0;
      for (let c = 9; c > 0; c--) { eax += 6; eax += c & 1 ? 100 : -7; edx += eax; }
      for (const budget of [...Array.from({ length: 90 }, (_, i) => i + 1), 97, 113, 150, 200, 1000]) {
        for (const x of [a, b]) {
          for (const [n, v] of Object.entries(regs)) x.setReg(Number(n), v);
          x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
        }
        // Twice per budget: the first run may compile, the second runs compiled code from the start.
        for (let r = 0; r < 2; r++) {
          const sa = a.run(budget), sb = b.run(budget);
          expect(sa).toEqual(sb);
          if (budget === 1000) {
            expect(sa.exit).toBe(EXIT_BREAKPOINT);
            expect(sa.gprs[RAX]).toBe(BigInt(eax >>> 0));
            expect(sa.gprs[RDX]).toBe(BigInt(edx >>> 0));
          } else expect(sa.exit === EXIT_BUDGET || sa.exit === EXIT_BREAKPOINT).toBe(true);
          if (sa.exit === EXIT_BREAKPOINT) break;
        }
      }
      expect(jitInsns() - before).toBeGreaterThan(1000);
      // Some region held more than one line (the diamond's arms with the loop).
      expect(jitCompiler.segments - segments).toBeGreaterThan(jitCompiler.compiled - regions);
    } finally {
      jitCpu.setJitThreshold(1);
    }
  });
});

describe("block compiler: batches", () => {
  it("a region the engine rejects runs interpreted, the rest of its batch compiled, and regions chain into its slot", () => {
    // The diamond loop of the region test above, with calls: L0 calls F
    // (a region of its own) every pass. The first region the compiler
    // hands to the engine is rejected: its batch is retried region by
    // region, and the rejected one gets the bailout slot, which retires
    // nothing, so run() interprets there.
    // L0: mov esi,3 ; call F
    // L1: add eax,esi ; dec esi ; jnz L1
    //     test cl,1 ; jz EVEN ; add eax,100 ; jmp JOIN
    // EVEN: sub eax,7
    // JOIN: add edx,eax ; dec ecx ; jnz L0
    //     int3
    // F: add edi,2 ; ret
    const code = h("be 03 00 00 00 e8 1a 00 00 00 01 f0 ff ce 75 fa f6 c1 01 74 05 83 c0 64 eb 03 83 e8 07 01 c2 ff c9 75 dd cc 83 c7 02 c3");
    jitCpu.setJitThreshold(8); // heads reach the warm count (2) before the first is hot: batches of several regions
    let victim = -1;
    jitCompiler.reject = (idx) => { if (victim < 0) victim = idx; return idx === victim; };
    try {
      const errors = jitCompiler.errors, modules = jitCompiler.modules, before = jitInsns();
      let eax = 0, edx = 0;
      for (let c = 40; c > 0; c--) { eax += 6; eax += c & 1 ? 100 : -7; edx += eax; }
      for (const budget of [...Array.from({ length: 40 }, (_, i) => 7 + i * 11), 100000]) {
        const runs = both(code, { [RAX]: 0n, [RCX]: 40n, [RDX]: 0n, [RSI]: 0n, [RDI]: 0n }, budget, 2, (x) => {
          for (const [n, v] of Object.entries({ [RAX]: 0n, [RCX]: 40n, [RDX]: 0n, [RSI]: 0n, [RDI]: 0n })) x.setReg(Number(n), v);
          x.setReg(4, BigInt(STACK_TOP));
          x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
        });
        if (budget === 100000) {
          for (const s of runs) {
            expect(s.exit).toBe(EXIT_BREAKPOINT);
            expect(s.gprs[RAX]).toBe(BigInt(eax >>> 0));
            expect(s.gprs[RDX]).toBe(BigInt(edx >>> 0));
            expect(s.gprs[RDI]).toBe(80n);
          }
        }
      }
      expect(victim).toBeGreaterThan(0);
      expect(jitCompiler.errors).toBe(errors + 1); // the batch; the victim alone again is not counted twice
      expect(jitCompiler.modules).toBeGreaterThan(modules);
      expect(jitInsns() - before).toBeGreaterThan(1000);
    } finally {
      jitCompiler.reject = null;
      jitCpu.setJitThreshold(1);
    }
  });
});

describe("block compiler: CALLs run as host calls", () => {
  // L: mov edi,ecx ; call R ; add esi,eax ; call rbx ; dec ecx ; jnz L ; int3
  // R: test edi,edi ; jz B ; push rdi ; dec edi ; call R ; pop rdi ; add eax,edi ; ret     (eax = edi*(edi+1)/2)
  // B: xor eax,eax ; ret
  // F: add edx,3 ; ret                    — a plain callee
  // G: pop rax ; add edx,5 ; jmp rax      — returns without RET
  // H: mov [rbp],eax ; ret                — faults when rbp is read-only
  const main = h(`89 cf e8 09 00 00 00 01 c6 ff d3 ff c9 75 f1 cc 85 ff 74 0c 57 ff cf e8 f4 ff ff ff 5f 01 f8 c3
    31 c0 c3 83 c2 03 c3 58 83 c2 05 ff e0 89 45 00 c3`);
  const code = main;
  const F = CODE + 0x23, G = CODE + 0x27, H = CODE + 0x2d;
  // 60 passes: R recurses up to 60 deep, past the 48 nested host calls allowed.
  const N = 60;
  const budgets = [...Array.from({ length: 60 }, (_, i) => 1 + i * 13), 2000, 5000, 9000, 100000];
  const sweep = (callee: number, rbp: number, check: (s: Snapshot) => void): void => {
    jitCpu.setJitThreshold(3); // the return addresses have run before their regions compile
    try {
      const a = new Box(jitCpu, jitMem, code), b = new Box(interpCpu, interpMem, code);
      const before = jitInsns();
      for (const budget of budgets) {
        for (const x of [a, b]) {
          for (const [n, v] of Object.entries({ [RAX]: 0n, [RBX]: BigInt(callee), [RCX]: BigInt(N), [RDX]: 0n, [RSI]: 0n, [4]: BigInt(STACK_TOP), [5]: BigInt(rbp) })) x.setReg(Number(n), v);
          x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
        }
        for (let r = 0; r < 2; r++) {
          const sa = a.run(budget), sb = b.run(budget);
          expect(sa).toEqual(sb);
          if (budget === 100000) check(sa);
          if (sa.exit !== EXIT_BUDGET) break;
        }
      }
      expect(jitInsns() - before).toBeGreaterThan(10000);
    } finally {
      jitCpu.setJitThreshold(1);
    }
  };
  const sum = (() => { let t = 0; for (let c = N; c > 0; c--) t += c * (c + 1) / 2; return BigInt(t); })();
  it("recursion deeper than the host-call limit and an indirect call agree with the interpreter at every budget", () => {
    sweep(F, DATA, (s) => {
      expect(s.exit).toBe(EXIT_BREAKPOINT);
      expect(s.gprs[RSI]).toBe(sum);
      expect(s.gprs[RDX]).toBe(BigInt(3 * N));
    });
  });
  it("a callee that returns with JMP instead of RET", () => {
    sweep(G, DATA, (s) => {
      expect(s.exit).toBe(EXIT_BREAKPOINT);
      expect(s.gprs[RSI]).toBe(sum);
      expect(s.gprs[RDX]).toBe(BigInt(5 * N));
    });
  });
  it("a page fault in a callee stops every waiting caller with the state at the faulting instruction", () => {
    sweep(H, RODATA, (s) => {
      expect(s.exit).toBe(EXIT_PAGE_FAULT);
      expect(s.rip).toBe(BigInt(H));
      expect(s.faultAddr).toBe(BigInt(RODATA));
    });
  });
  it("a region whose head is the return address of a call inside it", () => {
    //    mov ecx,5 ; jmp H
    // L: call F            (returns to H)
    // H: dec ecx ; jnz L
    //    int3
    // F: ret
    // At threshold 2, H (reached by the first jmp, then by F's return) is the
    // first head to compile, once L has run: its region is H's line then L's,
    // whose call goes on at the head itself. That used to be a branch to a
    // loop the region did not have, and the region failed to compile.
    const code = h("b9 05 00 00 00 eb 05 e8 05 00 00 00 ff c9 75 f7 cc c3");
    jitCpu.setJitThreshold(2);
    try {
      const errors = jitCompiler.errors, before = jitInsns();
      for (const budget of [...Array.from({ length: 24 }, (_, i) => i + 1), 1000]) {
        const runs = both(code, { [RCX]: 0n }, budget, 2, (x) => {
          x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
          x.setReg(4, BigInt(STACK_TOP));
        });
        if (budget === 1000) for (const s of runs) { expect(s.exit).toBe(EXIT_BREAKPOINT); expect(s.gprs[RCX]).toBe(0n); }
      }
      expect(jitCompiler.errors).toBe(errors);
      expect(jitInsns() - before).toBeGreaterThan(0);
    } finally {
      jitCpu.setJitThreshold(1);
    }
  });
  it("a CALL compiled after its callee calls the callee's region directly, and through dispatch once the callee's code changed", () => {
    // L: call F ; dec ecx ; jnz L ; int3 — F (next page, +0x40): add eax,1 ; ret.
    // Run 0 compiles L's region before F has one (dispatch); run 1 rewrites L's page (same
    // bytes), so L's region is compiled again, now calling F's region directly; run 2
    // rewrites F to add 2: the direct call must not reach F's old region.
    const body = h("e8 3b 10 00 00 ff c9 75 f7 cc");
    const prog = [...body, ...new Array<number>(0x1040 - body.length).fill(0x90), ...h("83 c0 01 c3")];
    const direct0 = jitCompiler.directCalls;
    let direct1 = 0;
    const runs = both(prog, { [RAX]: 0n, [RCX]: 50n }, 100000, 3, (b, r) => {
      if (r === 1) b.patch(CODE, body);
      if (r === 2) { direct1 = jitCompiler.directCalls; b.patch(CODE + 0x1040, h("83 c0 02 c3")); }
      b.setReg(RAX, 0n); b.setReg(RCX, 50n); b.setReg(4, BigInt(STACK_TOP));
      b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
    });
    expect(runs.map((s) => s.gprs[RAX])).toEqual([50n, 50n, 100n]);
    expect(direct1).toBeGreaterThan(direct0);
    expect(compiledInsns).toBeGreaterThan(100);
  });

  it("a callee in another page that rewrites the instruction its caller goes on with", () => {
    // call W ; mov eax,1 ; int3 — W (next page, offset 0x40 so that its decode-cache entry
    // cannot share the caller's): mov byte [rdx],2 ; ret. rdx points to data until the
    // caller's region has been compiled with its call going on at `mov`; then W makes that
    // `mov eax,2` in the caller's page (not its own), which only the caller's own check after
    // the call can see.
    const body = h("e8 3b 10 00 00 b8 01 00 00 00 cc");
    const prog = [...body, ...new Array<number>(0x1040 - body.length).fill(0x90), ...h("c6 02 02 c3")];
    jitCpu.setJitThreshold(3);
    try {
      const runs = both(prog, { [RAX]: 0n, [RDX]: BigInt(DATA) }, 1000, 6, (b, r) => {
        b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
        b.setReg(4, BigInt(STACK_TOP));
        b.setReg(RDX, BigInt(r === 5 ? CODE + 6 : DATA));
      });
      expect(runs.map((s) => s.gprs[RAX])).toEqual([1n, 1n, 1n, 1n, 1n, 2n]);
      expect(compiledInsns).toBeGreaterThan(0);
    } finally {
      jitCpu.setJitThreshold(1);
    }
  });
});

describe("block compiler: TLB misses leave the region for the interpreter (compile.ts missExit())", () => {
  // A page whose TLB entry is the one DATA's is (entries are indexed by bits 12..21 of the address).
  const ALIAS = DATA + (1024 << 12);
  const mapAlias = (b: Box): void => { b.pt.map(ALIAS, b.mem.alloc(), PROT_READ | PROT_WRITE); b.cpu.flushTlb(); };

  it("two pages that evict each other's TLB entry on every access: exact, and the code after each access still runs compiled", () => {
    // L: mov eax,[rdx] ; add eax,[rcx] ; add [rdx+4],eax ; add [rcx+4],eax ; dec esi ; jnz L ; int3
    // rdx in DATA, rcx in ALIAS: every read and every write misses its TLB.
    const code = h("8b 02 03 01 01 42 04 01 41 04 ff ce 75 f2 cc");
    const passes = 300;
    const init = (x: Box): void => {
      x.write(DATA, [3, 0, 0, 0, 0, 0, 0, 0]); x.write(ALIAS, [5, 0, 0, 0, 0, 0, 0, 0]);
      x.setReg(RDX, BigInt(DATA)); x.setReg(RCX, BigInt(ALIAS)); x.setReg(RSI, BigInt(passes));
      x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
    };
    const a = new Box(jitCpu, jitMem, code), b = new Box(interpCpu, interpMem, code);
    mapAlias(a); mapAlias(b); init(a); init(b);
    const before = jitInsns();
    const sa = a.run(100000), sb = b.run(100000);
    expect(sa).toEqual(sb);
    expect(sa.exit).toBe(EXIT_BREAKPOINT);
    expect(sa.icount).toBe(BigInt(passes * 6 + 1));
    // [DATA+4] gained 8 per pass: both words as the interpreter left them.
    expect(sa.data.slice(0, 16)).toBe("03000000" + (passes * 8 & 0xff).toString(16).padStart(2, "0") + ((passes * 8) >> 8).toString(16).padStart(2, "0") + "0000");
    const alias = a.pt.translate(ALIAS, false);
    expect(Array.from(a.mem.u8.subarray(alias, alias + 8))).toEqual([5, 0, 0, 0, (passes * 8) & 0xff, (passes * 8) >> 8, 0, 0]);
    // After a miss the next instruction is a head: regions start after each
    // access, so only the four accesses run in the interpreter, DEC and JNZ
    // compiled on (nearly) every pass rather than whole passes interpreted.
    expect(jitInsns() - before).toBeGreaterThan(passes * 2 - 10);
  });

  it("an 8-byte read across a page end on every pass: exact, mostly compiled", () => {
    // L: mov rax,[rdx] ; add rbx,rax ; dec esi ; jnz L ; int3 with rdx = DATA + 0xffc: four bytes in DATA, four in the next page.
    const code = h("48 8b 02 48 01 c3 ff ce 75 f6 cc");
    const passes = 200;
    const init = (x: Box): void => {
      x.pt.map(DATA + 0x1000, x.mem.alloc(), PROT_READ | PROT_WRITE); x.cpu.flushTlb();
      x.write(DATA + 0xffc, [1, 2, 3, 4, 5, 6, 7, 8]);
      x.setReg(RDX, BigInt(DATA + 0xffc)); x.setReg(RBX, 0n); x.setReg(RSI, BigInt(passes));
    };
    const a = new Box(jitCpu, jitMem, code), b = new Box(interpCpu, interpMem, code);
    init(a); init(b);
    const before = jitInsns();
    const sa = a.run(100000), sb = b.run(100000);
    expect(sa).toEqual(sb);
    expect(sa.exit).toBe(EXIT_BREAKPOINT);
    expect(sa.gprs[RBX]).toBe(BigInt.asUintN(64, 0x0807060504030201n * BigInt(passes)));
    expect(jitInsns() - before).toBeGreaterThan(passes * 2);
  });

  it("a store into a page that holds compiled code leaves before it, and the interpreter's store invalidates the code", () => {
    // mov byte [rdx],0x90 overwrites the int3 after it with a NOP; then mov eax,7 ; int3.
    // rdx = the int3's address (the code page is writable): the write TLB never maps a code page.
    const code = h("c6 02 90 cc b8 07 00 00 00 cc");
    const [, s] = both(code, { [RAX]: 0n, [RDX]: BigInt(CODE + 3) }, 1000, 2, (x) => {
      x.patch(CODE, code);
      x.setReg(RAX, 0n); x.setReg(RDX, BigInt(CODE + 3));
      x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
    });
    expect(s.exit).toBe(EXIT_BREAKPOINT);
    expect(s.gprs[RAX]).toBe(7n);
    expect(s.rip).toBe(BigInt(CODE + 10));
  });
});

describe("block compiler: accesses through one base register sharing one TLB probe (span.ts)", () => {
  it("pushes, [rsp+d] and pops agree with the interpreter in a page, across into the next and into an unmapped one", () => {
    // push rax/rbx/rcx/rdx ; mov rsi,[rsp+8] ; add [rsp+16],esi ; pop rdx/rcx/rbx/rax ; int3
    const code = h("50 53 51 52 48 8b 74 24 08 01 74 24 10 5a 59 5b 58 cc");
    const runs0 = jitCompiler.runs, before = jitInsns();
    // RSP where the 32 pushed bytes fit, straddle the stack's two pages, and run off its bottom (unmapped below).
    for (const sp of [STACK_TOP - 64, STACK_TOP - 0x1000 + 8, STACK_TOP - 0x1000 + 24, STACK_TOP - 0x1000 + 40, STACK_TOP - 0x2000 + 16, STACK_TOP - 0x2000 + 32]) {
      const [, s] = both(code, { [RAX]: 0x1111n, [RBX]: 0x2222n, [RCX]: 0x3333n, [RDX]: 0x4444n, 4: BigInt(sp) }, 1000, 2);
      if (sp - 32 >= STACK_TOP - 0x2000) {
        expect(s.exit).toBe(EXIT_BREAKPOINT);
        expect(s.gprs[RSI]).toBe(0x3333n);
        expect(s.gprs[RBX]).toBe(0x2222n + 0x3333n);
        expect(s.gprs[4]).toBe(BigInt(sp));
      } else expect(s.exit).toBe(EXIT_PAGE_FAULT);
    }
    expect(jitCompiler.runs).toBeGreaterThan(runs0);
    expect(jitInsns() - before).toBeGreaterThan(0);
  });

  it("a run that reads and writes through a pointer: on a writable page, on a read-only one, and across a page end", () => {
    // mov eax,[rbx] ; mov ecx,[rbx+8] ; add [rbx+4],eax ; int3
    const code = h("8b 03 8b 4b 08 01 43 04 cc");
    for (const p of [DATA + 16, RODATA + 16, DATA + 4088, DATA + 4092]) {
      const [, s] = both(code, { [RAX]: 0n, [RCX]: 0n, [RBX]: BigInt(p) }, 1000, 2, (x) => {
        x.write(DATA + 16, [5, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0]);
        x.setReg(RBX, BigInt(p));
        x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
      });
      if (p === DATA + 16) {
        expect(s.exit).toBe(EXIT_BREAKPOINT);
        expect(s.data.slice(32, 56)).toBe("050000000c00000009000000");
      } else expect(s.exit).toBe(EXIT_PAGE_FAULT);
      if (p === RODATA + 16) { expect(s.rip).toBe(BigInt(CODE + 5)); expect(s.faultCode).toBe(1 | 2 | 4); }
    }
  });

  it("a base register that changes ends its run: the next accesses use the new value", () => {
    // mov rax,[rbx] ; add rbx,8 ; mov rcx,[rbx] ; mov rdx,[rbx+8] ; mov rbx,[rbx+16] ; mov rsi,[rbx] ; int3
    const code = h("48 8b 03 48 83 c3 08 48 8b 0b 48 8b 53 08 48 8b 5b 10 48 8b 33 cc");
    const q = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff, 0, 0, 0, 0];
    const [, s] = both(code, { [RBX]: BigInt(DATA) }, 1000, 2, (x) => {
      x.write(DATA, [...q(0x10), ...q(0x20), ...q(0x30), ...q(DATA + 0x100)]);
      x.write(DATA + 0x100, q(0x40));
      x.setReg(RBX, BigInt(DATA));
      x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
    });
    expect(s.exit).toBe(EXIT_BREAKPOINT);
    expect([s.gprs[RAX], s.gprs[RCX], s.gprs[RDX], s.gprs[RBX], s.gprs[RSI]]).toEqual([0x10n, 0x20n, 0x30n, BigInt(DATA + 0x100), 0x40n]);
  });

  it("SUB/ADD RSP, imm move the base by what they say", () => {
    // sub rsp,0x20 ; mov [rsp+8],rax ; mov rcx,[rsp+8] ; add rsp,0x20 ; push rcx ; pop rdx ; mov [rsp-8],rdx ; mov rsi,[rsp-8] ; int3
    const code = h("48 83 ec 20 48 89 44 24 08 48 8b 4c 24 08 48 83 c4 20 51 5a 48 89 54 24 f8 48 8b 74 24 f8 cc");
    for (const sp of [STACK_TOP - 64, STACK_TOP - 0x1000 + 16, STACK_TOP - 0x2000 + 16]) {
      const [, s] = both(code, { [RAX]: 0x5a5an, 4: BigInt(sp) }, 1000, 2);
      if (sp - 32 >= STACK_TOP - 0x2000) {
        expect(s.exit).toBe(EXIT_BREAKPOINT);
        expect([s.gprs[RCX], s.gprs[RDX], s.gprs[RSI], s.gprs[4]]).toEqual([0x5a5an, 0x5a5an, 0x5a5an, BigInt(sp)]);
      } else expect(s.exit).toBe(EXIT_PAGE_FAULT);
    }
  });
});

describe("block compiler: REP STOSB", () => {
  it("agrees with the interpreter inside a page, at its end, across it (into an unmapped page), with RCX 0 and with DF set", () => {
    // mov rdi,rbx ; mov rcx,rdx ; mov eax,esi ; [std] ; rep stosb ; cld ; int3
    const fwd = h("48 89 df 48 89 d1 89 f0 90 f3 aa fc cc");
    const back = h("48 89 df 48 89 d1 89 f0 fd f3 aa fc cc");
    const cases: Array<[number, number, boolean]> = [
      [0, 0, false], [0, 1, false], [0, 64, false], [100, 3996, false], [4095, 1, false],
      [100, 3997, false], [4095, 2, false], [4000, 200, false], [64, 65, true], [4095, 4096, true],
    ];
    const before = jitInsns();
    for (const [off, count, down] of cases) {
      const a = new Box(jitCpu, jitMem, down ? back : fwd), b = new Box(interpCpu, interpMem, down ? back : fwd);
      const page = (x: Box): string => { const pa = x.pt.translate(DATA, false); return Buffer.from(x.mem.u8.subarray(pa, pa + 4096)).toString("hex"); };
      // Twice: the first run compiles the block (threshold 1), the second runs it compiled.
      for (let r = 0; r < 2; r++) {
        for (const x of [a, b]) {
          x.setReg(RBX, BigInt(DATA + off)); x.setReg(RDX, BigInt(count)); x.setReg(RSI, BigInt(0x1a5 + r));
          x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
        }
        const sa = a.run(1000), sb = b.run(1000);
        expect(sa).toEqual(sb);
        expect(page(a)).toEqual(page(b));
        if (off + count <= 4096 && !down) {
          expect(sa.exit).toBe(EXIT_BREAKPOINT);
          expect(sa.gprs[RCX]).toBe(0n);
          expect(sa.gprs[RDI]).toBe(BigInt(DATA + off + count));
        } else if (!down) expect(sa.exit).toBe(EXIT_PAGE_FAULT);
      }
    }
    expect(jitInsns() - before).toBeGreaterThan(0);
  });
});

describe("block compiler: REP MOVSB", () => {
  it("agrees with the interpreter within pages, across their ends, overlapping either way, from read-only and code pages, with RCX 0, DF set and an FS override", () => {
    // mov rsi,rbx ; mov rdi,rdx ; mov rcx,rax ; [std] ; [fs] rep movsb ; cld ; int3
    const code = (down: boolean, fs: boolean): number[] => h(`48 89 de 48 89 d7 48 89 c1 ${down ? "fd" : "90"} ${fs ? "64" : "90"} f3 a4 fc cc`);
    const D = DATA, R = RODATA;
    const cases: Array<[number, number, number, boolean?, boolean?]> = [
      [D, D + 2048, 64], [D + 5, D + 5, 16], [D + 100, D + 104, 64], [D + 104, D + 100, 64], [D + 100, D + 101, 300],
      [D + 4000, D, 96], [D + 4000, D, 97], [D, D + 4095, 1], [D, D + 4095, 2], [D, D + 8, 0],
      [R + 64, D + 64, 200], [D, R, 8], [CODE, D + 512, 40], [D + 64, D + 1024, 100, true], [D + 64, D + 1024, 100, false, true],
    ];
    const before = jitInsns();
    for (const [src, dst, count, down = false, fs = false] of cases) {
      const a = new Box(jitCpu, jitMem, code(down, fs)), b = new Box(interpCpu, interpMem, code(down, fs));
      const page = (x: Box, va: number): string => { const pa = x.pt.translate(va, false); return Buffer.from(x.mem.u8.subarray(pa, pa + 4096)).toString("hex"); };
      for (const x of [a, b]) {
        x.write(DATA, Array.from({ length: 4096 }, (_, i) => (i * 7 + 1) & 0xff));
        x.write(RODATA, Array.from({ length: 4096 }, (_, i) => (i * 13 + 5) & 0xff));
      }
      // Twice: the first run compiles the block (threshold 1), the second runs it compiled.
      for (let r = 0; r < 2; r++) {
        for (const x of [a, b]) {
          x.setReg(RBX, BigInt(src)); x.setReg(RDX, BigInt(dst)); x.setReg(RAX, BigInt(count));
          x.v.setBigUint64(x.state + FS_BASE, fs ? 64n : 0n, true); // the override moves the source up 64 bytes
          x.v.setBigUint64(x.state + RIP, BigInt(CODE), true);
        }
        const sa = a.run(1000), sb = b.run(1000);
        expect(sa).toEqual(sb);
        expect(page(a, DATA)).toEqual(page(b, DATA));
        const fits = (va: number): boolean => (va & 0xfff) + count <= 4096;
        if (!down && fits(src) && fits(dst) && dst !== R) {
          expect(sa.exit).toBe(EXIT_BREAKPOINT);
          expect([sa.gprs[RCX], sa.gprs[RSI], sa.gprs[RDI]]).toEqual([0n, BigInt(src + count), BigInt(dst + count)]);
        } else if (!down) expect(sa.exit).toBe(EXIT_PAGE_FAULT);
      }
    }
    // A copy 4 bytes up over its own source repeats its first 4 bytes (what memory.copy would not do).
    const a = new Box(jitCpu, jitMem, code(false, false));
    a.write(DATA, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (let r = 0; r < 2; r++) {
      a.write(DATA, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      a.setReg(RBX, BigInt(DATA)); a.setReg(RDX, BigInt(DATA + 4)); a.setReg(RAX, 8n);
      a.v.setBigUint64(a.state + RIP, BigInt(CODE), true);
      expect(a.run(1000).data.slice(0, 24)).toBe("010203040102030401020304");
    }
    expect(jitInsns() - before).toBeGreaterThan(0);
  });
});

/**
 * Runs `code` on both CPUs twice after `setup` — the first run compiles,
 * the second runs compiled code from the start — and checks each pair of
 * snapshots and MXCSR are equal; returns the JIT's snapshots.
 */
function bothWithMxcsr(code: number[], setup: (b: Box) => void): Snapshot[] {
  const a = new Box(jitCpu, jitMem, code), b = new Box(interpCpu, interpMem, code);
  const out: Snapshot[] = [];
  for (let r = 0; r < 2; r++) {
    setup(a); setup(b);
    const sa = a.run(1000), sb = b.run(1000);
    expect(sa).toEqual(sb);
    expect(a.v.getUint32(a.state + MXCSR, true)).toBe(b.v.getUint32(b.state + MXCSR, true));
    out.push(sa);
  }
  return out;
}

describe("block compiler: scalar SSE arithmetic", () => {
  it("agrees with the interpreter, MXCSR included, on edge operands under five MXCSR settings", () => {
    // L: addsd xmm0,xmm1 ; subsd xmm2,xmm1 ; mulsd xmm3,xmm1 ; divsd xmm4,xmm1 ; divsd xmm5,[rdx] ;
    //    addss xmm6,xmm7 ; mulss xmm8,xmm7 ; divss xmm9,[rdx+8] ; subss xmm10,xmm7 ; dec ecx ; jnz L ; int3
    const code = h("f2 0f 58 c1 f2 0f 5c d1 f2 0f 59 d9 f2 0f 5e e1 f2 0f 5e 2a f3 0f 58 f7 f3 44 0f 59 c7 f3 44 0f 5e 4a 08 f3 44 0f 5c d7 ff c9 75 d4 cc");
    const f64 = (x: number): bigint => { const v = new DataView(new ArrayBuffer(8)); v.setFloat64(0, x, true); return v.getBigUint64(0, true); };
    const f32 = (x: number): bigint => { const v = new DataView(new ArrayBuffer(4)); v.setFloat32(0, x, true); return BigInt(v.getUint32(0, true)); };
    // Normal numbers (the inline path) and every kind the guard must send to the generic path.
    const values = [1.5, -3.25, 1 / 3, 7, 1e300, -1e-300, 2.2250738585072014e-308, 4.450147717014403e-308, 5e-324, 0, -0,
      Infinity, -Infinity, NaN, 1.7976931348623157e308, 3.4028234663852886e38, 1.1754943508222875e-38, 1e-45, 65504];
    // Inline only with 0x1fa0 (masked, PE set); the others: PE clear, IE already set, round down, FZ.
    const settings = [0x1fa0, 0x1f80, 0x1fa1, 0x3fa0, 0x9fa0];
    let seed = 12345;
    const pick = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return values[seed % values.length]; };
    let cases = 0;
    for (const mx of settings) {
      for (let c = 0; c < 40; c++) {
        const xs = Array.from({ length: 11 }, pick), m = [pick(), pick()];
        const setup = (b: Box): void => {
          for (let n = 0; n <= 5; n++) b.setXmm(n, f64(xs[n]), 0x5555n);
          for (let n = 6; n <= 10; n++) b.setXmm(n, f32(xs[n]) | 0x7777_0000_0000n, 0x6666n);
          b.v.setBigUint64(b.state + 4 * 0, 0n, true);
          b.v.setUint32(b.state + MXCSR, mx, true);
          b.write(DATA, [...new Uint8Array(new Float64Array([m[0]]).buffer), ...new Uint8Array(new Float32Array([m[1]]).buffer)]);
          b.setReg(RDX, BigInt(DATA)); b.setReg(RCX, 3n);
          b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
        };
        for (const s of bothWithMxcsr(code, setup)) expect(s.exit).toBe(EXIT_BREAKPOINT);
        cases++;
      }
    }
    expect(cases).toBe(200);
  });
});

describe("block compiler: scalar double compares and conversions (ssecvt.ts)", () => {
  it("UCOMISD, COMISD, CVTTSD2SI and CVTSI2SD agree with the interpreter, flags and MXCSR included, on edge operands under nine MXCSR settings", () => {
    // ucomisd xmm0,xmm1 ; setb al ; sete bl ; setp r14b ; seto r15b ; comisd xmm2,[rdx] ; sets sil ; setb dil ; setnz r14b ;
    // cvttsd2si r9,xmm3 ; cvttsd2si r10d,xmm4 ; cvttsd2si r11,[rdx+8] ; cvtsi2sd xmm5,r12 ; cvtsi2sd xmm6,r13d ;
    // cvtsi2sd xmm7,qword [rdx+16] ; cvtsi2sd xmm10,dword [rdx+24] ; ucomisd xmm8,xmm9 ; int3
    const code = h("66 0f 2e c1 0f 92 c0 0f 94 c3 41 0f 9a c6 41 0f 90 c7 66 0f 2f 12 40 0f 98 c6 40 0f 92 c7 41 0f 95 c6 " +
      "f2 4c 0f 2c cb f2 44 0f 2c d4 f2 4c 0f 2c 5a 08 f2 49 0f 2a ec f2 41 0f 2a f5 f2 48 0f 2a 7a 10 f2 44 0f 2a 52 18 66 45 0f 2e c1 cc");
    const bits = (x: number): bigint => { const v = new DataView(new ArrayBuffer(8)); v.setFloat64(0, x, true); return v.getBigUint64(0, true); };
    // Doubles: inline cases and each kind the guards must send to the generic path (NaN, SNaN, denormal, infinities, out of range).
    const doubles = [1.5, -3.25, 1 / 3, 7, 0.5, -0.5, 123456789.75, 1e300, -1e-300, 2.2250738585072014e-308, 5e-324, 0, -0,
      Infinity, -Infinity, NaN, 2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 63 - 1024, 2147483647.5, -2147483648.5, -2147483649, 2147483648, -2147483648]
      .map(bits).concat([0x7ff0_0000_0000_0001n, 0xfff8_0000_0000_0000n]);
    const ints = [0n, 1n, -1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n), -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 0x7fff_ffffn, 0x8000_0000n, 1234567n];
    // Default (PE clear), PE set, IE set, PM unmasked (inexact faults), IM unmasked (NaN compares fault), DM unmasked, round down, FZ, DAZ.
    const settings = [0x1f80, 0x1fa0, 0x1f81, 0x0f80, 0x1e80, 0x1d80, 0x3f80, 0x9f80, 0x1fc0];
    let seed = 777;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
    const dbl = (): bigint => doubles[rnd(doubles.length)];
    const int = (): bigint => BigInt.asUintN(64, ints[rnd(ints.length)]);
    const le = (v: bigint): number[] => Array.from({ length: 8 }, (_, n) => Number((v >> BigInt(8 * n)) & 0xffn));
    let cases = 0;
    const before = jitInsns();
    for (const mx of settings) {
      for (let c = 0; c < 30; c++) {
        const xs = Array.from({ length: 10 }, dbl), mem = [dbl(), dbl(), int(), int()], r12 = int(), r13 = int();
        const setup = (b: Box): void => {
          for (let n = 0; n < 10; n++) b.setXmm(n, xs[n], 0x5555n);
          b.setXmm(10, 0x1234n, 0x4444n);
          for (const n of [RAX, RBX, RSI, RDI, 9, 10, 11, 14, 15]) b.setReg(n, 0x0101_0101_0101_0101n);
          b.setReg(12, r12); b.setReg(13, r13);
          b.v.setUint32(b.state + MXCSR, mx, true);
          b.write(DATA, mem.flatMap(le));
          b.setReg(RDX, BigInt(DATA));
          b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
        };
        bothWithMxcsr(code, setup);
        cases++;
      }
    }
    expect(cases).toBe(270);
    expect(jitInsns() - before).toBeGreaterThan(0);
  });
});

describe("block compiler: conditions after (U)COMISS/(U)COMISD read the flags word", () => {
  it("all sixteen SETcc after UCOMISD and COMISS agree with the interpreter on less, equal, greater and unordered", () => {
    // ucomisd xmm0,xmm1 ; setcc [rdx+cc] for cc 0..15 ; comiss xmm2,xmm3 ; setcc [rdx+16+cc] ; cmovp eax,ebx ;
    // shl esi,cl (a helper writes the flags: the word is stale) ; setz [rdx+32] ; setc [rdx+33] ; int3
    const sets = (base: number): string => Array.from({ length: 16 }, (_, cc) => `0f ${(0x90 + cc).toString(16)} 42 ${(base + cc).toString(16).padStart(2, "0")}`).join(" ");
    const code = h(`66 0f 2e c1 ${sets(0)} 0f 2f d3 ${sets(16)} 0f 4a c3 d3 e6 0f 94 42 20 0f 92 42 21 cc`);
    const d = (x: number): bigint => { const v = new DataView(new ArrayBuffer(8)); v.setFloat64(0, x, true); return v.getBigUint64(0, true); };
    const f = (x: number): bigint => { const v = new DataView(new ArrayBuffer(4)); v.setFloat32(0, x, true); return BigInt(v.getUint32(0, true)); };
    const pairs: Array<[number, number]> = [[1, 2], [2, 2], [3, 2], [NaN, 2], [-0, 0], [-Infinity, Infinity]];
    const seen = new Set<string>();
    for (const [x, y] of pairs) {
      for (const [u, v] of pairs) {
        const [s] = bothWithMxcsr(code, (b) => {
          b.setXmm(0, d(x), 0n); b.setXmm(1, d(y), 0n); b.setXmm(2, f(u), 0n); b.setXmm(3, f(v), 0n);
          b.v.setUint32(b.state + MXCSR, 0x1f80, true);
          b.write(DATA, new Array<number>(32).fill(0xee));
          b.setReg(RDX, BigInt(DATA)); b.setReg(RAX, 1n); b.setReg(RBX, 2n); b.setReg(RSI, 0x8000_0000n); b.setReg(RCX, 1n);
          b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
        });
        expect(s.exit).toBe(EXIT_BREAKPOINT);
        expect(s.data.slice(64, 68)).toBe("0101"); // SHL made ZF and CF 1, whatever the compares left
        seen.add(s.data.slice(0, 64));
      }
    }
    // Four outcomes of each compare (less, equal, greater, unordered), each its own pattern of conditions: 16 pairs.
    expect(seen.size).toBe(16);
  });
});

describe("block compiler: SSE data moves", () => {
  // L: movdqu xmm1,[rdx] ; pxor xmm1,xmm0 ; movups [rdx+0x20],xmm1 ; movq rax,xmm1 ; movq xmm0,rbx ;
  //    movsd xmm2,[rdx+8] ; movss [rdx+0x1c],xmm2 ; add rbx,rax ; add rdx,8 ; dec ecx ; jnz L ; int3
  const loop = h("f3 0f 6f 0a 66 0f ef c8 0f 11 4a 20 66 48 0f 7e c8 66 48 0f 6e c3 f2 0f 10 52 08 f3 0f 11 52 1c 48 01 c3 48 83 c2 08 ff c9 75 d6 cc");
  const init = (b: Box): void => {
    b.setXmm(0, 0x0123_4567_89ab_cdefn, 0xfedc_ba98_7654_3210n);
    b.setXmm(1, 0x1111n, 0x2222n);
    b.setXmm(2, 0x3333n, 0x4444n);
  };

  it("16-byte loads and stores that cross pages take the slow path and agree with the interpreter", () => {
    // rdx walks across the boundary between the two stack pages: every access size straddles it once.
    const start = STACK_TOP - 0x1000 - 0x60;
    const runs = both(loop, { [RAX]: 0n, [RBX]: 5n, [RCX]: 20n, [RDX]: BigInt(start) }, 100000, 2, (b) => {
      init(b);
      b.setReg(RAX, 0n); b.setReg(RBX, 5n); b.setReg(RCX, 20n); b.setReg(RDX, BigInt(start));
      b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
    });
    expect(runs[1].exit).toBe(EXIT_BREAKPOINT);
    expect(runs[1].gprs[RDX]).toBe(BigInt(start + 20 * 8));
    expect(compiledInsns).toBeGreaterThan(100);
  });

  it("a 16-byte store that crosses into an unmapped page faults with nothing written, the instructions before retired", () => {
    // DATA is one page: movups [rdx+0x20] first crosses its end when rdx = DATA + 0xfd8 (the 16th pass from 0xf60).
    const start = DATA + 0xf60;
    const runs = both(loop, { [RAX]: 0n, [RBX]: 5n, [RCX]: 1000n, [RDX]: BigInt(start) }, 100000, 2, (b) => {
      init(b);
      b.setReg(RAX, 0n); b.setReg(RBX, 5n); b.setReg(RCX, 1000n); b.setReg(RDX, BigInt(start));
      b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
    });
    const s = runs[1];
    expect(s.exit).toBe(EXIT_PAGE_FAULT);
    expect(s.rip).toBe(BigInt(CODE + 8));
    expect(s.faultAddr).toBe(BigInt(DATA + 0x1000));
    expect(s.faultCode).toBe(2 | 4);
    expect(s.gprs[RDX]).toBe(BigInt(DATA + 0xfd8));
    expect(compiledInsns).toBeGreaterThan(100);
  });

  it("a 16-byte load from an unmapped page faults at its first byte and leaves the register alone", () => {
    // From DATA + 0xff8 movdqu [rdx] straddles the end of DATA (its second quadword faults); from DATA + 0x1000 it is unmapped.
    for (const [start, rip, addr] of [[DATA + 0xff8, CODE, DATA + 0x1000], [DATA + 0x1000, CODE, DATA + 0x1000]] as const) {
      const runs = both(loop, { [RAX]: 0n, [RBX]: 5n, [RCX]: 1000n, [RDX]: BigInt(start) }, 100000, 2, (b) => {
        init(b);
        b.setReg(RAX, 0n); b.setReg(RBX, 5n); b.setReg(RCX, 1000n); b.setReg(RDX, BigInt(start));
        b.v.setBigUint64(b.state + RIP, BigInt(CODE), true);
      });
      expect(runs[1].exit).toBe(EXIT_PAGE_FAULT);
      expect(runs[1].rip).toBe(BigInt(rip));
      expect(runs[1].faultAddr).toBe(BigInt(addr));
      expect(runs[1].faultCode).toBe(4);
    }
  });
});
