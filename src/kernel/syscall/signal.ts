// Signal syscalls: rt_sigaction(2), rt_sigprocmask(2), rt_sigpending(2),
// rt_sigreturn(2), sigaltstack(2), kill(2), tkill/tgkill(2),
// rt_sigsuspend(2), pause(2), rt_sigtimedwait(2); alarm/setitimer/getitimer
// live in signal/itimer.ts. Delivery itself is signal/deliver.ts.
import type { Task, SigAction } from "../task";
import type { Args, Kernel } from "./types";
import { RSP } from "../regs-offsets";
import { EINVAL, EFAULT, ESRCH, EAGAIN, EINTR, EPERM } from "../errno";
import {
  NSIG, SIGKILL, SIGSTOP, SIGCONT, SI_USER, SI_TKILL, SIGSEGV, SI_KERNEL, UNBLOCKABLE, sigBit, defaultAction, encodeSigInfo,
} from "../signal/info";
import { SIG_DFL, SIG_IGN, isIgnored, signalPending, dequeue, deliverable } from "../signal/queue";
import { sendSignal, forceSignal, ERESTARTNOHAND, ERESTARTSYS, ERESTART_RESTARTBLOCK } from "../signal/deliver";
import { EBLOCK } from "../waitqueue";
import { restoreFrame, setAltStack, altStackFlags } from "../signal/frame";
import { checkTimers } from "../signal/itimer";

export {
  SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
  SIGALRM, SIGTERM, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH,
} from "../signal/info";
export { sysAlarm, sysSetitimer, sysGetitimer } from "../signal/itimer";

/** Whether delivering `sig` now would end the process by its default action. */
export function isFatalByDefault(t: Task, sig: number): boolean {
  if (sig === SIGKILL) return true;
  const h = t.sig.actions.get(sig)?.handler ?? SIG_DFL;
  if (h !== SIG_DFL) return false;
  const d = defaultAction(sig);
  return d === "term" || d === "core";
}

const validSig = (sig: number): boolean => sig >= 1 && sig <= NSIG;

/** rt_sigaction(2): struct kernel_sigaction {handler, flags, restorer, mask}. */
export function sysRtSigaction(t: Task, a: Args): number {
  const sig = a.i(0), act = a.u(1), old = a.u(2), size = a.u(3);
  if (size !== 8 || !validSig(sig)) return -EINVAL;
  if (act && (sig === SIGKILL || sig === SIGSTOP)) return -EINVAL;
  let next: SigAction | null = null;
  if (act) {
    const raw = t.mm.copyIn(act, 32);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset);
    next = {
      handler: v.getBigUint64(0, true), flags: v.getBigUint64(8, true), restorer: v.getBigUint64(16, true),
      mask: v.getBigUint64(24, true) & ~UNBLOCKABLE,
    };
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
  if (next) {
    if (next.handler === SIG_DFL && next.flags === 0n && next.mask === 0n) t.sig.actions.delete(sig);
    else t.sig.actions.set(sig, next);
    // POSIX: setting a pending signal's action to ignore discards it (do_sigaction).
    const tmpBlocked = t.sig.blocked;
    t.sig.blocked &= ~sigBit(sig);
    if (isIgnored(t, sig)) { t.sig.pending.flush(sigBit(sig)); t.sig.group.pending.flush(sigBit(sig)); }
    t.sig.blocked = tmpBlocked;
  }
  return 0;
}

const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;

function readMask(t: Task, ptr: number): bigint | null {
  const raw = t.mm.copyIn(ptr, 8);
  return raw ? new DataView(raw.buffer, raw.byteOffset).getBigUint64(0, true) : null;
}
function writeMask(t: Task, ptr: number, m: bigint): number {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, m, true);
  return t.mm.copyOut(ptr, b) < 0 ? -EFAULT : 0;
}

/** rt_sigprocmask(2): SIGKILL and SIGSTOP are silently left unblocked. */
export function sysRtSigprocmask(t: Task, a: Args): number {
  const how = a.i(0), set = a.u(1), old = a.u(2), size = a.u(3);
  if (size !== 8) return -EINVAL;
  let next: bigint | null = null;
  if (set) {
    const m0 = readMask(t, set);
    if (m0 === null) return -EFAULT;
    const m = m0 & ~UNBLOCKABLE;
    switch (how) {
      case SIG_BLOCK: next = t.sig.blocked | m; break;
      case SIG_UNBLOCK: next = t.sig.blocked & ~m; break;
      case SIG_SETMASK: next = m; break;
      default: return -EINVAL;
    }
  }
  if (old && writeMask(t, old, t.sig.blocked) < 0) return -EFAULT;
  if (next !== null) t.sig.blocked = next;
  return 0;
}

/** rt_sigpending(2): pending signals that are blocked (the others are being delivered). */
export function sysRtSigpending(t: Task, a: Args): number {
  if (a.u(1) > 8) return -EINVAL;
  const m = (t.sig.pending.mask | t.sig.group.pending.mask) & t.sig.blocked;
  return writeMask(t, a.u(0), m);
}

/** rt_sigreturn(2): restores the context of the frame the handler returns through; a bad frame is SIGSEGV. */
export function sysRtSigreturn(t: Task): number {
  const rax = restoreFrame(t);
  if (rax === null) {
    forceSignal(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
    t.sig.sigreturnRax = null;
    return 0;
  }
  t.sig.sigreturnRax = rax; // written back exactly by beforeUserMode (64 bits do not fit a JS number)
  return Number(BigInt.asIntN(64, rax));
}

/** sigaltstack(2): stack_t {ss_sp, ss_flags, ss_size}. */
export function sysSigaltstack(t: Task, a: Args): number {
  const ss = a.u(0), old = a.u(1);
  let next: { sp: bigint; flags: number; size: bigint } | null = null;
  if (ss) {
    const raw = t.mm.copyIn(ss, 24);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset);
    next = { sp: v.getBigUint64(0, true), flags: v.getInt32(8, true), size: v.getBigUint64(16, true) };
  }
  if (old) {
    const cur = t.sig.altStack;
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, cur.sp, true);
    v.setInt32(8, altStackFlags(t, t.regs.big(RSP)) | (cur.flags & 0x80000000), true);
    v.setBigUint64(16, cur.size, true);
    if (t.mm.copyOut(old, b) < 0) return -EFAULT;
  }
  if (next) {
    const e = setAltStack(t, next.sp, next.flags, next.size);
    if (e < 0) return e;
  }
  return 0;
}

/** kill_ok_by_cred: root, or the sender's real/effective uid matches the target's real/saved uid. */
function mayKill(t: Task, target: Task, sig: number): boolean {
  const c = t.cred, d = target.cred;
  if (c.euid === 0) return true;
  if (sig === SIGCONT && target.group.sid === t.group.sid) return true;
  return c.euid === d.uid || c.euid === d.suid || c.uid === d.uid || c.uid === d.suid;
}

/** Sends `sig` to process `target` (its thread group) as kill(2) does; 0 or -EPERM. */
function killProcess(t: Task, target: Task, sig: number): number {
  if (!mayKill(t, target, sig)) return -EPERM;
  if (sig !== 0 && target.exitStatus === null) {
    sendSignal(target, { signo: sig, code: SI_USER, pid: t.vpid, uid: t.cred.uid }, false, t);
  }
  return 0;
}

/**
 * kill(2): pid > 0 one process, 0 the caller's process group, -1 every
 * process but init and the caller, < -1 the process group -pid.
 */
export function sysKill(t: Task, a: Args, k: Kernel): number {
  const pid = a.i(0), sig = a.i(1);
  if (sig < 0 || sig > NSIG) return -EINVAL;
  if (pid > 0) {
    const target = k.taskByPid(t, pid);
    if (!target) return -ESRCH;
    return killProcess(t, target.group.leader, sig);
  }
  let targets: Task[];
  // kill(-1) reaches every process the caller's PID namespace can see; a group id is a number of that namespace.
  if (pid === -1) targets = k.tasks().filter((p) => p.group !== t.group && k.taskByPid(t, 1) !== p && !p.group.zombie && t.nsproxy.pid.pidOf(p) > 0);
  else targets = pid === 0
    ? k.processGroup(t.group.pgid).filter((p) => p.group.pgidNs === t.group.pgidNs)
    : k.processGroup(-pid, t.nsproxy.pid);
  if (!targets.length) return -ESRCH;
  let ok = false, err = 0;
  for (const p of targets) {
    const e = killProcess(t, p, sig);
    if (e === 0) ok = true; else err = e;
  }
  return ok ? 0 : err;
}

/** Sends to one thread (tkill/tgkill): SI_TKILL, on the thread's own pending set. */
function killThread(t: Task, target: Task | null, tgid: number, sig: number): number {
  if (!target || target.exitStatus !== null) return -ESRCH;
  if (tgid > 0 && t.nsproxy.pid.pidOf(target.group.leader) !== tgid) return -ESRCH;
  if (!mayKill(t, target, sig)) return -EPERM;
  if (sig !== 0) sendSignal(target, { signo: sig, code: SI_TKILL, pid: t.vpid, uid: t.cred.uid }, true, t);
  return 0;
}

/** tgkill(2) */
export function sysTgkill(t: Task, a: Args, k: Kernel): number {
  const tgid = a.i(0), tid = a.i(1), sig = a.i(2);
  if (sig < 0 || sig > NSIG || tgid <= 0 || tid <= 0) return -EINVAL;
  return killThread(t, k.taskByPid(t, tid), tgid, sig);
}

/** tkill(2) */
export function sysTkill(t: Task, a: Args, k: Kernel): number {
  const tid = a.i(0), sig = a.i(1);
  if (sig < 0 || sig > NSIG || tid <= 0) return -EINVAL;
  return killThread(t, k.taskByPid(t, tid), 0, sig);
}

/**
 * Parks the caller until a signal arrives (or the monotonic `deadline`).
 * The process's real timer bounds the wait so that SIGALRM fires on time;
 * the syscall runs again from the start when the task is woken (waitqueue.ts).
 */
function sleepForSignal(t: Task, k: Kernel, deadline: bigint | null): number {
  const timer = t.sig.group.realTimer?.expiresNs ?? null;
  const until = timer !== null && (deadline === null || timer < deadline) ? timer : deadline;
  return k.block(t, [], until);
}

/** pause(2): sleeps until a signal is delivered; returns EINTR after its handler. */
export function sysPause(t: Task, _a: Args, k: Kernel): number {
  checkTimers(t, k);
  if (signalPending(t)) return -ERESTARTNOHAND;
  return sleepForSignal(t, k, null);
}

/** rt_sigsuspend(2): waits with a temporary mask; the old one comes back after the handler (restore_saved_sigmask). */
export function sysRtSigsuspend(t: Task, a: Args, k: Kernel): number {
  if (a.u(1) !== 8) return -EINVAL;
  const m = readMask(t, a.u(0));
  if (m === null) return -EFAULT;
  // Run again after a wake-up: the mask saved by the first run stays.
  if (t.sig.savedMask === null) t.sig.savedMask = t.sig.blocked;
  t.sig.blocked = m & ~UNBLOCKABLE;
  checkTimers(t, k);
  if (signalPending(t)) return -ERESTARTNOHAND;
  return sleepForSignal(t, k, null);
}

/** rt_sigtimedwait(2): takes one of `set` (normally blocked) synchronously, writing its siginfo. */
export function sysRtSigtimedwait(t: Task, a: Args, k: Kernel): number {
  const setp = a.u(0), infop = a.u(1), tsp = a.u(2);
  if (a.u(3) !== 8) return -EINVAL;
  const set0 = readMask(t, setp);
  if (set0 === null) return -EFAULT;
  const set = set0 & ~UNBLOCKABLE;
  let limit: bigint | null = null;
  if (tsp) {
    const raw = t.mm.copyIn(tsp, 16);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset);
    const s = v.getBigInt64(0, true), ns = v.getBigInt64(8, true);
    if (s < 0n || ns < 0n || ns >= 1000000000n) return -EINVAL;
    limit = s * 1000000000n + ns;
  }
  const take = (): number => {
    const m = (t.sig.pending.mask | t.sig.group.pending.mask) & set;
    if (!m) return 0;
    let sig = 1;
    while (!(m & sigBit(sig))) sig++;
    const info = dequeue(t, sig);
    if (infop && t.mm.copyOut(infop, encodeSigInfo(info)) < 0) return -EFAULT;
    return sig;
  };
  // A re-run after a wake-up: the wait unblocked the set (below); the caller's mask comes back first.
  if (t.sig.savedMask !== null) { t.sig.blocked = t.sig.savedMask; t.sig.savedMask = null; }
  checkTimers(t, k);
  const got = take();
  if (got) return got;
  if (deliverable(t)) return -EINTR;
  // The deadline survives the re-runs after wake-ups (t.sys).
  if (limit !== null && t.sys.deadline === null) t.sys.deadline = k.monotonicNs() + limit;
  if (t.sys.deadline !== null && k.monotonicNs() >= t.sys.deadline) return -EAGAIN;
  // While parked the set is unblocked, so that its signals wake the sleeper; they are taken, not delivered.
  t.sig.savedMask = t.sig.blocked;
  t.sig.blocked &= ~set;
  return sleepForSignal(t, k, t.sys.deadline);
}

/** The siginfo a caller passes to rt_sigqueueinfo/rt_tgsigqueueinfo: code, pid, uid and si_value. */
function userSigInfo(t: Task, sig: number, ptr: number, target: Task): SigInfoArg | number {
  const raw = t.mm.copyIn(ptr, 128);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset);
  const code = v.getInt32(8, true);
  // Only the kernel may claim kill()/kernel origins, except towards oneself (kernel/signal.c).
  if ((code >= 0 || code === SI_TKILL) && target.group !== t.group) return -EPERM;
  return { signo: sig, code, pid: v.getInt32(16, true), uid: v.getUint32(20, true), value: v.getBigUint64(24, true) };
}
type SigInfoArg = { signo: number; code: number; pid: number; uid: number; value: bigint };

/** rt_sigqueueinfo(2): sigqueue(3)'s call, a process-directed signal with data. */
export function sysRtSigqueueinfo(t: Task, a: Args, k: Kernel): number {
  const pid = a.i(0), sig = a.i(1);
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const target = k.taskByPid(t, pid);
  if (!target || target.group.zombie) return -ESRCH;
  const info = userSigInfo(t, sig, a.u(2), target);
  if (typeof info === "number") return info;
  if (!mayKill(t, target, sig)) return -EPERM;
  if (sig !== 0) sendSignal(target.group.leader, info, false, t);
  return 0;
}

/** rt_tgsigqueueinfo(2): the same, to one thread. */
export function sysRtTgsigqueueinfo(t: Task, a: Args, k: Kernel): number {
  const tgid = a.i(0), tid = a.i(1), sig = a.i(2);
  if (sig < 0 || sig > NSIG || tgid <= 0 || tid <= 0) return -EINVAL;
  const target = k.taskByPid(t, tid);
  if (!target || target.exitStatus !== null || t.nsproxy.pid.pidOf(target.group.leader) !== tgid) return -ESRCH;
  const info = userSigInfo(t, sig, a.u(3), target);
  if (typeof info === "number") return info;
  if (!mayKill(t, target, sig)) return -EPERM;
  if (sig !== 0) sendSignal(target, info, true, t);
  return 0;
}

/**
 * ppoll/pselect6/epoll_pwait: runs `wait` with the caller's signal mask
 * replaced by the one at `maskPtr` (if any). While the call waits or is
 * interrupted the temporary mask stays, and the old one comes back after
 * the handler (t.sig.savedMask, as rt_sigsuspend); a call that completes
 * gets its old mask back at once (restore_saved_sigmask_unless).
 */
export function withTemporaryMask(t: Task, maskPtr: number, size: number, wait: () => number): number {
  if (maskPtr) {
    if (size !== 8) return -EINVAL;
    const m = readMask(t, maskPtr);
    if (m === null) return -EFAULT;
    if (t.sig.savedMask === null) t.sig.savedMask = t.sig.blocked;
    t.sig.blocked = m & ~UNBLOCKABLE;
  }
  const r = wait();
  const waiting = r === -EBLOCK || (r <= -ERESTARTSYS && r >= -ERESTART_RESTARTBLOCK);
  if (maskPtr && !waiting && t.sig.savedMask !== null) {
    t.sig.blocked = t.sig.savedMask;
    t.sig.savedMask = null;
  }
  return r;
}
