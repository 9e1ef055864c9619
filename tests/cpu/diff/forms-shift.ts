// Shifts and rotates (SDM vol. 2: SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD,
// SHRD). The count is masked to 5 bits (6 with REX.W); a masked count of 0
// changes no flag. Otherwise: OF is defined only for a count of 1; AF is
// undefined for shifts; CF is undefined for SHL/SHR when the count is >= the
// operand width; rotates touch only CF and OF. SHLD/SHRD with a count greater
// than the operand size leave result and flags undefined.
import { ALL_FLAGS, AF, CF, DF, OF, type Form, type Rng } from "./case";
import { rmForm, WIDTHS, rm, r } from "./rmform";
import { type Builder, type Width } from "./builder";

const OPS: [string, number][] = [["ROL", 0], ["ROR", 1], ["RCL", 2], ["RCR", 3], ["SHL", 4], ["SHR", 5], ["SAR", 7]];

/** Shift counts: 0, 1, width-1, width, width+1, the mask edges, random. */
function count(w: number): (rng: Rng) => bigint {
  return (rng) => {
    const list = [0, 1, 2, w - 1, w, w + 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 0xff, 0x80, 0xe1];
    return BigInt(rng.bool(0.6) ? rng.pick(list) : rng.int(256)) & 0xffn;
  };
}

/** Flags defined after shift/rotate `op` of width w by raw count c. */
export function shiftFlags(op: string, w: number, c: number): number {
  const masked = c & (w === 64 ? 63 : 31);
  if (masked === 0) return ALL_FLAGS;
  let m = ALL_FLAGS;
  if (masked !== 1) m &= ~OF;
  if (op === "SHL" || op === "SHR" || op === "SAR") {
    m &= ~AF;
    if ((op === "SHL" || op === "SHR") && masked >= w) m &= ~CF;
  }
  return m;
}

export function shiftForms(): Form[] {
  const out: Form[] = [];
  for (const [op, d] of OPS) {
    for (const w of [8, ...WIDTHS] as Width[]) {
      const by1 = w === 8 ? 0xd0 : 0xd1, byCl = w === 8 ? 0xd2 : 0xd3, byImm = w === 8 ? 0xc0 : 0xc1;
      const r8 = w === 8 ? (["legacy", "rex"] as const) : (["legacy"] as const);
      for (const rx of r8) {
        const tag = rx === "rex" ? ", REX" : "";
        const hx = (v: number): string => v.toString(16).toUpperCase();
        out.push(rmForm({ family: "shift", name: `${op} ${rm(w)}, 1 (${hx(by1)} /${d}${tag})`, w, op: [by1], digit: d, r8: rx,
          post: (b) => { b.c.flagMask = shiftFlags(op, w, 1); } }));
        out.push(rmForm({ family: "shift", name: `${op} ${rm(w)}, CL (${hx(byCl)} /${d}${tag})`, w, op: [byCl], digit: d, r8: rx, claim: [1],
          post: (b) => { const c = count(w)(b.rng); b.setReg(1, 8, c); b.c.flagMask = shiftFlags(op, w, Number(c)); } }));
        out.push(rmForm({ family: "shift", name: `${op} ${rm(w)}, imm8 (${hx(byImm)} /${d} ib${tag})`, w, op: [byImm], digit: d, imm: 8, r8: rx, i: count(w),
          post: (b, v) => { b.c.flagMask = shiftFlags(op, w, Number(v.i)); } }));
      }
    }
  }
  // SHLD/SHRD r/m, r, imm8 | CL.
  for (const [name, opImm] of [["SHLD", 0xa4], ["SHRD", 0xac]] as const) {
    for (const w of WIDTHS) {
      const fix = (b: Builder, c: number, mem: boolean): void => {
        const masked = c & (w === 64 ? 63 : 31);
        if (masked === 0) { b.c.flagMask = ALL_FLAGS; return; }
        if (masked > w) {
          b.c.flagMask = DF;
          b.c.undefMem = mem;
          return;
        }
        b.c.flagMask = ALL_FLAGS & ~AF & (masked === 1 ? ~0 : ~OF);
      };
      out.push(rmForm({ family: "shift", name: `${name} ${rm(w)}, ${r(w)}, imm8 (0F ${opImm.toString(16).toUpperCase()} ib)`, w, op: [0x0f, opImm], imm: 8, i: count(w),
        post: (b, v) => { fix(b, Number(v.i), v.mem); if ((Number(v.i) & 31) > w && !v.mem) b.c.undefRegs |= 1 << v.rmReg; } }));
      out.push(rmForm({ family: "shift", name: `${name} ${rm(w)}, ${r(w)}, CL (0F ${(opImm + 1).toString(16).toUpperCase()})`, w, op: [0x0f, opImm + 1], claim: [1],
        post: (b, v) => {
          const c = count(w)(b.rng); b.setReg(1, 8, c); fix(b, Number(c), v.mem);
          if ((Number(c) & 31) > w && w === 16 && !v.mem) b.c.undefRegs |= 1 << v.rmReg;
        } }));
    }
  }
  return out;
}
