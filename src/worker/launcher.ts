// Until the kernel has processes (and so a shell), the page's terminal runs
// one command per line: the line discipline edits and echoes the line as a
// real terminal would, then the machine runs the command from the busybox
// image as a single process and its output flows back through the same
// discipline (ONLCR). When the pty and `sh` arrive, this is replaced by the
// pty master; the terminal stream stays the same.
import type { Machine } from "../kernel/machine";
import { type CharDevice, sinkDevice } from "../kernel/fs/device";
import { LineDiscipline, SIGINT } from "../kernel/tty/ldisc";
import { splitWords } from "./argv";

export interface TerminalStream {
  write(data: Uint8Array | string): void;
  onInput(fn: (bytes: Uint8Array) => void): void;
}

const PROMPT = "hako$ ";
/** Bound on one command (about half a minute at today's speed): the loop cannot be interrupted yet. */
export const MAX_INSTRUCTIONS = 1_000_000_000;

const emptyInput: CharDevice = { rdev: 0, isTty: false, read: () => new Uint8Array(0), write: (d) => d.length };

export class Launcher {
  private ld: LineDiscipline;
  private enc = new TextEncoder();
  private dec = new TextDecoder();
  /** Last command's exit status, as `$?` would show it. */
  lastStatus = 0;
  private interrupted = false;

  constructor(private term: TerminalStream, private machine: Machine, private env: string[]) {
    this.ld = new LineDiscipline({
      output: (b) => term.write(b),
      // Like a shell's SIGINT handler: a fresh prompt once the ^C has been echoed.
      signal: (sig) => { if (sig === SIGINT) this.interrupted = true; },
      readable: () => this.runReadyLines(),
    });
    term.onInput((b) => {
      for (const byte of b) {
        this.ld.receive(Uint8Array.of(byte));
        if (this.interrupted) {
          this.interrupted = false;
          this.ld.write(this.enc.encode("\n"));
          this.prompt();
        }
      }
    });
  }

  start(banner: string): void {
    this.ld.write(this.enc.encode(banner));
    this.prompt();
  }

  private prompt(): void {
    this.ld.write(this.enc.encode(PROMPT));
  }

  private runReadyLines(): void {
    for (let line = this.ld.read(4096); line; line = this.ld.read(4096)) {
      if (line.length === 0) { this.ld.write(this.enc.encode("\n(no shell to leave yet)\n")); this.prompt(); continue; }
      this.runLine(this.dec.decode(line).replace(/\n$/, ""));
      this.prompt();
    }
  }

  /** Runs one command line and returns its exit status. */
  runLine(line: string): number {
    const words = splitWords(line);
    if (!Array.isArray(words)) { this.ld.write(this.enc.encode(`hako: ${words.error}\n`)); return (this.lastStatus = 2); }
    if (words.length === 0) return this.lastStatus;
    const out = sinkDevice((d) => this.ld.write(d), true);
    const r = this.machine.run({ argv: words, env: this.env, cwd: "/root", stdio: { stdin: emptyInput, stdout: out, stderr: out }, maxInstructions: MAX_INSTRUCTIONS });
    if (r.status >= 128) this.ld.write(this.enc.encode(`[terminated by signal ${r.status - 128}]\n`));
    return (this.lastStatus = r.status);
  }
}
