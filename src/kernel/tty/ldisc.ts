// The N_TTY line discipline (Linux drivers/tty/n_tty.c, termios(3)): what a
// terminal does between the keyboard (the pty master) and the program (the
// slave). Input: CR/NL mapping, canonical line editing with echo (ERASE,
// KILL, WERASE, REPRINT, LNEXT, EOF), signal characters (ISIG), flow control
// (IXON). Output: OPOST processing (ONLCR, OCRNL, ONOCR, ONLRET, OLCUC).
// Blocking, VMIN/VTIME timing and job control belong to the tty device that
// owns this object; the discipline only keeps queues and tells its host.
import {
  type Termios, defaultTermios, ECHO, ECHOCTL, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOPRT, ICANON, ICRNL, IEXTEN,
  IGNCR, INLCR, ISIG, ISTRIP, IUCLC, IUTF8, IXANY, IXON, NOFLSH, OCRNL, OLCUC, ONLCR, ONLRET, ONOCR, OPOST,
  VEOF, VEOL, VEOL2, VERASE, VINTR, VKILL, VLNEXT, VQUIT, VREPRINT, VSTART, VSTOP, VSUSP, VWERASE,
} from "./termios";

export const SIGINT = 2, SIGQUIT = 3, SIGTSTP = 20;

/** Longest canonical line, as Linux's N_TTY_BUF_SIZE - 1. */
export const MAX_CANON = 4095;

export interface LdiscHost {
  /** Bytes for the master side: echo and processed program output. */
  output(bytes: Uint8Array): void;
  /** ISIG: send `sig` to the terminal's foreground process group. */
  signal(sig: number): void;
  /** New input can be read (wake readers, poll). */
  readable(): void;
}

const NL = 0x0a, CR = 0x0d, TAB = 0x09, BS = 0x08;
const isCtrl = (c: number): boolean => c < 0x20 || c === 0x7f;
const isContinuation = (c: number): boolean => (c & 0xc0) === 0x80;

export class LineDiscipline {
  termios: Termios = defaultTermios();
  /** Completed input waiting for read(): canonical lines (EOF as an empty chunk) or raw bytes. */
  private ready: Uint8Array[] = [];
  private readyOffset = 0;
  /** The canonical line being edited. */
  private line: number[] = [];
  private lnext = false;
  private stopped = false;
  private held: number[] = [];
  /** Output column, for ONOCR and erasing tabs. */
  private column = 0;
  /** Column at which the current line's echo starts, to erase tabs exactly. */
  private lineStartColumn = 0;

  constructor(private host: LdiscHost) {}

  private flag(l: number): boolean { return (this.termios.lflag & l) !== 0; }
  private iflag(i: number): boolean { return (this.termios.iflag & i) !== 0; }
  private cc(i: number): number { return this.termios.cc[i]; }
  /** A control character slot set to 0 is disabled (_POSIX_VDISABLE). */
  private is(c: number, i: number): boolean { return this.cc(i) !== 0 && c === this.cc(i); }

  get canonical(): boolean { return this.flag(ICANON); }

  /** Changes the settings (TCSETS*). Leaving canonical mode makes the partial line readable, as Linux does. */
  setTermios(t: Termios): void {
    const wasCanon = this.canonical;
    this.termios = { ...t, cc: t.cc.slice() };
    if (wasCanon && !this.canonical && this.line.length) {
      this.ready.push(Uint8Array.from(this.line));
      this.line = [];
      this.host.readable();
    }
    if (!this.iflag(IXON) && this.stopped) this.start();
  }

  // ---- input: from the keyboard ----

  /** Bytes typed at the master side. */
  receive(bytes: Uint8Array): void {
    for (const b of bytes) this.receiveByte(b);
  }

  private receiveByte(byte: number): void {
    let c = byte;
    if (this.iflag(ISTRIP)) c &= 0x7f;
    if (this.lnext) {
      this.lnext = false; // the echo overwrites the '^' shown for LNEXT
      this.store(c);
      return;
    }
    if (c === CR) {
      if (this.iflag(IGNCR)) return;
      if (this.iflag(ICRNL)) c = NL;
    } else if (c === NL && this.iflag(INLCR)) c = CR;
    if (this.iflag(IUCLC) && this.flag(IEXTEN) && c >= 0x41 && c <= 0x5a) c += 0x20;

    if (this.iflag(IXON)) {
      if (this.is(c, VSTOP)) { this.stopped = true; return; }
      if (this.is(c, VSTART)) { this.start(); return; }
      if (this.stopped && this.iflag(IXANY)) this.start();
    }
    if (this.flag(ISIG)) {
      const sig = this.is(c, VINTR) ? SIGINT : this.is(c, VQUIT) ? SIGQUIT : this.is(c, VSUSP) ? SIGTSTP : 0;
      if (sig) {
        if (!this.flag(NOFLSH)) this.flushInput();
        this.host.signal(sig);
        if (this.iflag(IXON)) this.start();
        if (this.flag(ECHO)) this.echoChar(c);
        return;
      }
    }
    if (this.flag(IEXTEN) && this.is(c, VLNEXT)) {
      this.lnext = true;
      if (this.flag(ECHO)) this.out([0x5e, BS]);
      return;
    }
    if (!this.canonical) {
      this.store(c);
      return;
    }
    if (this.is(c, VERASE) || this.is(c, VKILL) || (this.flag(IEXTEN) && this.is(c, VWERASE))) {
      this.erase(this.is(c, VERASE) ? "erase" : this.is(c, VKILL) ? "kill" : "werase", c);
      return;
    }
    if (this.flag(IEXTEN) && this.is(c, VREPRINT) && this.flag(ECHO)) {
      this.echoChar(c);
      this.out([NL]);
      this.lineStartColumn = this.column;
      for (const x of this.line) this.echoChar(x);
      return;
    }
    if (this.is(c, VEOF)) {
      this.finishLine(); // the EOF character itself is not stored
      return;
    }
    if (c === NL || this.is(c, VEOL) || (this.flag(IEXTEN) && this.is(c, VEOL2))) {
      if (this.flag(ECHO) || (c === NL && this.flag(ECHONL))) {
        if (c === NL) this.out([NL]); else this.echoChar(c);
      }
      this.line.push(c);
      this.finishLine();
      return;
    }
    this.store(c);
  }

  /** Adds a character to the line (canonical) or to the read queue (raw), echoing it. */
  private store(c: number): void {
    if (this.canonical) {
      if (this.line.length >= MAX_CANON) return; // Linux drops input past the canonical limit
      if (this.line.length === 0) this.lineStartColumn = this.column;
      this.line.push(c);
      if (this.flag(ECHO)) this.echoChar(c);
      return;
    }
    this.ready.push(Uint8Array.of(c));
    if (this.flag(ECHO)) { if (c === NL) this.out([NL]); else this.echoChar(c); }
    this.host.readable();
  }

  private finishLine(): void {
    this.ready.push(Uint8Array.from(this.line));
    this.line = [];
    this.host.readable();
  }

  /** Echo of one character: control characters as ^X with ECHOCTL (tab and newline as themselves). */
  private echoChar(c: number): void {
    if (this.flag(ECHOCTL) && isCtrl(c) && c !== TAB && c !== NL) this.out([0x5e, c ^ 0x40]);
    else this.out([c]);
  }

  /** Columns a character's echo takes, as n_tty's eraser counts them (a raw control character: none). */
  private echoWidth(c: number): number {
    if (isContinuation(c)) return 0;
    if (isCtrl(c) && c !== TAB) return this.flag(ECHOCTL) ? 2 : 0;
    return 1;
  }

  private erase(kind: "erase" | "kill" | "werase", c: number): void {
    if (this.line.length === 0) return;
    const echo = this.flag(ECHO);
    if (kind === "kill" && (!echo || !this.flag(ECHOK) || !this.flag(ECHOKE) || !this.flag(ECHOE))) {
      this.line = [];
      if (echo) {
        this.echoChar(c);
        if (this.flag(ECHOK)) this.out([NL]);
      }
      return;
    }
    if (kind === "erase" && echo && !this.flag(ECHOE)) {
      this.popChar();
      this.echoChar(c);
      return;
    }
    let seenWord = false;
    while (this.line.length) {
      const last = this.line[this.line.length - 1];
      if (kind === "werase") {
        const space = last === 0x20 || last === TAB;
        if (space && seenWord) break;
        if (!space) seenWord = true;
      }
      const removed = this.popChar();
      if (echo) this.rubout(removed);
      if (kind === "erase") break;
    }
  }

  /** Removes the last (UTF-8 when IUTF8) character of the line; returns its bytes. */
  private popChar(): number[] {
    const out: number[] = [];
    do out.unshift(this.line.pop()!);
    while (this.iflag(IUTF8) && this.line.length && isContinuation(out[0]));
    return out;
  }

  private rubout(bytes: number[]): void {
    if (this.flag(ECHOPRT)) { this.out([0x5c, ...bytes]); return; }
    if (bytes[0] === TAB) {
      // A tab is erased by backing up to where it started: replay the echo of the rest of the line.
      let col = this.lineStartColumn;
      for (const x of this.line) col = x === TAB ? (col | 7) + 1 : col + this.echoWidth(x);
      this.out(new Array<number>(this.column - col).fill(BS));
      return;
    }
    let width = 0;
    for (const b of bytes) width += this.echoWidth(b);
    const seq: number[] = [];
    for (let i = 0; i < width; i++) seq.push(BS, 0x20, BS);
    this.out(seq);
  }

  // ---- reading: the slave side ----

  /** Bytes a read() would return now (FIONREAD). */
  available(): number {
    if (this.canonical) return this.ready.length ? this.ready[0].length - this.readyOffset : 0;
    return this.ready.reduce((n, b) => n + b.length, 0) - this.readyOffset;
  }

  /** Whether a read would not block (a line, an EOF, or raw bytes are there). */
  hasInput(): boolean { return this.ready.length > 0; }

  /**
   * Takes input for a read of at most `max` bytes; null when there is none.
   * Canonical mode returns at most one line; an EOF yields an empty array.
   */
  read(max: number): Uint8Array | null {
    if (!this.ready.length || max <= 0) return null;
    if (this.canonical) {
      const chunk = this.ready[0];
      const n = Math.min(max, chunk.length - this.readyOffset);
      const out = chunk.slice(this.readyOffset, this.readyOffset + n);
      this.readyOffset += n;
      if (this.readyOffset >= chunk.length) { this.ready.shift(); this.readyOffset = 0; }
      return out;
    }
    const out: number[] = [];
    while (out.length < max && this.ready.length) {
      const chunk = this.ready[0];
      while (out.length < max && this.readyOffset < chunk.length) out.push(chunk[this.readyOffset++]);
      if (this.readyOffset >= chunk.length) { this.ready.shift(); this.readyOffset = 0; }
    }
    return Uint8Array.from(out);
  }

  flushInput(): void {
    this.ready = [];
    this.readyOffset = 0;
    this.line = [];
    this.lnext = false;
  }

  // ---- output: from the program ----

  /** Bytes the program writes to the slave side. */
  write(bytes: Uint8Array): void {
    this.out(bytes);
  }

  private start(): void {
    this.stopped = false;
    if (this.held.length) {
      const h = this.held;
      this.held = [];
      this.host.output(Uint8Array.from(h));
    }
  }

  /** OPOST processing, then to the master (or held while output is stopped). */
  private out(bytes: ArrayLike<number>): void {
    const t = this.termios;
    const res: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      let c = bytes[i];
      if (t.oflag & OPOST) {
        if (c === NL) {
          if (t.oflag & ONLCR) { res.push(CR, NL); this.column = 0; continue; }
          if (t.oflag & ONLRET) this.column = 0;
        } else if (c === CR) {
          if ((t.oflag & ONOCR) && this.column === 0) continue;
          if (t.oflag & OCRNL) { c = NL; if (t.oflag & ONLRET) this.column = 0; res.push(c); continue; }
          this.column = 0;
        } else if (t.oflag & OLCUC && c >= 0x61 && c <= 0x7a) c -= 0x20;
      }
      if (c === CR) this.column = 0;
      else if (c === TAB) this.column = (this.column | 7) + 1;
      else if (c === BS) this.column = Math.max(0, this.column - 1);
      else if (c !== NL && !isCtrl(c) && !isContinuation(c)) this.column++;
      res.push(c);
    }
    if (!res.length) return;
    if (this.stopped) { this.held.push(...res); return; }
    this.host.output(Uint8Array.from(res));
  }
}
