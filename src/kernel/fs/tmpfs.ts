// tmpfs: a writable in-memory filesystem (MemFs) mounted with a size limit,
// as Linux's shmem-backed tmpfs (Documentation/filesystems/tmpfs.rst): the
// default size is half of RAM, data is counted in whole pages, ENOSPC when
// full. /tmp, the overlay's upper layers and devtmpfs use it.
import { MemFs } from "./memfs";
import { TMPFS_MAGIC } from "./inode";
import { registerFilesystem } from "./fstypes";
import { EINVAL } from "../errno";

export interface TmpfsOptions {
  /** Root directory mode (tmpfs's mode=, 1777 for /tmp). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** size= in bytes; Infinity for no limit. */
  sizeBytes?: number;
  /** nr_inodes= */
  maxInodes?: number;
}

export function createTmpfs(o: TmpfsOptions = {}): MemFs {
  return new MemFs({ mode: o.mode ?? 0o1777, uid: o.uid, gid: o.gid }, { maxBytes: o.sizeBytes, maxInodes: o.maxInodes, magic: TMPFS_MAGIC });
}

/** tmpfs size=/nr_inodes= numbers: k, m, g suffixes, or a percentage of RAM for size (tmpfs.rst). */
function tmpfsNumber(v: string, ram: number, percentOk: boolean): number | null {
  const m = /^(\d+)([kKmMgG%]?)$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  switch (m[2]) {
    case "k": case "K": return n * 1024;
    case "m": case "M": return n * 1024 * 1024;
    case "g": case "G": return n * 1024 * 1024 * 1024;
    case "%": return percentOk ? Math.floor((ram * n) / 100 / 4096) * 4096 : null;
    default: return n;
  }
}

// mount -t tmpfs: size= (default half of RAM), nr_inodes=, mode= (octal), uid=, gid=; /proc/mounts shows
// size and nr_inodes when not the default, mode when not 1777, uid and gid when not 0 (shmem_show_options).
registerFilesystem({
  name: "tmpfs", nodev: true,
  mount: (r) => {
    const ram = r.kernel.totalRam;
    const o: TmpfsOptions = {};
    for (const opt of r.data.split(",").filter(Boolean)) {
      const eq = opt.indexOf("=");
      const key = eq < 0 ? opt : opt.slice(0, eq), val = eq < 0 ? "" : opt.slice(eq + 1);
      if (key === "size") { const n = tmpfsNumber(val, ram, true); if (n === null) return -EINVAL; o.sizeBytes = n; }
      else if (key === "nr_inodes") { const n = tmpfsNumber(val, ram, false); if (n === null) return -EINVAL; o.maxInodes = n; }
      else if (key === "mode") { if (!/^[0-7]+$/.test(val)) return -EINVAL; o.mode = parseInt(val, 8) & 0o7777; }
      else if (key === "uid" || key === "gid") { if (!/^\d+$/.test(val)) return -EINVAL; o[key] = Number(val); }
      else if (!["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime", "strictatime", "huge=never", "inode64"].includes(opt)) return -EINVAL;
    }
    const fs = createTmpfs({ ...o, sizeBytes: o.sizeBytes ?? Math.floor(ram / 2 / 4096) * 4096 });
    const shown: string[] = [];
    if (o.sizeBytes !== undefined) shown.push(`size=${Math.floor(o.sizeBytes / 1024)}k`);
    if (o.maxInodes !== undefined) shown.push(`nr_inodes=${o.maxInodes}`);
    if (o.mode !== undefined && o.mode !== 0o1777) shown.push(`mode=${o.mode.toString(8).padStart(3, "0")}`);
    if (o.uid) shown.push(`uid=${o.uid}`);
    if (o.gid) shown.push(`gid=${o.gid}`);
    return { root: fs.root, options: shown.join(",") };
  },
});
