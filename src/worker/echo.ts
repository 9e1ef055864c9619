// Fallback when the machine cannot start: the kernel's own line discipline
// edits and echoes what is typed, and each finished line is answered, so the
// terminal path (keys → worker → screen) still works and the reason is on
// screen.
import { LineDiscipline, SIGINT } from "../kernel/tty/ldisc";
import type { TerminalPort } from "./terminal-port";

const PROMPT = "echo$ ";

export function startEcho(term: TerminalPort, reason: string): void {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const say = (s: string): void => ld.write(enc.encode(s));
  const ld: LineDiscipline = new LineDiscipline({
    output: (b) => term.write(b),
    signal: (sig) => { if (sig === SIGINT) queueMicrotask(() => say(`\n${PROMPT}`)); },
    readable: () => {
      for (let line = ld.read(4096); line; line = ld.read(4096)) say(`worker echo: ${dec.decode(line).replace(/\n$/, "")}\n${PROMPT}`);
    },
  });
  say(`Hako machine worker is running, but ${reason}\nThis terminal only echoes: type a line and press Enter.\n${PROMPT}`);
  term.onInput((bytes) => ld.receive(bytes));
}
