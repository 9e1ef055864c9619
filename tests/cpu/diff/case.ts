// One differential test case: a snippet of machine code and the state it
// starts from, plus what may be compared afterwards. Built by the forms
// tables (forms-*.ts), run by native.ts and emu.ts, compared by compare.ts.
import { STACK_RSP } from "./layout";

// RFLAGS bits that user code can set and that are compared (SDM vol. 1 §3.4.3).
export const CF = 1 << 0;
export const PF = 1 << 2;
export const AF = 1 << 4;
export const ZF = 1 << 6;
export const SF = 1 << 7;
export const DF = 1 << 10;
export const OF = 1 << 11;
export const STATUS = CF | PF | AF | ZF | SF | OF;
export const ALL_FLAGS = STATUS | DF;

export interface Patch {
  /** Guest address inside the data or stack region. */
  addr: number;
  bytes: Uint8Array;
}

export interface Case {
  code: Uint8Array;
  /** Initial GPRs in encoding order (RSP = index 4). */
  gpr: BigUint64Array;
  rflags: number;
  /** FS/GS base for segment-override cases (absent: the native side keeps its own, the emulator uses 0). */
  fsBase?: bigint;
  gsBase?: bigint;
  /** Memory changes over the shared pristine image (operands, return addresses). */
  patches: Patch[];
  /** Initial FXSAVE image (x87, MXCSR, XMM); default FNINIT state when absent. */
  fx?: Uint8Array;
  /** Compare the FXSAVE image afterwards (XMM, MXCSR, x87). */
  wantFx: boolean;
  /** Flags compared afterwards: ALL_FLAGS minus those the SDM leaves undefined. */
  flagMask: number;
  /** Bit i set: GPR i is undefined afterwards (e.g. BSF with zero source). */
  undefRegs: number;
  /** Bit i set: only the low 32 bits of GPR i are defined afterwards (vendor-dependent upper half). */
  lowRegs?: number;
  /** FSW bits compared (x87 condition codes the SDM leaves undefined are cleared here). */
  fswMask?: number;
  /**
   * Compare the page-fault address (si_addr / CR2). Off for operands larger
   * than 16 bytes (FXSAVE, FNSAVE...): hardware writes those in
   * implementation-specific pieces, so which byte faults first differs.
   */
  exactFaultAddr?: boolean;
  /** Guest address ranges whose contents are vendor-dependent afterwards (e.g. FIP/FDP in FXSAVE images). */
  memIgnore?: [number, number][];
  /** Memory contents afterwards are undefined (e.g. SHLD m16 with count > 16): skip the memory compare. */
  undefMem?: boolean;
  /** XMM registers compared (bit i = XMMi); 0xffff by default when wantFx. */
  xmmMask: number;
  /**
   * RCPPS/RSQRTPS-style approximations (Intel's tables are not public): in
   * XMM register `xmm`, single-precision lanes below `lanes` whose native
   * result is a finite normal number must be within 1.5*2^-12 relative error
   * of `exact` (SDM vol. 2, RCPPS); other lanes and results are bit-exact.
   */
  approx?: { xmm: number; lanes: number; exact: number[] };
  /**
   * The snippet executes SYSCALL with an unknown number: natively Linux
   * returns -ENOSYS; the emulator side plays that kernel (RAX = -38, resume).
   */
  syscallEnosys?: boolean;
  /** Emulator side: run one instruction per run() call (budget 1), resuming after each EXIT_BUDGET. */
  singleStep?: boolean;
  /** Human-readable inputs for the mismatch report. */
  inputs: string;
}

export function newCase(): Case {
  const gpr = new BigUint64Array(16);
  gpr[4] = BigInt(STACK_RSP);
  return { code: new Uint8Array(0), gpr, rflags: 0x2, patches: [], wantFx: false, flagMask: ALL_FLAGS, undefRegs: 0, xmmMask: 0xffff, inputs: "" };
}

/** A family of forms; each form yields its cases from a seeded generator. */
export interface Form {
  family: string;
  /** Mnemonic and encoding as in the SDM, e.g. "ADD r/m32, r32 (01 /r)". */
  name: string;
  cases(rng: Rng): Case[];
  /**
   * Run and reported, but not part of the asserted totals, with the reason:
   * forms the emulator does not claim to implement (e.g. SSSE3 shapes that
   * CPUID does not advertise) or whose results are implementation-specific.
   */
  informational?: string;
  /** A re-run of another form in a different emulator mode: its mismatches count, but not as a new form or new cases. */
  rerun?: boolean;
  /** Faulting natively is the point of this form (invalid encodings); otherwise most cases must run to the end. */
  faults?: boolean;
}

/** Small seeded PRNG (sfc32) so every run generates the same cases. */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number | string) {
    let h = 0x811c9dc5;
    const s = String(seed);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    this.a = h >>> 0; this.b = 0x9e3779b9; this.c = 0x243f6a88; this.d = 1;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number { return Math.floor((this.u32() / 4294967296) * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  bool(p = 0.5): boolean { return this.u32() / 4294967296 < p; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  bytes(n: number): Uint8Array { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff; return b; }
}

export function hex(v: bigint | number, width = 0): string {
  const s = (typeof v === "bigint" ? v : BigInt(v)).toString(16);
  return "0x" + (width ? s.padStart(width, "0") : s);
}
export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}
