// File and directory syscalls over the VFS (open(2), read(2), stat(2),
// getdents64(2), readlink(2)…). The root filesystem of this issue is
// read-only: every call that would change it fails with EROFS, as on a
// read-only mount. Descriptors 0-2 are character devices or pipes wired to
// the host (see fs/device.ts).
import type { Task } from "../task";
import { defaultTermios, encodeTermios } from "../tty/termios";
import type { Args, Kernel } from "./types";
import { type Inode, type FsStats, isDir, isLink, isReg, dtype, S_IFMT, S_IFREG, S_IFCHR, TMPFS_MAGIC, ST_RDONLY } from "../fs/inode";
import {
  OpenFile, O_ACCMODE, O_RDONLY, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH,
  O_APPEND, O_NONBLOCK, O_TMPFILE,
} from "../fs/file";
import {
  EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, EEXIST, EROFS, ENOTTY, EACCES, ELOOP, ERANGE, EISDIR, ESPIPE, ENAMETOOLONG,
  EPIPE, ENODATA,
} from "../errno";

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
function startDir(t: Task, dirfd: number, path: string): Inode | number {
  if (path.startsWith("/") || dirfd === AT_FDCWD) return t.fs.cwd;
  const f = t.files.get(dirfd);
  if (!f) return -EBADF;
  if (!isDir(f.inode)) return -ENOTDIR;
  return f.inode;
}

/** Resolves (dirfd, path) as the *at() calls do; AT_EMPTY_PATH with "" names dirfd itself. */
export function lookupAt(t: Task, k: Kernel, dirfd: number, path: string, follow: boolean, emptyPath = false): Inode | number {
  if (path === "" && emptyPath) {
    if (dirfd === AT_FDCWD) return t.fs.cwd;
    const f = t.files.get(dirfd);
    return f ? f.inode : -EBADF;
  }
  const dir = startDir(t, dirfd, path);
  if (typeof dir === "number") return dir;
  const r = k.vfs.resolve(t.fs.root, dir, path, follow);
  return typeof r === "number" ? r : r.inode;
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

/** statx(2): the basic fields (STATX_BASIC_STATS); no birth time. */
export function sysStatx(t: Task, a: Args, k: Kernel): number {
  const flags = a.i(2);
  const path = userPath(t, a.u(1), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === "number") return path;
  const i = lookupAt(t, k, a.i(0), path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof i === "number") return i;
  const b = new Uint8Array(256);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x7ff, true); // stx_mask: STATX_BASIC_STATS
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
  return t.mm.copyOut(a.u(4), b);
}

// ---- open / close ----

/** open(2) */
export function sysOpen(t: Task, a: Args, k: Kernel): number { return openAt(t, k, AT_FDCWD, a.u(0), a.i(1)); }
/** openat(2): read-only tree, so O_CREAT of a new file, O_TRUNC and write access give EROFS. */
export function sysOpenat(t: Task, a: Args, k: Kernel): number { return openAt(t, k, a.i(0), a.u(1), a.i(2)); }

function openAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, flags: number): number {
  const path = userPath(t, pathPtr);
  if (typeof path === "number") return path;
  if ((flags & O_TMPFILE) === O_TMPFILE) return -EROFS;
  const follow = !(flags & O_NOFOLLOW);
  const i = lookupAt(t, k, dirfd, path, follow);
  if (i === -ENOENT && (flags & O_CREAT)) return -EROFS;
  if (typeof i === "number") return i;
  if ((flags & O_CREAT) && (flags & O_EXCL)) return -EEXIST;
  if (isLink(i)) {
    if (!(flags & O_PATH)) return -ELOOP;
  }
  if ((flags & O_DIRECTORY) && !isDir(i)) return -ENOTDIR;
  const acc = flags & O_ACCMODE;
  if (!(flags & O_PATH)) {
    if (isDir(i) && (acc !== O_RDONLY || (flags & O_CREAT))) return -EISDIR;
    if (!i.device && (acc !== O_RDONLY || (flags & O_TRUNC))) return -EROFS;
  }
  const f = new OpenFile(i, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC), path);
  return t.files.install(f, (flags & O_CLOEXEC) !== 0);
}

/** close(2) */
export function sysClose(t: Task, a: Args): number { return t.files.close(a.i(0)); }

// ---- read / write ----

function fileFor(t: Task, fd: number): OpenFile | number {
  const f = t.files.get(fd);
  return f ?? -EBADF;
}

const MAX_IO = 0x7ffff000; // Linux caps a single transfer (MAX_RW_COUNT).

/** read(2) */
export function sysRead(t: Task, a: Args): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  const len = Math.min(a.u(2), MAX_IO);
  const buf = a.u(1);
  if (len > 0 && !t.mm.find(buf)) return -EFAULT;
  const r = f.read(Math.min(len, 1 << 20));
  if (typeof r === "number") return r;
  const e = t.mm.copyOut(buf, r);
  return e < 0 ? e : r.length;
}

/** write(2) */
export function sysWrite(t: Task, a: Args, k: Kernel): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  const data = t.mm.copyIn(a.u(1), Math.min(a.u(2), MAX_IO));
  if (!data) return -EFAULT;
  return pipeCheck(t, k, f.write(data));
}

const SIGPIPE = 13;

/** A write to a pipe nobody reads fails with EPIPE and raises SIGPIPE (pipe(7)). */
function pipeCheck(t: Task, k: Kernel, r: number): number {
  if (r === -EPIPE) k.signal(t, SIGPIPE);
  return r;
}

/** pread64(2) */
export function sysPread64(t: Task, a: Args): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  const off = a.l(3);
  if (off < 0) return -EINVAL;
  if (!f.seekable || f.inode.device) return -ESPIPE;
  const r = f.pread(off, Math.min(a.u(2), 1 << 20));
  if (typeof r === "number") return r;
  const e = t.mm.copyOut(a.u(1), r);
  return e < 0 ? e : r.length;
}

/** pwrite64(2): only devices are writable here. */
export function sysPwrite64(t: Task, a: Args): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  if (!f.writable) return -EBADF;
  if (!f.seekable) return -ESPIPE;
  const data = t.mm.copyIn(a.u(1), Math.min(a.u(2), MAX_IO));
  if (!data) return -EFAULT;
  return f.write(data);
}

function readIovec(t: Task, ptr: number, cnt: number): Array<[number, number]> | number {
  if (cnt < 0 || cnt > 1024) return -EINVAL;
  const raw = t.mm.copyIn(ptr, cnt * 16);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < cnt; i++) out.push([Number(v.getBigUint64(i * 16, true)), Number(v.getBigUint64(i * 16 + 8, true))]);
  return out;
}

/** readv(2): reads into each buffer in turn, stopping at a short read. */
export function sysReadv(t: Task, a: Args): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  const iov = readIovec(t, a.u(1), a.i(2));
  if (typeof iov === "number") return iov;
  let total = 0;
  for (const [base, len] of iov) {
    if (len === 0) continue;
    const r = f.read(Math.min(len, 1 << 20));
    if (typeof r === "number") return total > 0 ? total : r;
    const e = t.mm.copyOut(base, r);
    if (e < 0) return total > 0 ? total : e;
    total += r.length;
    if (r.length < len) break;
  }
  return total;
}

/** writev(2): gathers the buffers and writes them as one transfer. */
export function sysWritev(t: Task, a: Args, k: Kernel): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  const iov = readIovec(t, a.u(1), a.i(2));
  if (typeof iov === "number") return iov;
  const parts: Uint8Array[] = [];
  for (const [base, len] of iov) {
    const d = t.mm.copyIn(base, len);
    if (!d) return -EFAULT;
    parts.push(d);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return pipeCheck(t, k, f.write(all));
}

/** lseek(2) */
export function sysLseek(t: Task, a: Args): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  return f.lseek(a.l(1), a.i(2));
}

/** sendfile(2): copies from a readable file to any writable descriptor. */
export function sysSendfile(t: Task, a: Args, k: Kernel): number {
  const out = fileFor(t, a.i(0));
  const inp = fileFor(t, a.i(1));
  if (typeof out === "number") return out;
  if (typeof inp === "number") return inp;
  if (!inp.readable || !out.writable) return -EBADF;
  if (!isReg(inp.inode)) return -EINVAL;
  const offPtr = a.u(2);
  const count = Math.min(a.u(3), MAX_IO, 1 << 20);
  let off = inp.offset;
  if (offPtr) {
    const raw = t.mm.copyIn(offPtr, 8);
    if (!raw) return -EFAULT;
    off = Number(new DataView(raw.buffer).getBigInt64(0, true));
    if (off < 0) return -EINVAL;
  }
  const data = inp.pread(off, count);
  if (typeof data === "number") return data;
  const n = data.length === 0 ? 0 : out.write(data);
  if (n < 0) return pipeCheck(t, k, n);
  if (offPtr) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(off + n), true);
    if (t.mm.copyOut(offPtr, b) < 0) return -EFAULT;
  } else inp.offset = off + n;
  return n;
}

// ---- descriptors ----

/** dup(2) */
export function sysDup(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  return f ? t.files.install(f, false) : -EBADF;
}

/** dup2(2) */
export function sysDup2(t: Task, a: Args): number {
  const oldfd = a.i(0), newfd = a.i(1);
  const f = t.files.get(oldfd);
  if (!f) return -EBADF;
  if (oldfd === newfd) return newfd;
  return dupTo(t, f, newfd, false);
}

/** dup3(2) */
export function sysDup3(t: Task, a: Args): number {
  const oldfd = a.i(0), newfd = a.i(1), flags = a.i(2);
  if (flags & ~O_CLOEXEC) return -EINVAL;
  const f = t.files.get(oldfd);
  if (!f) return -EBADF;
  if (oldfd === newfd) return -EINVAL;
  return dupTo(t, f, newfd, (flags & O_CLOEXEC) !== 0);
}

function dupTo(t: Task, f: OpenFile, newfd: number, cloexec: boolean): number {
  if (newfd < 0 || newfd >= t.files.limit) return -EBADF;
  t.files.installAt(newfd, f, cloexec);
  return newfd;
}

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_SETLK = 6, F_SETLKW = 7, F_GETLK = 5,
  F_DUPFD_CLOEXEC = 1030, F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1;

/** fcntl(2): descriptor flags, status flags, dup; locks always succeed (one process). */
export function sysFcntl(t: Task, a: Args): number {
  const fd = a.i(0), cmd = a.i(1);
  const e = t.files.entry(fd);
  if (!e) return -EBADF;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = a.i(2);
      if (min < 0 || min >= t.files.limit) return -EINVAL;
      return t.files.install(e.file, cmd === F_DUPFD_CLOEXEC, min);
    }
    case F_GETFD: return e.cloexec ? FD_CLOEXEC : 0;
    case F_SETFD: e.cloexec = (a.i(2) & FD_CLOEXEC) !== 0; return 0;
    case F_GETFL: return e.file.flags;
    case F_SETFL: {
      const changeable = O_APPEND | O_NONBLOCK | 0o20000 /* O_ASYNC */ | 0o40000 /* O_DIRECT */ | 0o1000000 /* O_NOATIME */;
      e.file.flags = (e.file.flags & ~changeable) | (a.i(2) & changeable);
      return 0;
    }
    case F_GETLK: case F_SETLK: case F_SETLKW: return 0;
    case F_GETPIPE_SZ: return 65536;
    default: return -EINVAL;
  }
}

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410,
  TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450;

/** ioctl(2): terminal queries on tty devices (a fixed cooked termios); ENOTTY elsewhere. */
export function sysIoctl(t: Task, a: Args): number {
  const fd = a.i(0), req = a.u(1) >>> 0, arg = a.u(2);
  const e = t.files.entry(fd);
  if (!e) return -EBADF;
  if (req === FIOCLEX) { e.cloexec = true; return 0; }
  if (req === FIONCLEX) { e.cloexec = false; return 0; }
  if (req === FIONBIO) return 0;
  const tty = e.file.inode.device?.isTty === true;
  switch (req) {
    case TCGETS: {
      if (!tty) return -ENOTTY;
      // The kernel's struct termios is 36 bytes (glibc's 60-byte one is built from it in user space):
      // writing more overruns the caller's buffer.
      const b = encodeTermios(defaultTermios());
      return t.mm.copyOut(arg, b);
    }
    case TCSETS: case TCSETSW: case TCSETSF: return tty ? 0 : -ENOTTY;
    case TIOCGWINSZ: {
      if (!tty) return -ENOTTY;
      const b = new Uint8Array(8);
      const v = new DataView(b.buffer);
      v.setUint16(0, 24, true);
      v.setUint16(2, 80, true);
      return t.mm.copyOut(arg, b);
    }
    case TIOCSWINSZ: return tty ? 0 : -ENOTTY;
    case TIOCGPGRP: {
      if (!tty) return -ENOTTY;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, t.tgid, true);
      return t.mm.copyOut(arg, b);
    }
    case TIOCSPGRP: return tty ? 0 : -ENOTTY;
    case FIONREAD: {
      if (!isReg(e.file.inode)) return -ENOTTY;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, Math.max(0, e.file.inode.size - e.file.offset), true);
      return t.mm.copyOut(arg, b);
    }
    default: return -ENOTTY;
  }
}

// ---- directories ----

/** getdents64(2): ".", ".." then the entries; d_off is the index of the next entry. */
export function sysGetdents64(t: Task, a: Args, k: Kernel): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  if (!isDir(f.inode)) return -ENOTDIR;
  const buf = a.u(1), size = a.u(2);
  if (f.dirPos === 0 || !f.dirCache) {
    const parent = k.vfs.up(f.inode, t.fs.root);
    f.dirCache = [[".", f.inode], ["..", parent], ...k.vfs.entries(f.inode)];
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
  const p = enc.encode(k.vfs.pathOf(t.fs.cwd, t.fs.root) + "\0");
  if (p.length > a.u(1)) return -ERANGE;
  const e = t.mm.copyOut(a.u(0), p);
  return e < 0 ? e : p.length;
}

/** chdir(2) */
export function sysChdir(t: Task, a: Args, k: Kernel): number {
  const path = userPath(t, a.u(0));
  if (typeof path === "number") return path;
  const i = lookupAt(t, k, AT_FDCWD, path, true);
  if (typeof i === "number") return i;
  if (!isDir(i)) return -ENOTDIR;
  t.fs.cwd = i;
  return 0;
}

/** fchdir(2) */
export function sysFchdir(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  if (!isDir(f.inode)) return -ENOTDIR;
  t.fs.cwd = f.inode;
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

const W_OK = 2, X_OK = 1; // R_OK (4) is checked with them through the permission bits below.

/** access(2) */
export function sysAccess(t: Task, a: Args, k: Kernel): number { return accessAt(t, k, AT_FDCWD, a.u(0), a.i(1), 0); }
/** faccessat(2) */
export function sysFaccessat(t: Task, a: Args, k: Kernel): number { return accessAt(t, k, a.i(0), a.u(1), a.i(2), 0); }
/** faccessat2(2) */
export function sysFaccessat2(t: Task, a: Args, k: Kernel): number { return accessAt(t, k, a.i(0), a.u(1), a.i(2), a.i(3)); }

function accessAt(t: Task, k: Kernel, dirfd: number, pathPtr: number, mode: number, flags: number): number {
  if (mode & ~7) return -EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const path = userPath(t, pathPtr, (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === "number") return path;
  const i = lookupAt(t, k, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  if (typeof i === "number") return i;
  if ((mode & W_OK) && !i.device) return -EROFS;
  const uid = flags & AT_EACCESS ? t.cred.euid : t.cred.uid;
  const gid = flags & AT_EACCESS ? t.cred.egid : t.cred.gid;
  if (uid === 0) {
    // Root passes every check but X_OK on a file with no execute bit at all.
    if ((mode & X_OK) && !isDir(i) && !(i.mode & 0o111)) return -EACCES;
    return 0;
  }
  const bits = i.uid === uid ? (i.mode >> 6) & 7 : i.gid === gid || t.cred.groups.includes(i.gid) ? (i.mode >> 3) & 7 : i.mode & 7;
  return (bits & mode) === mode ? 0 : -EACCES;
}

/** umask(2) */
export function sysUmask(t: Task, a: Args): number {
  const old = t.fs.umask;
  t.fs.umask = a.i(0) & 0o777;
  return old;
}

/** Calls that would modify the read-only root filesystem. */
export function sysReadOnlyFs(): number { return -EROFS; }

/** fsync(2), fdatasync(2), syncfs(2): nothing is buffered. */
export function sysFsync(t: Task, a: Args): number { return t.files.get(a.i(0)) ? 0 : -EBADF; }

/** ftruncate(2) */
export function sysFtruncate(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  if (!f.writable) return -EINVAL;
  return (f.inode.mode & S_IFMT) === S_IFREG ? -EROFS : -EINVAL;
}

/** Character devices get a synthetic stat; used by the machine for stdio. */
export const isCharDev = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFCHR;

// ---- readiness ----
// Every descriptor of this issue is always ready: files and directories by
// nature, devices because their reads complete synchronously (the stdin
// device blocks the whole machine). Real waiting arrives with wait queues.

const POLLIN = 0x1, POLLOUT = 0x4, POLLNVAL = 0x20, POLLRDNORM = 0x40, POLLWRNORM = 0x100;

function pollFds(t: Task, ptr: number, nfds: number): number {
  if (nfds < 0 || nfds > t.files.limit) return -EINVAL;
  if (nfds === 0) return 0;
  const raw = t.mm.copyIn(ptr, nfds * 8);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = v.getInt32(i * 8, true);
    const events = v.getInt16(i * 8 + 4, true);
    let rev = 0;
    if (fd >= 0) {
      const f = t.files.get(fd);
      if (!f) rev = POLLNVAL;
      else {
        if (f.readable) rev |= events & (POLLIN | POLLRDNORM);
        if (f.writable) rev |= events & (POLLOUT | POLLWRNORM);
      }
    }
    v.setInt16(i * 8 + 6, rev, true);
    if (rev) ready++;
  }
  const e = t.mm.copyOut(ptr, raw);
  return e < 0 ? e : ready;
}

/** poll(2): see "readiness" above; with nothing ready it sleeps for the timeout. */
export function sysPoll(t: Task, a: Args, k: Kernel): number {
  const n = pollFds(t, a.u(0), a.i(1));
  const timeout = a.i(2);
  if (n === 0 && timeout > 0) k.sleep(BigInt(timeout) * 1000000n);
  return n;
}

/** ppoll(2) */
export function sysPpoll(t: Task, a: Args, k: Kernel): number {
  const n = pollFds(t, a.u(0), a.i(1));
  if (n === 0 && a.u(2)) {
    const raw = t.mm.copyIn(a.u(2), 16);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer);
    k.sleep(v.getBigInt64(0, true) * 1000000000n + v.getBigInt64(8, true));
  }
  return n;
}

function selectFds(t: Task, k: Kernel, nfds: number, sets: number[], timeoutNs: bigint | null): number {
  if (nfds < 0 || nfds > t.files.limit) return -EINVAL;
  const bytes = Math.ceil(nfds / 64) * 8;
  let ready = 0;
  const results: Array<Uint8Array | null> = [];
  for (let s = 0; s < 3; s++) {
    if (!sets[s]) { results.push(null); continue; }
    const raw = t.mm.copyIn(sets[s], bytes);
    if (!raw) return -EFAULT;
    const out = new Uint8Array(bytes);
    for (let fd = 0; fd < nfds; fd++) {
      if (!(raw[fd >> 3] & (1 << (fd & 7)))) continue;
      const f = t.files.get(fd);
      if (!f) return -EBADF;
      const ok = s === 0 ? f.readable : s === 1 ? f.writable : false;
      if (ok) { out[fd >> 3] |= 1 << (fd & 7); ready++; }
    }
    results.push(out);
  }
  for (let s = 0; s < 3; s++) {
    const r = results[s];
    if (r && t.mm.copyOut(sets[s], r) < 0) return -EFAULT;
  }
  if (ready === 0 && timeoutNs !== null && timeoutNs > 0n) k.sleep(timeoutNs);
  return ready;
}

/** select(2) */
export function sysSelect(t: Task, a: Args, k: Kernel): number {
  let ns: bigint | null = null;
  if (a.u(4)) {
    const raw = t.mm.copyIn(a.u(4), 16);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer);
    ns = v.getBigInt64(0, true) * 1000000000n + v.getBigInt64(8, true) * 1000n;
  }
  return selectFds(t, k, a.i(0), [a.u(1), a.u(2), a.u(3)], ns);
}

/** pselect6(2) */
export function sysPselect6(t: Task, a: Args, k: Kernel): number {
  let ns: bigint | null = null;
  if (a.u(4)) {
    const raw = t.mm.copyIn(a.u(4), 16);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer);
    ns = v.getBigInt64(0, true) * 1000000000n + v.getBigInt64(8, true);
  }
  return selectFds(t, k, a.i(0), [a.u(1), a.u(2), a.u(3)], ns);
}

// ---- filesystem statistics ----

/** struct statfs of x86-64 (asm/statfs.h): 120 bytes. */
function encodeStatfs(i: Inode, k: Kernel): Uint8Array {
  const st: FsStats = i.fsStats?.() ?? {
    // In-memory trees: sized like the machine's RAM, as tmpfs is; read-only in this issue.
    type: TMPFS_MAGIC, bsize: 4096, blocks: Math.floor(k.totalRam / 4096), bfree: Math.floor(k.freeRam() / 4096),
    bavail: Math.floor(k.freeRam() / 4096), files: 65536, ffree: 65536 - 1024, namelen: 255, flags: ST_RDONLY,
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

// ---- extended attributes, advice, ranges ----

/** getxattr(2) family: the trees of this issue carry no extended attributes. */
export function sysGetxattr(): number { return -ENODATA; }
/** listxattr(2) family: an empty list. */
export function sysListxattr(): number { return 0; }

/** posix_fadvise(2) (fadvise64): advice is accepted. */
export function sysFadvise64(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  if (!f.seekable) return -ESPIPE;
  return a.i(3) >= 0 && a.i(3) <= 5 ? 0 : -EINVAL;
}

/** flock(2): one process, so every lock is granted. */
export function sysFlock(t: Task, a: Args): number { return t.files.get(a.i(0)) ? 0 : -EBADF; }

const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;

/** close_range(2) */
export function sysCloseRange(t: Task, a: Args): number {
  const first = a.u(0) >>> 0, last = Math.min(a.u(1), t.files.fds.length - 1), flags = a.i(2);
  if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || first > a.u(1)) return -EINVAL;
  for (let fd = first; fd <= last; fd++) {
    const e = t.files.entry(fd);
    if (!e) continue;
    if (flags & CLOSE_RANGE_CLOEXEC) e.cloexec = true;
    else t.files.close(fd);
  }
  return 0;
}
