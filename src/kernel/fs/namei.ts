// The VFS side of the calls that change the tree (fs/namei.c, fs/attr.c):
// the checks every filesystem shares — permissions, sticky directories,
// names that already exist or do not, file types, mount points, crossing
// filesystems — before the filesystem's own operation runs. Each function
// returns 0 (or the new inode) or a negative errno, as the syscalls do.
import {
  type Inode, type NewNode, type SetAttr, isDir, S_IFMT, S_IFREG, S_IFDIR, RENAME_NOREPLACE, RENAME_EXCHANGE,
  RENAME_WHITEOUT,
} from "./inode";
import type { Vfs } from "./vfs";
import { type FsCred, permission, mayDelete, ownerOrRoot, inGroup, privsToKill, MAY_READ, MAY_WRITE, MAY_EXEC, S_ISUID, S_ISGID } from "./permission";
import {
  EEXIST, ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EBUSY, EINVAL, EPERM, EXDEV, EROFS, EMLINK,
} from "../errno";

/** Most links one inode may have (tmpfs has no limit; ext4's 65000 is what programs expect). */
const LINK_MAX = 65000;

/** Checks and makes `name` in `dir` (mknod/mkdir/symlink/open O_CREAT): EEXIST if present. */
export function vfsCreate(vfs: Vfs, dir: Inode, name: string, n: NewNode, cred: FsCred): Inode | number {
  if (name === "" || name === "." || name === "..") return -EEXIST;
  if (vfs.child(dir, name)) return -EEXIST;
  const e = permission(dir, MAY_WRITE | MAY_EXEC, cred);
  if (e < 0) return e;
  if (!dir.create) return -EROFS;
  // A new file's group is the directory's when it is set-group-ID (BSD semantics), else the creator's.
  const node = { ...n };
  if (dir.mode & S_ISGID) {
    node.gid = dir.gid;
    if ((n.mode & S_IFMT) === S_IFDIR) node.mode |= S_ISGID;
  }
  return dir.create(name, node);
}

/** unlink(2) of `name` in `dir`. */
export function vfsUnlink(vfs: Vfs, dir: Inode, name: string, cred: FsCred): number {
  if (name === "" || name === "." || name === "..") return name === "" ? -EISDIR : -EISDIR;
  const victim = vfs.child(dir, name);
  if (!victim) return -ENOENT;
  // may_delete: the directory's permissions, then the victim's type.
  const e = mayDelete(dir, victim, cred);
  if (e < 0) return e;
  if (isDir(victim)) return -EISDIR;
  if (!dir.remove) return -EROFS;
  return dir.remove(name);
}

/** rmdir(2) of `name` in `dir`. */
export function vfsRmdir(vfs: Vfs, dir: Inode, name: string, cred: FsCred): number {
  if (name === ".") return -EINVAL;
  if (name === "..") return -ENOTEMPTY;
  if (name === "") return -EBUSY;
  const victim = vfs.child(dir, name);
  if (!victim) return -ENOENT;
  const e = mayDelete(dir, victim, cred);
  if (e < 0) return e;
  if (!isDir(victim)) return -ENOTDIR;
  if (vfs.isMountRoot(victim)) return -EBUSY;
  if (!victim.ownsRmdir && victim.entries().length > 0) return -ENOTEMPTY;
  if (!dir.remove) return -EROFS;
  return dir.remove(name);
}

/** Whether `a` is `b` or one of its ancestors (a directory cannot move into itself). */
function isAncestor(a: Inode, b: Inode): boolean {
  let d: Inode | null = b;
  for (let guard = 0; d && guard < 4096; guard++) {
    if (d === a) return true;
    if (d.parent === d) break;
    d = d.parent;
  }
  return false;
}

/** renameat2(2): RENAME_NOREPLACE, RENAME_EXCHANGE. */
export function vfsRename(vfs: Vfs, oldDir: Inode, oldName: string, newDir: Inode, newName: string, flags: number, cred: FsCred): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
  if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))) return -EINVAL;
  if (flags & RENAME_WHITEOUT) return -EINVAL;
  // "/", "." and ".." as either last component (do_renameat2: not LAST_NORM).
  const bad = (n: string): boolean => n === "" || n === "." || n === "..";
  if (bad(oldName)) return -EBUSY;
  if (bad(newName)) return flags & RENAME_NOREPLACE ? -EEXIST : -EBUSY;
  const src = vfs.child(oldDir, oldName);
  if (!src) return -ENOENT;
  const dst = vfs.child(newDir, newName);
  if (oldDir.dev !== newDir.dev) return -EXDEV;
  if ((flags & RENAME_EXCHANGE) && !dst) return -ENOENT;
  if ((flags & RENAME_NOREPLACE) && dst) return -EEXIST;
  if (src === dst) return 0;
  // do_renameat2's traps come before vfs_rename's permission checks: a directory cannot move into
  // itself (EINVAL), and the target may not be an ancestor of the source (ENOTEMPTY; EINVAL to exchange).
  if (isDir(src) && isAncestor(src, newDir)) return -EINVAL;
  if (dst && isDir(dst) && isAncestor(dst, oldDir)) return flags & RENAME_EXCHANGE ? -EINVAL : -ENOTEMPTY;
  let e = mayDelete(oldDir, src, cred);
  if (e < 0) return e;
  if (dst) e = mayDelete(newDir, dst, cred);
  else e = permission(newDir, MAY_WRITE | MAY_EXEC, cred);
  if (e < 0) return e;
  if (vfs.isMountRoot(src) || (dst && vfs.isMountRoot(dst))) return -EBUSY;
  if (dst && !(flags & RENAME_EXCHANGE)) {
    if (isDir(src) && !isDir(dst)) return -ENOTDIR;
    if (!isDir(src) && isDir(dst)) return -EISDIR;
    // Whether a replaced directory is empty is the filesystem's check (shmem_rename2, ovl_rename), made in its rename.
  }
  // Moving a directory to another parent rewrites its "..": that needs write permission on it.
  if (isDir(src) && oldDir !== newDir) { e = permission(src, MAY_WRITE, cred); if (e < 0) return e; }
  if (!oldDir.rename) return -EROFS;
  return oldDir.rename(oldName, newDir, newName, flags);
}

/**
 * may_linkat with fs.protected_hardlinks = 1 (the default of systemd hosts,
 * Documentation/admin-guide/sysctl/fs.rst): someone who does not own a file
 * may link to it only if it is a regular file, not set-user-ID, not
 * executable set-group-ID, and readable and writable by them; else EPERM.
 */
function mayLinkat(i: Inode, cred: FsCred): number {
  if (cred.fsuid === 0 || cred.fsuid === i.uid) return 0;
  if ((i.mode & S_IFMT) !== S_IFREG || (i.mode & S_ISUID) || (i.mode & (S_ISGID | 0o010)) === (S_ISGID | 0o010)) return -EPERM;
  return permission(i, MAY_READ | MAY_WRITE, cred) < 0 ? -EPERM : 0;
}

/** link(2): a new name `name` in `dir` for the non-directory `target`. */
export function vfsLink(vfs: Vfs, target: Inode, dir: Inode, name: string, cred: FsCred, linkable: (i: Inode) => boolean = () => false): number {
  if (name === "" || name === "." || name === "..") return -EEXIST;
  if (vfs.child(dir, name)) return -EEXIST;
  if (target.dev !== dir.dev) return -EXDEV;
  let e = mayLinkat(target, cred);
  if (e < 0) return e;
  if (isDir(target)) return -EPERM;
  e = permission(dir, MAY_WRITE | MAY_EXEC, cred);
  if (e < 0) return e;
  if (target.nlink >= LINK_MAX) return -EMLINK;
  // An unlinked file may get a name again only if it is an O_TMPFILE made without O_EXCL.
  if (target.nlink === 0 && !linkable(target)) return -ENOENT;
  if (!dir.link) return -EROFS;
  return dir.link(name, target);
}

/** chmod(2) (chmod_common): the owner or root; a non-member loses set-group-ID. */
export function vfsChmod(i: Inode, mode: number, cred: FsCred): number {
  if (!ownerOrRoot(i, cred)) return -EPERM;
  let m = mode & 0o7777;
  if (cred.fsuid !== 0 && !isDir(i) && !inGroup(cred, i.gid)) m &= ~S_ISGID;
  return setattr(i, { mode: m });
}

/**
 * chown(2) (chown_common): root changes anything; the owner may only change
 * the group to one it belongs to. Changing the owner or group of a
 * non-directory clears set-user-ID and (group-executable) set-group-ID.
 */
export function vfsChown(i: Inode, uid: number, gid: number, cred: FsCred): number {
  const a: SetAttr = {};
  if (uid !== -1) a.uid = uid >>> 0;
  if (gid !== -1) a.gid = gid >>> 0;
  if (cred.fsuid !== 0) {
    if (a.uid !== undefined && a.uid !== i.uid) return -EPERM;
    if (a.gid !== undefined && (i.uid !== cred.fsuid || (a.gid !== i.gid && !inGroup(cred, a.gid)))) return -EPERM;
    if (a.uid !== undefined && i.uid !== cred.fsuid) return -EPERM;
  }
  if (a.uid === undefined && a.gid === undefined) return setattr(i, {});
  if (!isDir(i) && (i.mode & (S_ISUID | S_ISGID))) {
    let m = i.mode & ~S_ISUID;
    if (m & 0o010) m &= ~S_ISGID;
    a.mode = m & 0o7777;
  }
  return setattr(i, a);
}

/**
 * utimensat(2): explicit times need ownership (or root); setting both to
 * the current time also works with write permission.
 */
export function vfsUtimes(i: Inode, a: SetAttr, explicit: boolean, cred: FsCred): number {
  if (!ownerOrRoot(i, cred)) {
    if (explicit) return -EPERM;
    const e = permission(i, MAY_WRITE, cred);
    if (e < 0) return e;
  }
  return setattr(i, a);
}

/** truncate(2) on a path: write permission, regular files only. */
export function vfsTruncate(i: Inode, size: number, cred: FsCred): number {
  if (isDir(i)) return -EISDIR;
  if ((i.mode & S_IFMT) !== S_IFREG) return -EINVAL;
  const e = permission(i, MAY_WRITE, cred);
  if (e < 0) return e;
  return truncateAs(i, size, cred);
}

/** Sets the size, clearing set-ID bits as a change by `cred` must (do_truncate). */
export function truncateAs(i: Inode, size: number, cred: FsCred): number {
  const kill = privsToKill(i, cred);
  return setattr(i, kill ? { size, mode: i.mode & 0o7777 & ~kill } : { size });
}

export function setattr(i: Inode, a: SetAttr): number {
  if (!i.setattr) return -EROFS;
  return i.setattr(a);
}
