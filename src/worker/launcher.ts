// Until the kernel has processes (and so a shell), the page's terminal runs
// one command per line: the line discipline edits and echoes the line as a
// real terminal would, then the machine runs the command from the busybox
// image as a single process, in slices of a few milliseconds so that the
// worker keeps reading keys: ^C and ^\ reach the running command as SIGINT
// and SIGQUIT, and lines typed meanwhile wait their turn (type-ahead). Its
// output flows back through the same discipline (ONLCR). When the pty and
// `sh` arrive, this is replaced by the pty master; the stream stays the same.
import type { Machine, Process, RunResult } from "../kernel/machine";
import { type CharDevice, sinkDevice } from "../kernel/fs/device";
import { LineDiscipline, SIGINT, SIGQUIT } from "../kernel/tty/ldisc";
import { splitWords } from "./argv";

export interface TerminalStream {
  write(data: Uint8Array | string): void;
  onInput(fn: (bytes: Uint8Array) => void): void;
}

const PROMPT = "hako$ ";
/** Time slice of the guest between two looks at the terminal (the page's frame budget). */
const SLICE_MS = 16;

const emptyInput: CharDevice = { rdev: 0, isTty: false, read: () => new Uint8Array(0), write: (d) => d.length };
const nextTask = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

export class Launcher {
  private ld: LineDiscipline;
  private enc = new TextEncoder();
  private dec = new TextDecoder();
  /** Last command's exit status, as `$?` would show it. */
  lastStatus = 0;
  private running: Process | null = null;
  private busy = false;
  private interrupted = false;
  /** Settles when the queued lines have all run (tests wait on it). */
  idle: Promise<void> = Promise.resolve();

  constructor(private term: TerminalStream, private machine: Machine, private env: string[]) {
    this.ld = new LineDiscipline({
      output: (b) => term.write(b),
      signal: (sig) => {
        if (this.running) { if (sig === SIGINT || sig === SIGQUIT) this.running.kill(sig); }
        else if (sig === SIGINT) this.interrupted = true; // like a shell: a fresh prompt after the ^C echo
      },
      readable: () => { if (!this.busy) this.idle = this.runReadyLines(); },
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

  private async runReadyLines(): Promise<void> {
    this.busy = true;
    try {
      for (let line = this.ld.read(4096); line; line = this.ld.read(4096)) {
        if (line.length === 0) this.ld.write(this.enc.encode("\n(no shell to leave yet)\n"));
        else await this.runLine(this.dec.decode(line).replace(/\n$/, ""));
        this.prompt();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Runs one command line to its end and returns its exit status. */
  async runLine(line: string): Promise<number> {
    const words = splitWords(line);
    if (!Array.isArray(words)) { this.ld.write(this.enc.encode(`hako: ${words.error}\n`)); return (this.lastStatus = 2); }
    if (words.length === 0) return this.lastStatus;
    const out = sinkDevice((d) => this.ld.write(d), true);
    const p = this.machine.spawn({ argv: words, env: this.env, cwd: "/root", stdio: { stdin: emptyInput, stdout: out, stderr: out } });
    let r: RunResult;
    if ("step" in p) {
      this.running = p;
      try {
        while (!p.step(SLICE_MS)) await nextTask();
      } finally {
        this.running = null;
      }
      r = p.result();
    } else r = p;
    // sh prints nothing for SIGINT; for the others it names the signal, as busybox sh does.
    const sig = r.status > 128 ? r.status - 128 : 0;
    if (sig === SIGINT) this.ld.write(this.enc.encode("\n"));
    else if (sig) this.ld.write(this.enc.encode(`[terminated by signal ${sig}]\n`));
    return (this.lastStatus = r.status);
  }
}
