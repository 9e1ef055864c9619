// struct termios as the x86-64 kernel exchanges it with TCGETS/TCSETS
// (include/uapi/asm-generic/termbits.h): four u32 flag words, c_line, and 19
// control characters — 36 bytes. Defaults are Linux's tty_std_termios.

export const NCCS = 19;
export const TERMIOS_SIZE = 36;

// c_cc indices
export const VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7,
  VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14, VLNEXT = 15, VEOL2 = 16;

// c_iflag
export const IGNBRK = 0o1, BRKINT = 0o2, IGNPAR = 0o4, PARMRK = 0o10, INPCK = 0o20, ISTRIP = 0o40,
  INLCR = 0o100, IGNCR = 0o200, ICRNL = 0o400, IUCLC = 0o1000, IXON = 0o2000, IXANY = 0o4000,
  IXOFF = 0o10000, IMAXBEL = 0o20000, IUTF8 = 0o40000;
// c_oflag
export const OPOST = 0o1, OLCUC = 0o2, ONLCR = 0o4, OCRNL = 0o10, ONOCR = 0o20, ONLRET = 0o40;
// c_cflag
export const B38400 = 0o17, CS8 = 0o60, CREAD = 0o200, HUPCL = 0o2000, CLOCAL = 0o4000;
// c_lflag
export const ISIG = 0o1, ICANON = 0o2, ECHO = 0o10, ECHOE = 0o20, ECHOK = 0o40, ECHONL = 0o100,
  NOFLSH = 0o200, TOSTOP = 0o400, ECHOCTL = 0o1000, ECHOPRT = 0o2000, ECHOKE = 0o4000, FLUSHO = 0o10000,
  PENDIN = 0o40000, IEXTEN = 0o100000;

export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  line: number;
  cc: Uint8Array;
}

const ctrl = (c: string): number => c.charCodeAt(0) & 0x1f;

export function defaultTermios(): Termios {
  const cc = new Uint8Array(NCCS);
  cc[VINTR] = ctrl("C"); cc[VQUIT] = 0x1c; cc[VERASE] = 0x7f; cc[VKILL] = ctrl("U"); cc[VEOF] = ctrl("D");
  cc[VTIME] = 0; cc[VMIN] = 1; cc[VSTART] = ctrl("Q"); cc[VSTOP] = ctrl("S"); cc[VSUSP] = ctrl("Z");
  cc[VREPRINT] = ctrl("R"); cc[VDISCARD] = ctrl("O"); cc[VWERASE] = ctrl("W"); cc[VLNEXT] = ctrl("V");
  return {
    iflag: ICRNL | IXON | IUTF8,
    oflag: OPOST | ONLCR,
    cflag: B38400 | CS8 | CREAD | HUPCL,
    lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    line: 0,
    cc,
  };
}

export function encodeTermios(t: Termios): Uint8Array {
  const b = new Uint8Array(TERMIOS_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, t.iflag >>> 0, true);
  v.setUint32(4, t.oflag >>> 0, true);
  v.setUint32(8, t.cflag >>> 0, true);
  v.setUint32(12, t.lflag >>> 0, true);
  b[16] = t.line;
  b.set(t.cc.subarray(0, NCCS), 17);
  return b;
}

export function decodeTermios(b: Uint8Array): Termios {
  const v = new DataView(b.buffer, b.byteOffset, TERMIOS_SIZE);
  return { iflag: v.getUint32(0, true), oflag: v.getUint32(4, true), cflag: v.getUint32(8, true), lflag: v.getUint32(12, true), line: b[16], cc: b.slice(17, 17 + NCCS) };
}
