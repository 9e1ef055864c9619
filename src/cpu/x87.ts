// x87 FPU: the escape opcodes D8..DF, FWAIT, and the register stack kept in
// the state block's FXSAVE image (state.ts FXAREA) at all times, so every
// exit leaves a valid image. ST(i) sits at ST0 + 16*i in stack order; a push
// or pop rotates the eight 16-byte slots (physical register contents move
// with them, as FXSAVE reports them). FTW there is the abridged tag byte:
// bit p = physical register p is valid (SDM vol. 1 §10.5.1.1).
//
// Arithmetic is software 80-bit (f80.ts). Exceptions follow SDM vol. 1
// §8.5-8.6: masked ones give the default result; an unmasked IE/DE/ZE leaves
// operands and TOP unchanged; any unmasked one sets ES and B, and the next
// waiting x87 instruction (or FWAIT) reports EXIT_MF before doing anything,
// as the deferred #MF of real hardware. Environment/save formats live in
// x87_env.ts, transcendentals in x87_trans.ts, conversions in f80_convert.ts.
// This file is long because it is the one decoder of the eight escape
// opcodes (SDM vol. 2 appendix A.4); the arithmetic lives elsewhere.
import {
  S, modMod, modReg, modRm, ea, nextRip, fault, clearFault,
  rd16, rd32, rd64, wr16, wr32, wr64, probeWrite, setGpr16, setStatusFlags, getFlags,
} from "./core";
import { FCW, FSW, FTW, FOP, FIP, FDP, ST0, EXIT_UD, EXIT_MF, EXIT_PAGE_FAULT } from "./state";
import {
  IE, DE, ZE, exc, raiseExc, roundedUp, rSE, rM, setCw, clearExc, INDEF_SE, INDEF_M,
  add80, mul80, div80, sqrt80, cmp80, setDen, scale80, xtract80, xtSE, xtM, prem80, remQ, remPartial, remValid,
  examine, isSNaN80, CMP_GT, CMP_LT, CMP_EQ,
} from "./f80";
import {
  fromF32, fromF64, fromInt, toF32, toF64, toInt, toBcd, bcdIndef, outBits, storeOk, srcDen, rndint80, constant,
} from "./f80_convert";
import { instLen } from "./decode";
import { trig, trigOutOfRange, res2SE, res2M, f2xm1, yl2x, patan } from "./x87_trans";
import { fldenv, fnstenv, frstor, fnsave, fxsaveImpl, fxrstorImpl, retop } from "./x87_env";

// FSW bits (SDM vol. 1 §8.1.3)
const SW_SF: u32 = 0x40;
const SW_ES: u32 = 0x80;
const SW_C0: u32 = 0x100;
const SW_C1: u32 = 0x200;
const SW_C2: u32 = 0x400;
const SW_C3: u32 = 0x4000;
const SW_B: u32 = 0x8000;
const SW_CC: u32 = SW_C0 | SW_C1 | SW_C2 | SW_C3;

// Working copies of FSW and the abridged tag byte for the executing instruction.
let sw: u32 = 0;
let tw: u32 = 0;
let cwv: u32 = 0x37f;

@inline function slot(i: i32): usize { return S + ST0 + (<usize>(i & 7) << 4); }
@inline function top(): u32 { return (sw >> 11) & 7; }
@inline function phys(i: i32): u32 { return (top() + <u32>i) & 7; }
@inline function empty(i: i32): bool { return ((tw >> phys(i)) & 1) == 0; }
@inline function se(i: i32): u32 { return <u32>load<u16>(slot(i) + 8); }
@inline function mant(i: i32): u64 { return load<u64>(slot(i)); }
function put(i: i32, s: u32, m: u64): void {
  const a = slot(i);
  store<u64>(a, m); store<u16>(a + 8, <u16>s); store<u16>(a + 10, 0); store<u32>(a + 12, 0);
  tw |= <u32>1 << phys(i);
}
@inline function freeTag(i: i32): void { tw &= ~(<u32>1 << phys(i)); }
@inline function setTop(t: u32): void { sw = (sw & ~<u32>0x3800) | ((t & 7) << 11); }

/** Rotates the slots so that ST(i) becomes ST(i+1) (push direction) and moves TOP down. */
function rotPush(): void {
  const b = S + ST0;
  const last = v128.load(b + 112);
  for (let i = 7; i > 0; i--) v128.store(b + (<usize>i << 4), v128.load(b + (<usize>(i - 1) << 4)));
  v128.store(b, last);
  setTop(top() - 1);
}
/** Rotates the other way (pop direction) and moves TOP up; tags untouched. */
function rotPop(): void {
  const b = S + ST0;
  const first = v128.load(b);
  for (let i = 0; i < 7; i++) v128.store(b + (<usize>i << 4), v128.load(b + (<usize>(i + 1) << 4)));
  v128.store(b + 112, first);
  setTop(top() + 1);
}
function pop(): void { freeTag(0); rotPop(); }

function loadState(): void {
  sw = <u32>load<u16>(S + FSW);
  tw = <u32>load<u8>(S + FTW);
  cwv = <u32>load<u16>(S + FCW);
  setCw(cwv);
  clearExc();
  memDen = false;
}
function saveState(): void {
  store<u16>(S + FSW, <u16>sw);
  store<u8>(S + FTW, <u8>tw);
}

/**
 * Merges raised exception bits into FSW. Returns true when an unmasked
 * pre-computation exception (IE, DE, ZE) forbids writing any result.
 */
function signal(e: u32): bool {
  const un = e & ~cwv & 0x3f;
  // an unmasked IE/DE/ZE stops the operation before it computes anything,
  // so no post-computation flag (OE, UE, PE) is reported with it
  const abort = (un & (IE | DE | ZE)) != 0;
  // nothing is computed, so no post-computation flag and no round-up report (C1 = 0, host)
  if (abort) { e &= IE | DE | ZE; sw &= ~SW_C1; }
  sw |= e & 0x3f;
  if ((e & ~cwv & 0x3f) != 0) sw |= SW_ES | SW_B;
  return abort;
}
/** Stack underflow (SDM §8.5.1.1): IE+SF, C1=0. True when unmasked (abort). */
function underflow(): bool {
  sw = (sw & ~SW_C1) | SW_SF;
  return signal(IE);
}
/** Stack overflow: IE+SF, C1=1. True when unmasked. */
function overflow(): bool {
  const abort = signal(IE);
  sw |= SW_SF | SW_C1;
  return abort;
}
@inline function setC1(v: bool): void { sw = v ? sw | SW_C1 : sw & ~SW_C1; }

/** Pushes a value, handling stack overflow (masked: the indefinite is pushed). */
function push(s: u32, m: u64): void {
  rotPush();
  put(0, s, m);
}
function pushChecked(s: u32, m: u64): bool {
  if (!empty(7)) {
    if (overflow()) return false;
    push(INDEF_SE, INDEF_M);
    return false;
  }
  push(s, m);
  return true;
}

// ---- instruction pointer bookkeeping (FOP/FIP/FDP, SDM vol. 1 §8.1.8-8.1.9) ----
function noteInsn(op: i32): void {
  store<u16>(S + FOP, <u16>(((op & 7) << 8) | (modMod << 6) | ((modReg & 7) << 3) | (modRm & 7)));
  store<u64>(S + FIP, nextRip - <u64>instLen); // the instruction's own address
  if (modMod != 3) store<u64>(S + FDP, ea);
}

// ---- memory operands ----
let memSE: u32 = 0;
let memM: u64 = 0;
/** Reads the memory source of D8/DA/DC/DE arithmetic: 0 f32, 1 i32, 2 f64, 3 i16. Raw (SNaN kept) so NaN rules see it. */
function readArith(kind: i32): bool {
  if (kind == 0) { const v = rd32(ea); if (fault) return false; fromF32(v); }
  else if (kind == 1) { const v = rd32(ea); if (fault) return false; fromInt(<i64><i32>v); }
  else if (kind == 2) { const v = rd64(ea); if (fault) return false; fromF64(v); }
  else { const v = rd16(ea); if (fault) return false; fromInt(<i64><i16>v); }
  memSE = rSE; memM = rM;
  memDen = kind != 1 && kind != 3 && srcDen;
  return true;
}
/** The memory operand was a denormal in its own format (f80.ts denA/denB). */
let memDen: bool = false;

// ---- arithmetic ----
/** kind: 0 add, 1 mul, 4 sub (a-b), 5 subr (b-a), 6 div (a/b), 7 divr (b/a). */
function arith(kind: i32, aSE: u32, aM: u64, bSE: u32, bM: u64): void {
  if (kind == 5 || kind == 7) setDen(memDen, false); else setDen(false, memDen);
  switch (kind) {
    case 0: add80(aSE, aM, bSE, bM, false); break;
    case 1: mul80(aSE, aM, bSE, bM); break;
    case 4: add80(aSE, aM, bSE, bM, true); break;
    case 5: add80(bSE, bM, aSE, aM, true); break;
    case 6: div80(aSE, aM, bSE, bM); break;
    default: div80(bSE, bM, aSE, aM); break;
  }
}
/** Writes an arithmetic result to ST(dst) unless an unmasked exception stops it; pops if asked. */
function finishArith(dst: i32, popAfter: bool): void {
  if (signal(exc)) return;
  put(dst, rSE, rM);
  setC1(roundedUp);
  if (popAfter) pop();
}

function fxch(i: i32): void {
  sw &= ~SW_C1;
  let as = se(0), am = mant(0), bs = se(i), bm = mant(i);
  if (empty(0) || empty(i)) {
    if (underflow()) return;
    if (empty(0)) { as = INDEF_SE; am = INDEF_M; }
    if (empty(i)) { bs = INDEF_SE; bm = INDEF_M; }
  }
  put(0, bs, bm); put(i, as, am);
}
/** FST/FSTP ST(i): a plain copy, no conversion and no exception but underflow. */
function fstReg(i: i32, popAfter: bool): void {
  sw &= ~SW_C1;
  if (empty(0)) {
    if (underflow()) return;
    put(i, INDEF_SE, INDEF_M);
  } else put(i, se(0), mant(0));
  if (popAfter) pop();
}

/** Sets C3 C2 C0 from a comparison result (C1 cleared). */
function setCompare(r: i32): void {
  sw &= ~SW_CC;
  if (r == CMP_LT) sw |= SW_C0;
  else if (r == CMP_EQ) sw |= SW_C3;
  else if (r != CMP_GT) sw |= SW_C0 | SW_C2 | SW_C3;
}
/** Compare on an empty register: "unordered" even when the exception is unmasked (host), popping only when masked. */
function cmpUnderflow(pops: i32): void {
  const abort = underflow();
  setCompare(3);
  if (!abort) for (let i = 0; i < pops; i++) pop();
}
/** FCOM family on ST0 vs (bSE,bM); pops `pops` times when it completes. */
function compare(bSE: u32, bM: u64, quiet: bool, pops: i32): void {
  setDen(false, memDen);
  const r = cmp80(se(0), mant(0), bSE, bM, quiet);
  // with IE unmasked the host still reports "unordered", but does not pop
  if (signal(exc)) { setCompare(r); return; }
  setCompare(r);
  for (let i = 0; i < pops; i++) pop();
}
/** FCOMI family: ZF PF CF (SDM FCOMI: OF, SF, AF cleared). */
function compareFlags(i: i32, quiet: bool, popAfter: bool): void {
  // C1 is left alone on the host (the SDM says "set to 0"); a stack fault clears it
  if (empty(0) || empty(i)) {
    const abort = underflow();
    setStatusFlags(0x45);
    if (popAfter && !abort) pop();
    return;
  }
  const r = cmp80(se(0), mant(0), se(i), mant(i), quiet);
  // the host sets the flags even when an unmasked exception stops the pop, and keeps C1
  const c1 = sw & SW_C1;
  const abort = signal(exc);
  sw |= c1;
  setStatusFlags(r == CMP_GT ? 0 : r == CMP_LT ? 1 : r == CMP_EQ ? 0x40 : 0x45);
  if (popAfter && !abort) pop();
}

/** FST/FSTP to memory: kind 0 m32, 2 m64, 5 m80. */
function storeFloat(kind: i32, popAfter: bool): i32 {
  const size: u64 = kind == 0 ? 4 : kind == 2 ? 8 : 10;
  if (!probeWrite(ea, size)) return EXIT_PAGE_FAULT;
  let s: u32, m: u64;
  if (empty(0)) {
    if (underflow()) return 0;
    s = INDEF_SE; m = INDEF_M;
    if (kind == 5) { wr64(ea, m); wr16(ea + 8, s); }
    else if (kind == 0) wr32(ea, 0xffc00000);
    else wr64(ea, 0xfff8_0000_0000_0000);
    if (popAfter) pop();
    return 0;
  }
  s = se(0); m = mant(0);
  if (kind == 5) {
    wr64(ea, m); wr16(ea + 8, s);
    setC1(false);
    if (popAfter) pop();
    return 0;
  }
  if (kind == 0) toF32(s, m); else toF64(s, m);
  const abort = signal(exc);
  if (abort || !storeOk) { setC1(false); return 0; }
  if (kind == 0) wr32(ea, <u32>outBits); else wr64(ea, outBits);
  setC1(roundedUp);
  if (popAfter) pop();
  return 0;
}

/** FIST/FISTP/FISTTP: bits 16/32/64. */
function storeInt(bits: i32, trunc: bool, popAfter: bool): i32 {
  const size = <u64>(bits >> 3);
  if (!probeWrite(ea, size)) return EXIT_PAGE_FAULT;
  let v: u64;
  if (empty(0)) {
    if (underflow()) return 0;
    v = <u64>1 << <u64>(bits - 1);
  } else {
    toInt(se(0), mant(0), bits, trunc);
    if (signal(exc) || !storeOk) return 0;
    setC1(roundedUp);
    v = outBits;
  }
  if (bits == 16) wr16(ea, <u32>v);
  else if (bits == 32) wr32(ea, <u32>v);
  else wr64(ea, v);
  if (popAfter) pop();
  return 0;
}

/** FLD from a converted memory value in rSE/rM (SNaN -> IE + quiet already decided by caller). */
function loadValue(s: u32, m: u64): void {
  // an unmasked DE does not stop a load from m32/m64 (measured on the host)
  if (signal(exc) && (exc & ~cwv & IE) != 0) return;
  sw &= ~SW_C1;
  pushChecked(s, m);
}

// ---- opcode groups ----
function opD8DC(op: i32): i32 {
  const kind = modReg & 7;
  let bSE: u32, bM: u64;
  if (modMod != 3) {
    if (!readArith(op == 0xd8 ? 0 : 2)) return EXIT_PAGE_FAULT;
    bSE = memSE; bM = memM;
    noteInsn(op);
    if (empty(0)) {
      if (kind == 2 || kind == 3) { cmpUnderflow(kind == 3 ? 1 : 0); return 0; }
      if (underflow()) return 0;
      put(0, INDEF_SE, INDEF_M);
      return 0;
    }
    if (kind == 2 || kind == 3) { compare(bSE, bM, false, kind == 3 ? 1 : 0); return 0; }
    arith(kind, se(0), mant(0), bSE, bM);
    finishArith(0, false);
    return 0;
  }
  const i = modRm & 7;
  noteInsn(op);
  if (kind == 2 || kind == 3) {
    // DC D0+i / D8+i are the FCOM2/FCOMP3 aliases of FCOM/FCOMP ST(i)
    if (empty(0) || empty(i)) { cmpUnderflow(kind == 3 ? 1 : 0); return 0; }
    compare(se(i), mant(i), false, kind == 3 ? 1 : 0);
    return 0;
  }
  // D8: ST0 = ST0 op ST(i). DC: ST(i) = ST(i) op' ST0, where /4../7 name the reversed forms.
  const dst = op == 0xd8 ? 0 : i;
  if (empty(0) || empty(i)) {
    if (underflow()) return 0;
    put(dst, INDEF_SE, INDEF_M);
    return 0;
  }
  if (op == 0xd8) arith(kind, se(0), mant(0), se(i), mant(i));
  else arith(kind >= 4 ? kind ^ 1 : kind, se(i), mant(i), se(0), mant(0));
  finishArith(dst, false);
  return 0;
}

function opDADE(op: i32): i32 {
  const kind = modReg & 7;
  if (modMod != 3) {
    if (!readArith(op == 0xda ? 1 : 3)) return EXIT_PAGE_FAULT;
    noteInsn(op);
    if (empty(0)) {
      if (kind == 2 || kind == 3) { cmpUnderflow(kind == 3 ? 1 : 0); return 0; }
      if (underflow()) return 0;
      put(0, INDEF_SE, INDEF_M);
      return 0;
    }
    if (kind == 2 || kind == 3) { compare(memSE, memM, false, kind == 3 ? 1 : 0); return 0; }
    arith(kind, se(0), mant(0), memSE, memM);
    finishArith(0, false);
    return 0;
  }
  const i = modRm & 7;
  if (op == 0xda) {
    if (kind < 4) { noteInsn(op); fcmov(kind, false, i); return 0; }
    if (modReg == 5 && i == 1) { noteInsn(op); fcompp(true); return 0; } // FUCOMPP
    return EXIT_UD;
  }
  // DE: the popping forms
  if (kind == 2) { // DE D0+i: FCOMP5, an alias of FCOMP ST(i)
    noteInsn(op);
    if (empty(0) || empty(i)) { cmpUnderflow(1); return 0; }
    compare(se(i), mant(i), false, 1);
    return 0;
  }
  if (kind == 3) {
    if (i != 1) return EXIT_UD;
    noteInsn(op); fcompp(false); return 0; // FCOMPP
  }
  noteInsn(op);
  if (empty(0) || empty(i)) {
    if (underflow()) return 0;
    put(i, INDEF_SE, INDEF_M);
    pop();
    return 0;
  }
  arith(kind >= 4 ? kind ^ 1 : kind, se(i), mant(i), se(0), mant(0));
  finishArith(i, true);
  return 0;
}

function fcompp(quiet: bool): void {
  if (empty(0) || empty(1)) { cmpUnderflow(2); return; }
  compare(se(1), mant(1), quiet, 2);
}

/** FCMOVcc (SDM FCMOVcc): cc 0 B, 1 E, 2 BE, 3 U; `neg` for the DB NB/NE/NBE/NU forms. */
function fcmov(cc: i32, neg: bool, i: i32): void {
  const f = getFlags();
  let c: bool;
  if (cc == 0) c = (f & 1) != 0;
  else if (cc == 1) c = (f & 0x40) != 0;
  else if (cc == 2) c = (f & 0x41) != 0;
  else c = (f & 4) != 0;
  if (neg) c = !c;
  // C1 is left alone unless the stack underflows (host)
  if (empty(0) || empty(i)) {
    // the masked response writes the indefinite whatever the condition (host)
    if (underflow()) return;
    put(0, INDEF_SE, INDEF_M);
    return;
  }
  if (c) put(0, se(i), mant(i));
}

function opD9(op: i32): i32 {
  const r = modReg & 7;
  if (modMod != 3) {
    switch (r) {
      case 0: { // FLD m32fp
        const v = rd32(ea); if (fault) return EXIT_PAGE_FAULT;
        noteInsn(op);
        fromF32(v); let s = rSE, m = rM;
        if (srcDen) raiseExc(DE);
        if (isSNaN80(s, m)) { raiseExc(IE); m |= 0x4000_0000_0000_0000; }
        loadValue(s, m);
        return 0;
      }
      case 2: noteInsn(op); return storeFloat(0, false);
      case 3: noteInsn(op); return storeFloat(0, true);
      case 4: saveState(); envTouched = true; return fldenv(ea);
      case 5: { // FLDCW
        const v = rd16(ea); if (fault) return EXIT_PAGE_FAULT;
        // reserved bits 13-15 and 7 read back as 0, bit 6 as 1 (host)
        const c = (v & 0x1f3f) | 0x40;
        cwv = c; store<u16>(S + FCW, <u16>c); setCw(c);
        // unmasking a pending flag arms the deferred #MF (SDM §8.6)
        if ((sw & ~c & 0x3f) != 0) sw |= SW_ES | SW_B; else sw &= ~(SW_ES | SW_B);
        return 0;
      }
      case 6: saveState(); envTouched = true; return fnstenv(ea);
      case 7: wr16(ea, cwv); return fault ? EXIT_PAGE_FAULT : 0;
      default: return EXIT_UD;
    }
  }
  const i = modRm & 7;
  const b = (modReg & 7) << 3 | i;
  if (r == 0) { // FLD ST(i)
    noteInsn(op);
    sw &= ~SW_C1;
    if (empty(i)) {
      // underflow wins over a full ST(7): the indefinite simply overwrites it
      if (underflow()) return 0;
      push(INDEF_SE, INDEF_M);
      return 0;
    }
    pushChecked(se(i), mant(i));
    return 0;
  }
  if (r == 1) { noteInsn(op); fxch(i); return 0; } // FXCH
  // D9 D8+i ("FSTP1") differs between vendors (this AMD host skips the empty check): left undefined
  if (r == 3) return EXIT_UD;
  if (b == 0x10) { noteInsn(op); return 0; } // FNOP
  if (r == 2) return EXIT_UD;
  noteInsn(op);
  switch (b) {
    case 0x20: case 0x21: { // FCHS, FABS
      if (empty(0)) { if (underflow()) return 0; put(0, INDEF_SE, INDEF_M); return 0; }
      const s = b == 0x20 ? se(0) ^ 0x8000 : se(0) & 0x7fff;
      put(0, s, mant(0));
      sw &= ~SW_C1;
      return 0;
    }
    case 0x24: // FTST
      if (empty(0)) { cmpUnderflow(0); return 0; }
      compare(0, 0, false, 0);
      return 0;
    case 0x25: { // FXAM: C1 = sign; class in C3 C2 C0
      let c = (se(0) & 0x8000) != 0 ? SW_C1 : 0;
      if (empty(0)) c |= SW_C3 | SW_C0;
      else c |= examine(se(0), mant(0));
      sw = (sw & ~SW_CC) | c;
      return 0;
    }
    case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
      constant(b - 0x28); // FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ
      sw &= ~SW_C1;
      pushChecked(rSE, rM);
      return 0;
    case 0x34: { // FXTRACT
      if (empty(0)) {
        if (underflow()) return 0;
        put(0, INDEF_SE, INDEF_M);
        push(INDEF_SE, INDEF_M);
        return 0;
      }
      if (!empty(7)) {
        if (overflow()) return 0;
        put(0, INDEF_SE, INDEF_M);
        push(INDEF_SE, INDEF_M);
        return 0;
      }
      xtract80(se(0), mant(0));
      if (signal(exc)) return 0;
      sw &= ~SW_C1;
      put(0, xtSE, xtM);
      push(rSE, rM);
      return 0;
    }
    case 0x35: case 0x38: { // FPREM1, FPREM
      sw &= ~SW_C2; // cleared unless the reduction is incomplete (host, also on faults)
      if (empty(0) || empty(1)) { if (underflow()) return 0; put(0, INDEF_SE, INDEF_M); return 0; }
      prem80(se(0), mant(0), se(1), mant(1), b == 0x35);
      if (signal(exc)) return 0;
      put(0, rSE, rM);
      if (!remValid) { sw &= ~SW_C1; return 0; } // NaN or invalid: C0 and C3 keep their values (host)
      sw &= ~SW_CC;
      if (remPartial) sw |= SW_C2;
      else {
        if ((remQ & 4) != 0) sw |= SW_C0;
        if ((remQ & 2) != 0) sw |= SW_C3;
        if ((remQ & 1) != 0) sw |= SW_C1;
      }
      return 0;
    }
    case 0x36: rotPush(); sw &= ~SW_C1; return 0; // FDECSTP
    case 0x37: rotPop(); sw &= ~SW_C1; return 0; // FINCSTP
    case 0x3a: // FSQRT
      if (empty(0)) { if (underflow()) return 0; put(0, INDEF_SE, INDEF_M); return 0; }
      sqrt80(se(0), mant(0));
      finishArith(0, false);
      return 0;
    case 0x3c: // FRNDINT
      if (empty(0)) { if (underflow()) return 0; put(0, INDEF_SE, INDEF_M); return 0; }
      rndint80(se(0), mant(0));
      finishArith(0, false);
      return 0;
    case 0x3d: // FSCALE
      if (empty(0) || empty(1)) { if (underflow()) return 0; put(0, INDEF_SE, INDEF_M); return 0; }
      scale80(se(0), mant(0), se(1), mant(1));
      finishArith(0, false);
      return 0;
    case 0x30: // F2XM1
      if (empty(0)) { if (underflow()) return 0; put(0, INDEF_SE, INDEF_M); return 0; }
      f2xm1(se(0), mant(0));
      finishArith(0, false);
      return 0;
    case 0x31: case 0x39: case 0x33: // FYL2X, FYL2XP1, FPATAN: ST1 = f(ST1, ST0), pop
      if (empty(0) || empty(1)) { if (underflow()) return 0; put(1, INDEF_SE, INDEF_M); pop(); return 0; }
      if (b == 0x33) patan(se(0), mant(0), se(1), mant(1));
      else yl2x(se(0), mant(0), se(1), mant(1), b == 0x39);
      finishArith(1, true);
      return 0;
    case 0x32: case 0x3b: case 0x3e: case 0x3f: { // FPTAN, FSINCOS, FSIN, FCOS
      const pushes = b == 0x32 || b == 0x3b;
      sw &= ~SW_C2;
      if (empty(0)) {
        if (underflow()) return 0;
        put(0, INDEF_SE, INDEF_M);
        if (pushes) push(INDEF_SE, INDEF_M);
        return 0;
      }
      if (pushes && !empty(7)) {
        if (overflow()) return 0;
        put(0, INDEF_SE, INDEF_M); push(INDEF_SE, INDEF_M);
        return 0;
      }
      trig(se(0), mant(0), b == 0x32 ? 3 : b == 0x3b ? 2 : b == 0x3e ? 0 : 1);
      if (trigOutOfRange) { sw |= SW_C2; return 0; } // |x| >= 2^63: operand unchanged
      if (signal(exc)) return 0;
      sw &= ~SW_C2;
      setC1(roundedUp);
      if (pushes) {
        if (b == 0x32) { put(0, rSE, rM); push(res2SE, res2M); }
        else { const s2 = rSE, m2 = rM; put(0, s2, m2); push(res2SE, res2M); }
      } else put(0, rSE, rM);
      return 0;
    }
    default: return EXIT_UD;
  }
}

function opDB(op: i32): i32 {
  const r = modReg & 7;
  if (modMod != 3) {
    switch (r) {
      case 0: { // FILD m32int
        const v = rd32(ea); if (fault) return EXIT_PAGE_FAULT;
        noteInsn(op); fromInt(<i64><i32>v); loadValue(rSE, rM); return 0;
      }
      case 1: noteInsn(op); return storeInt(32, true, true);
      case 2: noteInsn(op); return storeInt(32, false, false);
      case 3: noteInsn(op); return storeInt(32, false, true);
      case 5: { // FLD m80fp: no conversion, no exceptions
        const m = rd64(ea); if (fault) return EXIT_PAGE_FAULT;
        const s = rd16(ea + 8); if (fault) return EXIT_PAGE_FAULT;
        noteInsn(op); loadValue(s, m); return 0;
      }
      case 7: noteInsn(op); return storeFloat(5, true);
      default: return EXIT_UD;
    }
  }
  const i = modRm & 7;
  if (r < 4) { noteInsn(op); fcmov(r, true, i); return 0; }
  if (r == 4) {
    switch (i) {
      case 0: case 1: case 4: return 0; // FENI, FDISI, FSETPM: no-ops since the 387
      case 2: sw &= ~(0x3f | SW_SF | SW_ES | SW_B); return 0; // FNCLEX
      case 3: fninit(); return 0;
      default: return EXIT_UD;
    }
  }
  if (r == 5 || r == 6) { noteInsn(op); compareFlags(i, r == 5, false); return 0; }
  return EXIT_UD;
}

function opDD(op: i32): i32 {
  const r = modReg & 7;
  if (modMod != 3) {
    switch (r) {
      case 0: { // FLD m64fp
        const v = rd64(ea); if (fault) return EXIT_PAGE_FAULT;
        noteInsn(op);
        fromF64(v); let s = rSE, m = rM;
        if (srcDen) raiseExc(DE);
        if (isSNaN80(s, m)) { raiseExc(IE); m |= 0x4000_0000_0000_0000; }
        loadValue(s, m);
        return 0;
      }
      case 1: noteInsn(op); return storeInt(64, true, true);
      case 2: noteInsn(op); return storeFloat(2, false);
      case 3: noteInsn(op); return storeFloat(2, true);
      case 4: saveState(); envTouched = true; return frstor(ea);
      case 6: saveState(); envTouched = true; return fnsave(ea);
      case 7: wr16(ea, sw); return fault ? EXIT_PAGE_FAULT : 0; // FNSTSW m16
      default: return EXIT_UD;
    }
  }
  const i = modRm & 7;
  noteInsn(op);
  switch (r) {
    case 0: freeTag(i); sw &= ~SW_C1; return 0; // FFREE (C1 cleared on the host)
    case 1: fxch(i); return 0; // DD C8+i: FXCH4 alias
    case 2: case 3: fstReg(i, r == 3); return 0; // FST/FSTP ST(i)
    case 4: case 5: // FUCOM, FUCOMP
      if (empty(0) || empty(i)) { cmpUnderflow(r == 5 ? 1 : 0); return 0; }
      compare(se(i), mant(i), true, r == 5 ? 1 : 0);
      return 0;
    default: return EXIT_UD;
  }
}

function opDF(op: i32): i32 {
  const r = modReg & 7;
  if (modMod != 3) {
    switch (r) {
      case 0: { // FILD m16int
        const v = rd16(ea); if (fault) return EXIT_PAGE_FAULT;
        noteInsn(op); fromInt(<i64><i16>v); loadValue(rSE, rM); return 0;
      }
      case 1: noteInsn(op); return storeInt(16, true, true);
      case 2: noteInsn(op); return storeInt(16, false, false);
      case 3: noteInsn(op); return storeInt(16, false, true);
      case 5: { // FILD m64int
        const v = rd64(ea); if (fault) return EXIT_PAGE_FAULT;
        noteInsn(op); fromInt(<i64>v); loadValue(rSE, rM); return 0;
      }
      case 7: noteInsn(op); return storeInt(64, false, true);
      case 4: { // FBLD: 18 packed BCD digits and a sign byte
        const lo = rd64(ea); if (fault) return EXIT_PAGE_FAULT;
        const hi = rd16(ea + 8); if (fault) return EXIT_PAGE_FAULT;
        noteInsn(op);
        let v: u64 = 0;
        for (let k = 8; k >= 0; k--) {
          const byte = k == 8 ? hi & 0xff : <u32>(lo >> <u64>(k * 8)) & 0xff;
          v = v * 100 + <u64>((byte >> 4) * 10 + (byte & 15));
        }
        fromInt(<i64>v);
        loadValue(rSE | ((hi & 0x8000) != 0 ? 0x8000 : 0), rM);
        return 0;
      }
      case 6: { // FBSTP
        if (!probeWrite(ea, 10)) return EXIT_PAGE_FAULT;
        noteInsn(op);
        let neg = (se(0) & 0x8000) != 0;
        if (empty(0)) {
          if (underflow()) return 0;
          bcdIndefStore(); pop(); return 0;
        }
        toBcd(se(0), mant(0));
        if (signal(exc) || !storeOk) return 0;
        setC1(roundedUp);
        if (bcdIndef) { bcdIndefStore(); pop(); return 0; }
        let v = outBits, lo: u64 = 0, hi: u32 = 0;
        for (let k = 0; k < 9; k++) {
          const d = <u32>(v % 100); v /= 100;
          const byte = ((d / 10) << 4) | (d % 10);
          if (k == 8) hi = byte; else lo |= <u64>byte << <u64>(k * 8);
        }
        wr64(ea, lo); wr16(ea + 8, hi | (neg ? 0x8000 : 0));
        pop();
        return 0;
      }
      default: return EXIT_UD;
    }
  }
  const i = modRm & 7;
  if (r == 4 && i == 0) { setGpr16(0, sw); return 0; } // FNSTSW AX
  if (r == 4 || r == 7) return EXIT_UD;
  noteInsn(op);
  if (r == 5 || r == 6) { compareFlags(i, r == 5, true); return 0; }
  if (r == 0) { freeTag(i); pop(); sw &= ~SW_C1; return 0; } // FFREEP (AMD-documented)
  if (r == 1) { fxch(i); return 0; } // FXCH7 alias
  fstReg(i, true); // DF D0+i / D8+i: FSTP8, FSTP9 aliases (DF F8-FF is undefined, above)
  return 0;
}

/** The packed-BCD indefinite FFFF C000 0000 0000 0000 (SDM vol. 1 table 4-4). */
function bcdIndefStore(): void { wr64(ea, 0xc000_0000_0000_0000); wr16(ea + 8, 0xffff); }

/** FNINIT (SDM FINIT): default control word, everything else cleared, all tags empty. */
function fninit(): void {
  cwv = 0x37f; store<u16>(S + FCW, 0x37f); setCw(0x37f);
  retop(top(), 0);
  sw = 0; tw = 0;
  store<u16>(S + FOP, 0); store<u64>(S + FIP, 0); store<u64>(S + FDP, 0);
}

/** Non-waiting forms (FN*) skip the pending-exception check (SDM vol. 1 §8.3.11). */
function isNoWait(op: i32): bool {
  const r = modReg & 7;
  if (op == 0xd9) return modMod != 3 && (r == 6 || r == 7); // FNSTENV, FNSTCW
  if (op == 0xdb) return modMod == 3 && r == 4; // FNCLEX, FNINIT, FENI...
  if (op == 0xdd) return modMod != 3 && (r == 6 || r == 7); // FNSAVE, FNSTSW m16
  if (op == 0xdf) return modMod == 3 && r == 4; // FNSTSW AX
  return false;
}

/** Executes an x87 escape opcode (0xD8..0xDF) after ModRM is decoded; returns 0 or an EXIT_* code. */
export function x87Exec(op: i32): i32 {
  clearFault();
  loadState();
  if ((sw & SW_ES) != 0 && !isNoWait(op)) return EXIT_MF;
  savedFop = load<u16>(S + FOP); savedFip = load<u64>(S + FIP); savedFdp = load<u64>(S + FDP);
  let rc: i32;
  switch (op) {
    case 0xd8: case 0xdc: rc = opD8DC(op); break;
    case 0xd9: rc = opD9(op); break;
    case 0xda: case 0xde: rc = opDADE(op); break;
    case 0xdb: rc = opDB(op); break;
    case 0xdd: rc = opDD(op); break;
    case 0xdf: rc = opDF(op); break;
    default: rc = EXIT_UD;
  }
  // faults and #UD commit nothing; FLDENV/FRSTOR and FNINIT manage the state themselves
  if (rc == 0 && !envTouched) saveState();
  else if (rc != 0) { store<u16>(S + FOP, <u16>savedFop); store<u64>(S + FIP, savedFip); store<u64>(S + FDP, savedFdp); }
  envTouched = false;
  return rc;
}

/** Set when an x87_env.ts routine owns the state block for this instruction. */
let envTouched: bool = false;
// FOP (with FCW/FSW/FTW around it) and the pointers, restored when the instruction faults
let savedFop: u16 = 0;
let savedFip: u64 = 0;
let savedFdp: u64 = 0;

/** FXSAVE (0F AE /0): stores the state block's FXAREA image to memory. */
export function fxsave(addr: u64): i32 { clearFault(); return fxsaveImpl(addr); }
/** FXRSTOR (0F AE /1). */
export function fxrstor(addr: u64): i32 { clearFault(); return fxrstorImpl(addr); }
/** FWAIT (9B): reports a pending unmasked x87 exception as EXIT_MF, else 0. */
export function fwait(): i32 { return (load<u16>(S + FSW) & SW_ES) != 0 ? EXIT_MF : 0; }
