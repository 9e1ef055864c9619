// Delivering signals on the way back to user mode (Linux's
// arch_do_signal_or_restart + get_signal + handle_signal), turning CPU
// faults into signals (force_sig_fault), and sending (send_signal).
//
// The machine calls `beforeUserMode` each time it is about to enter the CPU
// for a task. There: the real timer is checked; an interrupted syscall's
// internal restart code becomes -EINTR or a restart (RIP back over the
// 2-byte `syscall`, RAX = the syscall number again), signal(7)
// "Interruption of system call and library functions by signal handlers";
// each pending unblocked signal is dequeued and either ignored, handled by
// its default action (terminate, core, stop, continue) or given a frame.
import type { Task } from "../task";
import type { Kernel } from "../syscall/types";
import { RAX, RIP } from "../regs-offsets";
import {
  FAULT_ADDR, FAULT_CODE, FSW, FCW, MXCSR,
  EXIT_PAGE_FAULT, EXIT_UD, EXIT_DE, EXIT_GP, EXIT_BREAKPOINT, EXIT_MF, EXIT_XM,
} from "../cpu";
import { EINTR, EPIPE } from "../errno";
import {
  type SigInfo, sigBit, defaultAction, SIGSEGV, SIGILL, SIGFPE, SIGTRAP, SIGKILL, SIGSTOP, SIGPIPE,
  SI_KERNEL, SI_USER, ILL_ILLOPN, FPE_INTDIV, FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES,
  SEGV_MAPERR, SEGV_ACCERR, CLD_STOPPED,
} from "./info";
import {
  queueSignal, nextSignal, dequeue, isProtectedInit, notifyParentOfJobControl, SIG_DFL, SIG_IGN, SA_NODEFER, SA_RESETHAND, SA_RESTART,
} from "./queue";
import { setupFrame } from "./frame";
import { checkTimers } from "./itimer";
import { NR_RESTART_SYSCALL } from "./restart";

/**
 * Internal results of interrupted syscalls (include/linux/errno.h): they
 * never reach user space. ERESTARTSYS: restart if the handler has
 * SA_RESTART (or no handler runs), else EINTR. ERESTARTNOINTR: always
 * restart. ERESTARTNOHAND: EINTR if a handler runs, else restart (pause,
 * sigsuspend). ERESTART_RESTARTBLOCK: as NOHAND (nanosleep).
 */
export const ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;

const NR_RT_SIGRETURN = 15;
/** Writes that raise SIGPIPE with EPIPE (pipe_write does it for every writer). */
const PIPE_WRITES = new Set([1 /* write */, 18 /* pwrite64 */, 20 /* writev */, 40 /* sendfile */, 275 /* splice */, 296 /* pwritev */, 328 /* pwritev2 */]);

/**
 * Sends `info.signo` to `t`'s process (kill) or to the thread itself (tkill,
 * tgkill); `from` is the sending task, null when the kernel sends.
 */
export function sendSignal(t: Task, info: SigInfo, thread = false, from: Task | null = null): void {
  queueSignal(t, info, thread, from);
}

/**
 * force_sig_info: a synchronous signal the task cannot ignore or block. If
 * it is blocked or ignored, it is unblocked and its action reset to the
 * default, so a fault inside its own handler ends the process.
 */
export function forceSignal(t: Task, info: SigInfo): void {
  const sig = info.signo, bit = sigBit(sig);
  const act = t.sig.actions.get(sig);
  const blocked = (t.sig.blocked & bit) !== 0n;
  if (blocked || act?.handler === SIG_IGN) {
    t.sig.actions.delete(sig);
    t.sig.blocked &= ~bit;
  }
  t.sig.pending.add(info);
}

/** fpu__exception_code: the si_code of a floating-point exception from unmasked, raised flags. */
function fpCode(raised: number): number {
  if (raised & 0x001) return FPE_FLTINV;
  if (raised & 0x004) return FPE_FLTDIV;
  if (raised & 0x008) return FPE_FLTOVF;
  if (raised & 0x012) return FPE_FLTUND;
  if (raised & 0x020) return FPE_FLTRES;
  return 0;
}

/**
 * Turns a CPU exit into the signal Linux's trap handlers send: si_code,
 * si_addr and the sigcontext's trapno/err/cr2 (arch/x86/kernel/traps.c,
 * arch/x86/mm/fault.c). A page fault the address space could not serve is
 * SEGV_MAPERR outside every mapping and SEGV_ACCERR inside one.
 */
export function faultSignal(t: Task, exit: number): void {
  const r = t.regs;
  const rip = r.get(RIP);
  switch (exit) {
    case EXIT_PAGE_FAULT: {
      const addr = r.get(FAULT_ADDR);
      const code = r.u32(FAULT_CODE) | 4; // PF_USER
      forceSignal(t, { signo: SIGSEGV, code: t.mm.find(addr) ? SEGV_ACCERR : SEGV_MAPERR, addr, trapno: 14, err: code });
      break;
    }
    case EXIT_UD: forceSignal(t, { signo: SIGILL, code: ILL_ILLOPN, addr: rip, trapno: 6 }); break;
    case EXIT_DE: forceSignal(t, { signo: SIGFPE, code: FPE_INTDIV, addr: rip, trapno: 0 }); break;
    case EXIT_MF: {
      const raised = r.u32(FSW) & 0xffff & ~(r.u32(FCW) & 0xffff);
      forceSignal(t, { signo: SIGFPE, code: fpCode(raised & 0x3f), addr: rip, trapno: 16 });
      break;
    }
    case EXIT_XM: {
      const m = r.u32(MXCSR);
      forceSignal(t, { signo: SIGFPE, code: fpCode(m & ~(m >> 7) & 0x3f), addr: rip, trapno: 19 });
      break;
    }
    case EXIT_GP: forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0, trapno: 13 }); break;
    case EXIT_BREAKPOINT: forceSignal(t, { signo: SIGTRAP, code: SI_KERNEL, addr: 0, trapno: 3 }); break;
    default: throw new Error(`faultSignal: exit ${exit} is not a fault`);
  }
}

/**
 * Moves RIP back over `syscall` and reloads RAX with its number, so the call
 * runs again — or with restart_syscall for -ERESTART_RESTARTBLOCK, which
 * resumes the call from its restart block (signal/restart.ts).
 */
function restartSyscall(t: Task, nr: number, code: number): void {
  t.regs.set(RIP, t.regs.get(RIP) - 2);
  t.regs.set(RAX, code === ERESTART_RESTARTBLOCK ? NR_RESTART_SYSCALL : nr);
}

/** Syscalls never restarted after a handler, whatever SA_RESTART says (signal(7)). */
const NEVER_RESTARTED = new Set([
  7 /* poll */, 23 /* select */, 34 /* pause */, 35 /* nanosleep */, 130 /* rt_sigsuspend */, 128 /* rt_sigtimedwait */,
  230 /* clock_nanosleep */, 232 /* epoll_wait */, 270 /* pselect6 */, 271 /* ppoll */, 281 /* epoll_pwait */,
  64 /* semop */, 220 /* semtimedop */, 208 /* io_getevents */,
]);

/**
 * What a blocking syscall returns when a signal interrupts its wait: the
 * internal restart code that beforeUserMode turns into EINTR or a restart.
 */
export const interruptedResult = (nr: number): number => NEVER_RESTARTED.has(nr) ? -ERESTARTNOHAND : -ERESTARTSYS;

/**
 * The return-to-user-mode work for `t`. `t.sig.sysnr` is the number of
 * the syscall just served (its result is in RAX), set by the dispatcher;
 * -1 after a fault, a budget exit or a wake-up. Returns false if the task
 * must not enter the CPU now: it exited, or its thread group is stopped.
 */
export function beforeUserMode(t: Task, k: Kernel): boolean {
  const sysnr = t.sig.sysnr;
  t.sig.sysnr = -1;
  if (t.exitStatus !== null) return false;
  let restart = 0;
  if (sysnr === NR_RT_SIGRETURN) {
    // The restored RAX is a full 64-bit value; the dispatcher stored a JS number.
    if (t.sig.sigreturnRax !== null) t.regs.setBig(RAX, t.sig.sigreturnRax);
    t.sig.sigreturnRax = null;
  } else if (sysnr >= 0) {
    const rv = t.regs.i64(RAX);
    if (rv <= -ERESTARTSYS && rv >= -ERESTART_RESTARTBLOCK) restart = -rv;
    else if (rv === -EPIPE && PIPE_WRITES.has(sysnr)) sendSignal(t, { signo: SIGPIPE, code: SI_USER, pid: t.tgid, uid: t.cred.uid });
  }
  checkTimers(t, k);

  for (let guard = 0; guard < 64; guard++) {
    const sig = nextSignal(t);
    if (!sig) break;
    const info = dequeue(t, sig);
    const act = t.sig.actions.get(sig);
    const h = act?.handler ?? SIG_DFL;
    if (h === SIG_IGN && sig !== SIGKILL) continue;
    if (h === SIG_DFL || sig === SIGKILL) {
      const what = defaultAction(sig);
      if (what === "ign" || what === "cont") continue;
      // An init ignores default actions but for a SIGKILL/SIGSTOP that was let through (get_signal).
      if (sig !== SIGKILL && sig !== SIGSTOP && isProtectedInit(t)) continue;
      if (what === "stop") {
        // Job control: the group stops until SIGCONT (the scheduler keeps stopped tasks off the CPU).
        t.sig.group.stopSig = sig;
        t.sig.group.notify = "stopped";
        notifyParentOfJobControl(t, CLD_STOPPED, sig);
        if (restart) restartSyscall(t, sysnr, restart);
        return false;
      }
      // "term" and "core" (no core file: RLIMIT_CORE is 0, so no WCOREDUMP bit).
      k.exitGroup(t, sig);
      return false;
    }
    // A handler: settle the interrupted syscall first, so the frame holds the restart state.
    if (restart) {
      if (restart === ERESTARTNOINTR || (restart === ERESTARTSYS && act && act.flags & SA_RESTART)) restartSyscall(t, sysnr, restart);
      else t.regs.set(RAX, -EINTR);
      restart = 0;
    }
    const mask = t.sig.savedMask ?? t.sig.blocked;
    t.sig.savedMask = null;
    if (!act || !setupFrame(t, act, info, mask)) {
      forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
      continue;
    }
    t.sig.blocked |= act.mask | (act.flags & SA_NODEFER ? 0n : sigBit(sig));
    t.sig.blocked &= ~(sigBit(SIGKILL) | sigBit(SIGSTOP));
    if (act.flags & SA_RESETHAND) t.sig.actions.delete(sig);
  }
  // No handler ran: the interrupted call is restarted transparently, and a sigsuspend mask goes back.
  if (restart) restartSyscall(t, sysnr, restart);
  if (t.sig.savedMask !== null) { t.sig.blocked = t.sig.savedMask; t.sig.savedMask = null; }
  return t.exitStatus === null && !t.sig.group.stopSig;
}

/** Whether the task's thread group is stopped by a stop signal (the scheduler keeps it off the CPU until SIGCONT). */
export const isStopped = (t: Task): boolean => t.sig.group.stopSig !== 0;
