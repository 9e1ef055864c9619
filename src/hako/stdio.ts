// The host's standard streams as character devices for a machine (Node).
// Reads block the process, which is what a single guest process wants; the
// browser build wires a pty instead.
import { readSync, writeSync, fstatSync } from "node:fs";
import { isatty } from "node:tty";
import type { CharDevice } from "../kernel/fs/device";
import type { Stdio } from "../kernel/machine";

function hostReader(fd: number): CharDevice {
  return {
    rdev: 0,
    isTty: isatty(fd),
    read(len: number): Uint8Array {
      const buf = new Uint8Array(Math.min(len, 1 << 16));
      for (;;) {
        try {
          return buf.subarray(0, readSync(fd, buf, 0, buf.length, null));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EAGAIN") { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); continue; }
          if (code === "EOF") return new Uint8Array(0);
          throw e;
        }
      }
    },
    write: (d) => d.length,
  };
}

/** The host terminal's size, when `fd` is one. */
function hostWinsize(fd: number): [number, number] {
  const s = fd === 1 ? process.stdout : fd === 2 ? process.stderr : null;
  return s && s.isTTY ? [s.rows || 24, s.columns || 80] : [24, 80];
}

function hostWriter(fd: number): CharDevice {
  return {
    rdev: 0,
    isTty: isatty(fd),
    winsize: () => hostWinsize(fd),
    read: () => new Uint8Array(0),
    write(d: Uint8Array): number {
      let off = 0;
      while (off < d.length) {
        try {
          off += writeSync(fd, d, off, d.length - off);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EAGAIN") { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); continue; }
          if (code === "EPIPE") return off > 0 ? off : -32;
          throw e;
        }
      }
      return d.length;
    },
  };
}

/** The Node process's own stdin, stdout and stderr. */
export function hostStdio(): Stdio {
  try { fstatSync(0); } catch { /* closed stdin reads as empty */ }
  return { stdin: hostReader(0), stdout: hostWriter(1), stderr: hostWriter(2) };
}
