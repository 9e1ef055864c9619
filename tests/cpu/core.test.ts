// Unit tests of the CPU core: hand-assembled snippets run on build/cpu.wasm
// with page tables built by the kernel's own PhysMem/PageTable. Expected
// values follow the Intel SDM (cited per test) and were checked against
// the behaviour of a real x86-64 CPU where noted.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import {
  loadCpuNode, type CpuExports, CR3, RIP, RFLAGS, ICOUNT, FS_BASE, FAULT_ADDR, FAULT_CODE, XMM0,
  EXIT_SYSCALL, EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_GP, EXIT_BREAKPOINT, EXIT_BUDGET,
} from "../../src/kernel/cpu";
import { PhysMem } from "../../src/kernel/mm/physmem";
import { PageTable, PROT_READ, PROT_WRITE, PROT_EXEC } from "../../src/kernel/mm/pagetable";

const CODE = 0x400000;
const DATA = 0x600000;
const STACK_TOP = 0x7ff000;
const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const STATUS = CF | PF | AF | ZF | SF | OF;
const R = { rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15 };

class Machine {
  state = 0;
  pt: PageTable;
  constructor(readonly cpu: CpuExports, readonly mem: PhysMem) {
    this.pt = new PageTable(mem);
    this.state = mem.alloc();
    this.v.setBigUint64(this.state + CR3, BigInt(this.pt.root), true);
    this.v.setBigUint64(this.state + RFLAGS, 0x202n, true);
  }
  get v(): DataView { return new DataView(this.cpu.memory.buffer); }
  map(va: number, pages: number, prot: number): void {
    for (let i = 0; i < pages; i++) {
      const pa = this.mem.alloc();
      this.pt.map(va + i * 4096, pa, prot);
    }
    this.cpu.flushTlb();
  }
  write(va: number, bytes: number[] | Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const pa = this.pt.translate(va + i, false);
      if (pa < 0) throw new Error(`unmapped ${(va + i).toString(16)}`);
      this.mem.u8[pa] = bytes[i];
    }
  }
  read64(va: number): bigint {
    const pa = this.pt.translate(va, false);
    return this.v.getBigUint64(pa, true);
  }
  reg(n: number): bigint { return this.v.getBigUint64(this.state + n * 8, true); }
  setReg(n: number, v: bigint): void { this.v.setBigUint64(this.state + n * 8, BigInt.asUintN(64, v), true); }
  get rip(): bigint { return this.v.getBigUint64(this.state + RIP, true); }
  set rip(v: bigint) { this.v.setBigUint64(this.state + RIP, v, true); }
  get flags(): number { return Number(this.v.getBigUint64(this.state + RFLAGS, true)); }
  set flags(f: number) { this.v.setBigUint64(this.state + RFLAGS, BigInt(f), true); }
  u64(off: number): bigint { return this.v.getBigUint64(this.state + off, true); }
  run(budget = 1000): number { return this.cpu.run(this.state, budget); }
}

let cpu: CpuExports;
let mem: PhysMem;

beforeAll(async () => {
  execFileSync("node", ["scripts/build-cpu.mjs"], { stdio: "inherit" });
  cpu = await loadCpuNode();
  mem = new PhysMem(cpu, 16 << 20);
});

/** A fresh address space with code at CODE (r-x), data at DATA (rw-), a stack; code ends in INT3. */
function machine(code: number[], withEnd = true): Machine {
  const m = new Machine(cpu, mem);
  m.map(CODE, 2, PROT_READ | PROT_EXEC);
  m.map(DATA, 2, PROT_READ | PROT_WRITE);
  m.map(STACK_TOP - 0x4000, 4, PROT_READ | PROT_WRITE);
  m.write(CODE, withEnd ? [...code, 0xcc] : code);
  m.rip = BigInt(CODE);
  m.setReg(R.rsp, BigInt(STACK_TOP));
  return m;
}
/** Runs to the final INT3 and checks it was reached. */
function runToEnd(m: Machine, budget = 1000): void {
  const e = m.run(budget);
  expect(e).toBe(EXIT_BREAKPOINT);
}
const h = (s: string): number[] => s.trim().split(/\s+/).map((x) => parseInt(x, 16));

describe("integer ALU and lazy flags", () => {
  it("ADD sets CF/OF/ZF/AF/PF exactly (SDM ADD)", () => {
    // mov eax, 0x7fffffff ; add eax, 1
    const m = machine(h("b8 ff ff ff 7f 83 c0 01"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0x80000000n);
    expect(m.flags & STATUS).toBe(OF | SF | AF | PF);
  });
  it("SUB borrow and CMP", () => {
    // xor eax,eax ; sub eax, 1  -> 0xffffffff, CF SF AF PF
    const m = machine(h("31 c0 83 e8 01"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0xffffffffn);
    expect(m.flags & STATUS).toBe(CF | SF | AF | PF);
  });
  it("64-bit ADC/SBB chain", () => {
    // mov rax,-1 ; add rax,1 ; mov rbx,0 ; adc rbx,0 ; sbb rcx,rcx
    const m = machine(h("48 c7 c0 ff ff ff ff 48 83 c0 01 bb 00 00 00 00 48 83 d3 00 48 19 c9"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0n);
    expect(m.reg(R.rbx)).toBe(1n);
    expect(m.reg(R.rcx)).toBe(0n); // CF cleared by ADC (0+0+1 no carry)
  });
  it("32-bit writes zero the upper half; 8/16-bit keep it; AH without REX", () => {
    // mov rax,-1 ; mov eax,1 ; mov rbx,-1 ; mov bx,2 ; mov rcx,-1 ; mov ch,3
    const m = machine(h("48 c7 c0 ff ff ff ff b8 01 00 00 00 48 c7 c3 ff ff ff ff 66 bb 02 00 48 c7 c1 ff ff ff ff b5 03"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(1n);
    expect(m.reg(R.rbx)).toBe(0xffffffffffff0002n);
    expect(m.reg(R.rcx)).toBe(0xffffffffffff03ffn);
  });
  it("INC keeps CF; NEG sets CF for nonzero", () => {
    // stc ; mov eax,-1 ; inc eax  -> ZF, CF still 1
    const m = machine(h("f9 b8 ff ff ff ff ff c0"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0n);
    expect(m.flags & (CF | ZF)).toBe(CF | ZF);
    const n = machine(h("b8 05 00 00 00 f7 d8"));
    runToEnd(n);
    expect(n.reg(R.rax)).toBe(0xfffffffbn);
    expect(n.flags & CF).toBe(CF);
  });
  it("Jcc/SETcc/CMOVcc follow signed and unsigned conditions", () => {
    // mov eax,-1 ; cmp eax,1 ; setl bl ; setb cl ; mov edx,7 ; cmovg edx,eax
    const m = machine(h("b8 ff ff ff ff 83 f8 01 0f 9c c3 0f 92 c1 ba 07 00 00 00 0f 4f d0"));
    runToEnd(m);
    expect(m.reg(R.rbx) & 0xffn).toBe(1n);
    expect(m.reg(R.rcx) & 0xffn).toBe(0n);
    expect(m.reg(R.rdx)).toBe(7n);
  });
});

describe("shifts, multiply, divide", () => {
  it("SHL/SAR/ROL flags", () => {
    // mov eax,0x80000001 ; shl eax,1 -> 2, CF=1, OF=1
    const m = machine(h("b8 01 00 00 80 d1 e0"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(2n);
    expect(m.flags & (CF | OF)).toBe(CF | OF);
    // mov eax,-8 ; sar eax,2 -> -2
    const s = machine(h("b8 f8 ff ff ff c1 f8 02"));
    runToEnd(s);
    expect(s.reg(R.rax)).toBe(0xfffffffen);
  });
  it("shift count 0 leaves flags alone", () => {
    // stc ; xor ecx,ecx sets ZF,CF=0... use: mov ecx,0 (no flags) ; stc ; shl eax,cl
    const m = machine(h("b9 00 00 00 00 b8 05 00 00 00 f9 d3 e0"));
    runToEnd(m);
    expect(m.flags & CF).toBe(CF);
    expect(m.reg(R.rax)).toBe(5n);
  });
  it("MUL 64x64 -> 128 and IMUL overflow flag", () => {
    // mov rax,-1 ; mov rbx,-1 ; mul rbx  -> rdx:rax = fffffffffffffffe:0000000000000001
    const m = machine(h("48 c7 c0 ff ff ff ff 48 c7 c3 ff ff ff ff 48 f7 e3"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(1n);
    expect(m.reg(R.rdx)).toBe(0xfffffffffffffffen);
    expect(m.flags & (CF | OF)).toBe(CF | OF);
    // imul rax,rbx with rax=-1,rbx=-1 -> 1, no overflow
    const i = machine(h("48 c7 c0 ff ff ff ff 48 c7 c3 ff ff ff ff 48 0f af c3"));
    runToEnd(i);
    expect(i.reg(R.rax)).toBe(1n);
    expect(i.flags & (CF | OF)).toBe(0);
  });
  it("DIV 128/64, divide by zero and quotient overflow -> #DE with RIP at the instruction", () => {
    // mov rdx,1 ; xor eax,eax ; mov rbx,2 ; div rbx -> rax = 2^63, rdx = 0
    const m = machine(h("ba 01 00 00 00 31 c0 bb 02 00 00 00 48 f7 f3"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0x8000000000000000n);
    expect(m.reg(R.rdx)).toBe(0n);
    const z = machine(h("31 db 48 f7 f3"));
    expect(z.run()).toBe(EXIT_DE);
    expect(z.rip).toBe(BigInt(CODE + 2));
    // idiv: rdx:rax = 2^64 / 1 overflows
    const o = machine(h("ba 01 00 00 00 31 c0 bb 01 00 00 00 48 f7 fb"));
    expect(o.run()).toBe(EXIT_DE);
    // idiv: -7 / 2 = -3 rem -1
    const q = machine(h("48 c7 c0 f9 ff ff ff 48 99 bb 02 00 00 00 48 f7 fb"));
    runToEnd(q);
    expect(q.reg(R.rax)).toBe(BigInt.asUintN(64, -3n));
    expect(q.reg(R.rdx)).toBe(BigInt.asUintN(64, -1n));
  });
});

describe("memory, stack, control flow", () => {
  it("push/pop/call/ret", () => {
    // call +1 ; jmp +3 (skip) ; ... target: mov eax,42 ; ret
    // e8 05 00 00 00 | eb 09 | 90 90 90 | b8 2a 00 00 00 c3 | cc: after ret, the jmp lands on the final int3
    const code = h("e8 05 00 00 00 eb 09 90 90 90 b8 2a 00 00 00 c3");
    const m = machine(code);
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(42n);
    expect(m.reg(R.rsp)).toBe(BigInt(STACK_TOP));
  });
  it("RIP-relative addressing counts from the end of the instruction (with immediate)", () => {
    // mov dword [rip+0x100], 0x11223344 ; (c7 05 disp32 imm32): writes CODE+10+0x100... code page is r-x -> use lea
    // lea rax,[rip+0] -> address of next instruction
    const m = machine(h("48 8d 05 00 00 00 00"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(BigInt(CODE + 7));
  });
  it("FS segment override adds FS_BASE", () => {
    // mov rax, fs:[8]
    const m = machine(h("64 48 8b 04 25 08 00 00 00"));
    m.v.setBigUint64(m.state + FS_BASE, BigInt(DATA), true);
    m.write(DATA + 8, [0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0]);
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0x12345678n);
  });
  it("REP STOSB / MOVSB / REPNE SCASB", () => {
    // mov rdi,DATA ; mov ecx,100 ; mov al,0x5a ; rep stosb ;
    // mov rsi,DATA ; mov rdi,DATA+200 ; mov ecx,100 ; rep movsb
    const code = [
      ...h("48 c7 c7"), ...le32(DATA), ...h("b9 64 00 00 00 b0 5a f3 aa"),
      ...h("48 c7 c6"), ...le32(DATA), ...h("48 c7 c7"), ...le32(DATA + 200), ...h("b9 64 00 00 00 f3 a4"),
    ];
    const m = machine(code);
    runToEnd(m);
    expect(m.read64(DATA + 200)).toBe(0x5a5a5a5a5a5a5a5an);
    expect(m.read64(DATA + 292)).toBe(0x5a5a5a5a5a5a5a5an);
    expect(m.read64(DATA + 300)).toBe(0n);
    expect(m.reg(R.rcx)).toBe(0n);
    expect(m.reg(R.rdi)).toBe(BigInt(DATA + 300));
    // strlen: mov rdi,DATA+0x1000-3 (crosses page) ; xor eax,eax ; mov rcx,-1 ; repne scasb
    const s = machine([...h("48 c7 c7"), ...le32(DATA + 0x1000 - 3), ...h("31 c0 48 c7 c1 ff ff ff ff f2 ae")]);
    s.write(DATA + 0x1000 - 3, [1, 2, 3, 4, 5, 0]);
    runToEnd(s);
    expect(s.reg(R.rdi)).toBe(BigInt(DATA + 0x1000 + 3));
    expect(s.reg(R.rcx)).toBe(BigInt.asUintN(64, -7n));
  });
  it("fault mid-REP leaves RSI/RDI/RCX consistent and RIP at the instruction", () => {
    // rep stosb from DATA+0x2000-4, 10 bytes: the 5th byte is unmapped
    const m = machine([...h("48 c7 c7"), ...le32(DATA + 0x2000 - 4), ...h("b9 0a 00 00 00 f3 aa")]);
    expect(m.run()).toBe(EXIT_PAGE_FAULT);
    expect(m.rip).toBe(BigInt(CODE + 12));
    expect(m.reg(R.rcx)).toBe(6n);
    expect(m.reg(R.rdi)).toBe(BigInt(DATA + 0x2000));
    expect(m.u64(FAULT_ADDR)).toBe(BigInt(DATA + 0x2000));
    expect(m.v.getUint32(m.state + FAULT_CODE, true)).toBe(2 | 4); // write, user, not present
  });
  it("a long REP yields between slices with RIP on it, so the budget holds and it resumes", () => {
    const m = machine([...h("48 c7 c7"), ...le32(0x1000000), ...h("b9 40 0d 03 00 b0 77 f3 aa")]); // rep stosb, 200000 bytes
    m.map(0x1000000, 49, PROT_READ | PROT_WRITE);
    expect(m.run(3)).toBe(EXIT_BUDGET); // mov, mov, mov
    expect(m.run(1)).toBe(EXIT_BUDGET); // one slice of the REP
    expect(m.rip).toBe(BigInt(CODE + 14));
    const left = m.reg(R.rcx);
    expect(left).toBeGreaterThan(0n);
    expect(left).toBeLessThan(200000n);
    expect(m.reg(R.rdi)).toBe(BigInt(0x1000000) + 200000n - left);
    runToEnd(m);
    expect(m.reg(R.rcx)).toBe(0n);
    expect(m.read64(0x1000000 + 200000 - 8)).toBe(0x7777777777777777n);
  });
  it("LOCK CMPXCHG and XADD", () => {
    // mov rbx,DATA ; mov dword [rbx],5 ; mov eax,5 ; mov ecx,9 ; lock cmpxchg [rbx],ecx ; mov edx,1 ; lock xadd [rbx],edx
    const m = machine([...h("48 c7 c3"), ...le32(DATA), ...h("c7 03 05 00 00 00 b8 05 00 00 00 b9 09 00 00 00 f0 0f b1 0b ba 01 00 00 00 f0 0f c1 13")]);
    runToEnd(m);
    expect(m.read64(DATA) & 0xffffffffn).toBe(10n);
    expect(m.reg(R.rdx)).toBe(9n);
    // LOCK on a register destination is #UD
    const u = machine(h("f0 01 c0"));
    expect(u.run()).toBe(EXIT_UD);
  });
  it("BSF/TZCNT/POPCNT/BSWAP and BT with memory bit offset", () => {
    // mov eax,0x50 ; bsf ecx,eax ; tzcnt edx,eax ; popcnt ebx,eax ; bswap eax
    const m = machine(h("b8 50 00 00 00 0f bc c8 f3 0f bc d0 f3 0f b8 d8 0f c8"));
    runToEnd(m);
    expect(m.reg(R.rcx)).toBe(4n);
    expect(m.reg(R.rdx)).toBe(4n);
    expect(m.reg(R.rbx)).toBe(2n);
    expect(m.reg(R.rax)).toBe(0x50000000n);
    // mov rbx,DATA+8 ; mov rcx,-1 ; bts [rbx],rcx -> sets bit 63 of qword at DATA+0 (address moves by -8)... 32-bit default: bit 31 of dword at DATA+4
    const b = machine([...h("48 c7 c3"), ...le32(DATA + 8), ...h("48 c7 c1 ff ff ff ff 48 0f ab 0b")]);
    runToEnd(b);
    expect(b.read64(DATA)).toBe(0x8000000000000000n);
  });
});

describe("exits, faults, budget", () => {
  it("SYSCALL saves RCX/R11 and leaves RIP after it", () => {
    const m = machine(h("0f 05"), false);
    m.flags = 0x202 | CF;
    expect(m.run()).toBe(EXIT_SYSCALL);
    expect(m.rip).toBe(BigInt(CODE + 2));
    expect(m.reg(R.rcx)).toBe(BigInt(CODE + 2));
    expect(m.reg(R.r11)).toBe(BigInt(0x203));
  });
  it("UD2, INT3, HLT", () => {
    expect(machine(h("0f 0b")).run()).toBe(EXIT_UD);
    const b = machine(h("cc"));
    expect(b.run()).toBe(EXIT_BREAKPOINT);
    expect(b.rip).toBe(BigInt(CODE + 1));
    expect(machine(h("f4")).run()).toBe(EXIT_GP);
  });
  it("page faults: unmapped read, write to read-only, fetch from NX", () => {
    const r = machine(h("48 8b 04 25 00 00 10 00")); // mov rax,[0x100000]
    expect(r.run()).toBe(EXIT_PAGE_FAULT);
    expect(r.u64(FAULT_ADDR)).toBe(0x100000n);
    expect(r.v.getUint32(r.state + FAULT_CODE, true)).toBe(4);
    expect(r.rip).toBe(BigInt(CODE));
    const w = machine([...h("c7 04 25"), ...le32(CODE), ...h("01 00 00 00")]); // mov dword [CODE],1
    expect(w.run()).toBe(EXIT_PAGE_FAULT);
    expect(w.v.getUint32(w.state + FAULT_CODE, true)).toBe(7);
    const x = machine([...h("48 c7 c0"), ...le32(DATA), ...h("ff e0")]); // jmp rax -> DATA (NX)
    expect(x.run()).toBe(EXIT_PAGE_FAULT);
    expect(x.rip).toBe(BigInt(DATA));
    expect(x.v.getUint32(x.state + FAULT_CODE, true)).toBe(0x10 | 4 | 1);
  });
  it("an instruction crossing into an unmapped page faults on the second page", () => {
    const m = machine([]);
    const at = CODE + 0x2000 - 3; // last 3 bytes of the mapped code
    m.write(at, h("b8 01 00")); // mov eax, imm32 needs 2 more bytes
    m.rip = BigInt(at);
    expect(m.run()).toBe(EXIT_PAGE_FAULT);
    expect(m.u64(FAULT_ADDR)).toBe(BigInt(CODE + 0x2000));
    expect(m.rip).toBe(BigInt(at));
    // and one crossing between two mapped pages runs
    const n = machine([]);
    n.write(CODE + 0x1000 - 2, h("b8 07 00 00 00 cc"));
    n.rip = BigInt(CODE + 0x1000 - 2);
    runToEnd(n);
    expect(n.reg(R.rax)).toBe(7n);
  });
  it("budget exit and ICOUNT", () => {
    // jmp $ (infinite loop)
    const m = machine(h("eb fe"), false);
    expect(m.run(1000)).toBe(EXIT_BUDGET);
    expect(m.u64(ICOUNT)).toBe(1000n);
    expect(m.rip).toBe(BigInt(CODE));
  });
});

describe("more integer forms", () => {
  it("ENTER/LEAVE with nesting levels (SDM ENTER, 64-bit)", () => {
    // mov rbp, 0x7fe000+... : rbp = STACK_TOP-0x100 holding a fake outer frame pointer
    // enter 0x20, 2 ; mov rbx, rbp ; leave
    const m = machine([...h("48 c7 c5"), ...le32(STACK_TOP - 0x100), ...h("c8 20 00 02 48 89 eb c9")]);
    m.write(STACK_TOP - 0x108, [0x88, 0x77, 0, 0, 0, 0, 0, 0]); // [rbp - 8]: copied as the level-1 display entry
    runToEnd(m);
    const frame = BigInt(STACK_TOP - 8);
    expect(m.reg(R.rbx)).toBe(frame);
    expect(m.read64(STACK_TOP - 8)).toBe(BigInt(STACK_TOP - 0x100)); // old rbp
    expect(m.read64(STACK_TOP - 16)).toBe(0x7788n);                 // copied frame pointer
    expect(m.read64(STACK_TOP - 24)).toBe(frame);                   // new frame pointer
    // after LEAVE: rsp = frame + 8, rbp = old rbp
    expect(m.reg(R.rsp)).toBe(BigInt(STACK_TOP));
    expect(m.reg(R.rbp)).toBe(BigInt(STACK_TOP - 0x100));
  });
  it("XLAT, LOOP, JRCXZ", () => {
    // mov rbx,DATA ; mov al,3 ; xlat ; mov ecx,5 ; xor edx,edx ; L: inc edx ; loop L ; jrcxz +1 ; int3(skipped) ; nop
    const m = machine([...h("48 c7 c3"), ...le32(DATA), ...h("b0 03 d7 b9 05 00 00 00 31 d2 ff c2 e2 fc e3 01 cc 90")]);
    m.write(DATA, [10, 11, 12, 13]);
    runToEnd(m);
    expect(m.reg(R.rax) & 0xffn).toBe(13n);
    expect(m.reg(R.rdx)).toBe(5n);
    expect(m.rip).toBe(BigInt(CODE + 26)); // after the final int3 (offset 25), not the skipped one (23)
  });
  it("67h truncates the address to 32 bits; moffs64 loads", () => {
    // mov rbx, 0x1_0000_0000 + DATA ; mov eax, [ebx] ; movabs rcx? -> mov rax, [moffs64]
    const m = machine([...h("48 bb"), ...le32(DATA), ...h("01 00 00 00 67 8b 03 48 a1"), ...le32(DATA + 8), 0, 0, 0, 0]);
    m.write(DATA, [1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    // the second load overwrites rax; check the first via a copy: use ecx instead
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0x8877665544332211n);
    const n = machine([...h("48 bb"), ...le32(DATA), ...h("01 00 00 00 67 8b 0b")]);
    n.write(DATA, [1, 2, 3, 4]);
    runToEnd(n);
    expect(n.reg(R.rcx)).toBe(0x04030201n);
  });
  it("16-bit PUSH/POP, PUSHF/POPF (IF not user-settable), LAHF/SAHF", () => {
    // push word -1 ; pop ax  (rax upper kept)
    const m = machine(h("48 c7 c0 00 00 00 00 66 6a ff 66 58"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(0xffffn);
    expect(m.reg(R.rsp)).toBe(BigInt(STACK_TOP));
    // stc ; pushf ; pop rax ; push 0 ; popf ; pushf ; pop rbx
    const f = machine(h("f9 9c 58 6a 00 9d 9c 5b"));
    runToEnd(f);
    expect(f.reg(R.rax)).toBe(0x203n);
    expect(f.reg(R.rbx)).toBe(0x202n);
    // mov ah, 0xd5 ; sahf ; lahf -> ah = 0xd7 (bit 1 always set); flags CF PF AF ZF SF
    const l = machine(h("b4 d5 9e b4 00 9f"));
    runToEnd(l);
    expect((l.reg(R.rax) >> 8n) & 0xffn).toBe(0xd7n);
    expect(l.flags & STATUS).toBe(CF | PF | AF | ZF | SF);
  });
  it("REX before a legacy prefix is ignored; REX.W beats 66h", () => {
    // 48 66 b8 34 12 -> mov ax, 0x1234 (REX cancelled)
    const a = machine(h("48 c7 c0 ff ff ff ff 48 66 b8 34 12"));
    runToEnd(a);
    expect(a.reg(R.rax)).toBe(0xffffffffffff1234n);
    // 66 48 b8 imm64 -> mov rax, imm64
    const b = machine(h("66 48 b8 08 07 06 05 04 03 02 01"));
    runToEnd(b);
    expect(b.reg(R.rax)).toBe(0x0102030405060708n);
  });
  it("RCL through carry, SHLD, BSR of zero, MOVSXD, CQO", () => {
    // stc ; mov al,0x80 ; rcl al,1 -> al = 1, CF = 1
    const r = machine(h("f9 b0 80 d0 d0"));
    runToEnd(r);
    expect(r.reg(R.rax) & 0xffn).toBe(1n);
    expect(r.flags & CF).toBe(CF);
    // mov eax,0x80000000 ; mov edx,0x80000000 ; shld eax,edx,1 -> 1, CF=1
    const d = machine(h("b8 00 00 00 80 ba 00 00 00 80 0f a4 d0 01"));
    runToEnd(d);
    expect(d.reg(R.rax)).toBe(1n);
    expect(d.flags & CF).toBe(CF);
    // mov ebx,7 ; xor eax,eax ; bsr ebx,eax -> ZF=1, ebx unchanged
    const z = machine(h("bb 07 00 00 00 31 c0 0f bd d8"));
    runToEnd(z);
    expect(z.reg(R.rbx)).toBe(7n);
    expect(z.flags & ZF).toBe(ZF);
    // mov eax,-2 ; movsxd rbx,eax ; cqo (rax = 0xfffffffe -> rdx = 0)
    const x = machine(h("b8 fe ff ff ff 48 63 d8 48 99"));
    runToEnd(x);
    expect(x.reg(R.rbx)).toBe(BigInt.asUintN(64, -2n));
    expect(x.reg(R.rdx)).toBe(0n);
  });
  it("string ops backwards (DF=1) and overlapping forward REP MOVSB replicates", () => {
    // std ; mov rsi,DATA+3 ; mov rdi,DATA+0x103 ; mov ecx,4 ; rep movsb ; cld
    const m = machine([...h("fd 48 c7 c6"), ...le32(DATA + 3), ...h("48 c7 c7"), ...le32(DATA + 0x103), ...h("b9 04 00 00 00 f3 a4 fc")]);
    m.write(DATA, [1, 2, 3, 4]);
    runToEnd(m);
    expect(m.read64(DATA + 0x100) & 0xffffffffn).toBe(0x04030201n);
    expect(m.reg(R.rsi)).toBe(BigInt(DATA - 1));
    // mov rsi,DATA ; mov rdi,DATA+1 ; mov ecx,8 ; rep movsb -> 9 copies of byte 0
    const o = machine([...h("48 c7 c6"), ...le32(DATA), ...h("48 c7 c7"), ...le32(DATA + 1), ...h("b9 08 00 00 00 f3 a4")]);
    o.write(DATA, [0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    runToEnd(o);
    expect(o.read64(DATA + 1)).toBe(0xababababababababn);
  });
  it("NOP family, fences and hints run; privileged and undefined forms exit", () => {
    const m = machine(h("f3 0f 1e fa 0f 1f 44 00 00 66 2e 0f 1f 84 00 00 00 00 00 0f ae e8 0f ae f0 0f ae f8 f3 90 0f 18 0c 24 0f 0d 0c 24 90"));
    runToEnd(m);
    expect(machine(h("cd 80")).run()).toBe(EXIT_GP);
    expect(machine(h("e4 60")).run()).toBe(EXIT_GP);
    expect(machine(h("0f c7 f0")).run()).toBe(EXIT_UD); // RDRAND: not advertised
    expect(machine(h("f0 89 03")).run()).toBe(EXIT_UD); // LOCK MOV
    expect(machine(h("06")).run()).toBe(EXIT_UD);       // PUSH ES: invalid in 64-bit mode
    // CMPXCHG16B on an 8-byte aligned address: #GP
    const g = machine([...h("48 c7 c3"), ...le32(DATA + 8), ...h("48 0f c7 0b")]);
    expect(g.run()).toBe(EXIT_GP);
  });
  it("flags written by SSE (UCOMISD through setStatusFlags) drive Jcc/SETcc after lazy integer flags", () => {
    // add eax,1 (lazy flags pending) ; ucomisd xmm0,xmm1 ; setb bl ; seta cl ; sete dl
    const m = machine(h("83 c0 01 66 0f 2e c1 0f 92 c3 0f 97 c1 0f 94 c2"));
    m.v.setFloat64(m.state + XMM0, 1.0, true);
    m.v.setFloat64(m.state + XMM0 + 16, 2.0, true);
    runToEnd(m);
    expect(m.reg(R.rbx) & 0xffn).toBe(1n);
    expect(m.reg(R.rcx) & 0xffn).toBe(0n);
    expect(m.reg(R.rdx) & 0xffn).toBe(0n);
    expect(m.flags & (CF | ZF | PF | OF | SF | AF)).toBe(CF);
  });
  it("a non-canonical address faults", () => {
    const m = machine(h("48 a1 00 00 00 00 00 80 00 00")); // mov rax, [0x0000800000000000]
    expect(m.run()).toBe(EXIT_PAGE_FAULT);
    expect(m.rip).toBe(BigInt(CODE));
  });
  it("CPUID: vendor, SSE2 without SSE3, brand string with Hako; RDTSC is monotonic", () => {
    const m = machine(h("31 c0 0f a2"));
    runToEnd(m);
    const vendor = [R.rbx, R.rdx, R.rcx].map((r) => Buffer.from(new BigUint64Array([m.reg(r)]).buffer).subarray(0, 4).toString("latin1")).join("");
    expect(vendor).toBe("GenuineIntel");
    const f = machine(h("b8 01 00 00 00 0f a2"));
    runToEnd(f);
    expect(Number(f.reg(R.rdx)) & (1 << 26)).not.toBe(0); // SSE2
    expect(Number(f.reg(R.rcx)) & 1).toBe(0);             // no SSE3
    const b = machine(h("b8 02 00 00 80 0f a2"));
    runToEnd(b);
    const brand = [R.rax, R.rbx, R.rcx, R.rdx].map((r) => Buffer.from(new BigUint64Array([b.reg(r)]).buffer).subarray(0, 4).toString("latin1")).join("");
    expect(brand).toContain("Hako");
    // rdtsc ; mov rbx,rax ; rdtsc ; sub eax,ebx
    const t = machine(h("0f 31 48 89 c3 0f 31 29 d8"));
    runToEnd(t);
    expect(Number(t.reg(R.rax))).toBeGreaterThan(0);
  });
});

describe("decode cache", () => {
  it("self-modifying code: a write to a cached instruction is seen by the next execution", () => {
    // On an RWX page at DATA: loop twice over `mov eax, imm32`, patching the immediate in between.
    //  0: mov ecx, 2
    //  5: mov eax, 0x11111111       <- patched
    // 10: add ebx, eax
    // 12: mov dword [rip - 11], 0x22222222   (c7 05 disp32 imm32, 10 bytes; disp -> offset 6)
    // 22: dec ecx ; jnz 5 (75 eb)
    // 26: int3
    const m = new Machine(cpu, mem);
    m.map(DATA, 1, PROT_READ | PROT_WRITE | PROT_EXEC);
    m.map(STACK_TOP - 0x1000, 1, PROT_READ | PROT_WRITE);
    const code = [...h("b9 02 00 00 00 b8 11 11 11 11 01 c3 c7 05"), ...le32(6 - 22), ...h("22 22 22 22 ff c9 75 eb cc")];
    m.write(DATA, code);
    m.rip = BigInt(DATA);
    expect(m.run()).toBe(EXIT_BREAKPOINT);
    expect(m.reg(R.rbx)).toBe(0x33333333n);
  });
  it("a new address space whose root reuses a freed PML4 frame does not see stale translations", () => {
    const a = machine(h("48 8b 04 25 00 00 60 00")); // mov rax, [DATA]
    a.write(DATA, [1]);
    runToEnd(a);
    expect(a.reg(R.rax)).toBe(1n);
    // Free the root (the kernel calls invalidateCode on release), then build a
    // different mapping whose root sits at the same physical address.
    const root = a.pt.root;
    cpu.invalidateCode(root, 4096);
    new DataView(cpu.memory.buffer).setBigUint64(root, 0n, true); // empty PML4: nothing mapped
    const b = new Machine(cpu, mem);
    b.v.setBigUint64(b.state + CR3, BigInt(root), true);
    b.rip = BigInt(CODE); // a stale TLB would still fetch and run the old code here
    expect(b.run()).toBe(EXIT_PAGE_FAULT);
  });
  it("invalidateCode() makes the CPU see bytes the kernel wrote", () => {
    const m = machine(h("b8 01 00 00 00"));
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(1n);
    m.write(CODE + 1, [5]);
    cpu.invalidateCode(m.pt.translate(CODE, false), 16);
    m.rip = BigInt(CODE);
    runToEnd(m);
    expect(m.reg(R.rax)).toBe(5n);
  });
});

describe("speed", () => {
  it("measures a tight integer loop", () => {
    // mov ecx, N ; loop: add rax, rcx ; dec ecx ; jnz loop
    const N = 3_000_000;
    const m = machine([...h("b9"), ...le32(N), ...h("48 01 c8 ff c9 75 f9")]);
    const t0 = performance.now();
    runToEnd(m, 1 << 30);
    const ms = performance.now() - t0;
    const insns = Number(m.u64(ICOUNT));
    console.log(`tight loop: ${insns} instructions in ${ms.toFixed(0)} ms = ${(insns / ms / 1000).toFixed(1)} M instr/s`);
    expect(m.reg(R.rax)).toBe(BigInt((N * (N + 1)) / 2));
  });
});

function le32(v: number): number[] { return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]; }
