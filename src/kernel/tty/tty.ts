// A terminal (Linux's struct tty_struct): the line discipline, the window
// size, and the job-control state — the session it controls and its
// foreground process group. The pty driver (pty.ts) feeds it from the
// master side and takes its output. Job control follows
// drivers/tty/tty_jobctrl.c: a background process group reading its
// controlling terminal gets SIGTTIN, writing with TOSTOP or changing the
// settings gets SIGTTOU (EIO when the signal is ignored/blocked for reads, or
// the group is orphaned); ^C/^\/^Z signal the foreground group (termios(3),
// credentials(7) "Sessions and process groups").
import { LineDiscipline } from "./ldisc";
import { TOSTOP } from "./termios";
import { WaitQueue } from "../waitqueue";
import type { Task } from "../task";
import type { Kernel } from "../syscall/types";
import type { PidNamespace } from "../task/pidns";
import { sendSignal, ERESTARTSYS } from "../signal/deliver";
import { SIGHUP, SIGCONT, SIGTTIN, SIGTTOU, SIGWINCH, SI_KERNEL, sigBit } from "../signal/info";
import { actionOf, SIG_IGN } from "../signal/queue";
import { EIO } from "../errno";

/** Controlling terminals by session id, per PID namespace (sids are numbered there). */
const controlling = new WeakMap<PidNamespace, Map<number, Tty>>();

function sessions(t: Task): Map<number, Tty> {
  let m = controlling.get(t.nsproxy.pid);
  if (!m) { m = new Map(); controlling.set(t.nsproxy.pid, m); }
  return m;
}

/** The controlling terminal of `t`'s session, or null (/dev/tty then gives ENXIO). */
export function controllingTty(t: Task): Tty | null {
  const tty = sessions(t).get(t.group.sid);
  return tty && tty.session === t.group.sid && !tty.hungUp ? tty : null;
}

/**
 * disassociate_ctty(1): a session leader's process ended. Its controlling
 * terminal (a pty here) sends SIGHUP to its foreground group and belongs to
 * no session any more, so a new session leader can acquire it (the next
 * login on a console).
 */
export function sessionLeaderExited(t: Task): void {
  if (t.group.sid !== t.vpid) return;
  const tty = controllingTty(t);
  if (!tty) return;
  if (tty.pgrp) tty.signalGroup(tty.pgrp, SIGHUP);
  tty.disassociate();
}

/** Whether `sig` is ignored or blocked by `t` (then job-control signals are not sent). */
function ignoredOrBlocked(t: Task, sig: number): boolean {
  return (t.sig.blocked & sigBit(sig)) !== 0n || actionOf(t, sig)?.handler === SIG_IGN;
}

export class Tty {
  readonly ldisc: LineDiscipline;
  rows = 24;
  cols = 80;
  xpixel = 0;
  ypixel = 0;
  /** Session id of the session this is the controlling terminal of (0: none). */
  session = 0;
  /** Foreground process group (0: none). */
  pgrp = 0;
  private ns: PidNamespace | null = null;
  /** Readers of the slave side wait here for input; input comes from outside the machine (the master's host). */
  readonly readWait = new WaitQueue(true);
  /** The master has gone: reads see end of file, writes EIO. */
  hungUp = false;

  constructor(readonly index: number, private k: Kernel, output: (b: Uint8Array) => void) {
    this.ldisc = new LineDiscipline({
      output,
      signal: (sig) => { if (this.pgrp) this.signalGroup(this.pgrp, sig); },
      readable: () => { this.readWait.wakeAll(); },
    });
  }

  /** Sends `sig` to every process of group `pgid` (as the kernel does: SI_KERNEL). */
  signalGroup(pgid: number, sig: number): void {
    for (const p of this.k.processGroup(pgid)) sendSignal(p, { signo: sig, code: SI_KERNEL, pid: 0, uid: 0 });
  }

  /** Whether `t`'s session is controlled by this terminal. */
  isControllingFor(t: Task): boolean { return this.session !== 0 && this.session === t.group.sid && controllingTty(t) === this; }

  /**
   * Makes this the controlling terminal of `t`'s session when `t` leads a
   * session that has none and the terminal controls no other (open without
   * O_NOCTTY, TIOCSCTTY). `steal`: root takes it from another session.
   */
  acquire(t: Task, steal = false): boolean {
    const sid = t.group.sid;
    if (sid !== t.vpid) return false;
    const m = sessions(t);
    const cur = m.get(sid);
    if (cur && cur.session === sid && !cur.hungUp) return cur === this;
    if (this.session && this.session !== sid) {
      if (!steal) return false;
      this.ns && controlling.get(this.ns)?.delete(this.session);
    }
    this.session = sid;
    this.pgrp = t.group.pgid;
    this.ns = t.nsproxy.pid;
    m.set(sid, this);
    return true;
  }

  /** The session gives up its terminal (TIOCNOTTY by the leader, or hangup). */
  disassociate(): void {
    if (this.ns) controlling.get(this.ns)?.delete(this.session);
    this.session = 0;
    this.pgrp = 0;
    this.ns = null;
  }

  /** is_current_pgrp_orphaned: no member has a parent in another group of the same session. */
  orphaned(pgid: number): boolean {
    return !this.k.processGroup(pgid).some((p) => {
      const par = p.group.parent;
      return par !== null && !par.zombie && par.pgid !== pgid && par.sid === p.group.sid;
    });
  }

  /** A read from the background: 0 to go on, else SIGTTIN (-ERESTARTSYS) or -EIO (n_tty_read's job_control). */
  checkRead(t: Task): number {
    if (!this.isControllingFor(t) || t.group.pgid === this.pgrp) return 0;
    if (ignoredOrBlocked(t, SIGTTIN) || this.orphaned(t.group.pgid)) return -EIO;
    this.signalGroup(t.group.pgid, SIGTTIN);
    return -ERESTARTSYS;
  }

  /** A write (with TOSTOP) or a settings change from the background: SIGTTOU unless ignored (tty_check_change). */
  checkChange(t: Task): number {
    if (!this.isControllingFor(t) || t.group.pgid === this.pgrp) return 0;
    if (ignoredOrBlocked(t, SIGTTOU)) return 0;
    if (this.orphaned(t.group.pgid)) return -EIO;
    this.signalGroup(t.group.pgid, SIGTTOU);
    return -ERESTARTSYS;
  }

  checkWrite(t: Task): number {
    return this.ldisc.termios.lflag & TOSTOP ? this.checkChange(t) : 0;
  }

  /** TIOCSWINSZ / the host's resize: SIGWINCH to the foreground group when the size changes. */
  resize(rows: number, cols: number, xpixel = 0, ypixel = 0): void {
    const changed = rows !== this.rows || cols !== this.cols || xpixel !== this.xpixel || ypixel !== this.ypixel;
    this.rows = rows; this.cols = cols; this.xpixel = xpixel; this.ypixel = ypixel;
    if (changed && this.pgrp) this.signalGroup(this.pgrp, SIGWINCH);
  }

  /**
   * The master closed (tty_vhangup): the session leader and the foreground
   * group get SIGHUP and SIGCONT, the session loses its terminal, readers
   * wake to end of file.
   */
  hangup(): void {
    if (this.hungUp) return;
    if (this.session) {
      const leader = this.k.processGroup(this.session).find((p) => p.vpid === this.session);
      for (const sig of [SIGHUP, SIGCONT]) {
        if (leader) sendSignal(leader, { signo: sig, code: SI_KERNEL, pid: 0, uid: 0 });
        if (this.pgrp && this.pgrp !== this.session) this.signalGroup(this.pgrp, sig);
      }
    }
    this.hungUp = true;
    this.disassociate();
    this.readWait.wakeAll();
  }
}
