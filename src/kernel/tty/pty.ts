// Pseudo-terminals (pty(7), drivers/tty/pty.c + n_tty.c): a master and a
// slave around one Tty. Bytes written to the master are typed input for the
// line discipline; what programs write to the slave comes out, processed,
// at the master — read by a guest program, or handed to the host (the
// page's terminal, `hako shell`) through `onOutput`. The slave's reads block
// on the tty's wait queue (external: waiting for typing is idle, not a
// deadlock), honour VMIN/VTIME in non-canonical mode and O_NONBLOCK.
// Descriptor-level handlers (read, write, poll, ioctl) take the calling
// task, for job control.
import { Tty } from "./tty";
import { encodeTermios, decodeTermios, TERMIOS_SIZE, VMIN, VTIME } from "./termios";
import { WaitQueue } from "../waitqueue";
import type { Task } from "../task";
import type { Kernel } from "../syscall/types";
import type { Inode } from "../fs/inode";
import { type OpenFile, O_NONBLOCK } from "../fs/file";
import { EAGAIN, EIO, EINVAL, ENOTTY, EPERM } from "../errno";

export const POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLRDNORM = 0x40, POLLWRNORM = 0x100;

export class Pty {
  readonly tty: Tty;
  /** unlockpt(3) clears it; the slave cannot be opened while set (EIO). */
  locked = true;
  masterOpens = 0;
  slaveOpens = 0;
  private slaveOpened = false;
  /** Output not yet read by a guest reader of the master. */
  private outQ: Uint8Array[] = [];
  /** Guest readers of the master wait here. */
  readonly masterWait = new WaitQueue(false);
  /** The host's reader of the master: takes the output at once instead of queueing it. */
  private listener: ((b: Uint8Array) => void) | null = null;
  masterInode!: Inode;
  slaveInode!: Inode;
  /** Called when the last opener of the slave has gone (devpts removes the node). */
  onGone: (() => void) | null = null;

  constructor(readonly index: number, k: Kernel) {
    this.tty = new Tty(index, k, (b) => this.output(b));
  }

  private output(b: Uint8Array): void {
    if (this.listener) { this.listener(b); return; }
    this.outQ.push(b);
    this.masterWait.wakeAll();
  }

  /** Hands every later output (and what is queued) to `cb` (the host's terminal). */
  onOutput(cb: (b: Uint8Array) => void): void {
    this.listener = cb;
    const q = this.outQ;
    this.outQ = [];
    for (const b of q) cb(b);
  }

  /** Typed input from the host's side of the master. */
  input(bytes: Uint8Array): void {
    if (!this.tty.hungUp) this.tty.ldisc.receive(bytes);
  }

  get pendingOutput(): number { return this.outQ.reduce((n, b) => n + b.length, 0); }

  // ---- open/close accounting (the inode's open/release hooks) ----

  masterOpened(): void { this.masterOpens++; }
  masterReleased(): void {
    if (--this.masterOpens > 0) return;
    this.tty.hangup();
    this.checkGone();
  }
  slaveOpenedNow(): void { this.slaveOpens++; this.slaveOpened = true; }
  slaveReleased(): void {
    if (--this.slaveOpens > 0) return;
    this.masterWait.wakeAll();
    this.checkGone();
  }
  private checkGone(): void {
    if (this.masterOpens === 0 && this.slaveOpens === 0) this.onGone?.();
  }

  // ---- the master side ----

  masterRead(t: Task, k: Kernel, f: OpenFile, len: number): Uint8Array | number {
    if (len <= 0) return new Uint8Array(0);
    if (!this.outQ.length) {
      // The other side closed and everything was read: EIO, as Linux's pty master.
      if (this.slaveOpened && this.slaveOpens === 0) return -EIO;
      if (f.flags & O_NONBLOCK) return -EAGAIN;
      return k.block(t, [this.masterWait], null);
    }
    const out: number[] = [];
    while (out.length < len && this.outQ.length) {
      const b = this.outQ[0];
      const n = Math.min(len - out.length, b.length);
      for (let i = 0; i < n; i++) out.push(b[i]);
      if (n === b.length) this.outQ.shift(); else this.outQ[0] = b.subarray(n);
    }
    return Uint8Array.from(out);
  }

  masterWrite(data: Uint8Array): number {
    this.input(data);
    return data.length;
  }

  // ---- the slave side ----

  slaveRead(t: Task, k: Kernel, f: OpenFile, len: number): Uint8Array | number {
    const tty = this.tty;
    if (tty.hungUp) return new Uint8Array(0);
    const jc = tty.checkRead(t);
    if (jc) return jc;
    if (len <= 0) return new Uint8Array(0);
    const ld = tty.ldisc;
    let deadline: bigint | null = null;
    if (ld.canonical) {
      if (ld.hasInput()) return ld.read(len) ?? new Uint8Array(0);
    } else {
      // termios(3) "Canonical and noncanonical mode": MIN bytes, TIME in tenths of a second.
      const vmin = ld.termios.cc[VMIN], vtime = ld.termios.cc[VTIME];
      const avail = ld.available();
      const want = Math.min(vmin, len);
      if (avail > 0 && avail >= want) return ld.read(len) ?? new Uint8Array(0);
      if (vtime > 0) {
        if (t.sys.woken === "timeout") return ld.read(len) ?? new Uint8Array(0);
        // MIN = 0: TIME bounds the whole read; MIN > 0: the timer runs once a byte has come (inter-byte).
        if (vmin === 0 || avail > 0) {
          if (t.sys.deadline === null) t.sys.deadline = k.monotonicNs() + BigInt(vtime) * 100000000n;
          deadline = t.sys.deadline;
        }
      } else if (vmin === 0) return ld.read(len) ?? new Uint8Array(0);
    }
    if (f.flags & O_NONBLOCK) return -EAGAIN;
    return k.block(t, [tty.readWait], deadline);
  }

  slaveWrite(t: Task, data: Uint8Array): number {
    const tty = this.tty;
    if (tty.hungUp) return -EIO;
    const jc = tty.checkWrite(t);
    if (jc) return jc;
    tty.ldisc.write(data);
    return data.length;
  }

  poll(master: boolean): number {
    const tty = this.tty;
    if (master) {
      let r = POLLOUT | POLLWRNORM;
      if (this.outQ.length) r |= POLLIN | POLLRDNORM;
      if (this.slaveOpened && this.slaveOpens === 0) r |= POLLHUP;
      return r;
    }
    if (tty.hungUp) return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP;
    const ld = tty.ldisc;
    let r = POLLOUT | POLLWRNORM;
    const vmin = ld.termios.cc[VMIN];
    if (ld.canonical ? ld.hasInput() : ld.available() >= Math.max(1, vmin)) r |= POLLIN | POLLRDNORM;
    return r;
  }
}

/** Which pty and which side an inode is (devpts slaves, ptmx masters). */
const sides = new WeakMap<Inode, { pty: Pty; master: boolean }>();
export function ptyOf(i: Inode): { pty: Pty; master: boolean } | null { return sides.get(i) ?? null; }
export function registerSide(i: Inode, pty: Pty, master: boolean): void { sides.set(i, { pty, master }); }

// ---- descriptor entry points (syscall/io.ts) ----

/** read(2) on a pty; null when `f` is not one. */
export function ptyRead(t: Task, k: Kernel, f: OpenFile, len: number): Uint8Array | number | null {
  const s = sides.get(f.inode);
  if (!s) return null;
  return s.master ? s.pty.masterRead(t, k, f, len) : s.pty.slaveRead(t, k, f, len);
}

/** write(2) on a pty; null when `f` is not one. */
export function ptyWrite(t: Task, f: OpenFile, data: Uint8Array): number | null {
  const s = sides.get(f.inode);
  if (!s) return null;
  return s.master ? s.pty.masterWrite(data) : s.pty.slaveWrite(t, data);
}

/** poll readiness and the queue to wait on; null when `f` is not a pty. */
export function ptyPoll(f: OpenFile): [number, WaitQueue] | null {
  const s = sides.get(f.inode);
  if (!s) return null;
  return [s.pty.poll(s.master), s.master ? s.pty.masterWait : s.pty.tty.readWait];
}

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TCSBRK = 0x5409, TCXONC = 0x540a,
  TCFLSH = 0x540b, TIOCEXCL = 0x540c, TIOCNXCL = 0x540d, TIOCSCTTY = 0x540e, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410,
  TIOCOUTQ = 0x5411, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, TIOCNOTTY = 0x5422,
  TCSBRKP = 0x5425, TIOCGSID = 0x5429, TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCGPTLCK = 0x80045439,
  TIOCGDEV = 0x80045432;

function putInt(t: Task, addr: number, v: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return t.mm.copyOut(addr, b);
}
function getInt(t: Task, addr: number): number | null {
  const b = t.mm.copyIn(addr, 4);
  return b ? new DataView(b.buffer, b.byteOffset).getInt32(0, true) : null;
}

/** ioctl(2) on a pty (tty_ioctl, pty_unix98_ioctl); null when `f` is not one. */
export function ptyIoctl(t: Task, k: Kernel, f: OpenFile, req: number, arg: number): number | null {
  const s = sides.get(f.inode);
  if (!s) return null;
  const { pty, master } = s;
  const tty = pty.tty;
  switch (req) {
    case TCGETS: return t.mm.copyOut(arg, encodeTermios(tty.ldisc.termios));
    case TCSETS: case TCSETSW: case TCSETSF: {
      if (!master) { const jc = tty.checkChange(t); if (jc) return jc; }
      const raw = t.mm.copyIn(arg, TERMIOS_SIZE);
      if (!raw) return -14;
      if (req === TCSETSF) tty.ldisc.flushInput();
      tty.ldisc.setTermios(decodeTermios(raw));
      return 0;
    }
    case TIOCGWINSZ: {
      const b = new Uint8Array(8);
      const v = new DataView(b.buffer);
      v.setUint16(0, tty.rows, true); v.setUint16(2, tty.cols, true); v.setUint16(4, tty.xpixel, true); v.setUint16(6, tty.ypixel, true);
      return t.mm.copyOut(arg, b);
    }
    case TIOCSWINSZ: {
      const raw = t.mm.copyIn(arg, 8);
      if (!raw) return -14;
      const v = new DataView(raw.buffer, raw.byteOffset);
      tty.resize(v.getUint16(0, true), v.getUint16(2, true), v.getUint16(4, true), v.getUint16(6, true));
      return 0;
    }
    case FIONREAD: return putInt(t, arg, master ? pty.pendingOutput : tty.ldisc.available());
    case TIOCOUTQ: return putInt(t, arg, 0);
    case TCFLSH: {
      if (arg > 2) return -EINVAL;
      if (!master) { const jc = tty.checkChange(t); if (jc) return jc; }
      // TCIFLUSH (0) and TCIOFLUSH (2) drop typed input; output is delivered at once, nothing to drop.
      if (arg === 0 || arg === 2) tty.ldisc.flushInput();
      return 0;
    }
    case TCXONC: return arg <= 3 ? 0 : -EINVAL;
    case TCSBRK: case TCSBRKP: case TIOCEXCL: case TIOCNXCL: return 0;
    case TIOCSCTTY: {
      if (master) return -EPERM;
      if (tty.isControllingFor(t)) return 0;
      return tty.acquire(t, arg === 1 && t.cred.euid === 0) ? 0 : -EPERM;
    }
    case TIOCNOTTY: {
      if (master || !tty.isControllingFor(t)) return -ENOTTY;
      if (t.group.sid === t.vpid) {
        // The session leader gives the terminal up: its foreground group gets SIGHUP and SIGCONT (disassociate_ctty).
        const pg = tty.pgrp;
        if (pg) { tty.signalGroup(pg, 1); tty.signalGroup(pg, 18); }
        tty.disassociate();
      }
      return 0;
    }
    case TIOCGPGRP: {
      if (!master && !tty.isControllingFor(t)) return -ENOTTY;
      return putInt(t, arg, tty.pgrp);
    }
    case TIOCSPGRP: {
      if (master || !tty.isControllingFor(t)) return -ENOTTY;
      const jc = tty.checkChange(t);
      if (jc) return jc;
      const pg = getInt(t, arg);
      if (pg === null) return -14;
      if (pg < 0) return -EINVAL;
      if (!k.processGroup(pg).some((p) => p.group.sid === t.group.sid)) return -EPERM;
      tty.pgrp = pg;
      return 0;
    }
    case TIOCGSID: {
      if (!master && !tty.isControllingFor(t)) return -ENOTTY;
      if (!tty.session) return -ENOTTY;
      return putInt(t, arg, tty.session);
    }
    case TIOCGPTN: return master ? putInt(t, arg, pty.index) : -ENOTTY;
    case TIOCSPTLCK: {
      if (!master) return -ENOTTY;
      const v = getInt(t, arg);
      if (v === null) return -14;
      pty.locked = v !== 0;
      return 0;
    }
    case TIOCGPTLCK: return master ? putInt(t, arg, pty.locked ? 1 : 0) : -ENOTTY;
    case TIOCGDEV: return master ? -ENOTTY : putInt(t, arg, pty.slaveInode.rdev);
    default: return -ENOTTY;
  }
}
