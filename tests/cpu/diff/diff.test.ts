// The differential CPU test (issue 3): every implemented opcode form, run on
// the build machine's CPU and in the emulator from the same state, must agree.
// First checks that the native harness itself reports known results.
import { beforeAll, describe, expect, it } from "vitest";
import { buildCpu } from "../../../scripts/build-cpu.mjs";
import { CF, OF, PF, SF, ZF, AF, newCase, type Case } from "./case";
import { DATA_ADDR, GUARD_ADDR, RO_ADDR, STACK_RSP, CODE_ADDR } from "./layout";
import { runNative } from "./native";
import { pristineImage, runDiff } from "./harness";

function snippet(bytes: number[], regs: Record<number, bigint> = {}, rflags = 2): Case {
  const c = newCase();
  c.code = Uint8Array.from(bytes);
  for (const [r, v] of Object.entries(regs)) c.gpr[Number(r)] = v;
  c.rflags = rflags;
  return c;
}

describe("native harness", () => {
  const image = pristineImage();

  it("reports results, flags, memory writes and faults of known snippets", () => {
    const [add, sub, push, ud2, div0, segv, stc, ro, nx] = runNative([
      snippet([0x48, 0x01, 0xd8], { 0: 1n, 3: 1n }),                  // add rax, rbx
      snippet([0x48, 0x29, 0xd8], { 0: 0n, 3: 1n }),                  // sub rax, rbx
      snippet([0x53], { 3: 0x1122334455667788n }),                    // push rbx
      snippet([0x0f, 0x0b]),                                          // ud2
      snippet([0x48, 0xf7, 0xf3], { 0: 5n, 2: 0n, 3: 0n }),           // div rbx (rbx = 0)
      snippet([0x88, 0x03], { 3: BigInt(GUARD_ADDR + 4) }),           // mov [rbx], al
      snippet([0xf9]),                                                // stc
      snippet([0x88, 0x03], { 3: BigInt(RO_ADDR + 8) }),              // mov [rbx], al (read-only page)
      snippet([0xff, 0xe3], { 3: BigInt(DATA_ADDR + 16) }),           // jmp rbx (NX data page)
    ], image);
    expect(add.kind).toBe("ok");
    expect(add.gpr[0]).toBe(2n);
    expect(add.rip).toBe(BigInt(CODE_ADDR + 3));
    expect(add.rflags & (CF | PF | AF | ZF | SF | OF)).toBe(0);
    expect(sub.gpr[0]).toBe(0xffffffffffffffffn);
    expect(sub.rflags & (CF | PF | AF | ZF | SF | OF)).toBe(CF | PF | AF | SF);
    expect(push.gpr[4]).toBe(BigInt(STACK_RSP - 8));
    expect(push.diffs.length).toBe(8);
    expect(push.diffs[0] >>> 24).toBe(0x88);
    expect(ud2.kind).toBe("SIGILL");
    expect(ud2.rip).toBe(BigInt(CODE_ADDR));
    expect(div0.kind).toBe("SIGFPE");
    expect(segv.kind).toBe("SIGSEGV");
    expect(segv.pageFault).toBe(true);
    expect(segv.faultAddr).toBe(BigInt(GUARD_ADDR + 4));
    expect(stc.rflags & CF).toBe(CF);
    expect(segv.faultCode & 0x17).toBe(0x06);  // not present, write, user
    expect(ro.faultCode & 0x17).toBe(0x07);    // protection, write, user
    expect(nx.faultCode & 0x17).toBe(0x15);    // protection, user, instruction fetch
    expect(nx.rip).toBe(BigInt(DATA_ADDR + 16));
    expect(DATA_ADDR).toBe(0x2000_0000);
  });

  it("applies FS/GS bases to segment-overridden operands", () => {
    const fs = snippet([0x64, 0x48, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0]); // mov rax, fs:[0x10]
    fs.fsBase = BigInt(DATA_ADDR);
    const gs = snippet([0x65, 0x48, 0x8b, 0x04, 0x25, 0xf8, 0xff, 0xff, 0xff]); // mov rax, gs:[-8]
    gs.gsBase = BigInt(DATA_ADDR + 0x108);
    const [a, b] = runNative([fs, gs], image);
    const word = (off: number): bigint => new DataView(image.buffer, image.byteOffset).getBigUint64(off, true);
    expect(a.kind).toBe("ok");
    expect(a.gpr[0]).toBe(word(0x10));
    expect(b.gpr[0]).toBe(word(0x100));
  });
});

describe("native CPU vs emulator", () => {
  // Up to date with src/cpu (a no-op when build/cpu.wasm is newer than every source).
  beforeAll(async () => { await buildCpu(); }, 300_000);

  it("agrees on every form: >= 500 forms, >= 100,000 cases, 0 mismatches", async () => {
    const r = await runDiff();
    console.log(r.text);
    console.log(`time: generate ${r.seconds.generate.toFixed(1)} s, native ${r.seconds.native.toFixed(1)} s, emulator ${r.seconds.emulator.toFixed(1)} s (details: build/test/diff-report.txt)`);
    expect(r.suspicious.map((f) => f.form.name), "forms whose cases mostly fault natively").toEqual([]);
    expect(r.totalForms).toBeGreaterThanOrEqual(500);
    expect(r.totalCases).toBeGreaterThanOrEqual(100_000);
    const failing = r.forms.filter((f) => f.mismatches && !f.form.informational);
    const why = failing.slice(0, 30).map((f) => `[${f.form.family}] ${f.form.name}: ${f.mismatches}/${f.cases}\n${f.details[0] ?? ""}`).join("\n");
    expect(r.totalMismatches, `${failing.length} forms mismatch (all in build/test/diff-report.txt):\n${why}`).toBe(0);
  }, 600_000);
});
