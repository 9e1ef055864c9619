// mount(2), umount2(2), pivot_root(2) over the caller's mount namespace
// (fs/vfs.ts). mount does, as do_mount does and in its order: MS_REMOUNT
// (with MS_BIND: only the per-mount flags), MS_BIND (MS_REC copies the
// mounts below too), a propagation change (MS_SHARED/MS_PRIVATE/MS_SLAVE/
// MS_UNBINDABLE, recorded and shown in mountinfo, never propagated),
// MS_MOVE, or a new mount of a type from fs/fstypes.ts. Everything needs
// root (CAP_SYS_ADMIN), as there are no user namespaces.
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import { userPath, lookupPathAt, AT_FDCWD } from "./fs";
import { filesystemType } from "../fs/fstypes";
import { isDir } from "../fs/inode";
import type { Vfs } from "../fs/vfs";
import {
  Mount, type Path, type Propagation, samePath, MS_RDONLY, MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_SILENT, MS_SHARED,
  MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE, MS_NOATIME, MS_STRICTATIME, MS_RELATIME, MNT_FLAGS,
} from "../fs/mount";
import { EPERM, EINVAL, ENODEV, ENOTDIR, EBUSY, EFAULT, ELOOP, ENOENT, EAGAIN } from "../errno";

/** The magic number old programs put in the high 16 bits of the flags (MS_MGC_VAL). */
const MS_MGC_MSK = 0xffff0000, MS_MGC_VAL = 0xc0ed0000;
const MS_PROPAGATION = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
export const MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

/** A string argument that may be NULL (""), or EFAULT. */
function optString(t: Task, ptr: number, max = 4096): string | number {
  if (ptr === 0) return "";
  const s = t.mm.readCString(ptr, max);
  return typeof s === "number" ? -EFAULT : s;
}

/** Whether `p` is the root of its mount (the target of remount, propagation changes, umount, MS_MOVE). */
const isMountRoot = (p: Path): boolean => p.inode === p.mnt.root;

/** mount(2) */
export function sysMount(t: Task, a: Args, k: Kernel): number {
  let flags = a.u(3) >>> 0;
  if ((flags & MS_MGC_MSK) === MS_MGC_VAL) flags &= ~MS_MGC_MSK;
  flags &= ~MS_SILENT;
  const source = optString(t, a.u(0));
  if (typeof source === "number") return source;
  const targetName = userPath(t, a.u(1));
  if (typeof targetName === "number") return targetName;
  const fstype = optString(t, a.u(2), 256);
  if (typeof fstype === "number") return fstype;
  const data = optString(t, a.u(4));
  if (typeof data === "number") return data;
  if (t.cred.euid !== 0) return -EPERM;
  const ns = t.nsproxy.mnt;
  const found = lookupPathAt(t, AT_FDCWD, targetName, true);
  if (typeof found === "number") return found;
  const target = ns.followMounts(found);

  if (flags & MS_REMOUNT) return remount(target, flags);
  if (flags & MS_BIND) return bind(t, ns, source, target, (flags & MS_REC) !== 0);
  if (flags & MS_PROPAGATION) return changeType(ns, target, flags);
  if (flags & MS_MOVE) return move(t, ns, source, target);
  return newMount(t, k, ns, fstype, source, target, flags, data);
}

/** MS_REMOUNT: the per-mount flags (and, without MS_BIND, the filesystem's read-only state). */
function remount(target: Path, flags: number): number {
  if (!isMountRoot(target)) return -EINVAL;
  const m = target.mnt;
  m.flags = atimeDefault(flags & MNT_FLAGS);
  if (!(flags & MS_BIND)) m.sb.readOnly = (flags & MS_RDONLY) !== 0;
  return 0;
}

/** Linux gives new mounts relatime unless noatime or strictatime is asked. */
const atimeDefault = (f: number): number => (f & (MS_NOATIME | MS_STRICTATIME) ? f : f | MS_RELATIME);

/** MS_BIND: the source place (and with MS_REC the mounts under it) appears at the target too. */
function bind(t: Task, ns: Vfs, sourceName: string, target: Path, recursive: boolean): number {
  if (sourceName === "") return -ENOENT;
  const src = lookupPathAt(t, AT_FDCWD, sourceName, true);
  if (typeof src === "number") return src;
  if (src.mnt.propagation === "unbindable") return -EINVAL;
  if (isDir(src.inode) !== isDir(target.inode)) return -ENOTDIR;
  const copy = ns.copyTree(src.mnt, src.inode, recursive);
  ns.attach(copy, target);
  return 0;
}

/** MS_SHARED/MS_PRIVATE/MS_SLAVE/MS_UNBINDABLE (exactly one), on the target mount or with MS_REC its whole subtree. */
function changeType(ns: Vfs, target: Path, flags: number): number {
  if (!isMountRoot(target) || !ns.has(target.mnt)) return -EINVAL;
  const kinds = flags & MS_PROPAGATION;
  if (kinds & (kinds - 1)) return -EINVAL;
  const p: Propagation = kinds === MS_SHARED ? "shared" : kinds === MS_SLAVE ? "slave" : kinds === MS_PRIVATE ? "private" : "unbindable";
  const visit = (m: Mount): void => {
    // A shared mount with no other peer has no master to follow: made a slave, it becomes private (mount_namespaces(7)).
    const lone = p === "slave" && m.propagation === "shared" && !ns.list.some((x) => x !== m && x.peerGroup === m.peerGroup);
    m.setPropagation(lone ? "private" : p);
    if (flags & MS_REC) for (const c of m.childMounts()) visit(c);
  };
  visit(target.mnt);
  return 0;
}

/** MS_MOVE: the mount at `source` moves to the target (not below itself). */
function move(t: Task, ns: Vfs, sourceName: string, target: Path): number {
  const src = lookupPathAt(t, AT_FDCWD, sourceName, true);
  if (typeof src === "number") return src;
  const m = src.mnt;
  if (!isMountRoot(src) || !m.parent || !ns.has(m)) return -EINVAL;
  for (let x: Mount | null = target.mnt; x; x = x.parent) if (x === m) return -ELOOP;
  if (isDir(src.inode) !== isDir(target.inode)) return -ENOTDIR;
  // detach takes the subtree out of the namespace; the mount keeps its children, so attach brings them back.
  ns.detach(m);
  ns.attach(m, target);
  return 0;
}

/** A new instance of `fstype` at the target. */
function newMount(t: Task, k: Kernel, ns: Vfs, fstype: string, source: string, target: Path, flags: number, data: string): number {
  if (fstype === "") return -EINVAL;
  const type = filesystemType(fstype);
  if (!type) return -ENODEV;
  if (!isDir(target.inode)) return -ENOTDIR;
  const made = type.mount({
    task: t, kernel: k, source, flags, data,
    resolve: (path) => { const r = lookupPathAt(t, AT_FDCWD, path, true); return typeof r === "number" ? r : r.inode; },
  });
  if (typeof made === "number") return made;
  const m = new Mount({ fstype, source: source || "none", options: made.options, root: made.root, readOnly: (flags & MS_RDONLY) !== 0 || made.readOnly === true },
    made.root, atimeDefault(flags & MNT_FLAGS));
  ns.attach(m, target);
  return 0;
}

/** Whether some task or open file is in `m` or below it (umount without MNT_DETACH: EBUSY). */
function busy(k: Kernel, m: Mount): boolean {
  if (m.childMounts().length > 0) return true;
  for (const t of k.tasks()) {
    if (t.group.zombie) continue;
    for (const th of t.group.threads) {
      if (th.exitStatus !== null) continue;
      if (th.fs.root.mnt === m || th.fs.cwd.mnt === m) return true;
      for (const e of th.files.fds) if (e && e.file.at?.mnt === m) return true;
    }
  }
  return false;
}

/** umount2(2): MNT_DETACH takes the mount out at once (lazily: users keep it); without it a busy mount is EBUSY. */
export function sysUmount2(t: Task, a: Args, k: Kernel): number {
  const flags = a.i(1);
  if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) return -EINVAL;
  if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH))) return -EINVAL;
  const name = userPath(t, a.u(0));
  if (typeof name === "number") return name;
  if (t.cred.euid !== 0) return -EPERM;
  const ns = t.nsproxy.mnt;
  const found = lookupPathAt(t, AT_FDCWD, name, !(flags & UMOUNT_NOFOLLOW));
  if (typeof found === "number") return found;
  // The topmost mount at that place goes (umount's lookup follows mounts on the last component).
  const p = ns.followMounts(found);
  if (!isMountRoot(p) || !ns.has(p.mnt)) return -EINVAL;
  const m = p.mnt;
  if (m === ns.rootMount) return flags & MNT_DETACH ? -EINVAL : -EBUSY;
  // MNT_EXPIRE's first call only marks the mount and says EAGAIN; nothing expires here, so it always does.
  if (flags & MNT_EXPIRE) return -EAGAIN;
  if (!(flags & MNT_DETACH) && busy(k, m)) return -EBUSY;
  ns.detach(m);
  return 0;
}

/**
 * pivot_root(2): the caller's root mount moves to put_old and new_root
 * becomes the root, for every task of the namespace whose root or cwd was
 * the old root. The man page's checks: both directories, new_root a mount
 * point other than the root, put_old at or under new_root, the current
 * root a mount point, no shared parent mounts (EINVAL).
 */
export function sysPivotRoot(t: Task, a: Args, k: Kernel): number {
  const newName = userPath(t, a.u(0));
  if (typeof newName === "number") return newName;
  const oldName = userPath(t, a.u(1));
  if (typeof oldName === "number") return oldName;
  if (t.cred.euid !== 0) return -EPERM;
  const ns = t.nsproxy.mnt;
  const nr = lookupPathAt(t, AT_FDCWD, newName, true);
  if (typeof nr === "number") return nr;
  const po = lookupPathAt(t, AT_FDCWD, oldName, true);
  if (typeof po === "number") return po;
  if (!isDir(nr.inode) || !isDir(po.inode)) return -ENOTDIR;
  const root = t.fs.root;
  const newMnt = nr.mnt, rootMnt = root.mnt;
  if (!ns.has(newMnt) || !ns.has(rootMnt) || !ns.has(po.mnt)) return -EINVAL;
  // Linux's order: new_root or put_old on the root's own mount is EBUSY before the mount-point checks.
  if (newMnt === rootMnt || ns.followMounts(po).mnt === rootMnt) return -EBUSY;
  if (!isMountRoot(nr) || !isMountRoot(root)) return -EINVAL;
  if (!newMnt.parent) return -EINVAL;
  // put_old must be reachable from new_root, and new_root from the current root.
  if (ns.reachable(po, nr) === null || ns.reachable(nr, root) === null) return -EINVAL;
  if (newMnt.parent.propagation === "shared" || rootMnt.parent?.propagation === "shared") return -EINVAL;
  if (isMountRoot(po) && po.mnt.propagation === "shared") return -EINVAL;
  const putOld = ns.followMounts(po);
  const r = ns.pivotRoot(newMnt, rootMnt, putOld);
  if (r < 0) return r;
  // chroot_fs_refs: whoever had the old root as root or cwd now has the new one.
  const newRoot: Path = { mnt: newMnt, inode: newMnt.root };
  for (const x of k.tasks()) for (const th of x.group.threads) {
    if (th.nsproxy.mnt !== ns) continue;
    if (samePath(th.fs.root, root)) th.fs.root = newRoot;
    if (samePath(th.fs.cwd, root)) th.fs.cwd = newRoot;
  }
  return 0;
}
