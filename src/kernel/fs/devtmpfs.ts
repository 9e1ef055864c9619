// devtmpfs: /dev as a writable tmpfs holding the character devices the
// kernel provides (drivers/char/mem.c numbers): null, zero, full, random,
// urandom, and tty (5:0: the controlling terminal, ENXIO without one),
// console (5:1: the boot terminal) and ptmx (5:2: a new pty master of the
// devpts at /dev/pts), whose drivers are in devpts.ts.
import { registerFilesystem } from "./fstypes";
import { createTmpfs } from "./tmpfs";
import type { MemFs } from "./memfs";
import { type CharDevice, nullDevice, zeroDevice, fullDevice, urandomDevice, makedev } from "./device";
import { ENXIO } from "../errno";
import { currentTime } from "./inode";
import { ptmxDevice, ttyDevice, consoleDevice } from "./devpts";

/** A device node whose driver is not there yet: every read and write is ENXIO. */
export function absentDevice(rdev: number): CharDevice {
  return { rdev, isTty: false, read: () => -ENXIO, write: () => -ENXIO };
}

const random: CharDevice = { ...urandomDevice, rdev: makedev(1, 8) };
const drivers = new Map<number, CharDevice>([nullDevice, zeroDevice, fullDevice, random, urandomDevice, ttyDevice, consoleDevice, ptmxDevice].map((d) => [d.rdev, d]));

/** The driver for a character device number (what mknod(2) nodes open); ENXIO stand-in when none. */
export function deviceByRdev(rdev: number): CharDevice {
  return drivers.get(rdev) ?? absentDevice(rdev);
}

/** A fresh /dev: the kernel's device nodes, pts/ and shm/, and the fd links. */
export function createDevtmpfs(): MemFs {
  const dev = createTmpfs({ mode: 0o755 });
  dev.mknod("null", nullDevice, { mode: 0o666 });
  dev.mknod("zero", zeroDevice, { mode: 0o666 });
  dev.mknod("full", fullDevice, { mode: 0o666 });
  dev.mknod("random", random, { mode: 0o666 });
  dev.mknod("urandom", urandomDevice, { mode: 0o666 });
  dev.mknod("tty", ttyDevice, { mode: 0o666 });
  dev.mknod("console", consoleDevice, { mode: 0o600 });
  dev.mknod("ptmx", ptmxDevice, { mode: 0o666 });
  dev.mkdir("pts", { mode: 0o755 });
  dev.mkdir("shm", { mode: 0o1777 });
  dev.symlink("fd", "/proc/self/fd");
  dev.symlink("stdin", "/proc/self/fd/0");
  dev.symlink("stdout", "/proc/self/fd/1");
  dev.symlink("stderr", "/proc/self/fd/2");
  // devtmpfs is made at boot: its nodes carry the boot time.
  const now = currentTime();
  for (const n of [dev.root, ...dev.root.entries().map(([, i]) => i)]) { n.atime = now; n.mtime = now; n.ctime = now; }
  return dev;
}

// mount -t devtmpfs: a /dev with the kernel's nodes (each mount a fresh copy; Linux shares one instance).
registerFilesystem({ name: "devtmpfs", nodev: true, mount: () => ({ root: createDevtmpfs().root, options: "mode=755" }) });
