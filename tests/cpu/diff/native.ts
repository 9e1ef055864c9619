// Builds native.c with gcc (into build/test/, git-ignored) and runs batches of
// cases through it on the build machine's CPU.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Case } from "./case";
import { IMAGE_SIZE, IN_HAS_FX, IN_WANT_FX, MAGIC_IN, OUT_FIXED, imageOffset } from "./layout";
import { SIGNALS, type Outcome } from "./outcome";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, "../../..");
export const testBuildDir = join(repoRoot, "build/test");
const src = join(here, "native.c");
const exe = join(testBuildDir, "diff-native");

/** Compiles the native harness when it is missing or older than its source; returns its path. */
export function buildNative(): string {
  mkdirSync(testBuildDir, { recursive: true });
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(src).mtimeMs) {
    execFileSync("gcc", ["-O1", "-Wall", "-fno-stack-protector", "-o", exe, src], { stdio: "inherit" });
  }
  return exe;
}

function encode(cases: readonly Case[], image: Uint8Array): Buffer {
  let size = 8 + IMAGE_SIZE;
  for (const c of cases) {
    size += 168 + c.code.length + (c.fx ? 512 : 0);
    for (const p of c.patches) size += 8 + p.bytes.length;
  }
  const buf = Buffer.alloc(size);
  buf.writeUInt32LE(MAGIC_IN, 0);
  buf.writeUInt32LE(cases.length, 4);
  buf.set(image, 8);
  let pos = 8 + IMAGE_SIZE;
  for (const c of cases) {
    const start = pos;
    buf.writeUInt32LE((c.fx ? IN_HAS_FX : 0) | (c.wantFx ? IN_WANT_FX : 0), pos + 4);
    buf.writeUInt32LE(c.code.length, pos + 8);
    buf.writeUInt32LE(c.patches.length, pos + 12);
    for (let i = 0; i < 16; i++) buf.writeBigUInt64LE(c.gpr[i], pos + 16 + 8 * i);
    buf.writeBigUInt64LE(BigInt(c.rflags), pos + 144);
    buf.writeBigUInt64LE(c.fsBase ?? 0n, pos + 152);
    buf.writeBigUInt64LE(c.gsBase ?? 0n, pos + 160);
    pos += 168;
    buf.set(c.code, pos);
    pos += c.code.length;
    for (const p of c.patches) {
      const off = imageOffset(p.addr);
      if (off < 0 || imageOffset(p.addr + p.bytes.length - 1) !== off + p.bytes.length - 1) {
        throw new Error(`patch at 0x${p.addr.toString(16)} outside the memory image`);
      }
      buf.writeUInt32LE(off, pos);
      buf.writeUInt32LE(p.bytes.length, pos + 4);
      buf.set(p.bytes, pos + 8);
      pos += 8 + p.bytes.length;
    }
    if (c.fx) { buf.set(c.fx, pos); pos += 512; }
    buf.writeUInt32LE(pos - start, start);
  }
  return buf;
}

function decode(out: Buffer, count: number): Outcome[] {
  const res: Outcome[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const rec = out.readUInt32LE(pos);
    const signo = out.readUInt32LE(pos + 4);
    const siCode = out.readInt32LE(pos + 8);
    const nDiff = out.readUInt32LE(pos + 12);
    const trapNo = out.readUInt32LE(pos + 16);
    const errCode = out.readUInt32LE(pos + 20);
    const gpr = new BigUint64Array(16);
    for (let r = 0; r < 16; r++) gpr[r] = out.readBigUInt64LE(pos + 32 + 8 * r);
    let p = pos + 160;
    const rip = out.readBigUInt64LE(p);
    const rflags = Number(out.readBigUInt64LE(p + 8) & 0xffffffffn);
    p += 16;
    const hasFx = rec - OUT_FIXED - 4 * nDiff === 512;
    const fx = hasFx ? new Uint8Array(out.subarray(p, p + 512)) : undefined;
    if (hasFx) p += 512;
    const diffs = new Uint32Array(nDiff);
    for (let d = 0; d < nDiff; d++) diffs[d] = out.readUInt32LE(p + 4 * d);
    const kind = signo === 0 ? "ok" : SIGNALS[signo] ?? "crash";
    // Trap 14 is #PF (SEGV_MAPERR/SEGV_ACCERR); #GP arrives as trap 13 with SI_KERNEL.
    const pageFault = signo === 11 && trapNo === 14;
    res.push({
      kind, detail: signo ? `signal ${signo} si_code ${siCode}` : "",
      faultAddr: pageFault ? out.readBigUInt64LE(pos + 24) : 0n, pageFault, faultCode: pageFault ? errCode : 0,
      gpr, rip, rflags, fx, diffs,
    });
    pos += rec;
  }
  if (pos !== out.length) throw new Error(`native output: ${out.length - pos} trailing bytes`);
  return res;
}

/** Runs the cases natively in one process; `image` is the pristine data+stack content. */
export function runNative(cases: readonly Case[], image: Uint8Array): Outcome[] {
  const r = spawnSync(buildNative(), [], { input: encode(cases, image), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`native harness failed (status ${r.status}, signal ${r.signal}): ${r.stderr?.toString()}`);
  return decode(r.stdout, cases.length);
}
