// wait4(2) and waitid(2): a process collects the status of a child that
// exited (a zombie, reaped unless WNOWAIT), stopped (WUNTRACED/WSTOPPED) or
// continued (WCONTINUED). pid > 0 picks one child, -1 any, 0 the caller's
// process group, < -1 the group -pid. With nothing to report the caller
// sleeps on its childWait queue, unless WNOHANG; ECHILD when no child
// matches at all. The status word is encoded as wait(2) documents it:
// code << 8 for an exit, the signal number for a kill, sig << 8 | 0x7f for
// a stop, 0xffff for a continue.
import type { Task, ThreadGroup } from "../task";
import type { Machine } from "../machine";
import { ECHILD, EINVAL } from "../errno";

export const WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x1000000,
  __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = 0x80000000;

export interface WaitRequest {
  /** wait4's pid convention. */
  pid: number;
  options: number;
}

export interface WaitReport {
  pid: number;
  uid: number;
  /** wait(2) status word. */
  status: number;
  /** CLD_* for waitid. */
  code: number;
  /** si_status for waitid: exit code or signal. */
  value: number;
}

export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_STOPPED = 5, CLD_CONTINUED = 6;


function matches(t: Task, c: ThreadGroup, pid: number): boolean {
  if (pid > 0) return t.nsproxy.pid.pidOf(c.leader) === pid;
  if (pid === -1) return true;
  if (pid === 0) return c.pgid === t.group.pgid;
  return c.pgid === -pid;
}

/**
 * One attempt: a report, 0 with WNOHANG and nothing to report, -ECHILD, or
 * -EBLOCK after parking the caller on its childWait queue.
 */
export function doWait(m: Machine, t: Task, r: WaitRequest): WaitReport | number {
  const o = r.options;
  const kids = [...t.group.children].filter((c) => matches(t, c, r.pid));
  if (kids.length === 0) return -ECHILD;
  for (const c of kids) {
    const pid = t.nsproxy.pid.pidOf(c.leader);
    const uid = c.leader.cred.uid;
    if (c.zombie && (o & WEXITED)) {
      const ws = c.exitCode ?? 0;
      const sig = ws & 0x7f;
      // No core files are written (RLIMIT_CORE is 0), so never the WCOREDUMP bit or CLD_DUMPED.
      const rep: WaitReport = sig
        ? { pid, uid, status: ws & 0x7f, code: CLD_KILLED, value: sig }
        : { pid, uid, status: ws, code: CLD_EXITED, value: (ws >> 8) & 0xff };
      if (!(o & WNOWAIT)) m.reap(c);
      return rep;
    }
    // Job-control reports, set by the signal code (signal/queue.ts GroupSignals.notify).
    const gs = c.leader.sig.group;
    if (gs.notify === "stopped" && (o & WSTOPPED) && !c.zombie) {
      if (!(o & WNOWAIT)) gs.notify = null;
      return { pid, uid, status: (gs.stopSig << 8) | 0x7f, code: CLD_STOPPED, value: gs.stopSig };
    }
    if (gs.notify === "continued" && (o & WCONTINUED) && !c.zombie) {
      if (!(o & WNOWAIT)) gs.notify = null;
      return { pid, uid, status: 0xffff, code: CLD_CONTINUED, value: 18 };
    }
  }
  if (o & WNOHANG) return 0;
  return m.block(t, [t.group.childWait], null);
}

/** Checks wait4's options. */
export function wait4Options(o: number): number {
  if (o & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
  return o | WEXITED;
}

/** Checks waitid's options: at least one of WEXITED, WSTOPPED, WCONTINUED. */
export function waitidOptions(o: number): number {
  if (o & ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE)) return -EINVAL;
  if (!(o & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
  return o;
}
