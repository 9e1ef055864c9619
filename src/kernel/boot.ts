// Booting a machine with a terminal: a pty whose master the host holds (the
// page's xterm.js, `hako shell`) is the console, and PID 1 runs on its slave.
//
// By default PID 1 is the image's init (/sbin/init, busybox init(8)) with the
// console on descriptors 0-2 but not as its controlling terminal (Linux's
// /dev/console never is). It reads /etc/inittab: root logs in on /dev/pts/0
// (the console pty), a new login starts when that shell exits, and
// halt/poweroff/reboot make init end everything and call reboot(2), which
// stops the machine (`shutdown` says how). Init is protected from signals it
// has no handler for (signal/queue.ts). With `endWithLogin` (hako shell)
// the machine stops when the console's login shell exits, with its status.
//
// With `shell`, that program is PID 1 itself instead, session leader with the
// console as its controlling terminal, in /root — as a container runtime
// starts `docker run -it IMAGE sh`; its exit ends the machine. The host then
// drives the machine in slices with `step(ms)`.
import { Machine, Process, DEFAULT_PATH, type RunResult } from "./machine";
import type { Pty } from "./tty/pty";
import type { ThreadGroup } from "./task";
import { OpenFile, O_RDWR } from "./fs/file";
import { nullDevice } from "./fs/device";
import { ctrlAltDel } from "./syscall/reboot";

export interface BootOptions {
  cols?: number;
  rows?: number;
  /** Extra environment entries (NAME=value) for PID 1, added to / replacing the defaults. */
  env?: string[];
  /** Run this argv as PID 1 on the console instead of init (the container way). */
  shell?: string[];
  /** With init: the machine stops when the console's login shell exits (its status becomes `status`). */
  endWithLogin?: boolean;
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
  /** The keyboard's Ctrl-Alt-Del: init's "ctrlaltdel" action (or an immediate restart while C_A_D is on). */
  ctrlAltDel(): void;
}

export interface Booted {
  machine: Machine;
  master: Console;
  /** PID 1. */
  init: Process;
  /**
   * Runs the machine for about `ms` of wall time (Infinity: until it
   * stops). Returns true once PID 1 has ended; then `status` is set.
   */
  step(ms: number): boolean;
  /** 0 when tasks are runnable, else ms until the next timer, null when only input can wake the machine. */
  nextTimerMs(): number | null;
  /**
   * Once stopped: 0 after halt/poweroff/reboot, the login shell's status
   * with `endWithLogin`, else PID 1's (128+N after signal N).
   */
  readonly status: number | null;
  /** How reboot(2) stopped the machine, if it did. */
  readonly shutdown: "halt" | "poweroff" | "restart" | null;
}

export const DEFAULT_PS1 = "\\u@\\h:\\w\\$ ";
export const INIT = "/sbin/init";

function mergeEnv(base: string[], extra: string[]): string[] {
  const m = new Map<string, string>();
  for (const e of [...base, ...extra]) m.set(e.split("=")[0], e);
  return [...m.values()];
}

const quote = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;

/** Boots `m`: a pty of cols×rows as the console and PID 1 on it. A RunResult means PID 1 could not start. */
export function boot(m: Machine, o: BootOptions = {}): Booted | RunResult {
  const pty = m.devpts.allocate(0);
  if (typeof pty === "number") throw new Error(`no pty: errno ${-pty}`);
  pty.locked = false;
  m.devpts.console = pty;
  pty.tty.rows = o.rows ?? 24;
  pty.tty.cols = o.cols ?? 80;
  // What the kernel gives init (HOME=/, TERM), plus the login environment a shell-as-PID-1 needs itself.
  const env = mergeEnv(o.shell ? [
    `PATH=${DEFAULT_PATH}`, "HOME=/root", "TERM=xterm-256color", `PS1=${DEFAULT_PS1}`,
    `HOSTNAME=${m.hostname}`, "USER=root", "LOGNAME=root", "SHELL=/bin/sh",
  ] : ["HOME=/", "TERM=xterm-256color"], o.env ?? []);
  const argv = o.shell
    ? ["/bin/sh", "-c", `mkdir -p /root 2>/dev/null; cd /root 2>/dev/null; exec ${o.shell.map(quote).join(" ")}`]
    : [INIT];
  const null3 = { stdin: nullDevice, stdout: nullDevice, stderr: nullDevice };
  const p = m.spawn({ argv, env, cwd: "/", stdio: null3 });
  if (!(p instanceof Process)) return p;
  attachConsole(p, pty, o.shell !== undefined);
  // SIGNAL_UNKILLABLE: the machine's init gets only the signals it handles.
  p.task.sig.group.unkillable = true;
  // A booted machine is never ended for looking stuck (only the init's own exit or reboot(2) end it).
  if (!o.shell) p.endWhenStuck = false;

  let loginStatus: number | null = null;
  if (o.endWithLogin && !o.shell) {
    // The console's login is the leader of the session the console controls; busybox login
    // waits for the shell it forks and exits 0, so the shell's status is that of the last
    // child of the leader that ended.
    let shellStatus: number | null = null;
    m.onProcessExit = (g: ThreadGroup) => {
      if (loginStatus !== null || !consoleSession || g.sid !== consoleSession) return;
      const ws = g.exitCode ?? 0;
      const st = ws & 0x7f ? 128 + (ws & 0x7f) : (ws >> 8) & 0xff;
      if (g.leader.vpid !== g.sid) {
        if (g.parent && g.parent.leader.vpid === g.sid) shellStatus = st;
        return;
      }
      loginStatus = shellStatus ?? st;
      m.halt("halt");
    };
  }
  // The session that last took the console (tty.session is cleared as its leader exits).
  let consoleSession = 0;
  const watch = (): void => { if (pty.tty.session) consoleSession = pty.tty.session; };

  let status: number | null = null;
  const master: Console = {
    write: (b) => { watch(); pty.input(typeof b === "string" ? new TextEncoder().encode(b) : b); },
    onOutput: (cb) => pty.onOutput((bytes) => { watch(); cb(bytes); }),
    resize: (cols, rows) => pty.tty.resize(rows, cols),
    hangup: () => { pty.masterReleased(); },
    ctrlAltDel: () => ctrlAltDel(m),
  };
  pty.masterOpened();
  return {
    machine: m, master, init: p,
    step(ms: number): boolean {
      if (status !== null) return true;
      watch();
      if (!p.step(ms)) return false;
      status = loginStatus ?? (m.haltedAs ? 0 : p.result().status);
      m.onProcessExit = null;
      return true;
    },
    nextTimerMs: () => m.nextTimerMs(),
    get status() { return status; },
    get shutdown() { return loginStatus !== null ? null : m.haltedAs; },
  };
}

/**
 * Puts the pty's slave on descriptors 0-2 of `p`. A shell as PID 1 also
 * takes it as its session's controlling terminal; init does not (the
 * console it passes to the login on /dev/pts/0 is then free to be taken).
 */
function attachConsole(p: Process, pty: Pty, controlling: boolean): void {
  const t = p.task;
  const slave = pty.slaveInode;
  const f = new OpenFile(slave, O_RDWR, `/dev/pts/${pty.index}`);
  slave.open?.();
  f.onRelease = () => slave.release?.();
  for (let fd = 0; fd < 3; fd++) t.files.installAt(fd, f, false);
  if (controlling) pty.tty.acquire(t);
}
