// Block-compiler emission for REP STOSB (F3 AA) and REP MOVSB (F3 A4), which
// the CPU otherwise runs through its generic path (jGeneric) from inside
// compiled code: busybox zeroes every block it allocates with REP STOSB
// (xzalloc, 16 times per pass of the awk bench loop), and its memcpy copies
// with REP MOVSB (once per 64-byte block of sha256sum and md5sum). When the
// bytes stay in one page that the TLB maps (so a destination page holds no
// cached code), DF is clear and RCX is not zero, STOSB is one `memory.fill`
// and MOVSB one `memory.copy`; RSI/RDI move past the bytes and RCX becomes
// 0, as when the instruction completes (SDM vol. 2 "REP/REPE/REPZ/REPNE/
// REPNZ", "STOS/STOSB", "MOVS/MOVSB"; src/cpu/string.ts bulk() does the same
// page by page). Anything else — a page crossing, a TLB miss, DF set, a
// destination just above an overlapping source (a forward byte copy then
// repeats the source's first bytes, memory.copy would not) — takes the
// generic path, which the caller emits behind the returned flag.
import { Op, I32, I64, VOID, BULK_PREFIX, Bulk } from "./wasm";
import { PFX_66, PFX_F2, PFX_F3, PFX_67, type SseEmitter } from "./sse";

/** The fields of an instruction this module reads (compile.ts's Ins). */
export interface StringIns { map: number; op: number; pfx: number; seg: number }

const RCX = 8, RSI = 48, RDI = 56;
/** RFLAGS.DF (in the CPU's flags word `fl`). */
const F_DF = 0x400;

/** Whether i is the byte form `op` (AA, A4) with REP and no other prefix that changes it (66, F2, 67). */
function repByte(i: StringIns, op: number): boolean {
  return i.map === 0 && i.op === op && !(i.pfx & (PFX_F2 | PFX_67 | PFX_66)) && (i.pfx & PFX_F3) !== 0;
}

/**
 * Pushes an i32: DF is clear, 0 < RCX (local `cnt`) and each [a, a + RCX)
 * of the address locals `addrs` lies inside a's page ((a & 0xfff) + RCX <= 4096).
 */
function fitsPages(b: SseEmitter, flagsWord: () => void, cnt: number, addrs: number[]): void {
  flagsWord(); b.i32(F_DF); b.op(Op.i32And); b.op(Op.i32Eqz);
  for (const a of addrs) {
    b.get(cnt); b.i64(1n); b.op(Op.i64Sub); b.i64(4096n); b.get(a); b.i64(0xfffn); b.op(Op.i64And); b.op(Op.i64Sub); b.op(Op.i64LtU);
    b.op(Op.i32And);
  }
}

/**
 * For REP STOSB at instruction k, emits the guarded inline form and returns
 * an i32 local that holds 1 when it ran (the caller emits the generic path
 * for 0); -1 when i is another instruction. `flagsWord` pushes the CPU's
 * flags word (DF lives there, not in the lazy flags).
 */
export function compileRepStos(b: SseEmitter, i: StringIns, flagsWord: () => void): number {
  if (!repByte(i, 0xaa)) return -1;
  const cnt = b.temp(I64), di = b.temp(I64), t = b.temp(I32);
  b.getR(RCX, 8); b.set(cnt);
  b.getR(RDI, 8); b.set(di);
  fitsPages(b, flagsWord, cnt, [di]);
  b.open(Op.if, I32);
  b.tlbHit(b.lay.tlbW, di, 1, t);
  b.els();
  b.i32(0);
  b.close();
  const ok = b.save32();
  b.get(ok);
  b.open(Op.if, VOID);
  b.hostOf(b.lay.tlbW, t, di); b.getR(0, 1); b.op(Op.i32WrapI64); b.get(cnt); b.op(Op.i32WrapI64);
  b.c.byte(BULK_PREFIX).u32(Bulk.memoryFill).byte(0);
  b.setR(RDI, 8, () => { b.get(di); b.get(cnt); b.op(Op.i64Add); });
  b.setR(RCX, 8, () => b.i64(0n));
  b.close();
  return ok;
}

/**
 * For REP MOVSB at instruction k: as compileRepStos(), with the source
 * through the read TLB. An FS/GS override (the source's segment) takes the
 * generic path.
 */
export function compileRepMovs(b: SseEmitter, i: StringIns, flagsWord: () => void): number {
  if (!repByte(i, 0xa4) || i.seg === 4 || i.seg === 5) return -1;
  const cnt = b.temp(I64), si = b.temp(I64), di = b.temp(I64), ts = b.temp(I32), td = b.temp(I32), hs = b.temp(I32), hd = b.temp(I32);
  b.getR(RCX, 8); b.set(cnt);
  b.getR(RSI, 8); b.set(si);
  b.getR(RDI, 8); b.set(di);
  fitsPages(b, flagsWord, cnt, [si, di]);
  b.open(Op.if, I32);
  b.tlbHit(b.lay.tlbR, si, 1, ts);
  b.open(Op.if, I32);
  b.tlbHit(b.lay.tlbW, di, 1, td);
  b.open(Op.if, I32);
  // Both mapped: not a destination inside the source's bytes above its start.
  b.hostOf(b.lay.tlbR, ts, si); b.set(hs);
  b.hostOf(b.lay.tlbW, td, di); b.set(hd);
  b.get(hd); b.get(hs); b.op(Op.i32LeU);
  b.get(hd); b.get(hs); b.get(cnt); b.op(Op.i32WrapI64); b.op(Op.i32Add); b.op(Op.i32GeU);
  b.op(Op.i32Or);
  b.els(); b.i32(0); b.close();
  b.els(); b.i32(0); b.close();
  b.els(); b.i32(0); b.close();
  const ok = b.save32();
  b.get(ok);
  b.open(Op.if, VOID);
  b.get(hd); b.get(hs); b.get(cnt); b.op(Op.i32WrapI64);
  b.c.byte(BULK_PREFIX).u32(Bulk.memoryCopy).byte(0).byte(0);
  b.setR(RSI, 8, () => { b.get(si); b.get(cnt); b.op(Op.i64Add); });
  b.setR(RDI, 8, () => { b.get(di); b.get(cnt); b.op(Op.i64Add); });
  b.setR(RCX, 8, () => b.i64(0n));
  b.close();
  return ok;
}
