// Character devices: /dev/null, /dev/zero, /dev/full, /dev/urandom and the
// stream a process's standard descriptors are wired to (the host's stdio in
// `hako run`, buffers in tests). Reads here are synchronous; blocking reads
// with wait queues come with the scheduler (issue 4).
import { ENOSPC } from "../errno";
import type { Inode } from "./inode";
import type { Task } from "../task";
import type { Kernel } from "../syscall/types";

export interface CharDevice {
  /** Device number, as st_rdev encodes it (makedev). */
  readonly rdev: number;
  /** Whether TCGETS succeeds (isatty). */
  readonly isTty: boolean;
  /** Up to `len` bytes; an empty array is end of file; a negative number is an errno. */
  read(len: number): Uint8Array | number;
  /** Bytes written, or a negative errno. */
  write(data: Uint8Array): number;
  /** Terminals: the window size as [rows, columns] (TIOCGWINSZ); 24×80 when absent. */
  winsize?(): [number, number];
  /**
   * open(2) of the node (terminals): the inode the new description refers
   * to — a fresh pty master for /dev/ptmx, the controlling terminal for
   * /dev/tty — or a negative errno. Without it the node itself is opened.
   */
  open?(t: Task, k: Kernel, flags: number): Inode | number;
}

/** makedev(3) for the old 8:8 encoding, enough for the devices we model. */
export const makedev = (major: number, minor: number): number => (major << 8) | minor;

export const nullDevice: CharDevice = {
  rdev: makedev(1, 3), isTty: false,
  read: () => new Uint8Array(0),
  write: (d) => d.length,
};

export const zeroDevice: CharDevice = {
  rdev: makedev(1, 5), isTty: false,
  read: (len) => new Uint8Array(Math.min(len, 1 << 20)),
  write: (d) => d.length,
};

export const fullDevice: CharDevice = {
  rdev: makedev(1, 7), isTty: false,
  read: (len) => new Uint8Array(Math.min(len, 1 << 20)),
  write: () => -ENOSPC,
};

export const urandomDevice: CharDevice = {
  rdev: makedev(1, 9), isTty: false,
  read: (len) => {
    const out = new Uint8Array(Math.min(len, 1 << 16));
    for (let i = 0; i < out.length; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
    return out;
  },
  write: (d) => d.length,
};

/** A write-only sink: everything written is handed to `sink`. */
export function sinkDevice(sink: (data: Uint8Array) => void, isTty = false): CharDevice {
  return {
    rdev: 0, isTty,
    read: () => new Uint8Array(0),
    write: (d) => { sink(d.slice()); return d.length; },
  };
}

/** A read-only source: `source(len)` returns the next bytes, empty at end of input. */
export function sourceDevice(source: (len: number) => Uint8Array, isTty = false): CharDevice {
  return { rdev: 0, isTty, read: (len) => source(len), write: (d) => d.length };
}

/** Input from a fixed buffer (tests, `echo … | hako run`-style pipelines in process). */
export function bufferSource(data: Uint8Array): (len: number) => Uint8Array {
  let pos = 0;
  return (len) => {
    const out = data.subarray(pos, pos + len);
    pos += out.length;
    return out;
  };
}
