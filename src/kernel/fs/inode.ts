// The VFS's view of a file: an inode with Linux's attributes and its
// operations (inode_operations + file_operations in one). Every filesystem
// (tmpfs, the image tree, overlay, the Node host directory, procfs, device
// nodes) implements this one shape. The write operations are optional: a
// filesystem without them is read-only and the VFS answers EROFS. They are
// called after the VFS has checked permissions, names and types
// (fs/namei.ts), so they only fail for reasons of their own (ENOSPC).
import type { CharDevice } from "./device";

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

// d_type values of getdents64 (dirent.h).
export const DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;

export interface Timespec { sec: number; nsec: number }

/** What statfs(2) reports about the filesystem holding an inode. */
export interface FsStats {
  type: number; bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number;
  namelen: number; flags: number;
}

export const TMPFS_MAGIC = 0x01021994;
export const ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_RELATIME = 0x1000;

export interface Inode {
  /** Device number of the filesystem (st_dev). */
  readonly dev: number;
  readonly ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  /** Device number for character/block devices (st_rdev). */
  rdev: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  /** Size in bytes (st_size); a symlink's is its target length. */
  readonly size: number;
  /** 512-byte blocks allocated (st_blocks), when the filesystem knows better than size/4096. */
  readonly blocks?: number;
  /** For directories: the directory holding it (the root points to itself). */
  parent: Inode | null;
  /** For directories: the name under which `parent` holds it. */
  name: string;
  /** Directories: the child called `name`, or null. */
  lookup(name: string): Inode | null;
  /** Directories: the children (without "." and ".."). */
  entries(): Array<[string, Inode]>;
  /** Regular files: up to `len` bytes from `offset`. */
  read(offset: number, len: number): Uint8Array;
  /** Symlinks: the target. */
  readlink(): string;
  /** Character devices: the driver. */
  device?: CharDevice;
  /** statfs(2) of the filesystem, when it has its own figures (null: sized by the machine's RAM). */
  fsStats?(): FsStats | null;
  /** Directories whose filesystem decides rmdir itself (a cgroup's interface files do not make it non-empty). */
  readonly ownsRmdir?: boolean;

  // ---- writable filesystems (absent: EROFS) ----
  /** True when the filesystem refuses changes although it has the operations (a read-only MemFs). */
  readonly readOnly?: boolean;
  /** An open file description now refers to the inode: its data outlives its last name until release(). */
  open?(): void;
  /** The description is gone (last close). */
  release?(): void;
  /** Directories: makes an unnamed regular file in this directory's filesystem (O_TMPFILE); linkat gives it a name. */
  createTmp?(n: NewNode): Inode | number;
  /** Directories: makes `name` (a file, directory, symlink, device, FIFO or socket as `n.mode` says). */
  create?(name: string, n: NewNode): Inode | number;
  /** Directories: a new name for the non-directory `target` (same filesystem). */
  link?(name: string, target: Inode): number;
  /** Directories: removes the entry `name` (a directory only when empty). */
  remove?(name: string): number;
  /** Directories: moves `name` to `newName` in `newDir` (same filesystem), replacing or exchanging as `flags` say. */
  rename?(name: string, newDir: Inode, newName: string, flags: number): number;
  /** Changes attributes; `size` truncates or extends a regular file. */
  setattr?(a: SetAttr): number;
  /** Regular files with holes: the next data (or hole) offset at or after `off`, -1 when none (lseek SEEK_DATA/SEEK_HOLE). */
  seekData?(off: number, hole: boolean): number;
  /** Regular files: fallocate(2) — allocates (or with FALLOC_FL_PUNCH_HOLE frees) the pages of a range. */
  allocate?(offset: number, len: number, mode: number): number;
  /** Regular files: writes `data` at `offset`, extending the file; bytes written or an errno. */
  write?(offset: number, data: Uint8Array): number;
  /** Regular files: a description is being opened for writing (overlayfs copies the file up then); 0 or an errno. */
  prepareWrite?(): number;

  // ---- extended attributes (xattr(7); absent: EOPNOTSUPP) ----
  /** The value of the attribute `name` ("user.x", "trusted.overlay.opaque"), or -ENODATA. */
  getxattr?(name: string): Uint8Array | number;
  /** Sets `name` to `value`; XATTR_CREATE: -EEXIST if present, XATTR_REPLACE: -ENODATA if absent. */
  setxattr?(name: string, value: Uint8Array, flags: number): number;
  /** The attribute names, in the order they were set. */
  listxattr?(): string[];
  /** Removes `name`, or -ENODATA. */
  removexattr?(name: string): number;
}

/** What create() makes. */
export interface NewNode {
  /** File type and permission bits (already masked by the umask). */
  mode: number;
  uid: number;
  gid: number;
  rdev?: number;
  /** Symlinks: the target. */
  target?: string;
  device?: CharDevice;
}

/** setattr: the fields to change (notify_change's iattr). */
export interface SetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: Timespec;
  mtime?: Timespec;
  ctime?: Timespec;
}

// setxattr(2) flags.
export const XATTR_CREATE = 1, XATTR_REPLACE = 2;

// fallocate(2) modes.
export const FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;

// renameat2(2) flags.
export const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

/** Current wall-clock time as inode timestamps carry it. */
export function currentTime(): Timespec {
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.min(999999999, Math.floor((ms - sec * 1000) * 1e6)) };
}

export const isDir = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFDIR;
export const isLink = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFLNK;
export const isReg = (i: Inode): boolean => (i.mode & S_IFMT) === S_IFREG;

export function dtype(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFDIR: return DT_DIR;
    case S_IFREG: return DT_REG;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFIFO: return DT_FIFO;
    case S_IFSOCK: return DT_SOCK;
    default: return 0;
  }
}

/** Unix epoch time from a JS millisecond timestamp. */
export function timespecFromMs(ms: number): Timespec {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}
