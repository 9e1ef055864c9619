// Stand-in for the kernel's shell until it boots: a tiny line editor that
// echoes what is typed and answers each line, so the whole path (keys →
// worker → screen) is exercised for real.
import type { TerminalPort } from "./terminal-port";

const PROMPT = "echo$ ";

export function startEcho(term: TerminalPort, cpuWasmBytes: number): void {
  term.write(
    "Hako machine worker is running.\r\n" +
      `CPU module loaded (${cpuWasmBytes} bytes of WebAssembly); the kernel has not booted yet,\r\n` +
      "so this terminal only echoes: type a line and press Enter.\r\n" + PROMPT,
  );
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
