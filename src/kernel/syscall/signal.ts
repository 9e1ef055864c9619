// Signal syscalls, recording state only: rt_sigaction(2), rt_sigprocmask(2),
// sigaltstack(2). Delivery to handlers (frames, rt_sigreturn) comes with
// issue 4; until then kill/tgkill to oneself applies the default action, so
// abort() ends the process with SIGABRT as on Linux.
import type { Task, SigAction } from "../task";
import type { Args, Kernel } from "./types";
import { EINVAL, EFAULT, ESRCH, ENOSYS } from "../errno";

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8,
  SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17,
  SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGWINCH = 28;

const SIG_DFL = 0n, SIG_IGN = 1n;
const NSIG = 64;

/** Signals whose default action is to be ignored (signal(7)). */
const DEFAULT_IGNORE = new Set([SIGCHLD, SIGURG, SIGWINCH, SIGCONT]);

/** Whether delivering `sig` now would end the process by its default action. */
export function isFatalByDefault(t: Task, sig: number): boolean {
  if (sig === SIGKILL || sig === SIGSTOP) return true;
  const act = t.sig.actions.get(sig);
  const h = act?.handler ?? SIG_DFL;
  if (h === SIG_IGN) return false;
  if (h !== SIG_DFL) return false; // a handler: delivered once signal frames exist
  return !DEFAULT_IGNORE.has(sig) && sig !== SIGTSTP && sig !== SIGTTIN && sig !== SIGTTOU;
}

/** rt_sigaction(2) */
export function sysRtSigaction(t: Task, a: Args): number {
  const sig = a.i(0), act = a.u(1), old = a.u(2), size = a.u(3);
  if (size !== 8 || sig < 1 || sig > NSIG) return -EINVAL;
  if (act && (sig === SIGKILL || sig === SIGSTOP)) return -EINVAL;
  let next: SigAction | null = null;
  if (act) {
    const raw = t.mm.copyIn(act, 32);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer);
    next = { handler: v.getBigUint64(0, true), flags: v.getBigUint64(8, true), restorer: v.getBigUint64(16, true), mask: v.getBigUint64(24, true) };
  }
  if (old) {
    const cur = t.sig.actions.get(sig);
    const b = new Uint8Array(32);
    const v = new DataView(b.buffer);
    if (cur) {
      v.setBigUint64(0, cur.handler, true); v.setBigUint64(8, cur.flags, true);
      v.setBigUint64(16, cur.restorer, true); v.setBigUint64(24, cur.mask, true);
    }
    if (t.mm.copyOut(old, b) < 0) return -EFAULT;
  }
  if (next) t.sig.actions.set(sig, next);
  return 0;
}

const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
const UNBLOCKABLE = (1n << BigInt(SIGKILL - 1)) | (1n << BigInt(SIGSTOP - 1));

/** rt_sigprocmask(2) */
export function sysRtSigprocmask(t: Task, a: Args): number {
  const how = a.i(0), set = a.u(1), old = a.u(2), size = a.u(3);
  if (size !== 8) return -EINVAL;
  let next: bigint | null = null;
  if (set) {
    const raw = t.mm.copyIn(set, 8);
    if (!raw) return -EFAULT;
    const m = new DataView(raw.buffer).getBigUint64(0, true) & ~UNBLOCKABLE;
    switch (how) {
      case SIG_BLOCK: next = t.sig.blocked | m; break;
      case SIG_UNBLOCK: next = t.sig.blocked & ~m; break;
      case SIG_SETMASK: next = m; break;
      default: return -EINVAL;
    }
  }
  if (old) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, t.sig.blocked, true);
    if (t.mm.copyOut(old, b) < 0) return -EFAULT;
  }
  if (next !== null) t.sig.blocked = next;
  return 0;
}

/** sigaltstack(2) */
export function sysSigaltstack(t: Task, a: Args): number {
  const ss = a.u(0), old = a.u(1);
  if (old) {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, t.sig.altStack.sp, true);
    v.setInt32(8, t.sig.altStack.flags, true);
    v.setBigUint64(16, t.sig.altStack.size, true);
    if (t.mm.copyOut(old, b) < 0) return -EFAULT;
  }
  if (ss) {
    const raw = t.mm.copyIn(ss, 24);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer);
    const flags = v.getInt32(8, true);
    if (flags & ~(2 | 0x80000000)) return -EINVAL;
    t.sig.altStack = { sp: v.getBigUint64(0, true), flags, size: v.getBigUint64(16, true) };
  }
  return 0;
}

/** kill(2): only the caller itself can be signalled while it is the only process. */
export function sysKill(t: Task, a: Args, k: Kernel): number {
  const pid = a.i(0), sig = a.i(1);
  if (sig < 0 || sig > NSIG) return -EINVAL;
  if (pid !== t.tgid && pid !== 0 && pid !== -1) return -ESRCH;
  if (sig !== 0) k.signal(t, sig);
  return 0;
}

/** tgkill(2) */
export function sysTgkill(t: Task, a: Args, k: Kernel): number {
  const tgid = a.i(0), tid = a.i(1), sig = a.i(2);
  if (sig < 0 || sig > NSIG || tgid <= 0 || tid <= 0) return -EINVAL;
  if (tgid !== t.tgid || tid !== t.tid) return -ESRCH;
  if (sig !== 0) k.signal(t, sig);
  return 0;
}

/** tkill(2) */
export function sysTkill(t: Task, a: Args, k: Kernel): number {
  const tid = a.i(0), sig = a.i(1);
  if (sig < 0 || sig > NSIG || tid <= 0) return -EINVAL;
  if (tid !== t.tid) return -ESRCH;
  if (sig !== 0) k.signal(t, sig);
  return 0;
}

/** rt_sigreturn(2): no signal frames exist yet. */
export const sysRtSigreturn = (): number => -ENOSYS;
