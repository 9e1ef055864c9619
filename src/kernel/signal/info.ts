// Signal numbers, siginfo codes and the 128-byte siginfo_t as Linux lays it
// out on x86-64 (include/uapi/asm-generic/siginfo.h), plus the bit helpers
// for 64-bit signal sets (bit n-1 for signal n).

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
  SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGSTKFLT = 16,
  SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGXCPU = 24,
  SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29, SIGPWR = 30, SIGSYS = 31;
export const SIGRTMIN = 32, NSIG = 64;

// si_code values (siginfo.h).
export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TIMER = -2, SI_TKILL = -6;
export const ILL_ILLOPC = 1, ILL_ILLOPN = 2;
export const FPE_INTDIV = 1, FPE_INTOVF = 2, FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2;
export const TRAP_BRKPT = 1;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;

/** A queued signal's siginfo. Only the fields the kind of signal uses are meaningful. */
export interface SigInfo {
  signo: number;
  code: number;
  errno?: number;
  /** kill/tkill/SIGCHLD: sender's PID and real UID. */
  pid?: number;
  uid?: number;
  /** SIGCHLD: exit status or signal. */
  status?: number;
  /** Faults: the faulting address (si_addr). */
  addr?: number;
  /** sigqueue: si_value. */
  value?: bigint;
  /** Fault details for the sigcontext (trapno, err, cr2); not part of siginfo. */
  trapno?: number;
  err?: number;
}

export const SIGINFO_SIZE = 128;

/** Serialises `i` as the user-visible siginfo_t. */
export function encodeSigInfo(i: SigInfo): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(b.buffer);
  v.setInt32(0, i.signo, true);
  v.setInt32(4, i.errno ?? 0, true);
  v.setInt32(8, i.code, true);
  // The union at +16: _sigfault {addr} for kernel-generated faults, else _kill/_rt/_sigchld {pid, uid, ...}.
  if (i.addr !== undefined) {
    v.setBigUint64(16, BigInt(i.addr), true);
  } else {
    v.setInt32(16, i.pid ?? 0, true);
    v.setUint32(20, i.uid ?? 0, true);
    if (i.status !== undefined) v.setInt32(24, i.status, true);
    else if (i.value !== undefined) v.setBigUint64(24, i.value, true);
  }
  return b;
}

export const sigBit = (sig: number): bigint => 1n << BigInt(sig - 1);
export const UNBLOCKABLE = sigBit(SIGKILL) | sigBit(SIGSTOP);
/** Synchronous (fault) signals, dequeued first like Linux's SYNCHRONOUS_MASK. */
export const SYNCHRONOUS = sigBit(SIGSEGV) | sigBit(SIGBUS) | sigBit(SIGILL) | sigBit(SIGTRAP) | sigBit(SIGFPE) | sigBit(SIGSYS);

/** Default actions, signal(7). */
export type DefaultAction = "term" | "core" | "ign" | "stop" | "cont";
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH: return "ign";
    case SIGCONT: return "cont";
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU: return "stop";
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE: case SIGSEGV:
    case SIGXCPU: case SIGXFSZ: case SIGSYS: return "core";
    default: return "term";
  }
}
