// The page's terminal session: boots the machine — init logs root in on a
// pseudo-terminal, and again each time that shell exits (kernel/boot.ts) —
// and connects the terminal stream to the pty's master, as a terminal
// emulator does. The machine runs in slices of
// 16 ms so the worker keeps answering keys and resizes; when every task
// sleeps it waits for the next timer, and when all wait for input it waits
// for the next key, using no CPU.
import type { Machine } from "../kernel/machine";
import { boot, type Booted } from "../kernel/boot";

export interface TerminalStream {
  write(data: Uint8Array | string): void;
  onInput(fn: (bytes: Uint8Array) => void): void;
}

/** Time slice of the guest between two looks at the terminal (a frame's budget). */
const SLICE_MS = 16;

export interface Session {
  resize(cols: number, rows: number): void;
  /** Settles when the machine stops (poweroff, halt, reboot): 0, or init's status if it died. */
  exited: Promise<number>;
}

export function startSession(term: TerminalStream, machine: Machine, env: string[], cols: number, rows: number): Session {
  const b = boot(machine, { cols, rows, env });
  if (!("step" in b)) {
    term.write(`hako: the login shell could not start (status ${b.status})\r\n`);
    return { resize: () => {}, exited: Promise.resolve(b.status) };
  }
  const booted: Booted = b;
  booted.master.onOutput((bytes) => term.write(bytes));
  let wake: (() => void) | null = null;
  const kick = (): void => { const w = wake; wake = null; w?.(); };
  term.onInput((bytes) => { booted.master.write(bytes); kick(); });

  const exited = (async (): Promise<number> => {
    for (;;) {
      if (booted.step(SLICE_MS)) break;
      const next = booted.nextTimerMs();
      // Runnable: yield to the event loop (messages, keys) and go on. Sleeping: wait for the timer or a key.
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (next !== null) setTimeout(kick, next === 0 ? 0 : Math.min(next, 1000));
      });
    }
    const status = booted.status ?? 0;
    const why = booted.shutdown === "restart" ? "rebooted" : booted.shutdown ? "powered off" : `stopped: init exited with status ${status}`;
    term.write(`\r\n[the machine ${why}; reload the page for a new machine]\r\n`);
    return status;
  })();

  return {
    resize: (c, r) => { booted.master.resize(c, r); kick(); },
    exited,
  };
}
