// Differential test of the SSE/SSE2 family (src/cpu/sse*.ts): every form
// runs on this machine's CPU (a small C harness, compiled here with gcc) and
// in the emulator's SSE unit (src/cpu/sse_testentry.ts, compiled here with
// asc) from the same XMM/GPR/MXCSR/RFLAGS/memory state; results, MXCSR
// flags, RFLAGS, memory and faults must agree bit for bit. RCPPS/RSQRTPS are
// approximations whose exact tables Intel does not publish: they are checked
// against the documented bound |rel. error| <= 1.5 * 2^-12 instead.
import { beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCpu } from "../../scripts/build-cpu.mjs";
import { newCase, type Case } from "./diff/case";
import { DATA_ADDR, defaultFx } from "./diff/layout";
import { runNative as runNativeDiff } from "./diff/native";
import { Emulator, initialImage } from "./diff/emu";
import { firstDifference } from "./diff/compare";
import { pristineImage } from "./diff/harness";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = join(root, "build/test");

const NATIVE_C = String.raw`// Native side of tests/cpu/sse.test.ts: runs each case's instruction on this
// machine's CPU with the given XMM/GPR/MXCSR/RFLAGS/memory state and reports
// the state afterwards, or the signal it raised (with XMM/MXCSR at the fault).
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define DATA_PAGE 0x10000000UL
#define CODE_PAGE 0x20000000UL
#define MEM_OFF 0xf80
#define MEM_LEN 128

struct rec {              /* 560 bytes, same layout in the test */
  uint64_t gpr[16];       /* 0 */
  uint8_t xmm[16][16];    /* 128 */
  uint32_t mxcsr;         /* 384 */
  uint32_t rflags;        /* 388 */
  uint8_t code[16];       /* 392 */
  uint32_t code_len;      /* 408 */
  uint32_t sig;           /* 412 */
  uint8_t mem[MEM_LEN];   /* 416 */
  uint8_t pad[16];        /* 544 */
};

void *code_ptr = (void *)CODE_PAGE;
void run_case(struct rec *r);
__asm__(
  ".text\n.globl run_case\nrun_case:\n"
  "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
  "push %rdi\n"
  "movdqu 128(%rdi),%xmm0\nmovdqu 144(%rdi),%xmm1\nmovdqu 160(%rdi),%xmm2\nmovdqu 176(%rdi),%xmm3\n"
  "movdqu 192(%rdi),%xmm4\nmovdqu 208(%rdi),%xmm5\nmovdqu 224(%rdi),%xmm6\nmovdqu 240(%rdi),%xmm7\n"
  "movdqu 256(%rdi),%xmm8\nmovdqu 272(%rdi),%xmm9\nmovdqu 288(%rdi),%xmm10\nmovdqu 304(%rdi),%xmm11\n"
  "movdqu 320(%rdi),%xmm12\nmovdqu 336(%rdi),%xmm13\nmovdqu 352(%rdi),%xmm14\nmovdqu 368(%rdi),%xmm15\n"
  "ldmxcsr 384(%rdi)\n"
  "mov 388(%rdi),%eax\npush %rax\npopfq\n"
  "mov 0(%rdi),%rax\nmov 8(%rdi),%rcx\nmov 16(%rdi),%rdx\nmov 24(%rdi),%rbx\n"
  "mov 40(%rdi),%rbp\nmov 48(%rdi),%rsi\n"
  "mov 64(%rdi),%r8\nmov 72(%rdi),%r9\nmov 80(%rdi),%r10\nmov 88(%rdi),%r11\n"
  "mov 96(%rdi),%r12\nmov 104(%rdi),%r13\nmov 112(%rdi),%r14\nmov 120(%rdi),%r15\n"
  "mov 56(%rdi),%rdi\n"
  "call *code_ptr(%rip)\n"
  "pushfq\npush %rdi\nmov 16(%rsp),%rdi\n"
  "mov %rax,0(%rdi)\nmov %rcx,8(%rdi)\nmov %rdx,16(%rdi)\nmov %rbx,24(%rdi)\n"
  "mov %rbp,40(%rdi)\nmov %rsi,48(%rdi)\n"
  "mov %r8,64(%rdi)\nmov %r9,72(%rdi)\nmov %r10,80(%rdi)\nmov %r11,88(%rdi)\n"
  "mov %r12,96(%rdi)\nmov %r13,104(%rdi)\nmov %r14,112(%rdi)\nmov %r15,120(%rdi)\n"
  "popq 56(%rdi)\npopq %rax\nmov %eax,388(%rdi)\n"
  "movdqu %xmm0,128(%rdi)\nmovdqu %xmm1,144(%rdi)\nmovdqu %xmm2,160(%rdi)\nmovdqu %xmm3,176(%rdi)\n"
  "movdqu %xmm4,192(%rdi)\nmovdqu %xmm5,208(%rdi)\nmovdqu %xmm6,224(%rdi)\nmovdqu %xmm7,240(%rdi)\n"
  "movdqu %xmm8,256(%rdi)\nmovdqu %xmm9,272(%rdi)\nmovdqu %xmm10,288(%rdi)\nmovdqu %xmm11,304(%rdi)\n"
  "movdqu %xmm12,320(%rdi)\nmovdqu %xmm13,336(%rdi)\nmovdqu %xmm14,352(%rdi)\nmovdqu %xmm15,368(%rdi)\n"
  "stmxcsr 384(%rdi)\n"
  "pop %rdi\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\n"
  "mov $0x1f80,%eax\npush %rax\nldmxcsr (%rsp)\npop %rax\n"
  "ret\n");

static sigjmp_buf env;
static struct rec *cur;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  (void)si;
  cur->sig = sig;
  memcpy(cur->xmm, uc->uc_mcontext.fpregs->_xmm, 256);
  cur->mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  siglongjmp(env, 1);
}

int main(void) {
  uint8_t *data = mmap((void *)DATA_PAGE, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *code = mmap((void *)CODE_PAGE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (data != (void *)DATA_PAGE || code != (void *)CODE_PAGE) { perror("mmap"); return 1; }
  mprotect(data + 0x1000, 0x1000, PROT_NONE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGSEGV, &sa, 0); sigaction(SIGILL, &sa, 0); sigaction(SIGFPE, &sa, 0); sigaction(SIGBUS, &sa, 0);
  static struct rec r;
  while (fread(&r, sizeof r, 1, stdin) == 1) {
    cur = &r;
    r.sig = 0;
    memcpy(code, r.code, r.code_len);
    code[r.code_len] = 0xc3;
    memcpy(data + MEM_OFF, r.mem, MEM_LEN);
    if (sigsetjmp(env, 1) == 0) run_case(&r);
    memcpy(r.mem, data + MEM_OFF, MEM_LEN);
    fwrite(&r, sizeof r, 1, stdout);
  }
  return 0;
}
`;

// ---- record layout shared with the C harness (struct rec) ----
const REC = 560;
const O_XMM = 128, O_MXCSR = 384, O_RFLAGS = 388, O_CODE = 392, O_CODELEN = 408, O_SIG = 412, O_MEM = 416;
const DATA_PAGE = 0x1000_0000;
const MEM_BASE = DATA_PAGE + 0xf80; // 128 bytes up to the end of the mapped page; the next page is unmapped
const SIGILL = 4, SIGFPE = 8, SIGSEGV = 11;

// Emulator exits (src/cpu/state.ts).
const EXIT_PAGE_FAULT = 2, EXIT_UD = 3, EXIT_GP = 5, EXIT_XM = 9;
const XMM0 = 512 + 160, MXCSR = 512 + 24, CR3 = 160;

interface Decoded { map: number; op: number; prefixes: number; mod: number; reg: number; rm: number; ea: bigint; imm: bigint }
interface TestCase { form: string; rec: Uint8Array; dec: Decoded; approx: boolean }

// ---- seeded generator ----
class Rng {
  private s: bigint;
  constructor(seed: number) { this.s = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n; }
  u64(): bigint {
    // splitmix64
    this.s = (this.s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = this.s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  }
  u32(): number { return Number(this.u64() & 0xffffffffn); }
  int(n: number): number { return this.u32() % n; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
}

const F32_SPECIAL = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd00001,
  0x7f812345, 0xff800001, 0x7fbfffff, 0x7f800001, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff,
  0x00400000, 0x00000003, 0x00800000, 0x80800000, 0x00800001, 0x7f7fffff, 0xff7fffff, 0x7f000000,
  0x3f800000, 0xbf800000, 0x3fc00000, 0x40200000, 0x3f000000, 0xbf000000, 0xbfc00000, 0x40400000,
  0x4f000000, 0xcf000000, 0x4effffff, 0xceffffff, 0x5f000000, 0xdf000000, 0x5effffff, 0xdeffffff,
  0x34000000, 0x33800000, 0x3f800001, 0x3f7fffff, 0x1f800000, 0x20000000, 0x0c000000, 0x4b000001,
];
const F64_SPECIAL = [
  0x0n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n,
  0xfff8000000000000n, 0x7ff8000000012345n, 0xfffc0000000abcden, 0x7ff0000000000001n, 0x7ff4000000000000n,
  0xfff0000000abcdefn, 0x7ff7ffffffffffffn, 0x1n, 0x8000000000000001n, 0x000fffffffffffffn, 0x800fffffffffffffn,
  0x0008000000000000n, 0x0010000000000000n, 0x8010000000000000n, 0x0010000000000001n, 0x7fefffffffffffffn,
  0xffefffffffffffffn, 0x7fe0000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3ff8000000000000n,
  0x4004000000000000n, 0x3fe0000000000000n, 0xbfe0000000000000n, 0xbff8000000000000n, 0x41e0000000000000n,
  0xc1e0000000000000n, 0x41dfffffffe00000n, 0xc1e0000000100000n, 0x41dfffffffc00000n, 0xc1e0000000200000n,
  0x43e0000000000000n, 0xc3e0000000000000n, 0x43dfffffffffffffn, 0xc3dfffffffffffffn, 0x47efffffe0000000n,
  0x47effffff0000000n, 0x47efffffefffffffn, 0xc7effffff0000001n, 0x36a0000000000000n, 0x3690000000000000n,
  0x3680000000000000n, 0x3690000000000001n, 0x3810000000000000n, 0x380fffffffffffffn, 0x380ffffff0000000n,
  0x380fffffe0000000n, 0xb80ffffff8000000n, 0x4340000000000001n, 0x3ff0000000000001n, 0x3ff0000010000000n,
  0x3ff0000030000000n, 0x3ff0000008000000n, 0x3cb0000000000000n, 0x1ff0000000000000n, 0x2000000000000000n,
];
const INT_SPECIAL64 = [0n, 1n, 0xffffffffffffffffn, 0x7fffffffn, 0x80000000n, 0xffffffff80000000n, 0x7fffffffffffffffn,
  0x8000000000000000n, 0x1000001n, 0xffffffffn, 0x20000000000001n, 0xfffffffffeffffffn, 0x7fffffbfn, 0x12345678n];

function genF32(rng: Rng): number {
  const r = rng.int(100);
  if (r < 30) return rng.pick(F32_SPECIAL);
  if (r < 45) return rng.u32();
  const sign = rng.chance(0.5) ? 0x80000000 : 0;
  if (r < 80) return (sign | ((127 - 12 + rng.int(25)) << 23) | (rng.u32() & 0x7fffff)) >>> 0;
  if (r < 90) return (sign | ((1 + rng.int(254)) << 23) | (rng.u32() & 0x7fffff)) >>> 0;
  return Math.fround((rng.int(2001) - 1000) / 8) === 0 ? 0x3f800000 : new Uint32Array(new Float32Array([(rng.int(2001) - 1000) / 8]).buffer)[0];
}
function genF64(rng: Rng): bigint {
  const r = rng.int(100);
  if (r < 30) return rng.pick(F64_SPECIAL);
  if (r < 45) return rng.u64();
  const sign = rng.chance(0.5) ? 1n << 63n : 0n;
  const mant = rng.u64() & 0xfffffffffffffn;
  if (r < 80) return sign | (BigInt(1023 - 40 + rng.int(81)) << 52n) | mant;
  if (r < 90) return sign | (BigInt(1 + rng.int(2046)) << 52n) | mant;
  return new BigUint64Array(new Float64Array([(rng.int(2001) - 1000) / 8]).buffer)[0];
}

type Lanes = "f32" | "f64" | "int" | "i32" | "f32edge" | "f64edge";
// Exponent fields whose sums, differences and halves land near the subnormal
// boundary and the overflow threshold (tininess, FTZ, OE in every mode).
const EDGE32 = [1, 2, 3, 5, 8, 60, 62, 63, 64, 65, 66, 120, 126, 127, 128, 134, 188, 190, 191, 192, 194, 247, 252, 253, 254];
const EDGE64 = [1, 2, 3, 5, 8, 508, 510, 511, 512, 513, 515, 1015, 1022, 1023, 1024, 1031, 1532, 1534, 1535, 1536, 1538, 2040, 2045, 2046];
function genEdge32(rng: Rng): number {
  if (rng.chance(0.15)) return genF32(rng);
  const m = rng.chance(0.3) ? (rng.chance(0.5) ? 0x7fffff ^ rng.int(16) : rng.int(16)) : rng.u32() & 0x7fffff;
  return ((rng.chance(0.5) ? 0x80000000 : 0) | (rng.pick(EDGE32) << 23) | m) >>> 0;
}
function genEdge64(rng: Rng): bigint {
  if (rng.chance(0.15)) return genF64(rng);
  const m = rng.chance(0.3) ? (rng.chance(0.5) ? 0xfffffffffffffn ^ BigInt(rng.int(16)) : BigInt(rng.int(16))) : rng.u64() & 0xfffffffffffffn;
  return (rng.chance(0.5) ? 1n << 63n : 0n) | (BigInt(rng.pick(EDGE64)) << 52n) | m;
}
function genXmm(rng: Rng, lanes: Lanes, out: DataView, off: number): void {
  for (let i = 0; i < 16; i += lanes === "f64" || lanes === "f64edge" ? 8 : 4) {
    if (lanes === "f32") out.setUint32(off + i, genF32(rng), true);
    else if (lanes === "f64") out.setBigUint64(off + i, genF64(rng), true);
    else if (lanes === "f32edge") out.setUint32(off + i, genEdge32(rng), true);
    else if (lanes === "f64edge") out.setBigUint64(off + i, genEdge64(rng), true);
    else if (lanes === "i32" && rng.chance(0.4)) out.setUint32(off + i, Number(rng.pick(INT_SPECIAL64) & 0xffffffffn), true);
    else if (rng.chance(0.2)) out.setUint32(off + i, rng.pick([0, 0xffffffff, 0x80808080, 0x7f7f7f7f, 0x80008000, 0x7fff7fff, 0x00ff00ff]), true);
    else out.setUint32(off + i, rng.u32(), true);
  }
}
/**
 * For the "edges" forms: sets each lane of b so that a OP b lands within a
 * few ulps of the smallest normal or of the largest finite value, where
 * tininess (after rounding), FTZ and overflow in each rounding mode decide.
 */
function aimAtBoundary(rng: Rng, lanes: Lanes, op: number, v: DataView, a: number, b: number): void {
  const dbl = lanes === "f64edge";
  const p = dbl ? 53 : 24;
  const round = (x: number): number => (dbl ? x : Math.fround(x));
  for (let i = 0; i < 16; i += dbl ? 8 : 4) {
    const x = dbl ? v.getFloat64(a + i, true) : v.getFloat32(a + i, true);
    if (!Number.isFinite(x) || x === 0) continue;
    const tinyT = dbl ? 2 ** -1022 : 2 ** -126;
    const maxT = dbl ? 1.7976931348623157e308 : 3.4028234663852886e38;
    let t = rng.chance(0.6) ? tinyT * (1 + (rng.int(9) - 6) * 2 ** -(p + 1)) : maxT * (1 + (rng.int(7) - 3) * 2 ** -(p + 1));
    if (rng.chance(0.5)) t = -t;
    let y: number;
    if (op === 0x59) y = t / x;
    else if (op === 0x5e) y = x / t;
    else if (op === 0x58) y = t - x;
    else if (op === 0x5c) y = x - t;
    else continue;
    y = round(y);
    if (!Number.isFinite(y) || y === 0) continue;
    if (dbl) v.setFloat64(b + i, y, true); else v.setFloat32(b + i, y, true);
  }
}

/** Makes lanes of register b close to those of a (same magnitude, nearby bits) to exercise cancellation, ties and equality. */
function relate(rng: Rng, lanes: Lanes, v: DataView, a: number, b: number): void {
  if (lanes === "f64" || lanes === "f64edge") {
    for (let i = 0; i < 16; i += 8) {
      let x = v.getBigUint64(a + i, true);
      const k = rng.int(4);
      if (k === 0) x ^= BigInt(rng.int(1 << 12));
      else if (k === 1) x ^= 1n << 63n;
      else if (k === 2) x = (x + (BigInt(rng.int(60) - 30) << 52n)) & 0xffffffffffffffffn;
      v.setBigUint64(b + i, x, true);
    }
  } else {
    for (let i = 0; i < 16; i += 4) {
      let x = v.getUint32(a + i, true);
      const k = rng.int(4);
      if (k === 0) x ^= rng.int(1 << 8);
      else if (k === 1) x ^= 0x80000000;
      else if (k === 2) x = (x + ((rng.int(40) - 20) << 23)) >>> 0;
      v.setUint32(b + i, x >>> 0, true);
    }
  }
}

// ---- forms ----
interface Form {
  name: string;
  pfx: number;        // 0, 0x66, 0xf3, 0xf2
  op: number;         // second opcode byte (after 0F)
  rm: "both" | "reg" | "mem";
  rmGpr?: boolean;    // r/m names a GPR (register form)
  regGpr?: boolean;   // ModRM.reg names a GPR
  regWrite?: boolean; // ... which is written (avoid RSP)
  w?: boolean;        // REX.W
  ext?: number;       // fixed ModRM.reg (group opcodes)
  imm?: readonly number[] | "any";
  lanes: Lanes;
  approx?: boolean;
  map?: number;       // 0xae: LDMXCSR/STMXCSR through the test entry's group-15 path
  fp?: boolean;       // vary MXCSR more
  gprVals?: boolean;  // GPR sources take integer edge values
  n?: number;
}
const F = (name: string, pfx: number, op: number, lanes: Lanes, extra: Partial<Form> = {}): Form =>
  ({ name, pfx, op, rm: "both", lanes, ...extra });

const PS = [0, 0x66, 0xf3, 0xf2] as const;
const SUF = ["PS", "PD", "SS", "SD"] as const;
const LN: Lanes[] = ["f32", "f64", "f32", "f64"];
const forms: Form[] = [];
// FP arithmetic in the four forms.
for (const [m, op] of [["ADD", 0x58], ["MUL", 0x59], ["SUB", 0x5c], ["MIN", 0x5d], ["DIV", 0x5e], ["MAX", 0x5f], ["SQRT", 0x51]] as const) {
  for (let i = 0; i < 4; i++) forms.push(F(`${m}${SUF[i]}`, PS[i], op, LN[i], { fp: true, n: 1500 }));
}
// The same near the subnormal and overflow boundaries.
const LE: Lanes[] = ["f32edge", "f64edge", "f32edge", "f64edge"];
for (const [m, op] of [["ADD", 0x58], ["MUL", 0x59], ["SUB", 0x5c], ["DIV", 0x5e], ["SQRT", 0x51]] as const) {
  for (let i = 0; i < 4; i++) forms.push(F(`${m}${SUF[i]} (edges)`, PS[i], op, LE[i], { fp: true, n: 1000 }));
}
forms.push(F("CVTSD2SS (edges)", 0xf2, 0x5a, "f64edge", { fp: true, n: 1000 }), F("CVTPD2PS (edges)", 0x66, 0x5a, "f64edge", { fp: true, n: 1000 }));
for (let i = 0; i < 4; i++) forms.push(F(`CMP${SUF[i]}`, PS[i], 0xc2, LN[i], { fp: true, imm: [0, 1, 2, 3, 4, 5, 6, 7], n: 1500 }));
forms.push(F("UCOMISS", 0, 0x2e, "f32", { fp: true, n: 800 }), F("UCOMISD", 0x66, 0x2e, "f64", { fp: true, n: 800 }));
forms.push(F("COMISS", 0, 0x2f, "f32", { fp: true, n: 800 }), F("COMISD", 0x66, 0x2f, "f64", { fp: true, n: 800 }));
forms.push(F("RSQRTPS", 0, 0x52, "f32", { approx: true }), F("RSQRTSS", 0xf3, 0x52, "f32", { approx: true }));
forms.push(F("RCPPS", 0, 0x53, "f32", { approx: true }), F("RCPSS", 0xf3, 0x53, "f32", { approx: true }));
for (const [m, op] of [["AND", 0x54], ["ANDN", 0x55], ["OR", 0x56], ["XOR", 0x57]] as const) {
  forms.push(F(`${m}PS`, 0, op, "int"), F(`${m}PD`, 0x66, op, "int"));
}
// Conversions.
forms.push(F("CVTSI2SS r/m32", 0xf3, 0x2a, "f32", { rmGpr: true, gprVals: true, fp: true, n: 800 }));
forms.push(F("CVTSI2SS r/m64", 0xf3, 0x2a, "f32", { rmGpr: true, w: true, gprVals: true, fp: true, n: 800 }));
forms.push(F("CVTSI2SD r/m32", 0xf2, 0x2a, "f64", { rmGpr: true, gprVals: true, fp: true }));
forms.push(F("CVTSI2SD r/m64", 0xf2, 0x2a, "f64", { rmGpr: true, w: true, gprVals: true, fp: true, n: 800 }));
for (const [m, op] of [["CVTT", 0x2c], ["CVT", 0x2d]] as const) {
  forms.push(F(`${m}SS2SI r32`, 0xf3, op, "f32", { regGpr: true, regWrite: true, fp: true, n: 800 }));
  forms.push(F(`${m}SS2SI r64`, 0xf3, op, "f32", { regGpr: true, regWrite: true, w: true, fp: true, n: 800 }));
  forms.push(F(`${m}SD2SI r32`, 0xf2, op, "f64", { regGpr: true, regWrite: true, fp: true, n: 800 }));
  forms.push(F(`${m}SD2SI r64`, 0xf2, op, "f64", { regGpr: true, regWrite: true, w: true, fp: true, n: 800 }));
}
forms.push(F("CVTPS2PD", 0, 0x5a, "f32", { fp: true, n: 800 }), F("CVTPD2PS", 0x66, 0x5a, "f64", { fp: true, n: 1500 }));
forms.push(F("CVTSS2SD", 0xf3, 0x5a, "f32", { fp: true, n: 800 }), F("CVTSD2SS", 0xf2, 0x5a, "f64", { fp: true, n: 1500 }));
forms.push(F("CVTDQ2PS", 0, 0x5b, "i32", { fp: true, n: 800 }), F("CVTPS2DQ", 0x66, 0x5b, "f32", { fp: true, n: 800 }));
forms.push(F("CVTTPS2DQ", 0xf3, 0x5b, "f32", { fp: true, n: 800 }));
forms.push(F("CVTTPD2DQ", 0x66, 0xe6, "f64", { fp: true, n: 800 }), F("CVTDQ2PD", 0xf3, 0xe6, "i32", { fp: true }));
forms.push(F("CVTPD2DQ", 0xf2, 0xe6, "f64", { fp: true, n: 800 }));
// Moves.
forms.push(F("MOVUPS load", 0, 0x10, "int"), F("MOVUPD load", 0x66, 0x10, "int"), F("MOVSS load", 0xf3, 0x10, "int"), F("MOVSD load", 0xf2, 0x10, "int"));
forms.push(F("MOVUPS store", 0, 0x11, "int"), F("MOVUPD store", 0x66, 0x11, "int"), F("MOVSS store", 0xf3, 0x11, "int"), F("MOVSD store", 0xf2, 0x11, "int"));
forms.push(F("MOVLPS/MOVHLPS", 0, 0x12, "int"), F("MOVLPD", 0x66, 0x12, "int"), F("MOVLPS store", 0, 0x13, "int"), F("MOVLPD store", 0x66, 0x13, "int"));
forms.push(F("MOVHPS/MOVLHPS", 0, 0x16, "int"), F("MOVHPD", 0x66, 0x16, "int"), F("MOVHPS store", 0, 0x17, "int"), F("MOVHPD store", 0x66, 0x17, "int"));
forms.push(F("MOVAPS load", 0, 0x28, "int"), F("MOVAPD load", 0x66, 0x28, "int"), F("MOVAPS store", 0, 0x29, "int"), F("MOVAPD store", 0x66, 0x29, "int"));
forms.push(F("MOVNTPS", 0, 0x2b, "int"), F("MOVNTPD", 0x66, 0x2b, "int"), F("MOVNTDQ", 0x66, 0xe7, "int"));
forms.push(F("MOVMSKPS", 0, 0x50, "int", { regGpr: true, regWrite: true }), F("MOVMSKPD", 0x66, 0x50, "int", { regGpr: true, regWrite: true }));
forms.push(F("MOVD xmm, r/m32", 0x66, 0x6e, "int", { rmGpr: true }), F("MOVQ xmm, r/m64", 0x66, 0x6e, "int", { rmGpr: true, w: true }));
forms.push(F("MOVD r/m32, xmm", 0x66, 0x7e, "int", { rmGpr: true, regWrite: false }), F("MOVQ r/m64, xmm", 0x66, 0x7e, "int", { rmGpr: true, w: true }));
forms.push(F("MOVQ xmm, xmm/m64", 0xf3, 0x7e, "int"), F("MOVQ xmm/m64, xmm", 0x66, 0xd6, "int"));
forms.push(F("MOVDQA load", 0x66, 0x6f, "int"), F("MOVDQU load", 0xf3, 0x6f, "int"), F("MOVDQA store", 0x66, 0x7f, "int"), F("MOVDQU store", 0xf3, 0x7f, "int"));
forms.push(F("PMOVMSKB", 0x66, 0xd7, "int", { regGpr: true, regWrite: true }));
forms.push(F("MASKMOVDQU", 0x66, 0xf7, "int", { rm: "reg", n: 600 }));
// Integer SIMD, 66 0F xx xmm, xmm/m128.
const INT_OPS: [string, number][] = [
  ["PUNPCKLBW", 0x60], ["PUNPCKLWD", 0x61], ["PUNPCKLDQ", 0x62], ["PACKSSWB", 0x63], ["PCMPGTB", 0x64], ["PCMPGTW", 0x65],
  ["PCMPGTD", 0x66], ["PACKUSWB", 0x67], ["PUNPCKHBW", 0x68], ["PUNPCKHWD", 0x69], ["PUNPCKHDQ", 0x6a], ["PACKSSDW", 0x6b],
  ["PUNPCKLQDQ", 0x6c], ["PUNPCKHQDQ", 0x6d], ["PCMPEQB", 0x74], ["PCMPEQW", 0x75], ["PCMPEQD", 0x76],
  ["PSRLW", 0xd1], ["PSRLD", 0xd2], ["PSRLQ", 0xd3], ["PADDQ", 0xd4], ["PMULLW", 0xd5], ["PSUBUSB", 0xd8], ["PSUBUSW", 0xd9],
  ["PMINUB", 0xda], ["PAND", 0xdb], ["PADDUSB", 0xdc], ["PADDUSW", 0xdd], ["PMAXUB", 0xde], ["PANDN", 0xdf], ["PAVGB", 0xe0],
  ["PSRAW", 0xe1], ["PSRAD", 0xe2], ["PAVGW", 0xe3], ["PMULHUW", 0xe4], ["PMULHW", 0xe5], ["PSUBSB", 0xe8], ["PSUBSW", 0xe9],
  ["PMINSW", 0xea], ["POR", 0xeb], ["PADDSB", 0xec], ["PADDSW", 0xed], ["PMAXSW", 0xee], ["PXOR", 0xef], ["PSLLW", 0xf1],
  ["PSLLD", 0xf2], ["PSLLQ", 0xf3], ["PMULUDQ", 0xf4], ["PMADDWD", 0xf5], ["PSADBW", 0xf6], ["PSUBB", 0xf8], ["PSUBW", 0xf9],
  ["PSUBD", 0xfa], ["PSUBQ", 0xfb], ["PADDB", 0xfc], ["PADDW", 0xfd], ["PADDD", 0xfe],
];
for (const [m, op] of INT_OPS) forms.push(F(m, 0x66, op, "int"));
forms.push(F("UNPCKLPS", 0, 0x14, "int"), F("UNPCKLPD", 0x66, 0x14, "int"), F("UNPCKHPS", 0, 0x15, "int"), F("UNPCKHPD", 0x66, 0x15, "int"));
forms.push(F("PSHUFD", 0x66, 0x70, "int", { imm: "any" }), F("PSHUFHW", 0xf3, 0x70, "int", { imm: "any" }), F("PSHUFLW", 0xf2, 0x70, "int", { imm: "any" }));
forms.push(F("SHUFPS", 0, 0xc6, "int", { imm: "any" }), F("SHUFPD", 0x66, 0xc6, "int", { imm: "any" }));
forms.push(F("PINSRW", 0x66, 0xc4, "int", { rmGpr: true, imm: "any" }), F("PEXTRW", 0x66, 0xc5, "int", { rm: "reg", regGpr: true, regWrite: true, imm: "any" }));
const SHIFT_IMM = [0, 1, 2, 3, 7, 8, 12, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255];
for (const [m, op, ext] of [["PSRLW", 0x71, 2], ["PSRAW", 0x71, 4], ["PSLLW", 0x71, 6], ["PSRLD", 0x72, 2], ["PSRAD", 0x72, 4],
  ["PSLLD", 0x72, 6], ["PSRLQ", 0x73, 2], ["PSRLDQ", 0x73, 3], ["PSLLQ", 0x73, 6], ["PSLLDQ", 0x73, 7]] as const) {
  forms.push(F(`${m} imm`, 0x66, op, "int", { rm: "reg", ext, imm: SHIFT_IMM }));
}
forms.push(F("LDMXCSR", 0, 0xae, "int", { rm: "mem", ext: 2, map: 0xae, n: 400 }), F("STMXCSR", 0, 0xae, "int", { rm: "mem", ext: 3, map: 0xae }));
// Forms that are #UD on the real CPU too.
forms.push(F("#UD MOVLPD reg form", 0x66, 0x13, "int", { rm: "reg", n: 20 }));
forms.push(F("#UD MOVMSKPS mem form", 0, 0x50, "int", { rm: "mem", regGpr: true, n: 20 }));
forms.push(F("#UD PMOVMSKB mem form", 0x66, 0xd7, "int", { rm: "mem", regGpr: true, n: 20 }));
forms.push(F("#UD PSRLW imm mem form", 0x66, 0x71, "int", { rm: "mem", ext: 2, imm: [1], n: 20 }));
forms.push(F("#UD 66 0F 71 /0", 0x66, 0x71, "int", { rm: "reg", ext: 0, imm: [1], n: 20 }));
forms.push(F("#UD MOVNTPS reg form", 0, 0x2b, "int", { rm: "reg", n: 20 }));

const SHIFT_COUNTS = [0n, 1n, 3n, 7n, 8n, 15n, 16n, 17n, 31n, 32n, 33n, 63n, 64n, 65n, 0x100000000n, 0x8000000000000001n];

function makeCase(f: Form, rng: Rng): TestCase {
  const rec = new Uint8Array(REC);
  const v = new DataView(rec.buffer);
  for (let r = 0; r < 16; r++) {
    const g = f.gprVals && rng.chance(0.6) ? rng.pick(INT_SPECIAL64) : rng.chance(0.3) ? BigInt(rng.int(2000)) - 1000n : rng.u64();
    v.setBigUint64(r * 8, g & 0xffffffffffffffffn, true);
  }
  for (let r = 0; r < 16; r++) genXmm(rng, f.lanes, v, O_XMM + 16 * r);
  for (let i = 0; i < 128; i += 4) v.setUint32(O_MEM + i, rng.u32(), true);
  // MXCSR: rounding mode, DAZ, FTZ, some sticky flags, sometimes unmasked exceptions.
  let mx = 0x1f80 | (rng.int(4) << 13);
  if (f.fp || rng.chance(0.2)) {
    if (rng.chance(0.25)) mx |= 0x40;
    if (rng.chance(0.25)) mx |= 0x8000;
    if (rng.chance(0.2)) mx |= rng.int(64);
    if (rng.chance(0.12)) mx &= ~((1 + rng.int(63)) << 7);
  }
  v.setUint32(O_MXCSR, mx, true);
  v.setUint32(O_RFLAGS, 0x202 | (rng.u32() & 0x8d5), true);

  let mem = f.rm === "mem" || (f.rm === "both" && rng.chance(0.4));
  if (f.rm === "reg") mem = false;
  let reg = f.ext ?? rng.int(16);
  if (f.regGpr && f.regWrite) while (reg === 4) reg = rng.int(16);
  let rm = rng.int(16);
  if (f.rmGpr) while (rm === 4) rm = rng.int(16);
  if (!mem && !f.rmGpr && f.ext === undefined && rng.chance(0.05)) rm = reg; // same register as both operands
  let ea = 0n;
  const bytes: number[] = [];
  if (f.pfx) bytes.push(f.pfx);
  const rex = 0x40 | (f.w ? 8 : 0) | (reg >= 8 ? 4 : 0) | (!mem && rm >= 8 ? 1 : 0);
  const hasRex = rex !== 0x40 || rng.chance(0.1);
  if (hasRex) bytes.push(rex);
  bytes.push(0x0f, f.op);
  if (mem) {
    // [rsi]: mostly 16-byte aligned; sometimes misaligned (#GP for aligned forms) or crossing into the unmapped page.
    const k = rng.int(100);
    let off = 16 * rng.int(7);
    if (k < 12) off += 1 + rng.int(15);
    else if (k < 17) off = 128 - rng.pick([4, 8, 12, 16]) + rng.pick([0, 4, 8]);
    else if (k < 20) off = 127 - rng.int(16); // any alignment, often straddling the page end
    ea = BigInt(MEM_BASE + off);
    v.setBigUint64(6 * 8, ea, true);
    bytes.push(((reg & 7) << 3) | 6);
    rm = 6;
    if (f.lanes !== "int") genMem(rng, f.lanes, v, O_MEM + off);
    if (f.lanes.endsWith("edge") && off + 16 <= 128 && rng.chance(0.6)) aimAtBoundary(rng, f.lanes, f.op, v, O_XMM + 16 * reg, O_MEM + off);
    if (f.map === 0xae && off + 4 <= 128) {
      // A valid MXCSR (any rounding, masks, flags, DAZ, FTZ), sometimes with a reserved bit set (#GP).
      // Bit 17 is skipped: it is AMD's MM (misaligned SSE) mask, valid on some hosts.
      let m = rng.u32() & 0xffff;
      if (rng.chance(0.15)) m |= (1 << (16 + rng.pick([0, 2, 3, 5, 8, 15]))) >>> 0;
      v.setUint32(O_MEM + off, m >>> 0, true);
    }
  } else {
    bytes.push(0xc0 | ((reg & 7) << 3) | (rm & 7));
    if (f.lanes.endsWith("edge") && rng.chance(0.6)) aimAtBoundary(rng, f.lanes, f.op, v, O_XMM + 16 * reg, O_XMM + 16 * rm);
    else if (!f.rmGpr && rng.chance(0.3)) relate(rng, f.lanes, v, O_XMM + 16 * reg, O_XMM + 16 * rm);
  }
  // Shift counts from an XMM/m128 operand: mostly meaningful values.
  if ([0xd1, 0xd2, 0xd3, 0xe1, 0xe2, 0xf1, 0xf2, 0xf3].includes(f.op) && rng.chance(0.8)) {
    const at = mem ? O_MEM + Number(ea - BigInt(MEM_BASE)) : O_XMM + 16 * rm;
    if (at + 8 <= REC) v.setBigUint64(at, rng.pick(SHIFT_COUNTS), true);
  }
  if (f.op === 0xf7) {
    // MASKMOVDQU writes [rdi]: sometimes running into the unmapped page, with
    // the bytes there selected or masked off (or an all-zero mask).
    v.setBigUint64(7 * 8, BigInt(MEM_BASE + (rng.chance(0.7) ? rng.int(113) : 113 + rng.int(15))), true);
    const k = rng.int(5);
    if (k === 0) v.setBigUint64(O_XMM + 16 * rm, 0n, true), v.setBigUint64(O_XMM + 16 * rm + 8, 0n, true);
    else if (k === 1) v.setBigUint64(O_XMM + 16 * rm + 8, 0n, true);
  }
  let imm = 0;
  if (f.imm) {
    imm = f.imm === "any" ? rng.int(256) : rng.pick(f.imm);
    if (f.op === 0xc2 && rng.chance(0.1)) imm |= 8 * rng.int(32); // legacy CMPPS ignores imm bits 3-7
    bytes.push(imm);
  }
  rec.set(bytes, O_CODE);
  v.setUint32(O_CODELEN, bytes.length, true);
  const prefixes = (f.pfx === 0x66 ? 1 : 0) | (f.pfx === 0xf2 ? 2 : 0) | (f.pfx === 0xf3 ? 4 : 0) | (f.w ? 8 : 0) | (hasRex ? 16 : 0);
  return {
    form: f.name, rec, approx: !!f.approx,
    dec: { map: f.map ?? 1, op: f.op, prefixes, mod: mem ? 0 : 3, reg, rm, ea, imm: BigInt(imm) },
  };
}
function genMem(rng: Rng, lanes: Lanes, v: DataView, at: number): void {
  const wide = lanes === "f64" || lanes === "f64edge";
  for (let i = 0; i < 16 && at + i + 4 <= O_MEM + 128; i += wide ? 8 : 4) {
    if (wide && at + i + 8 <= O_MEM + 128) v.setBigUint64(at + i, lanes === "f64" ? genF64(rng) : genEdge64(rng), true);
    else if (!wide) v.setUint32(at + i, lanes === "i32" ? rng.u32() : lanes === "f32" ? genF32(rng) : genEdge32(rng), true);
  }
}

// ---- emulator ----
interface Emu {
  memory: WebAssembly.Memory;
  exec(state: number, map: number, op: number, prefixes: number, mod: number, reg: number, rm: number, ea: bigint, imm: bigint, flags: number): number;
  flagsNow(): number;
  freeBase(): number;
}
// State block, page tables and the data frame, above the CPU's static data.
let STATE = 0, PML4 = 0, PDPT = 0, PD = 0, PT = 0, FRAME = 0;

function emuSetup(emu: Emu): void {
  STATE = emu.freeBase(); PML4 = STATE + 0x1000; PDPT = STATE + 0x2000; PD = STATE + 0x3000; PT = STATE + 0x4000; FRAME = STATE + 0x5000;
  const need = FRAME + 0x1000 - emu.memory.buffer.byteLength;
  if (need > 0) emu.memory.grow(Math.ceil(need / 65536));
  const m = new DataView(emu.memory.buffer);
  for (let a = PML4; a < FRAME + 0x1000; a += 8) m.setBigUint64(a, 0n, true);
  m.setBigUint64(PML4, BigInt(PDPT | 7), true);
  m.setBigUint64(PDPT, BigInt(PD | 7), true);
  m.setBigUint64(PD + 8 * ((DATA_PAGE >>> 21) & 511), BigInt(PT | 7), true);
  m.setBigUint64(PT, BigInt(FRAME | 7), true); // only the first data page is mapped
}

interface EmuOut { exit: number; rec: Uint8Array }
function emuRun(emu: Emu, c: TestCase): EmuOut {
  const mem = new Uint8Array(emu.memory.buffer);
  const m = new DataView(emu.memory.buffer);
  const iv = new DataView(c.rec.buffer);
  mem.fill(0, STATE, STATE + 1024);
  mem.set(c.rec.subarray(0, 128), STATE);
  mem.set(c.rec.subarray(O_XMM, O_XMM + 256), STATE + XMM0);
  m.setUint32(STATE + MXCSR, iv.getUint32(O_MXCSR, true), true);
  m.setBigUint64(STATE + CR3, BigInt(PML4), true);
  mem.set(c.rec.subarray(O_MEM, O_MEM + 128), FRAME + 0xf80);
  const d = c.dec;
  const exit = emu.exec(STATE, d.map, d.op, d.prefixes, d.mod, d.reg, d.rm, d.ea, d.imm, iv.getUint32(O_RFLAGS, true));
  const out = new Uint8Array(REC);
  const ov = new DataView(out.buffer);
  out.set(mem.subarray(STATE, STATE + 128), 0);
  out.set(mem.subarray(STATE + XMM0, STATE + XMM0 + 256), O_XMM);
  ov.setUint32(O_MXCSR, m.getUint32(STATE + MXCSR, true), true);
  ov.setUint32(O_RFLAGS, emu.flagsNow(), true);
  out.set(mem.subarray(FRAME + 0xf80, FRAME + 0x1000), O_MEM);
  return { exit, rec: out };
}

// ---- comparison ----
function hexOf(b: Uint8Array): string { return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(""); }
function xmmHex(r: Uint8Array, n: number): string {
  const v = new DataView(r.buffer, r.byteOffset);
  return v.getBigUint64(O_XMM + 16 * n + 8, true).toString(16).padStart(16, "0") + "_" + v.getBigUint64(O_XMM + 16 * n, true).toString(16).padStart(16, "0");
}
function expectedExit(sig: number): number[] {
  if (sig === 0) return [0];
  if (sig === SIGFPE) return [EXIT_XM];
  if (sig === SIGILL) return [EXIT_UD];
  if (sig === SIGSEGV) return [EXIT_GP, EXIT_PAGE_FAULT];
  return [-1];
}
/**
 * RCPPS/RSQRTPS lanes: identical, or both finite and nonzero and close enough
 * that the emulator is within the SDM's 1.5*2^-12 relative error: the native
 * value is within that bound of the exact result and the emulator's (correctly
 * rounded) within 2^-24, so they may differ by at most 1.5*2^-12 + 2^-24.
 */
function approxLaneOk(emu: number, nat: number): boolean {
  if (emu === nat) return true;
  const fe = new Float32Array(new Uint32Array([emu]).buffer)[0], fn = new Float32Array(new Uint32Array([nat]).buffer)[0];
  if (!Number.isFinite(fe) || !Number.isFinite(fn) || fe === 0 || fn === 0) return false;
  return Math.abs(fe - fn) / Math.abs(fn) <= 1.5 * 2 ** -12 + 2 ** -24;
}
function compare(c: TestCase, nat: Uint8Array, emu: EmuOut): string | null {
  const nv = new DataView(nat.buffer, nat.byteOffset);
  const ev = new DataView(emu.rec.buffer);
  const sig = nv.getUint32(O_SIG, true);
  const problems: string[] = [];
  if (!expectedExit(sig).includes(emu.exit)) problems.push(`native signal ${sig}, emulator exit ${emu.exit}`);
  for (let n = 0; n < 16; n++) {
    const a = xmmHex(nat, n), b = xmmHex(emu.rec, n);
    if (a === b) continue;
    if (c.approx && sig === 0) {
      let ok = true;
      for (let i = 0; i < 4; i++) ok &&= approxLaneOk(ev.getUint32(O_XMM + 16 * n + 4 * i, true), nv.getUint32(O_XMM + 16 * n + 4 * i, true));
      if (ok) continue;
    }
    problems.push(`xmm${n}: native ${a} emulator ${b}`);
  }
  if (nv.getUint32(O_MXCSR, true) !== ev.getUint32(O_MXCSR, true)) {
    problems.push(`mxcsr: native ${nv.getUint32(O_MXCSR, true).toString(16)} emulator ${ev.getUint32(O_MXCSR, true).toString(16)}`);
  }
  if (sig === 0) {
    const nf = nv.getUint32(O_RFLAGS, true) & 0x8d5, ef = ev.getUint32(O_RFLAGS, true) & 0x8d5;
    if (nf !== ef) problems.push(`rflags: native ${nf.toString(16)} emulator ${ef.toString(16)}`);
    for (let r = 0; r < 16; r++) {
      if (r === 4) continue;
      const a = nv.getBigUint64(8 * r, true), b = ev.getBigUint64(8 * r, true);
      if (a !== b) problems.push(`gpr${r}: native ${a.toString(16)} emulator ${b.toString(16)}`);
    }
  }
  if (hexOf(nat.subarray(O_MEM, O_MEM + 128)) !== hexOf(emu.rec.subarray(O_MEM, O_MEM + 128))) problems.push("memory differs");
  if (problems.length === 0) return null;
  const iv = new DataView(c.rec.buffer);
  const d = c.dec;
  return `${c.form} [${hexOf(c.rec.subarray(O_CODE, O_CODE + iv.getUint32(O_CODELEN, true)))}] reg=${d.reg} rm=${d.mod === 3 ? d.rm : "mem@" + d.ea.toString(16)} ` +
    `mxcsr=${iv.getUint32(O_MXCSR, true).toString(16)} in: xmm${d.reg}=${xmmHex(c.rec, d.reg)}` +
    (d.mod === 3 ? ` xmm${d.rm}=${xmmHex(c.rec, d.rm)}` : ` mem=${hexOf(c.rec.subarray(O_MEM + Number(d.ea - BigInt(MEM_BASE)), O_MEM + Math.min(128, Number(d.ea - BigInt(MEM_BASE)) + 16)))}`) +
    `\n    ` + problems.join("\n    ");
}

// ---- build both sides ----
let nativeExe = "";
let emu: Emu;
beforeAll(async () => {
  mkdirSync(outDir, { recursive: true });
  const src = join(outDir, "sse-native.c");
  writeFileSync(src, NATIVE_C);
  nativeExe = join(outDir, "sse-native");
  execFileSync("gcc", ["-O1", "-Wall", "-o", nativeExe, src]);
  const asc = (await import("assemblyscript/asc")).default;
  const wasmPath = join(outDir, "sse-test.wasm");
  const { error, stderr } = await asc.main([
    join(root, "src/cpu/sse_testentry.ts"), "--outFile", wasmPath, "--runtime", "stub", "-O3", "--noAssert",
    "--enable", "simd", "--enable", "bulk-memory", "--initialMemory", "64",
  ]);
  if (error) throw new Error(`asc: ${error.message}\n${stderr.toString()}`);
  const { readFile } = await import("node:fs/promises");
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
    env: { abort(): never { throw new Error("abort in sse-test.wasm"); } },
  });
  emu = instance.exports as unknown as Emu;
  emuSetup(emu);
}, 120_000);

function runNative(cases: TestCase[]): Uint8Array {
  const input = new Uint8Array(cases.length * REC);
  cases.forEach((c, i) => input.set(c.rec, i * REC));
  const out = execFileSync(nativeExe, [], { input, maxBuffer: input.length + 1024 });
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

describe("SSE/SSE2 vs the native CPU", () => {
  it("agrees bit for bit on every form", () => {
    // SSE_SEED / SSE_SCALE widen the search by hand; the default run is fixed.
    const rng = new Rng(Number(process.env.SSE_SEED ?? 20261126));
    const scale = Number(process.env.SSE_SCALE ?? 1);
    const cases: TestCase[] = [];
    for (const f of forms) for (let i = 0; i < (f.n ?? 300) * scale; i++) cases.push(makeCase(f, rng));
    const nat = runNative(cases);
    expect(nat.length).toBe(cases.length * REC);
    const failures = new Map<string, string[]>();
    let bad = 0;
    cases.forEach((c, i) => {
      const msg = compare(c, nat.subarray(i * REC, (i + 1) * REC), emuRun(emu, c));
      if (msg === null) return;
      bad++;
      const list = failures.get(c.form) ?? [];
      if (list.length < 3) list.push(msg);
      failures.set(c.form, list);
    });
    const report = [...failures.entries()].map(([f, l]) => `${f}:\n  ${l.join("\n  ")}`).join("\n");
    writeFileSync(join(outDir, "sse-report.txt"), report);
    console.log(`SSE: ${forms.length} forms, ${cases.length} cases, ${bad} mismatches in ${failures.size} forms`);
    expect(report).toBe("");
  }, 300_000);
});

// ---- the same instructions through the core decoder and run() ----
// Uses the shared differential harness (tests/cpu/diff): whole snippets run
// natively and in build/cpu.wasm. Covers what the per-instruction entry above
// cannot: prefix order as the decoder sees it, and SSE inside real loops.
function fxWith(rng: Rng, mxcsr: number, lanes: Lanes): Uint8Array {
  const fx = defaultFx();
  const v = new DataView(fx.buffer);
  v.setUint32(24, mxcsr, true);
  for (let r = 0; r < 16; r++) genXmm(rng, lanes, v, 160 + 16 * r);
  return fx;
}
function snippet(code: number[], fx: Uint8Array, gpr: Record<number, bigint> = {}, inputs = ""): Case {
  const c = newCase();
  c.code = Uint8Array.from(code);
  for (const [r, val] of Object.entries(gpr)) c.gpr[Number(r)] = val;
  c.fx = fx;
  c.wantFx = true;
  c.inputs = inputs;
  return c;
}

describe("SSE/SSE2 through the decoder and run()", () => {
  beforeAll(async () => { await buildCpu(); }, 300_000);

  it("agrees with the native CPU on prefix order, loops and scalar-double sequences", async () => {
    const rng = new Rng(77);
    const cases: Case[] = [];
    // Mandatory prefixes: with F2 and F3 both present the later one counts; 66 yields to either.
    const PREFIXES = [[0xf2, 0xf3], [0xf3, 0xf2], [0x66, 0xf3], [0xf3, 0x66], [0x66, 0xf2], [0xf2, 0x66], [0xf3, 0xf3], [0x66, 0x66, 0xf2], [0xf2, 0xf3, 0x66]];
    for (const pf of PREFIXES) {
      for (const op of [0x58, 0x59, 0x10, 0x5a, 0x51, 0x5d, 0xc2]) {
        for (let i = 0; i < 20; i++) {
          const code = [...pf, 0x0f, op, 0xc0 | (rng.int(8) << 3) | rng.int(8)];
          if (op === 0xc2) code.push(rng.int(8));
          cases.push(snippet(code, fxWith(rng, 0x1f80 | (rng.int(4) << 13), rng.chance(0.5) ? "f32" : "f64"), {}, `prefixes ${pf.map((b) => b.toString(16)).join(" ")}`));
        }
      }
    }
    // SSE2 strlen as glibc's baseline code does it: movdqa/pcmpeqb/pmovmskb/bsf over 16-byte blocks.
    const strlen = [
      0x48, 0xbf, ...le64(BigInt(DATA_ADDR)),   // mov rdi, DATA_ADDR
      0x66, 0x0f, 0xef, 0xc0,                   // pxor xmm0, xmm0
      0x66, 0x0f, 0x6f, 0x0f,                   // loop: movdqa xmm1, [rdi]
      0x66, 0x0f, 0x74, 0xc8,                   // pcmpeqb xmm1, xmm0
      0x66, 0x0f, 0xd7, 0xc1,                   // pmovmskb eax, xmm1
      0x85, 0xc0,                               // test eax, eax
      0x75, 0x06,                               // jnz done
      0x48, 0x83, 0xc7, 0x10,                   // add rdi, 16
      0xeb, 0xea,                               // jmp loop
      0x0f, 0xbc, 0xc0,                         // done: bsf eax, eax
    ];
    for (let i = 0; i < 60; i++) {
      const c = snippet(strlen, fxWith(rng, 0x1f80, "int"), {}, "strlen");
      c.flagMask = 0x40; // BSF leaves CF, OF, SF, AF, PF undefined (SDM BSF)
      const len = rng.int(400);
      const bytes = new Uint8Array(len + 1);
      for (let k = 0; k < len; k++) bytes[k] = 1 + rng.int(255);
      c.patches.push({ addr: DATA_ADDR, bytes });
      cases.push(c);
    }
    // Scalar double arithmetic and conversions under random MXCSR (unmasked exceptions end in SIGFPE).
    const scalar = [
      0xf2, 0x48, 0x0f, 0x2a, 0xc0,   // cvtsi2sd xmm0, rax
      0xf2, 0x48, 0x0f, 0x2a, 0xcb,   // cvtsi2sd xmm1, rbx
      0xf2, 0x0f, 0x5e, 0xc1,         // divsd xmm0, xmm1
      0xf2, 0x0f, 0x51, 0xd0,         // sqrtsd xmm2, xmm0
      0xf2, 0x0f, 0x59, 0xd2,         // mulsd xmm2, xmm2
      0x66, 0x0f, 0x2e, 0xd0,         // ucomisd xmm2, xmm0
      0xf2, 0x48, 0x0f, 0x2c, 0xca,   // cvttsd2si rcx, xmm2
      0xf2, 0x0f, 0x5a, 0xda,         // cvtsd2ss xmm3, xmm2
      0xf3, 0x0f, 0x5a, 0xe3,         // cvtss2sd xmm4, xmm3
      0xf2, 0x0f, 0x5c, 0xe2,         // subsd xmm4, xmm2
    ];
    for (let i = 0; i < 300; i++) {
      let mx = 0x1f80 | (rng.int(4) << 13) | (rng.chance(0.2) ? 0x8040 : 0);
      if (rng.chance(0.1)) mx &= ~(1 << (7 + rng.int(6)));
      const a = rng.chance(0.5) ? BigInt(rng.int(2000000)) : rng.pick(INT_SPECIAL64);
      const b = rng.chance(0.5) ? BigInt(rng.int(1000)) : rng.pick(INT_SPECIAL64);
      cases.push(snippet(scalar, fxWith(rng, mx, "f64"), { 0: a, 3: b }, `rax=${a} rbx=${b} mxcsr=${mx.toString(16)}`));
    }
    const image = pristineImage();
    const nat = runNativeDiff(cases, image);
    const emu = await Emulator.create();
    const problems: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const e = await emu.run(cases[i], initialImage(image, cases[i]));
      const d = firstDifference(cases[i], nat[i], e);
      if (d !== null && problems.length < 10) problems.push(`${hexOf(cases[i].code)} (${cases[i].inputs}): ${d}`);
    }
    console.log(`SSE via run(): ${cases.length} snippets`);
    expect(problems.join("\n")).toBe("");
  }, 300_000);
});

function le64(v: bigint): number[] {
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((v >> (8n * i)) & 0xffn));
  return out;
}
