// Segment overrides in 64-bit mode: FS and GS add their base (set per case
// natively with WRFSBASE/WRGSBASE, in the emulator through FS_BASE/GS_BASE);
// CS/DS/ES/SS have base 0 and are ignored (SDM vol. 1 §3.4.2.1). LEA ignores
// the segment. busybox's TLS accesses are all fs:-relative.
import { ALL_FLAGS, type Form } from "./case";
import { rmForm } from "./rmform";
import { Builder, le, value } from "./builder";
import { DATA_ADDR, DATA_SIZE } from "./layout";

export function segForms(): Form[] {
  const out: Form[] = [];
  for (const [seg, sn] of [[0x64, "FS"], [0x65, "GS"]] as const) {
    const f = "seg";
    out.push(rmForm({ family: f, name: `MOV r64, ${sn}:m64 (${seg.toString(16)} REX.W 8B /r)`, w: 64, op: [0x8b], rm: "mem", seg, n: 120 }));
    out.push(rmForm({ family: f, name: `MOV ${sn}:m32, r32 (${seg.toString(16)} 89 /r)`, w: 32, op: [0x89], rm: "mem", seg, n: 120 }));
    out.push(rmForm({ family: f, name: `ADD ${sn}:m8, imm8 (${seg.toString(16)} 80 /0)`, w: 8, op: [0x80], digit: 0, imm: 8, rm: "mem", r8: "legacy", seg, n: 120 }));
    out.push(rmForm({ family: f, name: `CMP r64, ${sn}:m64 (${seg.toString(16)} REX.W 3B /r)`, w: 64, op: [0x3b], rm: "mem", seg, flags: ALL_FLAGS, n: 120 }));
    out.push(rmForm({ family: f, name: `LOCK CMPXCHG ${sn}:m64, r64 (${seg.toString(16)} F0 REX.W 0F B1 /r)`, w: 64, op: [0x0f, 0xb1], rm: "mem", lock: true, seg, claim: [0], n: 120,
      post: (b, v) => b.setReg(0, 64, b.rng.bool() ? v.a : value(b.rng, 64)) }));
    out.push(rmForm({ family: f, name: `LEA r64, ${sn}:m (${seg.toString(16)} REX.W 8D /r, segment ignored)`, w: 64, op: [0x8d], rm: "mem", seg, n: 80 }));
    out.push({
      family: f, name: `MOV RAX, ${sn}:moffs64 (${seg.toString(16)} REX.W A1)`,
      cases(rng) {
        const cs = [];
        for (let k = 0; k < 60; k++) {
          const b = new Builder(rng);
          const base = BigInt(DATA_ADDR + rng.int(DATA_SIZE));
          if (seg === 0x64) b.c.fsBase = base; else b.c.gsBase = base;
          const off = BigInt(rng.int(0x200)) - 0x100n;
          const lin = Number(base + off);
          if (lin >= DATA_ADDR && lin + 8 <= DATA_ADDR + DATA_SIZE) b.patch(lin, le(value(rng, 64), 8));
          b.note(`base=0x${base.toString(16)} off=${off}`);
          b.emit({ pre: [seg], w: true, op: [0xa1], immBytes: le(off & 0xffffffffffffffffn, 8) });
          cs.push(b.done());
        }
        return cs;
      },
    });
  }
  for (const [seg, sn] of [[0x2e, "CS"], [0x3e, "DS"], [0x26, "ES"], [0x36, "SS"]] as const) {
    out.push(rmForm({ family: "seg", name: `MOV r64, ${sn}:m64 (${seg.toString(16).toUpperCase()} REX.W 8B /r, base 0)`, w: 64, op: [0x8b], rm: "mem", seg, n: 60 }));
    out.push(rmForm({ family: "seg", name: `ADD ${sn}:m32, r32 (${seg.toString(16).toUpperCase()} 01 /r, base 0)`, w: 32, op: [0x01], rm: "mem", seg, n: 60 }));
  }
  return out;
}
