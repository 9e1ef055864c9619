// Record locks (fcntl(2) F_GETLK/F_SETLK/F_SETLKW and the open-file-
// description F_OFD_* forms), kept per inode with their owner so that
// conflicts are reported as Linux reports them: a process's POSIX locks
// never conflict with each other, nor do one description's OFD locks; a
// write lock conflicts with any other owner's lock on an overlapping range.
// Locks are advisory: reads and writes ignore them.
import type { Inode } from "./inode";

export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

/** A POSIX lock's owner is the process (its tgid); an OFD lock's is the open file description. */
export type LockOwner = number | object;

export interface FileLock {
  type: number;
  start: number;
  /** Last byte, inclusive; Infinity to the end of the file and beyond. */
  end: number;
  owner: LockOwner;
  /** Reported by F_GETLK: the holder's pid, -1 for OFD locks. */
  pid: number;
}

const tables = new WeakMap<Inode, FileLock[]>();

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start <= b.end && b.start <= a.end;

/** The first lock of another owner that `want` conflicts with, or null. */
export function findConflict(ino: Inode, want: FileLock): FileLock | null {
  for (const l of tables.get(ino) ?? []) {
    if (l.owner === want.owner || !overlaps(l, want)) continue;
    if (l.type === F_WRLCK || want.type === F_WRLCK) return l;
  }
  return null;
}

/** Sets (or with F_UNLCK clears) `want` for its owner, replacing the owner's locks on that range; false on a conflict. */
export function setLock(ino: Inode, want: FileLock): boolean {
  if (want.type !== F_UNLCK && findConflict(ino, want)) return false;
  const out: FileLock[] = [];
  for (const l of tables.get(ino) ?? []) {
    if (l.owner !== want.owner || !overlaps(l, want)) { out.push(l); continue; }
    // Keep the parts of the owner's old lock outside the new range.
    if (l.start < want.start) out.push({ ...l, end: want.start - 1 });
    if (l.end > want.end) out.push({ ...l, start: want.end + 1 });
  }
  if (want.type !== F_UNLCK) out.push(want);
  if (out.length) tables.set(ino, out); else tables.delete(ino);
  return true;
}

/** Drops every lock `owner` holds on `ino` (a process closing any descriptor of the file, an OFD's last close). */
export function releaseLocks(ino: Inode, owner: LockOwner): void {
  const list = tables.get(ino);
  if (!list) return;
  const keep = list.filter((l) => l.owner !== owner);
  if (keep.length) tables.set(ino, keep); else tables.delete(ino);
}
