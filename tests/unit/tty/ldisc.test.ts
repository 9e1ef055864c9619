// The line discipline against the real one: each scenario runs on a Linux
// pty (through Python's pty support) and on Hako's LineDiscipline, and the
// echo, the processed output and what read() returns must be identical.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LineDiscipline, SIGINT, SIGQUIT, SIGTSTP } from "../../../src/kernel/tty/ldisc";
import {
  defaultTermios, ECHO, ECHOCTL, ECHOE, ECHOK, ECHOKE, ECHONL, ICANON, ICRNL, IEXTEN, IGNCR, INLCR, ISIG, IUTF8, IXON,
  ONLCR, OPOST, OCRNL, ONOCR, VEOL, decodeTermios, encodeTermios,
} from "../../../src/kernel/tty/termios";

type Step = { in?: number[]; write?: number[]; read?: boolean };
interface Scenario { name: string; iflag: number; oflag: number; lflag: number; cc?: Record<number, number>; steps: Step[] }
interface StepResult { out: number[]; reads: number[][] }

const std = defaultTermios();
const b = (s: string): number[] => Array.from(new TextEncoder().encode(s));
const typed = (s: string): Step[] => [{ in: b(s) }, { read: true }];
const canon = (name: string, input: string, lflagOff = 0, lflagOn = 0, iflag = std.iflag): Scenario =>
  ({ name, iflag, oflag: std.oflag, lflag: (std.lflag & ~lflagOff) | lflagOn, steps: typed(input) });

const scenarios: Scenario[] = [
  canon("a line", "hello world\r"),
  canon("erase", "abc\x7f\x7fd\r"),
  canon("erase past the start", "a\x7f\x7f\x7fb\r"),
  canon("erase a control character echoed as ^A", "a\x01b\x7f\x7f\r"),
  canon("erase a tab", "ab\tc\x7f\x7f\r"),
  canon("erase UTF-8 characters whole", "né箱\x7f\x7f\r"),
  canon("erase without ECHOE", "ab\x7f\r", ECHOE),
  canon("kill with ECHOKE", "abc def\x15xyz\r"),
  canon("kill with ECHOK only", "abc\x15x\r", ECHOKE),
  canon("kill without ECHOK", "abc\x15x\r", ECHOKE | ECHOK),
  canon("word erase", "foo bar  \x17baz\r"),
  canon("end of file after text", "abc\x04"),
  canon("end of file alone", "\x04"),
  canon("two lines and an EOF", "one\rtwo\r\x04"),
  canon("interrupt flushes the line", "abc\x03def\r"),
  canon("quit and suspend echo", "x\x1cy\x1az\r"),
  canon("interrupt without ISIG is data", "a\x03b\r", ISIG),
  canon("literal next", "\x16\x03\x16\x7f\r"),
  canon("reprint", "abc\x12d\r"),
  canon("no echo", "secret\r", ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL),
  canon("ECHONL without ECHO", "ab\r", ECHO, ECHONL),
  canon("no ECHOCTL", "a\x01\x7f\r", ECHOCTL),
  canon("IGNCR", "a\rb\n", 0, 0, (std.iflag | IGNCR) & ~ICRNL),
  canon("INLCR without ICRNL", "a\nb\r", 0, 0, (std.iflag | INLCR) & ~ICRNL),
  { name: "EOL character", iflag: std.iflag, oflag: std.oflag, lflag: std.lflag, cc: { [VEOL]: 0x3b }, steps: typed("ab;cd\r") },
  { name: "raw mode", iflag: std.iflag, oflag: std.oflag, lflag: std.lflag & ~(ICANON | ECHO), steps: typed("ab\rc\x7f\x03") },
  { name: "raw mode with echo", iflag: std.iflag, oflag: std.oflag, lflag: (std.lflag & ~ICANON) | ECHO, steps: typed("a\x01\r\x7f") },
  { name: "output ONLCR", iflag: std.iflag, oflag: OPOST | ONLCR, lflag: std.lflag, steps: [{ write: b("a\nb\r\n\tc") }] },
  { name: "output OCRNL and ONOCR", iflag: std.iflag, oflag: OPOST | OCRNL | ONOCR, lflag: std.lflag, steps: [{ write: b("\rab\rc\n") }] },
  { name: "output without OPOST", iflag: std.iflag, oflag: ONLCR, lflag: std.lflag, steps: [{ write: b("a\nb") }] },
  {
    name: "XOFF holds output until XON", iflag: std.iflag | IXON, oflag: std.oflag, lflag: std.lflag,
    steps: [{ in: [0x13] }, { write: b("held\n") }, { in: [0x11] }],
  },
  {
    name: "partial reads of a line", iflag: std.iflag, oflag: std.oflag, lflag: std.lflag & ~IEXTEN,
    steps: [{ in: b("first\rsecond\r") }, { read: true }],
  },
];

function reference(list: Scenario[]): StepResult[][] {
  const script = fileURLToPath(new URL("./pty_reference.py", import.meta.url));
  const out = execFileSync("python3", [script], { input: JSON.stringify(list.map(({ name: _n, ...s }) => s)), encoding: "utf8" });
  return JSON.parse(out) as StepResult[][];
}

function model(sc: Scenario): { results: StepResult[]; signals: number[] } {
  let out: number[] = [];
  const signals: number[] = [];
  const ld = new LineDiscipline({ output: (x) => out.push(...x), signal: (s) => signals.push(s), readable: () => {} });
  const t = defaultTermios();
  t.iflag = sc.iflag; t.oflag = sc.oflag; t.lflag = sc.lflag;
  for (const [k, v] of Object.entries(sc.cc ?? {})) t.cc[Number(k)] = v;
  ld.setTermios(t);
  const results = sc.steps.map((st) => {
    const r: StepResult = { out: [], reads: [] };
    if (st.in) ld.receive(Uint8Array.from(st.in));
    if (st.write) ld.write(Uint8Array.from(st.write));
    if (st.read) for (let x = ld.read(4096); x; x = ld.read(4096)) r.reads.push(Array.from(x));
    r.out = out;
    out = [];
    return r;
  });
  return { results, signals };
}

// JSON strings make control characters visible in a failing diff.
const show = (r: StepResult[]) => r.map((s) => ({ out: JSON.stringify(String.fromCharCode(...s.out)), reads: s.reads.map((x) => JSON.stringify(String.fromCharCode(...x))) }));

describe("line discipline vs a Linux pty", () => {
  const ref = reference(scenarios);
  scenarios.forEach((sc, i) => {
    it(sc.name, () => {
      expect(show(model(sc).results)).toEqual(show(ref[i]));
    });
  });
});

describe("line discipline signals and settings", () => {
  it("sends SIGINT, SIGQUIT and SIGTSTP for ^C ^\\ ^Z", () => {
    expect(model(canon("", "\x03\x1c\x1a")).signals).toEqual([SIGINT, SIGQUIT, SIGTSTP]);
    expect(model(canon("", "\x03", ISIG)).signals).toEqual([]);
  });

  it("makes the partial line readable when canonical mode is switched off", () => {
    const ld = new LineDiscipline({ output: () => {}, signal: () => {}, readable: () => {} });
    ld.receive(Uint8Array.from(b("abc")));
    expect(ld.read(10)).toBeNull();
    const t = defaultTermios();
    t.lflag &= ~ICANON;
    ld.setTermios(t);
    expect(String.fromCharCode(...ld.read(10)!)).toBe("abc");
  });

  it("encodes struct termios as the kernel does (36 bytes, c_cc at 17)", () => {
    const t = defaultTermios();
    const bytes = encodeTermios(t);
    expect(bytes.length).toBe(36);
    expect(bytes[17]).toBe(3); // VINTR = ^C
    expect(decodeTermios(bytes)).toEqual(t);
    expect(t.iflag & IUTF8).toBeTruthy();
  });
});
