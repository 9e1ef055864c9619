// Execution of the two-byte map 0F (SDM vol. 2 table A-3) for the integer
// and system forms; SSE forms are handed to sse.ts, 0F38/0F3A entirely.
// Same contract as exec.ts: nothing committed on a fault.
import {
  fault, modMod, modReg, ea, imm, nextRip, setNextRip, pfxF3, pfxF2, pfx66, rexW, gpr64, setGpr64,
  setGpr32, probeWrite, rd64, wr64,
} from "./core";
import { EXIT_PAGE_FAULT, EXIT_UD, EXIT_GP, EXIT_SYSCALL, RCX } from "./state";
import { opByte, osz, rexRaw } from "./decode";
import { getReg, setReg, readRM, writeRM, rmWritable, rdMem, wrMem } from "./operand";
import { alu, ALU_ADD, ALU_CMP } from "./alu";
import { shiftDouble } from "./shift";
import { imul2 } from "./muldiv";
import { bitTest, bitScan, countZeros, popCount } from "./bits";
import { cond, materialize, setFlagsWord, F_ZF } from "./flags";
import { cpuid, rdtsc } from "./misc";
import { sseExec, ldmxcsr, stmxcsr } from "./sse";
import { fxsave, fxrstor } from "./x87";

const PF = EXIT_PAGE_FAULT;

/** True for 0F opcodes that belong to the SSE family (sse.ts). */
function isSse(op: i32): bool {
  return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) || (op >= 0x50 && op <= 0x7f)
    || op == 0xc2 || (op >= 0xc4 && op <= 0xc6) || op >= 0xd0;
}

export function exec0f(): i32 {
  const op = opByte;
  if (isSse(op)) return sseExec(1, op);
  switch (op) {
    case 0x05: { // SYSCALL: RCX = next RIP, R11 = RFLAGS (SDM "SYSCALL")
      setGpr64(1, nextRip);
      setGpr64(11, <u64>materialize());
      return EXIT_SYSCALL;
    }
    case 0x0b: return EXIT_UD; // UD2
    case 0x0d: return modMod == 3 ? EXIT_UD : 0; // PREFETCHW
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
      return 0; // prefetch hints and the multi-byte NOPs (0F 1F /0, ENDBR64 = F3 0F 1E FA)
    case 0x31: rdtsc(); return 0;
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f: {
      // CMOVcc reads its source even when false; a 32-bit form always zero-extends.
      const v = readRM(osz);
      if (fault) return PF;
      if (cond(op & 15)) setReg(modReg, osz, v);
      else if (osz == 4) setGpr32(modReg, <u32>gpr64(modReg));
      return 0;
    }
    case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87:
    case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8c: case 0x8d: case 0x8e: case 0x8f:
      if (cond(op & 15)) setNextRip(nextRip + imm);
      return 0;
    case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
    case 0x98: case 0x99: case 0x9a: case 0x9b: case 0x9c: case 0x9d: case 0x9e: case 0x9f:
      writeRM(1, cond(op & 15) ? 1 : 0);
      return fault ? PF : 0;
    case 0xa2: cpuid(); return 0;
    case 0xa3: return bitTest(0, osz, false);
    case 0xab: return bitTest(1, osz, false);
    case 0xb3: return bitTest(2, osz, false);
    case 0xbb: return bitTest(3, osz, false);
    case 0xba: {
      const r = modReg & 7;
      if (r < 4) return EXIT_UD;
      return bitTest(r - 4, osz, true);
    }
    case 0xa4: case 0xa5: case 0xac: case 0xad: {
      const cnt: u32 = (op & 1) == 0 ? <u32>imm : <u32>gpr64(1) & 0xff;
      if (!rmWritable(osz)) return PF;
      const d = readRM(osz);
      if (fault) return PF;
      writeRM(osz, shiftDouble(op < 0xa8, d, getReg(modReg, osz), cnt, osz));
      return 0;
    }
    case 0xae: return group15();
    case 0xaf: {
      const b = readRM(osz);
      if (fault) return PF;
      setReg(modReg, osz, imul2(getReg(modReg, osz), b, osz));
      return 0;
    }
    case 0xb0: case 0xb1: {
      // CMPXCHG: a memory destination is written back even on failure (SDM
      // "CMPXCHG"); a register destination is then left untouched (upper
      // half kept for 32-bit), as measured on hardware.
      const sz = op == 0xb0 ? 1 : osz;
      if (!rmWritable(sz)) return PF;
      const d = readRM(sz);
      if (fault) return PF;
      const acc = getReg(0, sz);
      alu(ALU_CMP, acc, d, sz);
      if (acc == d) writeRM(sz, getReg(modReg, sz));
      else { if (modMod != 3) writeRM(sz, d); setReg(0, sz, d); }
      return 0;
    }
    case 0xb6: case 0xb7: case 0xbe: case 0xbf: { // MOVZX / MOVSX
      const ssz = (op & 1) == 0 ? 1 : 2;
      let v = readRM(ssz);
      if (fault) return PF;
      if (op >= 0xbe) v = ssz == 1 ? <u64>(<i64>(<i8>(<u8>v))) : <u64>(<i64>(<i16>(<u16>v)));
      setReg(modReg, osz, v);
      return 0;
    }
    case 0xb8: { // POPCNT (F3 mandatory); without F3 this is JMPE: undefined here
      if (!pfxF3) return EXIT_UD;
      const v = readRM(osz);
      if (fault) return PF;
      popCount(v, osz);
      return 0;
    }
    case 0xbc: case 0xbd: {
      const v = readRM(osz);
      if (fault) return PF;
      if (pfxF3) countZeros(op == 0xbd, v, osz); // TZCNT / LZCNT
      else bitScan(op == 0xbd, v, osz);          // BSF / BSR
      return 0;
    }
    case 0xc0: case 0xc1: { // XADD
      const sz = op == 0xc0 ? 1 : osz;
      if (!rmWritable(sz)) return PF;
      const d = readRM(sz);
      if (fault) return PF;
      const r = alu(ALU_ADD, d, getReg(modReg, sz), sz);
      setReg(modReg, sz, d);
      writeRM(sz, r);
      return 0;
    }
    case 0xc3: { // MOVNTI m32/m64, r
      if (modMod == 3) return EXIT_UD;
      const sz = rexW ? 8 : 4;
      wrMem(ea, sz, getReg(modReg, sz));
      return fault ? PF : 0;
    }
    case 0xc7: return group9();
    case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      const r = (op & 7) | ((rexRaw & 1) << 3);
      if (osz == 8) setGpr64(r, bswap<u64>(gpr64(r)));
      else if (osz == 4) setGpr32(r, bswap<u32>(<u32>gpr64(r)));
      else setReg(r, 2, 0); // BSWAP r16 is undefined; hardware gives 0
      return 0;
    }
    // 0F 01 with a register operand holds XGETBV, RDTSCP, XTEST, MONITOR,
    // CLAC... none advertised or allowed at CPL 3: #UD. With memory it is
    // SGDT/SIDT/LGDT..., which UMIP (on in Linux) makes #GP.
    case 0x01: return modMod == 3 ? EXIT_UD : EXIT_GP;
    // System instructions: #GP at CPL 3 (Linux: SIGSEGV).
    case 0x00: case 0x06: case 0x08: case 0x09: case 0x20: case 0x21: case 0x22: case 0x23:
    case 0x30: case 0x32: case 0x33: case 0x07: case 0x35:
      return EXIT_GP;
    default:
      return EXIT_UD;
  }
}

function group15(): i32 {
  const r = modReg & 7;
  if (modMod == 3) {
    if (pfxF3 || pfxF2 || pfx66) return EXIT_UD; // RDFSBASE etc.: FSGSBASE not advertised
    return r >= 5 ? 0 : EXIT_UD; // LFENCE, MFENCE, SFENCE
  }
  if (pfxF3 || pfxF2) return EXIT_UD;
  switch (r) {
    case 0: return fxsave(ea);
    case 1: return fxrstor(ea);
    case 2: return ldmxcsr(ea);
    case 3: return stmxcsr(ea);
    case 7: { // CLFLUSH (66: CLFLUSHOPT, not advertised): faults like a byte read
      if (pfx66) return EXIT_UD;
      rdMem(ea, 1);
      return fault ? PF : 0;
    }
    default: return EXIT_UD; // XSAVE family: not advertised
  }
}

/** 0F C7 /1: CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W; 16-byte alignment or #GP). */
function group9(): i32 {
  if ((modReg & 7) != 1 || modMod == 3) return EXIT_UD;
  if (rexW) {
    if ((ea & 15) != 0) return EXIT_GP;
    if (!probeWrite(ea, 16)) return PF;
    const lo = rd64(ea), hi = rd64(ea + 8);
    if (fault) return PF;
    const f = materialize() & ~F_ZF;
    if (lo == gpr64(0) && hi == gpr64(2)) {
      wr64(ea, gpr64(3)); wr64(ea + 8, gpr64(1));
      setFlagsWord(f | F_ZF);
    } else {
      wr64(ea, lo); wr64(ea + 8, hi);
      setGpr64(0, lo); setGpr64(2, hi);
      setFlagsWord(f);
    }
    return 0;
  }
  if (!probeWrite(ea, 8)) return PF;
  const m = rd64(ea);
  if (fault) return PF;
  const cur = (gpr64(0) & 0xffffffff) | (gpr64(2) << 32);
  const f = materialize() & ~F_ZF;
  if (m == cur) {
    wr64(ea, (gpr64(3) & 0xffffffff) | (gpr64(1) << 32));
    setFlagsWord(f | F_ZF);
  } else {
    wr64(ea, m);
    setGpr32(0, <u32>m); setGpr32(2, <u32>(m >> 32));
    setFlagsWord(f);
  }
  return 0;
}
