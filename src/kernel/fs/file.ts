// Open file descriptions (struct file) and the per-process descriptor table.
// A description holds the inode, the offset and the status flags; several
// descriptors (dup, fork) may share one description and so its offset.
import { type Inode, isDir, S_IFMT, S_IFREG, S_IFCHR, S_IFIFO } from "./inode";
import { EBADF, EISDIR, EINVAL, ESPIPE, EMFILE, EROFS, ENXIO } from "../errno";
import { releaseLocks } from "./locks";
import type { Path } from "./mount";
import { type FsCred, privsToKill } from "./permission";

export const O_ACCMODE = 3;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_ASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000;
export const O_PATH = 0o10000000;
export const O_TMPFILE = 0o20200000;

export const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;

export class OpenFile {
  offset = 0;
  /** getdents64 position: index into the directory's entry list (".", ".." first). */
  dirPos = 0;
  dirCache: Array<[string, Inode]> | null = null;
  /** Descriptors in every table (dup, fork) referring to this description. */
  refs = 0;
  /** Runs when the last descriptor goes (pipes count their readers and writers this way). */
  onRelease: (() => void) | null = null;
  /**
   * The opener's ids when it was not root (no CAP_FSETID): writing then
   * clears the file's set-user-ID bit, and set-group-ID when the file is
   * group-executable or the writer is not in its group (file_remove_privs).
   * Linux asks the writer's credentials at each write; the opener's stand in.
   */
  unprivileged: FsCred | null = null;
  /** Where it was opened in the mount tree (fchdir, "..", umount's EBUSY); null for pipes and host streams. */
  at: Path | null = null;

  constructor(readonly inode: Inode, public flags: number, readonly path: string) {}

  get readable(): boolean { return (this.flags & O_ACCMODE) !== O_WRONLY && !(this.flags & O_PATH); }
  get writable(): boolean { return (this.flags & O_ACCMODE) !== O_RDONLY && !(this.flags & O_PATH); }
  get seekable(): boolean { return (this.inode.mode & S_IFMT) !== S_IFIFO; }

  /** read(2) at the current offset. */
  read(len: number): Uint8Array | number {
    if (!this.readable) return -EBADF;
    const r = this.pread(this.offset, len);
    if (typeof r !== "number" && (this.inode.mode & S_IFMT) === S_IFREG) this.offset += r.length;
    return r;
  }

  pread(off: number, len: number): Uint8Array | number {
    if (!this.readable) return -EBADF;
    const ino = this.inode;
    if (ino.device) return ino.device.read(len);
    if (isDir(ino)) return -EISDIR;
    if ((ino.mode & S_IFMT) !== S_IFREG) return -EINVAL;
    return ino.read(off, len);
  }

  /** write(2) at the current offset, or at the end with O_APPEND (checked at each write, as Linux does). */
  write(data: Uint8Array): number {
    if (!this.writable) return -EBADF;
    if (this.inode.device) return this.inode.device.write(data);
    const ino = this.inode;
    if ((ino.mode & S_IFMT) !== S_IFREG) return -EINVAL;
    if (this.flags & O_APPEND) this.offset = ino.size;
    const n = this.pwrite(this.offset, data);
    if (n > 0) this.offset += n;
    return n;
  }

  /** pwrite64(2): at `off`, leaving the offset alone (Linux appends anyway under O_APPEND). */
  pwrite(off: number, data: Uint8Array): number {
    if (!this.writable) return -EBADF;
    const ino = this.inode;
    if (ino.device) return ino.device.write(data);
    if (isDir(ino)) return -EISDIR;
    if ((ino.mode & S_IFMT) !== S_IFREG) return -EINVAL;
    if (data.length === 0) return 0;
    if (!ino.write) return -EROFS;
    const n = ino.write(off, data);
    const kill = n > 0 && this.unprivileged ? privsToKill(ino, this.unprivileged) : 0;
    if (kill) ino.setattr?.({ mode: ino.mode & 0o7777 & ~kill });
    return n;
  }

  lseek(off: number, whence: number): number {
    if (!this.seekable || (this.inode.device && (this.inode.mode & S_IFMT) !== S_IFCHR)) return -ESPIPE;
    // Character devices accept any seek and stay at 0, as /dev/null does.
    if (this.inode.device) return 0;
    let base: number;
    switch (whence) {
      case SEEK_SET: base = 0; break;
      case SEEK_CUR: base = this.offset; break;
      case SEEK_END: base = this.inode.size; break;
      case SEEK_DATA: case SEEK_HOLE: {
        // The next data or hole at or after `off` (lseek(2)); a file is data up to its end unless the filesystem knows holes.
        const ino = this.inode;
        if (off < 0 || off >= ino.size) return -ENXIO;
        const r = ino.seekData ? ino.seekData(off, whence === SEEK_HOLE) : whence === SEEK_DATA ? off : ino.size;
        if (r < 0) return -ENXIO;
        return (this.offset = r);
      }
      default: return -EINVAL;
    }
    const pos = base + off;
    if (pos < 0) return -EINVAL;
    this.offset = pos;
    if (isDir(this.inode)) { this.dirPos = pos; }
    return pos;
  }
}

export interface FdEntry { file: OpenFile; cloexec: boolean }

function putFile(f: OpenFile): void {
  if (--f.refs === 0) f.onRelease?.();
}

/** The descriptor table (files_struct). */
export class FdTable {
  readonly fds: Array<FdEntry | undefined> = [];
  limit = 1024;
  /** Tasks sharing this table (CLONE_FILES); the descriptors close when the last one exits. */
  users = 1;
  /**
   * The process whose POSIX record locks closing a descriptor drops (any
   * close of the file releases them, fcntl(2)); set when it takes one. A
   * table cloned by fork starts without: the child owns none of them.
   */
  lockOwner = 0;

  /** fork(2): a new table whose descriptors share the same open file descriptions. */
  clone(): FdTable {
    const t = new FdTable();
    t.limit = this.limit;
    this.fds.forEach((e, fd) => { if (e) { e.file.refs++; t.fds[fd] = { file: e.file, cloexec: e.cloexec }; } });
    return t;
  }

  /** Closes every descriptor (exit), or only the close-on-exec ones (execve). */
  closeAll(onlyCloexec = false): void {
    this.fds.forEach((e, fd) => { if (e && (!onlyCloexec || e.cloexec)) this.close(fd); });
  }

  get(fd: number): OpenFile | null {
    if (fd < 0 || fd >= this.fds.length) return null;
    return this.fds[fd]?.file ?? null;
  }

  entry(fd: number): FdEntry | null {
    if (fd < 0 || fd >= this.fds.length) return null;
    return this.fds[fd] ?? null;
  }

  /** Installs `file` at the lowest free descriptor >= `min`; -EMFILE when full. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    for (let fd = min; fd < this.limit; fd++) {
      if (!this.fds[fd]) { file.refs++; this.fds[fd] = { file, cloexec }; return fd; }
    }
    return -EMFILE;
  }

  /** dup2 semantics: replaces whatever was at `fd`. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    while (this.fds.length <= fd) this.fds.push(undefined);
    const old = this.fds[fd];
    file.refs++;
    this.fds[fd] = { file, cloexec };
    if (old) putFile(old.file);
  }

  close(fd: number): number {
    const e = this.entry(fd);
    if (!e) return -EBADF;
    this.fds[fd] = undefined;
    if (this.lockOwner) releaseLocks(e.file.inode, this.lockOwner);
    putFile(e.file);
    return 0;
  }
}
