// sysfs-lite (sysfs(5)): the /sys tree a container sees, reduced to its
// directories — block, bus, class, dev, devices, firmware, fs, kernel,
// module, power — with fs/cgroup as the cgroup2 mount point. Nothing in
// it is writable; the cgroup files live in cgroupfs.ts. Every machine
// boots with sysfs on /sys and cgroup2 on /sys/fs/cgroup, the mount
// options of a systemd host.
import { type Inode, type Timespec, S_IFDIR, currentTime } from "../fs/inode";
import type { Vfs } from "../fs/vfs";
import { registerFilesystem } from "../fs/fstypes";
import { CgroupFs } from "./cgroupfs";
import type { Cgroup } from "./cgroup";
import type { Hierarchy } from "./hierarchy";
import type { Task } from "../task";
import { ENODEV, EINVAL } from "../errno";

const SYSFS_MAGIC = 0x62656572;
const SYSFS_DEV = 0x16;
let nextIno = 1;

/** A read-only sysfs directory. */
class SysDir implements Inode {
  readonly dev = SYSFS_DEV;
  readonly ino = nextIno++;
  mode = S_IFDIR | 0o755;
  uid = 0;
  gid = 0;
  nlink = 2;
  rdev = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  parent: Inode | null = null;
  name = "";
  readonly size = 0;
  private kids = new Map<string, SysDir>();
  constructor(names: Record<string, Record<string, object>> | Record<string, object> = {}) {
    const now = currentTime();
    this.atime = now; this.mtime = now; this.ctime = now;
    for (const [n, sub] of Object.entries(names)) {
      const d = new SysDir(sub as Record<string, object>);
      d.parent = this; d.name = n;
      this.kids.set(n, d);
    }
    this.nlink = 2 + this.kids.size;
  }
  lookup(name: string): Inode | null { return this.kids.get(name) ?? null; }
  entries(): Array<[string, Inode]> { return [...this.kids]; }
  read(): Uint8Array { return new Uint8Array(0); }
  readlink(): string { return ""; }
  fsStats() {
    return { type: SYSFS_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, flags: 0 };
  }
}

/** A new sysfs instance (one per mount, as sysfs shows the mounting task's network namespace on Linux). */
export function createSysfs(): Inode {
  const root = new SysDir({
    block: {}, bus: {}, class: {}, dev: {}, devices: {}, firmware: {}, fs: { cgroup: {} }, kernel: {}, module: {}, power: {},
  });
  root.parent = root;
  return root;
}

export const SYSFS_OPTIONS = "rw,nosuid,nodev,noexec,relatime";
export const CGROUP2_OPTIONS = "rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot";

/** The root a cgroup2 mount by `t` shows: its cgroup namespace's root. */
export function cgroupMountRoot(t: Task, h: Hierarchy): Cgroup {
  return t.nsproxy.cgroup?.root ?? h.root;
}

/** Mounts sysfs on /sys and cgroup2 on /sys/fs/cgroup in the machine's initial mount namespace. */
export function mountSysfs(vfs: Vfs, h: Hierarchy): void {
  const sys = createSysfs();
  const m = vfs.mount(vfs.root, "sys", sys, { source: "sysfs", target: "/sys", fstype: "sysfs", options: SYSFS_OPTIONS });
  const fs = sys.lookup("fs");
  if (!fs) return;
  vfs.mount({ mnt: m, inode: fs }, "cgroup", new CgroupFs(h.root).root,
    { source: "cgroup2", target: "/sys/fs/cgroup", fstype: "cgroup2", options: CGROUP2_OPTIONS });
}

/** The machine's hierarchy, found from any cgroup of it. */
const hierarchyOf = (t: Task): Hierarchy | null => t.cgroup?.hierarchy ?? null;

registerFilesystem({
  name: "sysfs",
  nodev: true,
  mount: () => ({ root: createSysfs(), options: "" }),
});

registerFilesystem({
  name: "cgroup2",
  nodev: true,
  mount: (r) => {
    const h = hierarchyOf(r.task);
    if (!h) return -ENODEV; // a task outside any hierarchy (never on a booted machine)
    const opts = r.data.split(",").filter(Boolean);
    // nsdelegate, memory_recursiveprot, memory_localevents, favordynmods are accepted; others are EINVAL as in cgroup2_parse_param.
    const known = ["nsdelegate", "memory_recursiveprot", "memory_localevents", "favordynmods", "memory_hugetlb_accounting", "rw", "ro"];
    if (opts.some((o) => !known.includes(o))) return -EINVAL;
    return { root: new CgroupFs(cgroupMountRoot(r.task, h)).root, options: "nsdelegate,memory_recursiveprot" };
  },
});
