// Syscalls that change the tree or an inode's attributes: mkdir(2), mknod(2),
// symlink(2), link(2), unlink(2)/rmdir(2), rename(2)/renameat2(2),
// chmod(2), chown(2), utimensat(2) and its older forms, truncate(2). Each
// reads its arguments, resolves the path with the caller's credentials and
// hands over to fs/namei.ts, which makes the checks Linux makes.
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import { type Inode, type SetAttr, type Timespec, isDir, isLink, S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, currentTime } from "../fs/inode";
import {
  vfsCreate, vfsUnlink, vfsRmdir, vfsRename, vfsLink, vfsChmod, vfsChown, vfsUtimes, vfsTruncate, truncateAs,
} from "../fs/namei";
import { deviceByRdev } from "../fs/devtmpfs";
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_FOLLOW, AT_REMOVEDIR, AT_EMPTY_PATH, userPath, lookupAt, lookupPathAt, parentAt, linkable } from "./fs";
import type { ParentLookup } from "../fs/vfs";
import { EBADF, EINVAL, ENOENT, ENOTDIR, EPERM, EFAULT, EOPNOTSUPP, EEXIST, EROFS } from "../errno";

// ---- making names ----

/** mkdir(2) */
export function sysMkdir(t: Task, a: Args, k: Kernel): number { return mkdirAt(t, k, AT_FDCWD, a.u(0), a.u(1)); }
/** mkdirat(2) */
export function sysMkdirat(t: Task, a: Args, k: Kernel): number { return mkdirAt(t, k, a.i(0), a.u(1), a.u(2)); }

function mkdirAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, mode: number): number {
  const path = userPath(t, pathPtr);
  if (typeof path === "number") return path;
  const p = parentAt(t, k, dirfd, path);
  if (typeof p === "number") return p;
  if (p.at.mnt.readOnly) return readOnlyCreate(t, p);
  // mkdir keeps the sticky bit (S_IRWXUGO | S_ISVTX) and applies the umask.
  const m = S_IFDIR | (mode & 0o1777 & ~t.fs.umask);
  const r = vfsCreate(t.nsproxy.mnt, p.dir, p.name, { mode: m, uid: t.cred.fsuid, gid: t.cred.fsgid }, t.cred);
  return typeof r === "number" ? r : 0;
}

/** mknod(2) */
export function sysMknod(t: Task, a: Args, k: Kernel): number { return mknodAt(t, k, AT_FDCWD, a.u(0), a.u(1), a.u(2)); }
/** mknodat(2): devices get the kernel's driver for their number (null, zero, …) or ENXIO on open. */
export function sysMknodat(t: Task, a: Args, k: Kernel): number { return mknodAt(t, k, a.i(0), a.u(1), a.u(2), a.u(3)); }

function mknodAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, mode: number, dev: number): number {
  let type = mode & S_IFMT;
  if (type === 0) type = S_IFREG;
  // may_mknod: directories are EPERM, unknown types EINVAL.
  if (type === S_IFDIR) return -EPERM;
  if (![S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK].includes(type)) return -EINVAL;
  // Device nodes need CAP_MKNOD.
  if ((type === S_IFCHR || type === S_IFBLK) && t.cred.euid !== 0) return -EPERM;
  const path = userPath(t, pathPtr);
  if (typeof path === "number") return path;
  const p = parentAt(t, k, dirfd, path);
  if (typeof p === "number") return p;
  if (p.at.mnt.readOnly) return readOnlyCreate(t, p);
  // The x86-64 dev_t encoding (new_decode_dev): major in bits 8-19, minor in 0-7 and 20-31.
  const major = (dev >>> 8) & 0xfff, minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
  const rdev = type === S_IFCHR || type === S_IFBLK ? (major << 8) | minor : 0;
  const device = type === S_IFCHR ? deviceByRdev(rdev) : undefined;
  const r = vfsCreate(t.nsproxy.mnt, p.dir, p.name, { mode: type | (mode & 0o7777 & ~t.fs.umask), uid: t.cred.fsuid, gid: t.cred.fsgid, rdev, device }, t.cred);
  return typeof r === "number" ? r : 0;
}

/** symlink(2) */
export function sysSymlink(t: Task, a: Args, k: Kernel): number { return symlinkAt(t, k, a.u(0), AT_FDCWD, a.u(1)); }
/** symlinkat(2) */
export function sysSymlinkat(t: Task, a: Args, k: Kernel): number { return symlinkAt(t, k, a.u(0), a.i(1), a.u(2)); }

function symlinkAt(t: Task, k: Kernel, targetPtr: number, dirfd: number, pathPtr: number): number {
  const target = userPath(t, targetPtr);
  if (typeof target === "number") return target;
  const path = userPath(t, pathPtr);
  if (typeof path === "number") return path;
  const p = parentAt(t, k, dirfd, path);
  if (typeof p === "number") return p;
  if (p.trailingSlash && !t.nsproxy.mnt.child(p.dir, p.name)) return -ENOENT;
  if (p.at.mnt.readOnly) return readOnlyCreate(t, p);
  const r = vfsCreate(t.nsproxy.mnt, p.dir, p.name, { mode: S_IFLNK | 0o777, uid: t.cred.fsuid, gid: t.cred.fsgid, target }, t.cred);
  return typeof r === "number" ? r : 0;
}

/** link(2) */
export function sysLink(t: Task, a: Args, k: Kernel): number { return linkAt(t, k, AT_FDCWD, a.u(0), AT_FDCWD, a.u(1), 0); }
/** linkat(2): AT_SYMLINK_FOLLOW, AT_EMPTY_PATH (root only, as without CAP_DAC_READ_SEARCH it is ENOENT). */
export function sysLinkat(t: Task, a: Args, k: Kernel): number { return linkAt(t, k, a.i(0), a.u(1), a.i(2), a.u(3), a.i(4)); }

function linkAt(t: Task, k: Kernel, olddirfd: number, oldPtr: number, newdirfd: number, newPtr: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const empty = (flags & AT_EMPTY_PATH) !== 0;
  const oldPath = userPath(t, oldPtr, empty);
  if (typeof oldPath === "number") return oldPath;
  if (oldPath === "" && t.cred.euid !== 0) return -ENOENT;
  const newPath = userPath(t, newPtr);
  if (typeof newPath === "number") return newPath;
  const src = lookupAt(t, k, olddirfd, oldPath, (flags & AT_SYMLINK_FOLLOW) !== 0, empty);
  if (typeof src === "number") return src;
  const p = parentAt(t, k, newdirfd, newPath);
  if (typeof p === "number") return p;
  if (p.trailingSlash) return t.nsproxy.mnt.child(p.dir, p.name) ? -EEXIST : -ENOENT;
  if (p.at.mnt.readOnly) return readOnlyCreate(t, p);
  return vfsLink(t.nsproxy.mnt, src, p.dir, p.name, t.cred, (i) => linkable.has(i));
}

// ---- removing and moving names ----

/** unlink(2) */
export function sysUnlink(t: Task, a: Args, k: Kernel): number { return unlinkAt(t, k, AT_FDCWD, a.u(0), 0); }
/** rmdir(2) */
export function sysRmdir(t: Task, a: Args, k: Kernel): number { return unlinkAt(t, k, AT_FDCWD, a.u(0), AT_REMOVEDIR); }
/** unlinkat(2) */
export function sysUnlinkat(t: Task, a: Args, k: Kernel): number { return unlinkAt(t, k, a.i(0), a.u(1), a.i(2)); }

function unlinkAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, flags: number): number {
  if (flags & ~AT_REMOVEDIR) return -EINVAL;
  const path = userPath(t, pathPtr);
  if (typeof path === "number") return path;
  const p = parentAt(t, k, dirfd, path);
  if (typeof p === "number") return p;
  if (p.at.mnt.readOnly) return -EROFS;
  if (flags & AT_REMOVEDIR) return vfsRmdir(t.nsproxy.mnt, p.dir, p.name, t.cred);
  if (p.trailingSlash) {
    const c = t.nsproxy.mnt.child(p.dir, p.name);
    if (c && !isDir(c)) return -ENOTDIR;
  }
  return vfsUnlink(t.nsproxy.mnt, p.dir, p.name, t.cred);
}

/** rename(2) */
export function sysRename(t: Task, a: Args, k: Kernel): number { return renameAt(t, k, AT_FDCWD, a.u(0), AT_FDCWD, a.u(1), 0); }
/** renameat(2) */
export function sysRenameat(t: Task, a: Args, k: Kernel): number { return renameAt(t, k, a.i(0), a.u(1), a.i(2), a.u(3), 0); }
/** renameat2(2): RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT is EINVAL. */
export function sysRenameat2(t: Task, a: Args, k: Kernel): number { return renameAt(t, k, a.i(0), a.u(1), a.i(2), a.u(3), a.i(4)); }

function renameAt(t: Task, k: Kernel, olddirfd: number, oldPtr: number, newdirfd: number, newPtr: number, flags: number): number {
  const oldPath = userPath(t, oldPtr);
  if (typeof oldPath === "number") return oldPath;
  const newPath = userPath(t, newPtr);
  if (typeof newPath === "number") return newPath;
  const op = parentAt(t, k, olddirfd, oldPath);
  if (typeof op === "number") return op;
  const np = parentAt(t, k, newdirfd, newPath);
  if (typeof np === "number") return np;
  if (op.at.mnt.readOnly || np.at.mnt.readOnly) return -EROFS;
  // A trailing slash is allowed only on directories.
  const src = t.nsproxy.mnt.child(op.dir, op.name);
  if (src && !isDir(src) && (op.trailingSlash || np.trailingSlash)) return -ENOTDIR;
  return vfsRename(t.nsproxy.mnt, op.dir, op.name, np.dir, np.name, flags, t.cred);
}

// ---- attributes ----

/** The inode a path-or-descriptor attribute call works on. */
function target(t: Task, k: Kernel, dirfd: number, pathPtr: number, flags: number, allowed: number): Inode | number {
  if (flags & ~allowed) return -EINVAL;
  const empty = (flags & AT_EMPTY_PATH) !== 0;
  const path = userPath(t, pathPtr, empty);
  if (typeof path === "number") return path;
  const at = lookupPathAt(t, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), empty);
  if (typeof at === "number") return at;
  // Every caller changes the inode: a read-only mount refuses (mnt_want_write).
  return at.mnt.readOnly ? -EROFS : at.inode;
}

/** A name made on a read-only mount: EEXIST when it is there already (filename_create's order), else EROFS. */
function readOnlyCreate(t: Task, p: ParentLookup): number {
  return t.nsproxy.mnt.child(p.dir, p.name) ? -EEXIST : -EROFS;
}

function fdInode(t: Task, fd: number): Inode | number {
  const f = t.files.get(fd);
  return f ? f.inode : -EBADF;
}

/** chmod(2) */
export function sysChmod(t: Task, a: Args, k: Kernel): number { return chmodOn(t, target(t, k, AT_FDCWD, a.u(0), 0, 0), a.u(1)); }
/** fchmod(2) */
export function sysFchmod(t: Task, a: Args): number { return chmodOn(t, fdInode(t, a.i(0)), a.u(1)); }
/** fchmodat(2) (no flags argument in the syscall). */
export function sysFchmodat(t: Task, a: Args, k: Kernel): number { return chmodOn(t, target(t, k, a.i(0), a.u(1), 0, 0), a.u(2)); }
/** fchmodat2(2): AT_SYMLINK_NOFOLLOW on a symlink is EOPNOTSUPP, AT_EMPTY_PATH. */
export function sysFchmodat2(t: Task, a: Args, k: Kernel): number {
  const i = target(t, k, a.i(0), a.u(1), a.i(3), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
  if (typeof i !== "number" && isLink(i)) return -EOPNOTSUPP;
  return chmodOn(t, i, a.u(2));
}

function chmodOn(t: Task, i: Inode | number, mode: number): number {
  if (typeof i === "number") return i;
  return vfsChmod(i, mode, t.cred);
}

/** chown(2) */
export function sysChown(t: Task, a: Args, k: Kernel): number { return chownOn(t, target(t, k, AT_FDCWD, a.u(0), 0, 0), a.i(1), a.i(2)); }
/** lchown(2) */
export function sysLchown(t: Task, a: Args, k: Kernel): number {
  return chownOn(t, target(t, k, AT_FDCWD, a.u(0), AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW), a.i(1), a.i(2));
}
/** fchown(2) */
export function sysFchown(t: Task, a: Args): number { return chownOn(t, fdInode(t, a.i(0)), a.i(1), a.i(2)); }
/** fchownat(2): AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. */
export function sysFchownat(t: Task, a: Args, k: Kernel): number {
  return chownOn(t, target(t, k, a.i(0), a.u(1), a.i(4), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), a.i(2), a.i(3));
}

function chownOn(t: Task, i: Inode | number, uid: number, gid: number): number {
  if (typeof i === "number") return i;
  return vfsChown(i, uid, gid, t.cred);
}

const UTIME_NOW = (1 << 30) - 1, UTIME_OMIT = (1 << 30) - 2;

/** utimensat(2): UTIME_NOW, UTIME_OMIT; a NULL path works on dirfd itself (Linux's extension). */
export function sysUtimensat(t: Task, a: Args, k: Kernel): number {
  const dirfd = a.i(0), pathPtr = a.u(1), timesPtr = a.u(2), flags = a.i(3);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  let times: [Timespec | null, Timespec | null] | null = null;
  if (timesPtr) {
    const raw = t.mm.copyIn(timesPtr, 32);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer);
    const one = (o: number): Timespec | null | number => {
      const sec = Number(v.getBigInt64(o, true)), nsec = Number(v.getBigInt64(o + 8, true));
      if (nsec === UTIME_OMIT) return null;
      if (nsec === UTIME_NOW) return currentTime();
      if (nsec < 0 || nsec > 999999999) return -EINVAL;
      return { sec, nsec };
    };
    const at = one(0), mt = one(16);
    if (typeof at === "number") return at;
    if (typeof mt === "number") return mt;
    const explicit = [0, 16].some((o) => { const n = Number(v.getBigInt64(o + 8, true)); return n !== UTIME_NOW && n !== UTIME_OMIT; });
    const i = pathPtr === 0 ? fdInode(t, dirfd) : target(t, k, dirfd, pathPtr, flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
    if (typeof i === "number") return i;
    if (at === null && mt === null) return 0;
    times = [at, mt];
    return applyTimes(t, i, times, explicit);
  }
  const i = pathPtr === 0 ? fdInode(t, dirfd) : target(t, k, dirfd, pathPtr, flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
  if (typeof i === "number") return i;
  const now = currentTime();
  return applyTimes(t, i, [now, now], false);
}

function applyTimes(t: Task, i: Inode, times: [Timespec | null, Timespec | null], explicit: boolean): number {
  const a: SetAttr = {};
  if (times[0]) a.atime = times[0];
  if (times[1]) a.mtime = times[1];
  return vfsUtimes(i, a, explicit, t.cred);
}

/** Reads two struct timevals (utimes/futimesat); null pointer means now. */
function timevals(t: Task, ptr: number): [Timespec, Timespec] | null | number {
  if (!ptr) return null;
  const raw = t.mm.copyIn(ptr, 32);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  const tv = (o: number): Timespec | number => {
    const sec = Number(v.getBigInt64(o, true)), usec = Number(v.getBigInt64(o + 8, true));
    if (usec < 0 || usec > 999999) return -EINVAL;
    return { sec, nsec: usec * 1000 };
  };
  const a = tv(0), m = tv(16);
  if (typeof a === "number") return a;
  if (typeof m === "number") return m;
  return [a, m];
}

/** utimes(2) */
export function sysUtimes(t: Task, a: Args, k: Kernel): number { return utimesAt(t, k, AT_FDCWD, a.u(0), timevals(t, a.u(1))); }
/** futimesat(2) */
export function sysFutimesat(t: Task, a: Args, k: Kernel): number { return utimesAt(t, k, a.i(0), a.u(1), timevals(t, a.u(2))); }

/** utime(2): struct utimbuf {actime, modtime} in seconds. */
export function sysUtime(t: Task, a: Args, k: Kernel): number {
  let tv: [Timespec, Timespec] | null = null;
  if (a.u(1)) {
    const raw = t.mm.copyIn(a.u(1), 16);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer);
    tv = [{ sec: Number(v.getBigInt64(0, true)), nsec: 0 }, { sec: Number(v.getBigInt64(8, true)), nsec: 0 }];
  }
  return utimesAt(t, k, AT_FDCWD, a.u(0), tv);
}

function utimesAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, tv: [Timespec, Timespec] | null | number): number {
  if (typeof tv === "number") return tv;
  const i = pathPtr === 0 ? fdInode(t, dirfd) : target(t, k, dirfd, pathPtr, 0, 0);
  if (typeof i === "number") return i;
  if (tv) return applyTimes(t, i, tv, true);
  const now = currentTime();
  return applyTimes(t, i, [now, now], false);
}

// ---- sizes ----

/** truncate(2) */
export function sysTruncate(t: Task, a: Args, k: Kernel): number {
  const len = a.l(1);
  if (len < 0) return -EINVAL;
  const i = target(t, k, AT_FDCWD, a.u(0), 0, 0);
  if (typeof i === "number") return i;
  return vfsTruncate(i, len, t.cred);
}

/** ftruncate(2): the descriptor must be open for writing; no permission check beyond that. */
export function sysFtruncate(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  const len = a.l(1);
  if (len < 0) return -EINVAL;
  if (!f.writable || (f.inode.mode & S_IFMT) !== S_IFREG) return -EINVAL;
  return truncateAs(f.inode, len, t.cred);
}
