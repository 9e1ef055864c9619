// SSE/SSE2 dispatch: the decoder hands over every opcode of the SSE ranges
// (0F 10-17, 28-2F, 50-7F, C2, C4-C6, D0-FF, 0F 38, 0F 3A) with prefixes,
// ModRM, effective address and imm8 decoded (core.ts); the mandatory prefix
// (none/66/F3/F2) selects the instruction, as in SDM vol. 2 appendix A.
// Families live in sse_move.ts, sse_int.ts, sse_fp.ts and sse_cvt.ts; the
// IEEE arithmetic under MXCSR in sse_float.ts. The forms on MMX registers go
// to mmx.ts. Forms we do not implement (SSE3 and later: CPUID does not
// advertise them) are #UD.
import { S, pfx66, pfxF2, pfxF3, fault, rd32, wr32 } from "./core";
import { EXIT_UD, EXIT_GP, EXIT_PAGE_FAULT, MXCSR_MASK } from "./state";
import { repPfx } from "./decode";
import { pfxClass, setPfxClass, mxcsr, setMxcsr } from "./sse_common";
import {
  movLoad10, movStore11, movAligned, movHalf, movNt, movMsk, movdToXmm, movd7E, movdq, movqD6,
  maskMovdqu, emms,
} from "./sse_move";
import { intBinary, shiftImm, pshuf, shufp, pinsrw, pextrw, pmovmskb } from "./sse_int";
import { fpArith, fpComi, fpLogic, fpApprox, K_ADD, K_SUB, K_MUL, K_DIV, K_MIN, K_MAX, K_SQRT, K_CMP } from "./sse_fp";
import { isMmx, mmxExec } from "./mmx";
import { cvtIntToScalar, cvtScalarToInt, cvtFloatFloat, cvtPackedSingle, cvtPackedDouble } from "./sse_cvt";

/** Executes an SSE-family opcode of map (1 = 0F, 2 = 0F38, 3 = 0F3A) after ModRM and immediate are decoded; returns 0 or an EXIT_* code. */
export function sseExec(map: i32, op: i32): i32 {
  if (map != 1) return EXIT_UD; // SSSE3/SSE4 (0F 38, 0F 3A) are not advertised
  // With both F2 and F3 present the later one is the mandatory prefix (as the hardware does).
  setPfxClass(pfxF2 && pfxF3 ? (repPfx == 3 ? 2 : 3) : pfxF2 ? 3 : pfxF3 ? 2 : pfx66 ? 1 : 0);
  if (isMmx(op, pfxClass)) return mmxExec(op);
  switch (op) {
    case 0x10: return movLoad10();
    case 0x11: return movStore11();
    case 0x12: case 0x13: case 0x16: case 0x17: return movHalf(op);
    case 0x14: case 0x15: return intBinary(op);
    case 0x28: return movAligned(false);
    case 0x29: return movAligned(true);
    case 0x2a: return cvtIntToScalar();
    case 0x2b: return pfxClass < 2 ? movNt() : EXIT_UD;
    case 0x2c: return cvtScalarToInt(true);
    case 0x2d: return cvtScalarToInt(false);
    case 0x2e: return fpComi(false);
    case 0x2f: return fpComi(true);
    case 0x50: return movMsk();
    case 0x51: return fpArith(K_SQRT);
    case 0x52: return fpApprox(true);
    case 0x53: return fpApprox(false);
    case 0x54: case 0x55: case 0x56: case 0x57: return fpLogic(op);
    case 0x58: return fpArith(K_ADD);
    case 0x59: return fpArith(K_MUL);
    case 0x5a: return cvtFloatFloat();
    case 0x5b: return cvtPackedSingle();
    case 0x5c: return fpArith(K_SUB);
    case 0x5d: return fpArith(K_MIN);
    case 0x5e: return fpArith(K_DIV);
    case 0x5f: return fpArith(K_MAX);
    case 0x6e: return movdToXmm();
    case 0x6f: return movdq(false);
    case 0x70: return pshuf();
    case 0x71: case 0x72: case 0x73: return shiftImm(op);
    case 0x77: return emms();
    case 0x7e: return movd7E();
    case 0x7f: return movdq(true);
    case 0xc2: return fpArith(K_CMP);
    case 0xc4: return pinsrw();
    case 0xc5: return pextrw();
    case 0xc6: return shufp();
    case 0xd6: return movqD6();
    case 0xd7: return pmovmskb();
    case 0xe6: return cvtPackedDouble();
    case 0xe7: return pfxClass == 1 ? movNt() : EXIT_UD;
    case 0xf7: return maskMovdqu();
    default:
      if ((op >= 0x60 && op <= 0x6d) || (op >= 0x74 && op <= 0x76) || op >= 0xd0) return intBinary(op);
      return EXIT_UD;
  }
}

/** LDMXCSR (0F AE /2): reserved bits set -> #GP(0) (SDM LDMXCSR). */
export function ldmxcsr(addr: u64): i32 {
  const v = rd32(addr);
  if (fault) return EXIT_PAGE_FAULT;
  // Writable bits = MXCSR_MASK from the state block (0 means the default 0xFFFF), as FXRSTOR checks.
  let mask = load<u32>(S + MXCSR_MASK);
  if (mask == 0) mask = 0xffff;
  if ((v & ~mask) != 0) return EXIT_GP;
  setMxcsr(v);
  return 0;
}

/** STMXCSR (0F AE /3). */
export function stmxcsr(addr: u64): i32 {
  wr32(addr, mxcsr());
  return fault ? EXIT_PAGE_FAULT : 0;
}
