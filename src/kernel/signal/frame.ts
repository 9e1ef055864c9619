// The x86-64 signal frame (Linux arch/x86/kernel/signal_64.c,
// arch/x86/include/uapi/asm/{sigcontext.h,ucontext.h}): what a handler finds
// on its stack and what rt_sigreturn(2) reads back.
//
//   sp+0    pretcode: sa_restorer (the handler's return address)
//   sp+8    struct ucontext (304 bytes)
//             +0 uc_flags, +8 uc_link, +16 uc_stack {ss_sp, ss_flags, ss_size},
//             +40 uc_mcontext = struct sigcontext (256 bytes):
//                 r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags,
//                 cs/gs/fs/ss (u16 each), err, trapno, oldmask, cr2, fpstate, reserved[8]
//             +296 uc_sigmask
//   sp+312  siginfo_t (128 bytes)
//   above, 64-byte aligned: the FXSAVE image (512 bytes) that sigcontext.fpstate points to
//
// At handler entry RSP is 8 mod 16, as right after a call (align_sigframe).
import type { Task } from "../task";
import {
  RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, RIP, RFLAGS, R8, R9, R10, R11, R12, R13, R14, R15,
} from "../regs-offsets";
import { FXAREA, MXCSR, MXCSR_MASK, FCW } from "../cpu";
import { type SigInfo, encodeSigInfo, SIGINFO_SIZE, UNBLOCKABLE } from "./info";
import type { SigAction } from "../task";
import { SA_ONSTACK, SA_RESTORER } from "./queue";

const UC_SIZE = 304, MCONTEXT = 40, SIGMASK = 296;
const FRAME_SIZE = 8 + UC_SIZE + SIGINFO_SIZE;
const FXSIZE = 512;
const RED_ZONE = 128;
/** sigcontext general registers in their order (sigcontext.h, glibc's REG_R8..REG_RIP). */
const GREGS = [R8, R9, R10, R11, R12, R13, R14, R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP, RIP];
const SC_EFLAGS = 17 * 8, SC_CSGSFS = 18 * 8, SC_ERR = 19 * 8, SC_TRAPNO = 20 * 8, SC_OLDMASK = 21 * 8, SC_CR2 = 22 * 8,
  SC_FPSTATE = 23 * 8;
const USER_CS = 0x33n, USER_SS = 0x2bn;
/** uc_flags: UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS (no XSAVE area: no UC_FP_XSTATE). */
const UC_FLAGS = 0x6n;
/** RFLAGS bits user code may change through a frame (FIX_EFLAGS: AC OF DF TF SF ZF AF PF CF RF). */
const FIX_EFLAGS = 0x40000n | 0x800n | 0x400n | 0x100n | 0x80n | 0x40n | 0x10n | 0x4n | 0x1n | 0x10000n;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x80000000;

/** Whether `sp` lies on the task's alternate signal stack (on_sig_stack). */
export function onAltStack(t: Task, sp: bigint): boolean {
  const a = t.sig.altStack;
  return a.size !== 0n && sp > a.sp && sp - a.sp <= a.size;
}

/** sas_ss_flags: what sigaltstack(2) and uc_stack report for the stack pointer `sp`. */
export function altStackFlags(t: Task, sp: bigint): number {
  if (t.sig.altStack.size === 0n) return SS_DISABLE;
  return onAltStack(t, sp) ? SS_ONSTACK : 0;
}

/**
 * Builds the frame for handler `act` of signal `info.signo` on the user
 * stack and points the registers at the handler. `mask` is the mask to
 * restore on return. False when the frame cannot be written (bad stack, no
 * restorer): the caller then forces SIGSEGV, like Linux's signal_setup_done.
 */
export function setupFrame(t: Task, act: SigAction, info: SigInfo, mask: bigint): boolean {
  const r = t.regs;
  if (!(act.flags & SA_RESTORER)) return false; // x86-64 has no vsyscall trampoline: glibc and musl always set one
  const userSp = r.big(RSP);
  let sp = userSp - BigInt(RED_ZONE);
  const onstack = onAltStack(t, userSp);
  if (act.flags & SA_ONSTACK && altStackFlags(t, userSp) === 0) sp = t.sig.altStack.sp + t.sig.altStack.size;
  const fx = (sp - BigInt(FXSIZE)) & ~63n;
  sp = ((fx - BigInt(FRAME_SIZE)) & ~15n) - 8n;
  // Already on the alternate stack and about to leave it: overflow, die with SIGSEGV.
  if (onstack && !onAltStack(t, sp)) return false;
  if (sp <= 0n) return false;

  const uc = new Uint8Array(8 + UC_SIZE + SIGINFO_SIZE);
  const v = new DataView(uc.buffer);
  v.setBigUint64(0, act.restorer, true);
  const u = 8;
  v.setBigUint64(u, UC_FLAGS, true);
  v.setBigUint64(u + 16, t.sig.altStack.sp, true);
  v.setInt32(u + 24, t.sig.altStack.flags, true); // __save_altstack stores the flags as set
  v.setBigUint64(u + 32, t.sig.altStack.size, true);
  const sc = u + MCONTEXT;
  GREGS.forEach((off, i) => v.setBigUint64(sc + i * 8, r.big(off), true));
  v.setBigUint64(sc + SC_EFLAGS, r.big(RFLAGS), true);
  v.setBigUint64(sc + SC_CSGSFS, USER_CS | (USER_SS << 48n), true);
  v.setBigUint64(sc + SC_ERR, BigInt(info.err ?? 0), true);
  v.setBigUint64(sc + SC_TRAPNO, BigInt(info.trapno ?? 0), true);
  v.setBigUint64(sc + SC_OLDMASK, mask & 0xffffffffffffffffn, true);
  v.setBigUint64(sc + SC_CR2, BigInt(info.trapno === 14 ? (info.addr ?? 0) : 0), true);
  v.setBigUint64(sc + SC_FPSTATE, fx, true);
  v.setBigUint64(u + SIGMASK, mask, true);
  uc.set(encodeSigInfo(info), 8 + UC_SIZE);

  const fxImage = fxArea(t).slice();
  if (t.mm.copyOut(Number(fx), fxImage) < 0) return false;
  if (t.mm.copyOut(Number(sp), uc) < 0) return false;
  // SS_AUTODISARM: the handler runs with the alternate stack disabled (restored by rt_sigreturn).
  if (t.sig.altStack.flags & SS_AUTODISARM) t.sig.altStack = { sp: 0n, flags: SS_DISABLE, size: 0n };

  r.setBig(RSP, sp);
  r.setBig(RIP, act.handler);
  r.setBig(RDI, BigInt(info.signo));
  r.setBig(RSI, sp + BigInt(8 + UC_SIZE));
  r.setBig(RDX, sp + 8n);
  r.setBig(RAX, 0n);
  // The handler starts with DF, TF and RF clear and a fresh FPU state (fpu__clear_user_states).
  r.setBig(RFLAGS, r.big(RFLAGS) & ~(0x400n | 0x100n | 0x10000n));
  resetFpu(t);
  return true;
}

/** The task's FXSAVE image in its CPU state block (src/cpu/state.ts FXAREA). */
const fxArea = (t: Task): Uint8Array => t.mm.mem.u8.subarray(t.regs.base + FXAREA, t.regs.base + FXAREA + FXSIZE);

/** The FPU/SSE state after FNINIT + default MXCSR, as a handler starts with. */
function resetFpu(t: Task): void {
  const keepMask = t.regs.u32(MXCSR_MASK);
  fxArea(t).fill(0);
  t.regs.setU16(FCW, 0x37f);
  t.regs.setU32(MXCSR, 0x1f80);
  t.regs.setU32(MXCSR_MASK, keepMask);
}

/**
 * rt_sigreturn(2): restores the context saved by setupFrame from the frame
 * at RSP-8 (the handler's `ret` popped pretcode). Returns the restored RAX,
 * or null for a bad frame (the caller forces SIGSEGV).
 */
export function restoreFrame(t: Task): bigint | null {
  const r = t.regs;
  const frame = r.big(RSP) - 8n;
  const raw = t.mm.copyIn(Number(frame), 8 + UC_SIZE);
  if (!raw) return null;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const u = 8, sc = u + MCONTEXT;
  const fpstate = v.getBigUint64(sc + SC_FPSTATE, true);
  let fxImage: Uint8Array | null = null;
  if (fpstate !== 0n) {
    if (fpstate & 15n) return null; // FXRSTOR needs a 16-byte aligned image
    fxImage = t.mm.copyIn(Number(fpstate), FXSIZE);
    if (!fxImage) return null;
    const mxcsr = new DataView(fxImage.buffer, fxImage.byteOffset).getUint32(24, true);
    const writable = r.u32(MXCSR_MASK) || 0xffff; // 0 in the state block means the default mask (SDM vol. 1 §11.6.6)
    if (mxcsr & ~writable) return null; // FXRSTOR would #GP on reserved MXCSR bits
  }
  t.sig.blocked = v.getBigUint64(u + SIGMASK, true) & ~UNBLOCKABLE;
  GREGS.forEach((off, i) => r.setBig(off, v.getBigUint64(sc + i * 8, true)));
  const fl = v.getBigUint64(sc + SC_EFLAGS, true);
  r.setBig(RFLAGS, (r.big(RFLAGS) & ~FIX_EFLAGS) | (fl & FIX_EFLAGS));
  if (fxImage) {
    // The MXCSR_MASK field of the image is not loaded by FXRSTOR: keep the CPU's.
    const keepMask = r.u32(MXCSR_MASK);
    fxArea(t).set(fxImage);
    r.setU32(MXCSR_MASK, keepMask);
  } else {
    resetFpu(t);
  }
  // uc_stack: restore the alternate stack as sigaltstack(2) would; errors other than EFAULT are ignored (restore_altstack).
  const ss = { sp: v.getBigUint64(u + 16, true), flags: v.getInt32(u + 24, true), size: v.getBigUint64(u + 32, true) };
  setAltStack(t, ss.sp, ss.flags, ss.size);
  return r.big(RAX);
}

export const MINSIGSTKSZ = 2048n;

/** do_sigaltstack's set half: 0 or a negative errno (EPERM while on the stack, EINVAL, ENOMEM). */
export function setAltStack(t: Task, sp: bigint, flags: number, size: bigint): number {
  const cur = t.sig.altStack;
  if (cur.sp === sp && cur.flags === flags && cur.size === size) return 0;
  if (onAltStack(t, t.regs.big(RSP))) return -1; // EPERM
  const mode = flags & ~SS_AUTODISARM;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -22;
  if (mode === SS_DISABLE) { t.sig.altStack = { sp: 0n, flags, size: 0n }; return 0; }
  if (size < MINSIGSTKSZ) return -12;
  t.sig.altStack = { sp, flags, size };
  return 0;
}
