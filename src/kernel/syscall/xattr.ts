// Extended attributes (xattr(7); setxattr(2), getxattr(2), listxattr(2),
// removexattr(2)) in their path, no-follow (l*) and descriptor (f*) forms,
// with fs/xattr.c's checks: flags other than XATTR_CREATE/XATTR_REPLACE are
// EINVAL, a name must be 1-255 bytes (ERANGE) with a known namespace prefix
// (EOPNOTSUPP), a value at most 64 KiB (E2BIG). xattr_permission:
// trusted.* needs CAP_SYS_ADMIN (others get EPERM writing, ENODATA reading,
// and do not see those names listed); user.* exists only on regular files
// and directories, needs read or write permission, and in a sticky
// directory writing needs ownership; security.* is not permission-checked.
// A read-only filesystem refuses changes (EROFS). Filesystems without
// xattr operations (proc, devices) answer EOPNOTSUPP, and list nothing.
import type { Task } from "../task";
import type { Args } from "./types";
import { type Inode, isDir, isReg, S_IFMT, S_IFREG, S_IFDIR, XATTR_CREATE, XATTR_REPLACE } from "../fs/inode";
import { permission, ownerOrRoot, MAY_READ, MAY_WRITE, S_ISVTX } from "../fs/permission";
import { AT_FDCWD, userPath, lookupPathAt } from "./fs";
import { EBADF, EINVAL, ERANGE, E2BIG, EOPNOTSUPP, ENODATA, EPERM, EROFS, EFAULT } from "../errno";

const XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536, XATTR_LIST_MAX = 65536;
const NAMESPACES = ["user.", "trusted.", "security."];

const enc = new TextEncoder();

/** What an xattr call works on: the inode, and whether its mount is read-only (MS_RDONLY: changes are EROFS). */
interface Target { inode: Inode; roMount: boolean }

/** The object a path names (following the last symlink or not). */
function pathInode(t: Task, ptr: number, follow: boolean): Target | number {
  const path = userPath(t, ptr);
  if (typeof path === "number") return path;
  const p = lookupPathAt(t, AT_FDCWD, path, follow);
  return typeof p === "number" ? p : { inode: p.inode, roMount: p.mnt.readOnly };
}

function fdInode(t: Task, fd: number): Target | number {
  const f = t.files.get(fd);
  return f ? { inode: f.inode, roMount: f.at?.mnt.readOnly ?? false } : -EBADF;
}

/** Reads the attribute name: ERANGE when empty or longer than XATTR_NAME_MAX. */
function xattrName(t: Task, ptr: number): string | number {
  if (ptr === 0) return -EFAULT;
  const s = t.mm.readCString(ptr, XATTR_NAME_MAX + 1);
  if (typeof s === "number") return s === -EINVAL ? -ERANGE : s;
  if (s === "" || enc.encode(s).length > XATTR_NAME_MAX) return -ERANGE;
  return s;
}

const capSysAdmin = (t: Task): boolean => t.cred.euid === 0;

/** xattr_permission (fs/xattr.c) for `mask` MAY_READ or MAY_WRITE. */
function xattrPermission(t: Task, i: Inode, name: string, mask: number): number {
  if (!NAMESPACES.some((p) => name.startsWith(p))) return -EOPNOTSUPP;
  if (mask & MAY_WRITE && i.readOnly) return -EROFS;
  if (name.startsWith("security.")) return 0;
  if (name.startsWith("trusted.")) {
    if (!capSysAdmin(t)) return mask & MAY_WRITE ? -EPERM : -ENODATA;
    return 0;
  }
  const type = i.mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFDIR) return mask & MAY_WRITE ? -EPERM : -ENODATA;
  if (isDir(i) && (i.mode & S_ISVTX) && (mask & MAY_WRITE) && !ownerOrRoot(i, t.cred)) return -EPERM;
  return permission(i, mask, t.cred);
}

// ---- set ----

function setOn(t: Task, x: Target | number, namePtr: number, value: number, size: number, flags: number): number {
  if (typeof x === "number") return x;
  const i = x.inode;
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) return -EINVAL;
  const name = xattrName(t, namePtr);
  if (typeof name === "number") return name;
  if (size > XATTR_SIZE_MAX) return -E2BIG;
  const data = size > 0 ? t.mm.copyIn(value, size) : new Uint8Array(0);
  if (data === null) return -EFAULT;
  if (x.roMount) return -EROFS;
  const e = xattrPermission(t, i, name, MAY_WRITE);
  if (e < 0) return e;
  if (!i.setxattr) return -EOPNOTSUPP;
  return i.setxattr(name, data, flags);
}

/** setxattr(2) */
export function sysSetxattr(t: Task, a: Args): number { return setOn(t, pathInode(t, a.u(0), true), a.u(1), a.u(2), a.u(3), a.i(4)); }
/** lsetxattr(2): the symlink itself. */
export function sysLsetxattr(t: Task, a: Args): number { return setOn(t, pathInode(t, a.u(0), false), a.u(1), a.u(2), a.u(3), a.i(4)); }
/** fsetxattr(2) */
export function sysFsetxattr(t: Task, a: Args): number { return setOn(t, fdInode(t, a.i(0)), a.u(1), a.u(2), a.u(3), a.i(4)); }

// ---- get ----

function getOn(t: Task, x: Target | number, namePtr: number, buf: number, size: number): number {
  if (typeof x === "number") return x;
  const i = x.inode;
  const name = xattrName(t, namePtr);
  if (typeof name === "number") return name;
  const e = xattrPermission(t, i, name, MAY_READ);
  if (e < 0) return e;
  if (!i.getxattr) return -EOPNOTSUPP;
  const v = i.getxattr(name);
  if (typeof v === "number") return v;
  if (size === 0) return v.length;
  if (v.length > Math.min(size, XATTR_SIZE_MAX)) return -ERANGE;
  const w = t.mm.copyOut(buf, v);
  return w < 0 ? w : v.length;
}

/** getxattr(2): size 0 asks for the value's length; a smaller buffer is ERANGE. */
export function sysGetxattr(t: Task, a: Args): number { return getOn(t, pathInode(t, a.u(0), true), a.u(1), a.u(2), a.u(3)); }
/** lgetxattr(2) */
export function sysLgetxattr(t: Task, a: Args): number { return getOn(t, pathInode(t, a.u(0), false), a.u(1), a.u(2), a.u(3)); }
/** fgetxattr(2) */
export function sysFgetxattr(t: Task, a: Args): number { return getOn(t, fdInode(t, a.i(0)), a.u(1), a.u(2), a.u(3)); }

// ---- list ----

function listOn(t: Task, x: Target | number, buf: number, size: number): number {
  if (typeof x === "number") return x;
  const i = x.inode;
  let names = i.listxattr?.() ?? [];
  // Names the caller could not read are not listed (trusted.* without CAP_SYS_ADMIN; user.* off files and directories).
  if (!capSysAdmin(t)) names = names.filter((n) => !n.startsWith("trusted."));
  if (!isReg(i) && !isDir(i)) names = names.filter((n) => !n.startsWith("user."));
  const bytes = enc.encode(names.map((n) => n + "\0").join(""));
  if (bytes.length > XATTR_LIST_MAX) return -E2BIG;
  if (size === 0) return bytes.length;
  if (bytes.length > size) return -ERANGE;
  const w = t.mm.copyOut(buf, bytes);
  return w < 0 ? w : bytes.length;
}

/** listxattr(2): the names, each NUL-terminated; size 0 asks for the length. */
export function sysListxattr(t: Task, a: Args): number { return listOn(t, pathInode(t, a.u(0), true), a.u(1), a.u(2)); }
/** llistxattr(2) */
export function sysLlistxattr(t: Task, a: Args): number { return listOn(t, pathInode(t, a.u(0), false), a.u(1), a.u(2)); }
/** flistxattr(2) */
export function sysFlistxattr(t: Task, a: Args): number { return listOn(t, fdInode(t, a.i(0)), a.u(1), a.u(2)); }

// ---- remove ----

function removeOn(t: Task, x: Target | number, namePtr: number): number {
  if (typeof x === "number") return x;
  const i = x.inode;
  const name = xattrName(t, namePtr);
  if (typeof name === "number") return name;
  if (x.roMount) return -EROFS;
  const e = xattrPermission(t, i, name, MAY_WRITE);
  if (e < 0) return e;
  if (!i.removexattr) return -EOPNOTSUPP;
  return i.removexattr(name);
}

/** removexattr(2) */
export function sysRemovexattr(t: Task, a: Args): number { return removeOn(t, pathInode(t, a.u(0), true), a.u(1)); }
/** lremovexattr(2) */
export function sysLremovexattr(t: Task, a: Args): number { return removeOn(t, pathInode(t, a.u(0), false), a.u(1)); }
/** fremovexattr(2) */
export function sysFremovexattr(t: Task, a: Args): number { return removeOn(t, fdInode(t, a.i(0)), a.u(1)); }
