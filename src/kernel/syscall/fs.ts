// File and directory syscalls over the VFS: paths (open(2), stat(2),
// access(2), readlink(2), chdir(2), chroot(2)), directories (getdents64(2),
// getcwd(2)), statfs(2) and extended attributes. Calls that change the tree
// (mkdir, unlink, rename, chmod, …) are in fs-modify.ts; descriptor I/O is
// in io.ts. Paths are resolved with the caller's credentials: every
// directory walked needs search permission (path_resolution(7)).
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import {
  type Inode, type FsStats, isDir, isLink, isReg, dtype, S_IFMT, S_IFREG, S_IFCHR, S_IFIFO, S_IFSOCK, TMPFS_MAGIC, ST_RDONLY,
} from "../fs/inode";
import {
  OpenFile, O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH,
  O_TMPFILE, O_NOCTTY,
} from "../fs/file";
import { openFifo } from "../fifo";
import { type FsCred, permission, MAY_READ, MAY_WRITE, MAY_EXEC } from "../fs/permission";
import { vfsCreate, setattr } from "../fs/namei";
import type { ParentLookup, Path } from "../fs/vfs";
import {
  EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, EEXIST, EROFS, EACCES, ELOOP, ERANGE, EISDIR, ENAMETOOLONG,
  ENXIO, EPERM, EOPNOTSUPP,
} from "../errno";

export * from "./fs-modify";
export * from "./fs-io";

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
export const AT_EACCESS = 0x200;

const enc = new TextEncoder();

/** Reads a path argument: EFAULT on a bad pointer, ENOENT when empty (unless allowed). */
export function userPath(t: Task, ptr: number, allowEmpty = false): string | number {
  if (ptr === 0) return -EFAULT;
  const s = t.mm.readCString(ptr, 4096);
  if (typeof s === "number") return s === -EINVAL ? -ENAMETOOLONG : s;
  if (s === "" && !allowEmpty) return -ENOENT;
  return s;
}

/** The directory a *at() call starts from. */
export function startDir(t: Task, dirfd: number, path: string): Path | number {
  if (path.startsWith("/") || dirfd === AT_FDCWD) return t.fs.cwd;
  const f = t.files.get(dirfd);
  if (!f) return -EBADF;
  if (!isDir(f.inode)) return -ENOTDIR;
  return f.at ?? t.nsproxy.mnt.toPath(f.inode);
}

/** Resolves (dirfd, path) as the *at() calls do, to a place in the caller's mount namespace; AT_EMPTY_PATH with "" names dirfd itself. */
export function lookupPathAt(t: Task, dirfd: number, path: string, follow: boolean, emptyPath = false, cred: FsCred = t.cred): Path | number {
  if (path === "" && emptyPath) {
    if (dirfd === AT_FDCWD) return t.fs.cwd;
    const f = t.files.get(dirfd);
    return f ? f.at ?? t.nsproxy.mnt.toPath(f.inode) : -EBADF;
  }
  const dir = startDir(t, dirfd, path);
  if (typeof dir === "number") return dir;
  const r = t.nsproxy.mnt.resolve(t.fs.root, dir, path, follow, cred);
  return typeof r === "number" ? r : r.path;
}

/** lookupPathAt's inode. */
export function lookupAt(t: Task, _k: Kernel, dirfd: number, path: string, follow: boolean, emptyPath = false, cred: FsCred = t.cred): Inode | number {
  const r = lookupPathAt(t, dirfd, path, follow, emptyPath, cred);
  return typeof r === "number" ? r : r.inode;
}

/** Resolves the directory part of (dirfd, path): the directory and the last name. */
export function parentAt(t: Task, _k: Kernel, dirfd: number, path: string): ParentLookup | number {
  const dir = startDir(t, dirfd, path);
  if (typeof dir === "number") return dir;
  return t.nsproxy.mnt.resolveParent(t.fs.root, dir, path, t.cred);
}

// ---- stat ----

/** struct stat of x86-64 (asm/stat.h): 144 bytes. */
export function encodeStat(i: Inode): Uint8Array {
  const b = new Uint8Array(144);
  const v = new DataView(b.buffer);
  const u64 = (o: number, x: number): void => v.setBigUint64(o, BigInt(Math.max(0, Math.trunc(x))), true);
  u64(0, i.dev);
  u64(8, i.ino);
  u64(16, i.nlink);
  v.setUint32(24, i.mode, true);
  v.setUint32(28, i.uid, true);
  v.setUint32(32, i.gid, true);
  u64(40, i.rdev);
  u64(48, i.size);
  u64(56, 4096);
  u64(64, blocksOf(i));
  const t = (o: number, ts: { sec: number; nsec: number }): void => { v.setBigInt64(o, BigInt(ts.sec), true); u64(o + 8, ts.nsec); };
  t(72, i.atime);
  t(88, i.mtime);
  t(104, i.ctime);
  return b;
}

/** st_blocks: what the filesystem says, else whole 4 KiB blocks for files and directories. */
export function blocksOf(i: Inode): number {
  if (i.blocks !== undefined) return i.blocks;
  return isReg(i) || isDir(i) ? Math.ceil(i.size / 4096) * 8 : 0;
}

function putStat(t: Task, ptr: number, i: Inode): number {
  return t.mm.copyOut(ptr, encodeStat(i));
}

/** stat(2) */
export function sysStat(t: Task, a: Args, k: Kernel): number { return statPath(t, k, AT_FDCWD, a.u(0), a.u(1), 0); }
/** lstat(2) */
export function sysLstat(t: Task, a: Args, k: Kernel): number { return statPath(t, k, AT_FDCWD, a.u(0), a.u(1), AT_SYMLINK_NOFOLLOW); }
/** newfstatat(2): AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT. */
export function sysNewfstatat(t: Task, a: Args, k: Kernel): number { return statPath(t, k, a.i(0), a.u(1), a.u(2), a.i(3)); }

function statPath(t: Task, k: Kernel, dirfd: number, pathPtr: number, buf: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return -EINVAL;
  const path = userPath(t, pathPtr, (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === "number") return path;
  const i = lookupAt(t, k, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof i === "number") return i;
  return putStat(t, buf, i);
}

/** fstat(2) */
export function sysFstat(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  return putStat(t, a.u(1), f.inode);
}

const AT_STATX_SYNC_TYPE = 0x6000, STATX__RESERVED = 0x80000000;
const STATX_BASIC_STATS = 0x7ff, STATX_MNT_ID = 0x1000;

/** statx(2): every basic field and the mount id, whatever the mask asks (as Linux may); no birth time. */
export function sysStatx(t: Task, a: Args, k: Kernel): number {
  const flags = a.i(2);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if ((a.u(3) >>> 0) & STATX__RESERVED) return -EINVAL;
  const path = userPath(t, a.u(1), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === "number") return path;
  const i = lookupAt(t, k, a.i(0), path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof i === "number") return i;
  const b = new Uint8Array(256);
  const v = new DataView(b.buffer);
  v.setUint32(0, STATX_BASIC_STATS | STATX_MNT_ID, true);
  v.setUint32(4, 4096, true);
  v.setUint32(16, i.nlink, true);
  v.setUint32(20, i.uid, true);
  v.setUint32(24, i.gid, true);
  v.setUint16(28, i.mode, true);
  v.setBigUint64(32, BigInt(i.ino), true);
  v.setBigUint64(40, BigInt(i.size), true);
  v.setBigUint64(48, BigInt(blocksOf(i)), true);
  const ts = (o: number, x: { sec: number; nsec: number }): void => { v.setBigInt64(o, BigInt(x.sec), true); v.setUint32(o + 8, x.nsec, true); };
  ts(64, i.atime); ts(96, i.ctime); ts(112, i.mtime);
  v.setUint32(128, i.rdev >> 8, true); v.setUint32(132, i.rdev & 0xff, true);
  v.setUint32(136, i.dev >> 8, true); v.setUint32(140, i.dev & 0xff, true);
  v.setBigUint64(144, BigInt(i.dev), true); // stx_mnt_id: one mount per filesystem here
  return t.mm.copyOut(a.u(4), b);
}

// ---- open / close ----

/** open(2) */
export function sysOpen(t: Task, a: Args, k: Kernel): number { return openAt(t, k, AT_FDCWD, a.u(0), a.i(1), a.u(2)); }
/** openat(2): O_TMPFILE on tmpfs and the overlay root (linkat AT_EMPTY_PATH names the file). */
export function sysOpenat(t: Task, a: Args, k: Kernel): number { return openAt(t, k, a.i(0), a.u(1), a.i(2), a.u(3)); }
/** creat(2): open(O_CREAT|O_WRONLY|O_TRUNC). */
export function sysCreat(t: Task, a: Args, k: Kernel): number { return openAt(t, k, AT_FDCWD, a.u(0), O_CREAT | O_WRONLY | O_TRUNC, a.u(1)); }

/** Finds or makes the file O_CREAT names; [place, created]. */
function openCreate(t: Task, k: Kernel, dirfd: number, path: string, flags: number, mode: number, links = 0): [Path, boolean] | number {
  const p = parentAt(t, k, dirfd, path);
  if (typeof p === "number") return p;
  if (p.name === "" || p.name === "." || p.name === "..") return -EISDIR;
  const existing = t.nsproxy.mnt.child(p.dir, p.name);
  if (!existing) {
    if (p.trailingSlash) return -EISDIR;
    if (p.at.mnt.readOnly) return -EROFS;
    const e = permission(p.dir, MAY_EXEC, t.cred);
    if (e < 0) return e;
    const made = vfsCreate(t.nsproxy.mnt, p.dir, p.name, { mode: S_IFREG | (mode & ~t.fs.umask & 0o7777), uid: t.cred.fsuid, gid: t.cred.fsgid }, t.cred);
    return typeof made === "number" ? made : [{ mnt: p.at.mnt, inode: made }, true];
  }
  if (flags & O_EXCL) return -EEXIST;
  if (isLink(existing)) {
    if (flags & O_NOFOLLOW) return -ELOOP;
    const r = lookupPathAt(t, dirfd, path, true);
    if (r !== -ENOENT) return typeof r === "number" ? r : [r, false];
    // A dangling symlink: O_CREAT makes the file it names (open(2)), through at most 40 links.
    if (links >= 40) return -ELOOP;
    const target = existing.readlink();
    const slash = path.lastIndexOf("/");
    const next = target.startsWith("/") || slash < 0 ? target : `${path.slice(0, slash + 1)}${target}`;
    return openCreate(t, k, dirfd, next, flags, mode, links + 1);
  }
  if (isDir(existing)) return -EISDIR;
  return [{ mnt: p.at.mnt, inode: existing }, false];
}

function openAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, flags: number, mode: number): number {
  const path = userPath(t, pathPtr);
  if (typeof path === "number") return path;
  if ((flags & O_TMPFILE) === O_TMPFILE) return openTmpfile(t, k, dirfd, path, flags, mode);
  // Access mode 3 opens for neither reading nor writing (ioctl only) but is checked as both.
  const acc = flags & O_ACCMODE;
  let at: Path;
  let created = false;
  if ((flags & O_CREAT) && !(flags & O_PATH)) {
    const r = openCreate(t, k, dirfd, path, flags, mode);
    if (typeof r === "number") return r;
    [at, created] = r;
  } else {
    const r = lookupPathAt(t, dirfd, path, !(flags & O_NOFOLLOW));
    if (typeof r === "number") return r;
    at = r;
    if (isLink(at.inode) && !(flags & O_PATH)) return -ELOOP;
  }
  let i = at.inode;
  // A read-only mount (MS_RDONLY) refuses to open its files for writing (mnt_want_write): EROFS.
  if (at.mnt.readOnly && !(flags & O_PATH) && isReg(i) && (acc !== O_RDONLY || (flags & O_TRUNC))) return -EROFS;
  if ((flags & O_DIRECTORY) && !isDir(i)) return -ENOTDIR;
  if (!(flags & O_PATH)) {
    const writes = acc !== O_RDONLY;
    if (isDir(i) && (writes || (flags & O_TRUNC))) return -EISDIR;
    // The creator of a file may open it however it asked, whatever the new mode says.
    if (!created) {
      const mask = (acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE) | (flags & O_TRUNC ? MAY_WRITE : 0);
      const e = permission(i, mask, t.cred);
      if (e < 0) return e;
    }
    const kind = i.mode & S_IFMT;
    // A named pipe opens its pipe (fifo.ts), possibly waiting for the other end.
    if (kind === S_IFIFO && !i.device) {
      const f = openFifo(t, k, i, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY), path);
      if (typeof f === "number") return f;
      const fd = t.files.install(f, (flags & O_CLOEXEC) !== 0);
      if (fd < 0) f.onRelease?.();
      return fd;
    }
    // Devices without a driver, and sockets.
    if ((kind === S_IFCHR || kind === S_IFSOCK) && !i.device) return -ENXIO;
    // Terminal drivers choose the inode opened (a new pty master for /dev/ptmx, the controlling tty for /dev/tty).
    if (kind === S_IFCHR && i.device?.open) {
      const o = i.device.open(t, k, flags);
      if (typeof o === "number") return o;
      i = o;
    }
    if ((writes || (flags & O_TRUNC)) && kind === S_IFREG) {
      if (!i.write || i.readOnly) return -EROFS;
      // overlayfs copies a file up when it is opened for writing, before any write (ovl_open).
      const e = i.prepareWrite?.() ?? 0;
      if (e < 0) return e;
    }
    if ((flags & O_TRUNC) && kind === S_IFREG && !created) {
      const e = setattr(i, { size: 0 });
      if (e < 0) return e;
    }
  }
  return installFile(t, i, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOFOLLOW), path, (flags & O_CLOEXEC) !== 0, i === at.inode ? at : null);
}

/** A new description for `i` in the lowest free descriptor; the inode knows it is open until the last close. */
function installFile(t: Task, i: Inode, flags: number, path: string, cloexec: boolean, at: Path | null = null): number {
  const f = new OpenFile(i, flags, path);
  f.at = at;
  if (t.cred.fsuid !== 0) f.unprivileged = { fsuid: t.cred.fsuid, fsgid: t.cred.fsgid, groups: [...t.cred.groups] };
  const fd = t.files.install(f, cloexec);
  if (fd < 0 || !i.open) return fd;
  i.open();
  const prev = f.onRelease;
  f.onRelease = () => { i.release?.(); prev?.(); };
  return fd;
}

/**
 * O_TMPFILE (open(2)): an unnamed regular file in the directory's
 * filesystem, written through the descriptor and named later with
 * linkat(fd, "", dir, name, AT_EMPTY_PATH) unless O_EXCL was given.
 */
function openTmpfile(t: Task, k: Kernel, dirfd: number, path: string, flags: number, mode: number): number {
  const acc = flags & O_ACCMODE;
  if (acc !== O_WRONLY && acc !== O_RDWR) return -EINVAL;
  const dir = lookupAt(t, k, dirfd, path, true);
  if (typeof dir === "number") return dir;
  if (!isDir(dir)) return -ENOTDIR;
  const e = permission(dir, MAY_WRITE | MAY_EXEC, t.cred);
  if (e < 0) return e;
  if (!dir.createTmp || dir.readOnly) return -EOPNOTSUPP;
  const made = dir.createTmp({ mode: S_IFREG | (mode & ~t.fs.umask & 0o7777), uid: t.cred.fsuid, gid: t.cred.fsgid });
  if (typeof made === "number") return made;
  if (flags & O_EXCL) linkable.delete(made); else linkable.add(made);
  return installFile(t, made, flags & ~(O_TMPFILE | O_EXCL | O_CLOEXEC | O_CREAT), `${path.replace(/\/$/, "")}/#${made.ino} (deleted)`, (flags & O_CLOEXEC) !== 0);
}

/** O_TMPFILE files opened without O_EXCL (I_LINKABLE): only these may get a name while unlinked. */
export const linkable = new WeakSet<Inode>();

// ---- directories ----

/** getdents64(2): ".", ".." then the entries; d_off is the index of the next entry. */
export function sysGetdents64(t: Task, a: Args, k: Kernel): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  if (!isDir(f.inode)) return -ENOTDIR;
  const buf = a.u(1), size = a.u(2);
  if (f.dirPos === 0 || !f.dirCache) {
    const ns = t.nsproxy.mnt;
    const here = f.at ?? ns.toPath(f.inode);
    f.dirCache = [[".", f.inode], ["..", ns.up(here, t.fs.root).inode], ...ns.entries(here)];
  }
  const chunks: Uint8Array[] = [];
  let used = 0;
  while (f.dirPos < f.dirCache.length) {
    const [name, ino] = f.dirCache[f.dirPos];
    const nb = enc.encode(name);
    const reclen = (19 + nb.length + 1 + 7) & ~7;
    if (used + reclen > size) {
      if (used === 0) return -EINVAL;
      break;
    }
    const rec = new Uint8Array(reclen);
    const v = new DataView(rec.buffer);
    v.setBigUint64(0, BigInt(ino.ino), true);
    v.setBigInt64(8, BigInt(f.dirPos + 1), true);
    v.setUint16(16, reclen, true);
    rec[18] = dtype(ino.mode);
    rec.set(nb, 19);
    chunks.push(rec);
    used += reclen;
    f.dirPos++;
  }
  const out = new Uint8Array(used);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  const e = t.mm.copyOut(buf, out);
  return e < 0 ? e : used;
}

/** getcwd(2) */
export function sysGetcwd(t: Task, a: Args, k: Kernel): number {
  const p = enc.encode(t.nsproxy.mnt.pathOf(t.fs.cwd, t.fs.root) + "\0");
  if (p.length > a.u(1)) return -ERANGE;
  const e = t.mm.copyOut(a.u(0), p);
  return e < 0 ? e : p.length;
}

/** The directory at user path `ptr` if the caller may search it (chdir and chroot both need that). */
function searchableDir(t: Task, ptr: number): Path | number {
  const path = userPath(t, ptr);
  if (typeof path === "number") return path;
  const p = lookupPathAt(t, AT_FDCWD, path, true);
  if (typeof p === "number") return p;
  if (!isDir(p.inode)) return -ENOTDIR;
  const e = permission(p.inode, MAY_EXEC, t.cred);
  return e < 0 ? e : p;
}

/** chdir(2) */
export function sysChdir(t: Task, a: Args): number {
  const i = searchableDir(t, a.u(0));
  if (typeof i === "number") return i;
  t.fs.cwd = i;
  return 0;
}

/** chroot(2): root only (CAP_SYS_CHROOT); the new root is per task, cwd unchanged as on Linux. */
export function sysChroot(t: Task, a: Args): number {
  const i = searchableDir(t, a.u(0));
  if (typeof i === "number") return i;
  if (t.cred.euid !== 0) return -EPERM;
  t.fs.root = i;
  return 0;
}

/** fchdir(2) */
export function sysFchdir(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  if (!isDir(f.inode)) return -ENOTDIR;
  const e = permission(f.inode, MAY_EXEC, t.cred);
  if (e < 0) return e;
  t.fs.cwd = f.at ?? t.nsproxy.mnt.toPath(f.inode);
  return 0;
}

/** readlink(2) */
export function sysReadlink(t: Task, a: Args, k: Kernel): number { return readlinkAt(t, k, AT_FDCWD, a.u(0), a.u(1), a.i(2)); }
/** readlinkat(2) */
export function sysReadlinkat(t: Task, a: Args, k: Kernel): number { return readlinkAt(t, k, a.i(0), a.u(1), a.u(2), a.i(3)); }

function readlinkAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, buf: number, size: number): number {
  if (size <= 0) return -EINVAL;
  const path = userPath(t, pathPtr, true);
  if (typeof path === "number") return path;
  const i = lookupAt(t, k, dirfd, path, false, true);
  if (typeof i === "number") return i;
  if (!isLink(i)) return -EINVAL;
  const target = i.readlink();
  const b = enc.encode(target).subarray(0, size);
  const e = t.mm.copyOut(buf, b);
  return e < 0 ? e : b.length;
}

const W_OK = 2;

/** access(2) */
export function sysAccess(t: Task, a: Args, k: Kernel): number { return accessAt(t, k, AT_FDCWD, a.u(0), a.i(1), 0); }
/** faccessat(2) */
export function sysFaccessat(t: Task, a: Args, k: Kernel): number { return accessAt(t, k, a.i(0), a.u(1), a.i(2), 0); }
/** faccessat2(2) */
export function sysFaccessat2(t: Task, a: Args, k: Kernel): number { return accessAt(t, k, a.i(0), a.u(1), a.i(2), a.i(3)); }

/** access checks with the real ids (the effective ones with AT_EACCESS), root bypass as permission(). */
function accessAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, mode: number, flags: number): number {
  if (mode & ~7) return -EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const path = userPath(t, pathPtr, (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === "number") return path;
  const c = t.cred;
  const cred = flags & AT_EACCESS ? c : { fsuid: c.uid, fsgid: c.gid, groups: c.groups };
  // The walk itself also uses the ids being checked.
  const i = lookupAt(t, k, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0, cred);
  if (typeof i === "number") return i;
  if ((mode & W_OK) && (isReg(i) || isDir(i)) && (i.readOnly || !(isDir(i) ? i.create : i.write))) return -EROFS;
  return permission(i, mode, cred);
}

/** umask(2) */
export function sysUmask(t: Task, a: Args): number {
  const old = t.fs.umask;
  t.fs.umask = a.i(0) & 0o777;
  return old;
}

/** fsync(2), fdatasync(2), syncfs(2): nothing is buffered. */
/**
 * fsync(2), fdatasync(2), syncfs(2): the data is in memory already; where a
 * store keeps the files (k.syncFs) a save starts, and a store that refused
 * the last save for lack of space makes it ENOSPC: the data is not durable.
 */
export function sysFsync(t: Task, a: Args, k: Kernel): number { return t.files.get(a.i(0)) ? k.syncFs?.() ?? 0 : -EBADF; }
/** sync(2): starts a save where a store keeps the files; it cannot fail (it returns void). */
export function sysSync(_t: Task, _a: Args, k: Kernel): number { k.syncFs?.(); return 0; }


/** Character devices get a synthetic stat; used by the machine for stdio. */
export const isCharDev = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFCHR;

// ---- filesystem statistics ----

/** struct statfs of x86-64 (asm/statfs.h): 120 bytes. */
function encodeStatfs(i: Inode, k: Kernel): Uint8Array {
  const st: FsStats = i.fsStats?.() ?? {
    // In-memory trees without a size limit: sized like the machine's RAM, whose free frames they use.
    type: TMPFS_MAGIC, bsize: 4096, blocks: Math.floor(k.totalRam / 4096), bfree: Math.floor(k.freeRam() / 4096),
    bavail: Math.floor(k.freeRam() / 4096), files: 65536, ffree: 65536 - 1024, namelen: 255,
    flags: (isDir(i) ? i.create : i.write) && !i.readOnly ? 0 : ST_RDONLY,
  };
  const b = new Uint8Array(120);
  const v = new DataView(b.buffer);
  const put = (o: number, x: number): void => v.setBigInt64(o, BigInt(Math.trunc(x)), true);
  put(0, st.type); put(8, st.bsize); put(16, st.blocks); put(24, st.bfree); put(32, st.bavail);
  put(40, st.files); put(48, st.ffree);
  v.setInt32(56, i.dev, true);
  put(64, st.namelen); put(72, st.bsize); put(80, st.flags);
  return b;
}

/** statfs(2) */
export function sysStatfs(t: Task, a: Args, k: Kernel): number {
  const path = userPath(t, a.u(0));
  if (typeof path === "number") return path;
  const i = lookupAt(t, k, AT_FDCWD, path, true);
  if (typeof i === "number") return i;
  return t.mm.copyOut(a.u(1), encodeStatfs(i, k));
}

/** fstatfs(2) */
export function sysFstatfs(t: Task, a: Args, k: Kernel): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  return t.mm.copyOut(a.u(1), encodeStatfs(f.inode, k));
}
