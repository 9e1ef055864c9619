// Compares a native outcome with the emulator's, field by field, and names
// the first difference. Undefined flags and registers (per the case) are
// skipped; after a fault only the fault kind, the signal-context state and
// the memory are compared (so "no partial commit" is checked as well).
import { hex, type Case } from "./case";
import { imageAddr } from "./layout";
import type { Outcome } from "./outcome";

const GPR_NAMES = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const FLAG_NAMES: [number, string][] = [[0, "CF"], [2, "PF"], [4, "AF"], [6, "ZF"], [7, "SF"], [10, "DF"], [11, "OF"]];

function sameKind(n: Outcome, e: Outcome): boolean {
  if (n.kind === e.kind) return true;
  // #GP on a misaligned SSE operand may arrive as SIGBUS natively.
  return n.kind === "SIGBUS" && e.kind === "SIGSEGV";
}

function le(b: Uint8Array, off: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i]);
  return v;
}

function compareFx(c: Case, n: Uint8Array, e: Uint8Array): string | null {
  const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
  if (u16(n, 0) !== u16(e, 0)) return `FCW: native ${hex(u16(n, 0))}, emu ${hex(u16(e, 0))}`;
  const fm = c.fswMask ?? 0xffff;
  if ((u16(n, 2) & fm) !== (u16(e, 2) & fm)) return `FSW: native ${hex(u16(n, 2))}, emu ${hex(u16(e, 2))} (compared bits ${hex(fm)})`;
  if (n[4] !== e[4]) return `FTW (abridged): native ${hex(n[4])}, emu ${hex(e[4])}`;
  const mx = (b: Uint8Array): number => (b[24] | (b[25] << 8) | (b[26] << 16) | (b[27] << 24)) >>> 0;
  if (mx(n) !== mx(e)) return `MXCSR: native ${hex(mx(n))}, emu ${hex(mx(e))}`;
  // ST(i) is physical register (TOP + i) & 7; empty registers hold stale bits, so skip them.
  const top = (u16(n, 2) >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    if (!((n[4] >> ((top + i) & 7)) & 1)) continue;
    const a = le(n, 32 + 16 * i, 10), b = le(e, 32 + 16 * i, 10);
    if (a !== b) return `ST${i}: native ${hex(a, 20)}, emu ${hex(b, 20)}`;
  }
  if (c.approx) {
    const i = c.approx.xmm;
    const nv = new DataView(n.buffer, n.byteOffset + 160 + 16 * i, 16), ev = new DataView(e.buffer, e.byteOffset + 160 + 16 * i, 16);
    for (let l = 0; l < 4; l++) {
      const a = nv.getUint32(4 * l, true), b = ev.getUint32(4 * l, true);
      if (a === b) continue;
      const exp = (a >>> 23) & 0xff;
      if (l < c.approx.lanes && exp !== 0 && exp !== 0xff && (a >>> 31) === (b >>> 31)) {
        const x = c.approx.exact[l], got = ev.getFloat32(4 * l, true);
        if (Math.abs(got - x) <= 1.5 * 2 ** -12 * Math.abs(x)) continue;
        return `XMM${i} lane ${l}: emu ${got} (0x${b.toString(16)}) beyond 1.5*2^-12 of ${x} (native 0x${a.toString(16)})`;
      }
      return `XMM${i} lane ${l}: native 0x${a.toString(16)}, emu 0x${b.toString(16)}`;
    }
  }
  for (let i = 0; i < 16; i++) {
    if (!((c.xmmMask >> i) & 1) || i === c.approx?.xmm) continue;
    const a = le(n, 160 + 16 * i, 16), b = le(e, 160 + 16 * i, 16);
    if (a !== b) return `XMM${i}: native ${hex(a, 32)}, emu ${hex(b, 32)}`;
  }
  return null;
}

/** The first field in which the emulator differs from the native CPU, or null when they agree. */
export function firstDifference(c: Case, n: Outcome, e: Outcome): string | null {
  if (!sameKind(n, e)) return `outcome: native ${n.kind}${n.detail ? ` (${n.detail})` : ""}, emu ${e.kind} (${e.detail})`;
  // #PF and #GP both become SIGSEGV, but the kernel handles them differently (demand paging vs signal).
  if (n.kind === "SIGSEGV" && n.pageFault !== e.pageFault) return `fault type: native ${n.pageFault ? "#PF" : "#GP"}, emu ${e.pageFault ? "#PF" : "#GP"} (${e.detail})`;
  if (n.rip !== e.rip) return `rip: native ${hex(n.rip)}, emu ${hex(e.rip)}`;
  if (c.exactFaultAddr !== false && n.pageFault && e.pageFault) {
    if (n.faultAddr !== e.faultAddr) return `page-fault address: native ${hex(n.faultAddr)}, emu ${hex(e.faultAddr)}`;
    // Error code bits P (protection), W (write), U (user), I (fetch) — what the kernel's fault handler (CoW) reads.
    if ((n.faultCode & 0x17) !== (e.faultCode & 0x17)) return `page-fault error code: native ${hex(n.faultCode & 0x17)}, emu ${hex(e.faultCode & 0x17)} (bit0 P, bit1 W, bit2 U, bit4 I)`;
  }
  for (let i = 0; i < 16; i++) {
    if ((c.undefRegs >> i) & 1) continue;
    const m = ((c.lowRegs ?? 0) >> i) & 1 ? 0xffffffffn : 0xffffffffffffffffn;
    if ((n.gpr[i] & m) !== (e.gpr[i] & m)) return `${GPR_NAMES[i]}: native ${hex(n.gpr[i], 16)}, emu ${hex(e.gpr[i], 16)}`;
  }
  const fd = (n.rflags ^ e.rflags) & c.flagMask;
  if (fd) {
    const names = FLAG_NAMES.filter(([b]) => (fd >> b) & 1).map(([b, s]) => `${s}=${(n.rflags >> b) & 1}/${(e.rflags >> b) & 1}`);
    return `rflags (native/emu): ${names.join(" ")} (native ${hex(n.rflags)}, emu ${hex(e.rflags)})`;
  }
  if (c.wantFx && n.fx && e.fx) {
    const d = compareFx(c, n.fx, e.fx);
    if (d) return d;
  }
  const ignored = (d: number): boolean => (c.memIgnore ?? []).some(([a, l]) => imageAddr(d & 0xffffff) >= a && imageAddr(d & 0xffffff) < a + l);
  const nd = c.memIgnore ? n.diffs.filter((d) => !ignored(d)) : n.diffs;
  const ed = c.memIgnore ? e.diffs.filter((d) => !ignored(d)) : e.diffs;
  const len = c.undefMem ? 0 : Math.max(nd.length, ed.length);
  for (let i = 0; i < len; i++) {
    const a = nd[i], b = ed[i];
    if (a === b) continue;
    const off = Math.min(a === undefined ? Infinity : a & 0xffffff, b === undefined ? Infinity : b & 0xffffff);
    const show = (d: number | undefined): string => (d !== undefined && (d & 0xffffff) === off ? `written ${hex(d >>> 24, 2)}` : "unchanged");
    return `memory ${hex(imageAddr(off))}: native ${show(a)}, emu ${show(b)}`;
  }
  return null;
}
