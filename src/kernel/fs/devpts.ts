// devpts (/dev/pts): one node per open pseudo-terminal slave, numbered from
// 0 (the lowest free number is reused, as Linux's ida does), owned by the
// opener of the master with mode 0620 and group tty (5) — what grantpt(3)
// would set, so grantpt has nothing to do. /dev/ptmx opens a new master
// of the devpts instance mounted at the "pts" directory next to it
// (Documentation/filesystems/devpts.rst). Slave devices are 136:N.
import { registerFilesystem } from "./fstypes";
import { MemFs } from "./memfs";
import type { MemInode } from "./memfs";
import { type CharDevice, makedev } from "./device";
import { type Inode, S_IFCHR } from "./inode";
import type { Task } from "../task";
import type { Kernel } from "../syscall/types";
import { Pty, registerSide } from "../tty/pty";
import { controllingTty, type Tty } from "../tty/tty";
import { EIO, ENXIO, ENOSPC } from "../errno";

export const DEVPTS_SUPER_MAGIC = 0x1cd1;
const O_NOCTTY = 0o400;
const TTY_GID = 5;
const MAX_PTYS = 4096;

const instances = new WeakMap<Inode, DevPts>();
/** Each terminal's slave inode (what /dev/tty opens). */
const slaveByTty = new WeakMap<Tty, Inode>();
/** The devpts instance whose root is `i`, if any. */
export const devptsOf = (i: Inode): DevPts | null => instances.get(i) ?? null;

/** Wraps an inode's open/release hooks (kept for its own bookkeeping) with a pty's counters. */
function hookOpen(n: MemInode, opened: () => void, released: () => void): void {
  const open = n.open?.bind(n), release = n.release?.bind(n);
  n.open = () => { open?.(); opened(); };
  n.release = () => { release?.(); released(); };
}

export class DevPts {
  readonly fs = new MemFs({ mode: 0o755 }, { magic: DEVPTS_SUPER_MAGIC });
  /** Master inodes live here, unnamed (like /dev/ptmx's per-open file). */
  private masters = new MemFs({ mode: 0o755 });
  private ptys = new Map<number, Pty>();
  /** The pty /dev/console shows (the boot terminal), if any. */
  console: Pty | null = null;

  constructor(private k: Kernel) {
    instances.set(this.fs.root, this);
    const ptmx: CharDevice = { rdev: makedev(5, 2), isTty: true, read: () => -EIO, write: () => -EIO, open: (t, k2) => this.openMaster(t, k2) };
    this.fs.mknod("ptmx", ptmx, { mode: 0 });
  }

  get root(): Inode { return this.fs.root; }

  /** A new pty; its slave node appears as /dev/pts/N owned by `uid`. */
  allocate(uid: number): Pty | number {
    let n = 0;
    while (this.ptys.has(n)) n++;
    if (n >= MAX_PTYS) return -ENOSPC;
    const pty = new Pty(n, this.k);
    const slave: CharDevice = {
      rdev: makedev(136, n), isTty: true,
      read: () => -EIO, write: () => -EIO,
      open: (t, _k, flags) => this.openSlave(pty, t, flags),
    };
    const sNode = this.fs.mknod(String(n), slave, { mode: 0o620, uid, gid: TTY_GID });
    hookOpen(sNode, () => pty.slaveOpenedNow(), () => pty.slaveReleased());
    const master: CharDevice = { rdev: makedev(5, 2), isTty: true, read: () => -EIO, write: () => -EIO };
    const mNode = this.masters.mknod(`m${n}`, master, { mode: 0o666, uid });
    mNode.mode = S_IFCHR | 0o666;
    this.masters.remove(`m${n}`);
    hookOpen(mNode, () => pty.masterOpened(), () => pty.masterReleased());
    pty.masterInode = mNode;
    pty.slaveInode = sNode;
    registerSide(mNode, pty, true);
    registerSide(sNode, pty, false);
    slaveByTty.set(pty.tty, sNode);
    pty.onGone = () => {
      if (this.ptys.get(n) !== pty) return;
      this.ptys.delete(n);
      this.fs.remove(String(n));
    };
    this.ptys.set(n, pty);
    return pty;
  }

  private openMaster(t: Task, _k: Kernel): Inode | number {
    const p = this.allocate(t.cred.fsuid);
    return typeof p === "number" ? p : p.masterInode;
  }

  /** Opening a slave: EIO while locked or hung up; a session leader without a terminal acquires it unless O_NOCTTY. */
  private openSlave(pty: Pty, t: Task, flags: number): Inode | number {
    if (pty.locked || pty.tty.hungUp) return -EIO;
    if (!(flags & O_NOCTTY) && !controllingTty(t)) pty.tty.acquire(t);
    return pty.slaveInode;
  }
}

/** Finds the devpts instance at /dev/pts as `t` sees it (what /dev/ptmx and /dev/console open). */
function devptsFor(t: Task, k: Kernel): DevPts | null {
  const r = t.nsproxy.mnt.resolve(t.fs.root, t.fs.root, "/dev/pts", true);
  return typeof r === "number" ? null : devptsOf(r.inode);
}

/** /dev/ptmx (5:2): a new master of the devpts next to it. */
export const ptmxDevice: CharDevice = {
  rdev: makedev(5, 2), isTty: true, read: () => -EIO, write: () => -EIO,
  open: (t, k) => {
    const d = devptsFor(t, k);
    if (!d) return -ENXIO;
    const p = d.allocate(t.cred.fsuid);
    return typeof p === "number" ? p : p.masterInode;
  },
};

/** /dev/tty (5:0): the caller's controlling terminal; ENXIO without one. */
export const ttyDevice: CharDevice = {
  rdev: makedev(5, 0), isTty: true, read: () => -ENXIO, write: () => -ENXIO,
  open: (t) => {
    const tty = controllingTty(t);
    return (tty && slaveByTty.get(tty)) || -ENXIO;
  },
};

/** /dev/console (5:1): the boot terminal, when the machine was booted with one. */
export const consoleDevice: CharDevice = {
  rdev: makedev(5, 1), isTty: true, read: () => -ENXIO, write: () => -ENXIO,
  open: (t, k) => {
    const c = devptsFor(t, k)?.console;
    if (!c || c.tty.hungUp) return -ENXIO;
    return c.slaveInode;
  },
};

// mount -t devpts: a new, independent instance (Linux's default since 4.7, as with -o newinstance).
registerFilesystem({ name: "devpts", nodev: true, mount: (r) => ({ root: new DevPts(r.kernel).root, options: "gid=5,mode=620,ptmxmode=000" }) });
