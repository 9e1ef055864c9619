// What one run of a case produced, on either side, in one shape.
export interface Outcome {
  /** "ok" = reached the end of the snippet; otherwise the signal Linux would deliver (or an emulator-only condition). */
  kind: "ok" | "SIGSEGV" | "SIGBUS" | "SIGILL" | "SIGFPE" | "SIGTRAP" | "syscall" | "budget" | "crash";
  /** Extra detail for the report (si_code, emulator exit, exception text). */
  detail: string;
  /** Faulting address for page faults (si_addr / FAULT_ADDR), else 0. */
  faultAddr: bigint;
  /** True when the fault is a page fault (#PF), false for #GP and others. */
  pageFault: boolean;
  /** #PF error code (bit 0 protection, 1 write, 2 user, 4 fetch), else 0. */
  faultCode: number;
  gpr: BigUint64Array;
  rip: bigint;
  rflags: number;
  fx?: Uint8Array;
  /** Changed bytes of the memory image: offset | byte << 24, ascending. */
  diffs: Uint32Array;
}

export const SIGNALS: Record<number, Outcome["kind"]> = { 4: "SIGILL", 5: "SIGTRAP", 7: "SIGBUS", 8: "SIGFPE", 11: "SIGSEGV" };
