// Permission checks (path_resolution(7) "Permissions", inode_permission in
// fs/namei.c): the owner class, else the group class (primary or
// supplementary), else others; the first class that matches decides. Root
// (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) passes every check except
// executing a non-directory with no execute bit at all. Filesystem checks use
// the filesystem ids (fsuid/fsgid), which follow the effective ids.
import { type Inode, isDir } from "./inode";
import { EACCES, EPERM } from "../errno";

export const MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;
export const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;

/** The credentials a filesystem check looks at (a subset of the task's). */
export interface FsCred { fsuid: number; fsgid: number; groups: number[] }

export const inGroup = (c: FsCred, gid: number): boolean => c.fsgid === gid || c.groups.includes(gid);

/** 0 when `c` may access `i` for every bit of `mask` (MAY_*), else -EACCES. */
export function permission(i: Inode, mask: number, c: FsCred): number {
  mask &= 7;
  if (c.fsuid === 0) {
    if ((mask & MAY_EXEC) && !isDir(i) && !(i.mode & 0o111)) return -EACCES;
    return 0;
  }
  const bits = i.uid === c.fsuid ? (i.mode >> 6) & 7 : inGroup(c, i.gid) ? (i.mode >> 3) & 7 : i.mode & 7;
  return (bits & mask) === mask ? 0 : -EACCES;
}

/**
 * The set-ID bits a change by `c` must clear (setattr_should_drop_suidgid):
 * none for root (CAP_FSETID); set-user-ID; set-group-ID when the file is
 * group-executable or `c` is not in its group.
 */
export function privsToKill(i: Inode, c: FsCred): number {
  if (c.fsuid === 0 || isDir(i)) return 0;
  let kill = i.mode & S_ISUID;
  if ((i.mode & S_ISGID) && ((i.mode & 0o010) || !inGroup(c, i.gid))) kill |= S_ISGID;
  return kill;
}

/** Whether `c` owns `i` or is root (inode_owner_or_capable: chmod, utimes with explicit times). */
export const ownerOrRoot = (i: Inode, c: FsCred): boolean => c.fsuid === 0 || c.fsuid === i.uid;

/**
 * May `c` remove or rename `victim` out of `dir` (may_delete)? Write and
 * search permission on the directory, and in a sticky directory (/tmp)
 * ownership of the victim or of the directory.
 */
export function mayDelete(dir: Inode, victim: Inode, c: FsCred): number {
  const e = permission(dir, MAY_WRITE | MAY_EXEC, c);
  if (e < 0) return e;
  if ((dir.mode & S_ISVTX) && c.fsuid !== 0 && c.fsuid !== victim.uid && c.fsuid !== dir.uid) return -EPERM;
  return 0;
}
