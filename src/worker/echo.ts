// Fallback when the machine cannot start: a tiny line editor that echoes what
// is typed and answers each line, so the terminal path (keys → worker →
// screen) still works and the reason is on screen.
import type { TerminalPort } from "./terminal-port";

const PROMPT = "echo$ ";

export function startEcho(term: TerminalPort, reason: string): void {
  term.write(`Hako machine worker is running, but ${reason.replace(/\n/g, "\r\n")}\r\n` +
    "This terminal only echoes: type a line and press Enter.\r\n" + PROMPT);
  let line = "";
  const dec = new TextDecoder();
  term.onInput((bytes) => {
    for (const ch of dec.decode(bytes, { stream: true })) {
      if (ch === "\r" || ch === "\n") {
        term.write(`\r\nworker echo: ${line}\r\n${PROMPT}`);
        line = "";
      } else if (ch === "\x7f" || ch === "\b") {
        if (line.length > 0) {
          line = line.slice(0, -1);
          term.write("\b \b");
        }
      } else if (ch === "\x03") {
        line = "";
        term.write(`^C\r\n${PROMPT}`);
      } else if (ch >= " ") {
        line += ch;
        term.write(ch);
      }
    }
  });
}
