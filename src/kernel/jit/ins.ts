// An instruction of a region as the block compiler sees it: the fields of
// its decode-cache entry (src/cpu/decode.ts, fast.ts) that compile.ts reads.

// Fast-path kinds (src/cpu/fast.ts).
export const K = {
  ALU_RM_R: 1, ALU_R_RM: 2, ALU_RM_I: 3, TEST_RM_R: 4, TEST_RM_I: 5, MOV_RM_R: 6, MOV_R_RM: 7, MOV_RM_I: 8,
  LEA: 9, JCC: 10, JMP: 11, CALL: 12, RET: 13, PUSH: 14, POP: 15, MOVX: 16, SHIFT: 17, CMOV: 18, SETCC: 19,
  IMUL: 20, IMUL_I: 21, INCDEC: 22, NOP: 23, SHIFT_CL: 24, SHIFT_1: 25, CALL_RM: 26, JMP_RM: 27,
  NOTNEG: 28, BSWAP: 29, BT_I: 30, GENERIC: 39,
} as const;

/** One instruction of a block, read from its entry copy. */
export interface Ins {
  kind: number; sz: number; reg: number; rm: number; sub: number; mem: boolean;
  imm: bigint; disp: number; len: number; seg: number; base: number; idx: number; scale: number;
  /** Offset of the instruction from the block's first byte. */
  off: number;
  /** The decoder's own fields (decode.ts): opcode map and byte, ModRM mod, reg and rm with REX. */
  map: number; op: number; modMod: number; modReg: number; modRm: number;
  /** Prefix bits (decode.ts entry +23): 1 66, 2 F2, 4 F3, 64 67 (32-bit addressing). */
  pfx: number;
}
