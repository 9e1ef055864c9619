// A scripted terminal for tests: boots a machine (kernel/boot.ts), collects
// what it prints, answers the cursor-position query (ESC[6n) that busybox's
// line editor sends at each prompt as a real terminal would, and waits for
// output by running the machine in slices.
import { Machine } from "../../src/kernel/machine";
import { boot, type Booted, type BootOptions } from "../../src/kernel/boot";
import type { Inode } from "../../src/kernel/fs/inode";

export const CTRL = (c: string): string => String.fromCharCode(c.charCodeAt(0) & 0x1f);

export class Terminal {
  /** Everything printed so far (latin1), with the ESC[6n queries left in. */
  out = "";
  private seen = 0;
  rows: number;
  cols: number;

  private constructor(readonly b: Booted, o: BootOptions) {
    this.rows = o.rows ?? 24;
    this.cols = o.cols ?? 80;
    b.master.onOutput((bytes) => {
      const s = Buffer.from(bytes).toString("latin1");
      this.out += s;
      // A real terminal answers with the cursor position; the row/column do not matter to the shell.
      for (let i = 0; i < s.split("\x1b[6n").length - 1; i++) b.master.write(`\x1b[${this.rows};1R`);
    });
  }

  static async boot(root: Inode, o: BootOptions = {}): Promise<Terminal> {
    const m = await Machine.create({ root });
    const b = boot(m, o);
    if (!("master" in b)) throw new Error(`boot failed: status ${b.status}`);
    return new Terminal(b, o);
  }

  get machine(): Machine { return this.b.machine; }

  type(s: string): void { this.b.master.write(Buffer.from(s, "latin1")); }

  resize(cols: number, rows: number): void {
    this.cols = cols; this.rows = rows;
    this.b.master.resize(cols, rows);
  }

  /** Runs the machine until the output since the last wait matches `re` (or `timeoutMs` passes); returns that output. */
  waitFor(re: RegExp | string, timeoutMs = 15000): string {
    const end = performance.now() + timeoutMs;
    for (;;) {
      const fresh = this.out.slice(this.seen);
      let at = -1;
      if (typeof re === "string") { const i = fresh.indexOf(re); if (i >= 0) at = i + re.length; }
      else { const m = re.exec(fresh); if (m) at = m.index + m[0].length; }
      if (at >= 0) {
        this.seen += at;
        return fresh.slice(0, at);
      }
      if (this.b.status !== null || performance.now() > end) {
        throw new Error(`timed out waiting for ${String(re)}; output since last match: ${JSON.stringify(fresh)}`);
      }
      this.b.step(20);
    }
  }

  /** Later waits look only at output from now on. */
  mark(): void { this.seen = this.out.length; }

  /** Runs the machine for `ms` of wall time (or until PID 1 exits). */
  run(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end && !this.b.step(Math.min(20, end - performance.now()))) { /* slices */ }
  }

  /**
   * Runs the machine for `ms` of wall time, then on until no task is runnable — everything typed has been
   * taken in and acted on (a foreground job started, a reader blocked again) — at most `timeoutMs`. On a
   * loaded host a fixed time alone may pass before the guest got to it.
   */
  settle(ms: number, timeoutMs = 15000): void {
    this.run(ms);
    const end = performance.now() + timeoutMs;
    while (this.b.status === null && this.b.nextTimerMs() === 0) {
      if (performance.now() > end) throw new Error(`the machine did not settle in ${timeoutMs} ms; output: ${JSON.stringify(this.out.slice(this.seen))}`);
      this.b.step(20);
    }
  }

  /** Types a command line and returns its output up to the next prompt. */
  command(line: string, prompt: RegExp | string = PROMPT, timeoutMs = 15000): string {
    this.type(line + "\r");
    return clean(this.waitFor(prompt, timeoutMs));
  }
}

/** The default prompt '\u@\h:\w\$ ' of root in /root, followed by the cursor query. */
export const PROMPT = /root@hako:[^\r\n]*# \x1b\[6n/;

/** Output without the ESC[6n queries, with CRLF as LF. */
export function clean(s: string): string { return s.replace(/\x1b\[6n/g, "").replace(/\r\n/g, "\n"); }
