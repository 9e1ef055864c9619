// Booting a machine with a terminal: a pty whose master the host holds (the
// page's xterm.js, `hako shell`), and PID 1 on its slave. PID 1 is busybox
// sh: it makes /root, goes there and execs the login shell (`sh -l`), so the
// shell is PID 1, session leader and process-group leader, with the pty as
// its controlling terminal — as a container runtime starts `docker run -it
// IMAGE sh`. The host then drives the machine in slices with `step(ms)`.
import { Machine, Process, DEFAULT_PATH, type RunResult } from "./machine";
import type { Pty } from "./tty/pty";
import { OpenFile, O_RDWR } from "./fs/file";
import { nullDevice } from "./fs/device";

export interface BootOptions {
  cols?: number;
  rows?: number;
  /** Extra environment entries (NAME=value), added to / replacing the defaults. */
  env?: string[];
  /** The login shell's argv (default: /bin/sh -l). */
  shell?: string[];
}

/** The host's end of the boot terminal. */
export interface Console {
  /** Keystrokes (or pasted text) typed at the terminal. */
  write(bytes: Uint8Array | string): void;
  /** Receives everything the machine prints (called during step()). */
  onOutput(cb: (bytes: Uint8Array) => void): void;
  /** The terminal's new size: the foreground job gets SIGWINCH. */
  resize(cols: number, rows: number): void;
  /** Closes the master: the session is hung up (SIGHUP). */
  hangup(): void;
}

export interface Booted {
  machine: Machine;
  master: Console;
  /** PID 1. */
  init: Process;
  /**
   * Runs the machine for about `ms` of wall time (Infinity: until PID 1
   * exits). Returns true once PID 1 has exited; then `status` is its exit
   * status (128+N after signal N).
   */
  step(ms: number): boolean;
  /** 0 when tasks are runnable, else ms until the next timer, null when only input can wake the machine. */
  nextTimerMs(): number | null;
  readonly status: number | null;
}

export const DEFAULT_PS1 = "\\u@\\h:\\w\\$ ";

function mergeEnv(base: string[], extra: string[]): string[] {
  const m = new Map<string, string>();
  for (const e of [...base, ...extra]) m.set(e.split("=")[0], e);
  return [...m.values()];
}

/** Boots `m`: a pty of cols×rows and the login shell as PID 1 on it. A RunResult means PID 1 could not start. */
export function boot(m: Machine, o: BootOptions = {}): Booted | RunResult {
  const pty = m.devpts.allocate(0);
  if (typeof pty === "number") throw new Error(`no pty: errno ${-pty}`);
  pty.locked = false;
  m.devpts.console = pty;
  pty.tty.rows = o.rows ?? 24;
  pty.tty.cols = o.cols ?? 80;
  const env = mergeEnv([
    `PATH=${DEFAULT_PATH}`, "HOME=/root", "TERM=xterm-256color", `PS1=${DEFAULT_PS1}`,
    `HOSTNAME=${m.hostname}`, "USER=root", "LOGNAME=root", "SHELL=/bin/sh",
  ], o.env ?? []);
  const shell = o.shell ?? ["/bin/sh", "-l"];
  const quoted = shell.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const null3 = { stdin: nullDevice, stdout: nullDevice, stderr: nullDevice };
  const p = m.spawn({ argv: ["/bin/sh", "-c", `mkdir -p /root 2>/dev/null; cd /root 2>/dev/null; exec ${quoted}`], env, cwd: "/", stdio: null3 });
  if (!(p instanceof Process)) return p;
  attachTerminal(p, pty);
  let status: number | null = null;
  const master: Console = {
    write: (b) => pty.input(typeof b === "string" ? new TextEncoder().encode(b) : b),
    onOutput: (cb) => pty.onOutput(cb),
    resize: (cols, rows) => pty.tty.resize(rows, cols),
    hangup: () => { pty.masterReleased(); },
  };
  pty.masterOpened();
  return {
    machine: m, master, init: p,
    step(ms: number): boolean {
      if (status !== null) return true;
      if (!p.step(ms)) return false;
      status = p.result().status;
      return true;
    },
    nextTimerMs: () => m.nextTimerMs(),
    get status() { return status; },
  };
}

/** Puts the pty's slave on descriptors 0-2 of `p` and makes it the session's controlling terminal. */
function attachTerminal(p: Process, pty: Pty): void {
  const t = p.task;
  const slave = pty.slaveInode;
  const f = new OpenFile(slave, O_RDWR, `/dev/pts/${pty.index}`);
  slave.open?.();
  f.onRelease = () => slave.release?.();
  for (let fd = 0; fd < 3; fd++) t.files.installAt(fd, f, false);
  pty.tty.acquire(t);
}
