// Open file descriptions (struct file) and the per-process descriptor table.
// A description holds the inode, the offset and the status flags; several
// descriptors (dup, fork) may share one description and so its offset.
import { type Inode, isDir, S_IFMT, S_IFREG, S_IFCHR, S_IFIFO } from "./inode";
import { EBADF, EISDIR, EINVAL, ESPIPE, EMFILE, EROFS, ENXIO } from "../errno";

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
    return ino.write(off, data);
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

/** The descriptor table (files_struct). */
export class FdTable {
  readonly fds: Array<FdEntry | undefined> = [];
  limit = 1024;

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
      if (!this.fds[fd]) { this.fds[fd] = { file, cloexec }; return fd; }
    }
    return -EMFILE;
  }

  /** dup2 semantics: replaces whatever was at `fd`. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    while (this.fds.length <= fd) this.fds.push(undefined);
    this.fds[fd] = { file, cloexec };
  }

  close(fd: number): number {
    if (!this.entry(fd)) return -EBADF;
    this.fds[fd] = undefined;
    return 0;
  }
}
