// Positional and vectored I/O on files (pwrite64(2), preadv(2), pwritev(2),
// preadv2(2), pwritev2(2)) and record locks (fcntl(2) F_GETLK, F_SETLK,
// F_SETLKW, F_OFD_*). read/write/readv/writev/pread64/lseek/sendfile are in
// io.ts, which serves pipes and terminals too.
import type { Task } from "../task";
import type { Args } from "./types";
import type { OpenFile } from "../fs/file";
import { F_RDLCK, F_WRLCK, F_UNLCK, findConflict, setLock, releaseLocks, type FileLock } from "../fs/locks";

/** Descriptions whose release already drops their OFD locks. */
const releasers = new WeakSet<OpenFile>();
import { isDir, isReg } from "../fs/inode";
import { EBADF, EFAULT, EINVAL, ESPIPE, EOPNOTSUPP, EISDIR, ENODEV } from "../errno";

const EDEADLK = 35;
const MAX_IO = 0x7ffff000;
const RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 16, RWF_NOAPPEND = 32;

function seekableFile(t: Task, fd: number): OpenFile | number {
  const f = t.files.get(fd);
  if (!f) return -EBADF;
  if (!f.seekable || f.inode.device) return -ESPIPE;
  return f;
}

/** pwrite64(2): at an offset, the file offset unchanged. */
export function sysPwrite64(t: Task, a: Args): number {
  const f = seekableFile(t, a.i(0));
  if (typeof f === "number") return f;
  if (!f.writable) return -EBADF;
  const off = a.l(3);
  if (off < 0) return -EINVAL;
  const data = t.mm.copyIn(a.u(1), Math.min(a.u(2), MAX_IO));
  if (!data) return -EFAULT;
  return f.pwrite(off, data);
}

/** The iovec array of readv(2)/writev(2) and friends: [base, len] pairs, EINVAL past IOV_MAX (1024). */
export function iovecs(t: Task, ptr: number, cnt: number): Array<[number, number]> | number {
  if (cnt < 0 || cnt > 1024) return -EINVAL;
  const raw = t.mm.copyIn(ptr, cnt * 16);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < cnt; i++) out.push([Number(v.getBigUint64(i * 16, true)), Number(v.getBigUint64(i * 16 + 8, true))]);
  return out;
}

/** Reads at `off` (or the file offset when -1) into each buffer in turn. */
function readvAt(t: Task, f: OpenFile, iov: Array<[number, number]>, off: number): number {
  if (!f.readable) return -EBADF;
  let total = 0;
  for (const [base, len] of iov) {
    if (len === 0) continue;
    const r = off === -1 ? f.read(Math.min(len, 1 << 20)) : f.pread(off + total, Math.min(len, 1 << 20));
    if (typeof r === "number") return total > 0 ? total : r;
    const e = t.mm.copyOut(base, r);
    if (e < 0) return total > 0 ? total : e;
    total += r.length;
    if (r.length < len) break;
  }
  return total;
}

/** Gathers the buffers and writes them at `off` (or the file offset when -1) as one transfer. */
function writevAt(t: Task, f: OpenFile, iov: Array<[number, number]>, off: number): number {
  if (!f.writable) return -EBADF;
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const [base, len] of iov) {
    const d = t.mm.copyIn(base, len);
    if (!d) return -EFAULT;
    parts.push(d);
    n += d.length;
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { all.set(p, o); o += p.length; }
  return off === -1 ? f.write(all) : f.pwrite(off, all);
}

function vectored(t: Task, a: Args, write: boolean, v2: boolean): number {
  const flags = v2 ? a.i(5) : 0;
  if (flags & ~(RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND)) return -EOPNOTSUPP;
  const off = a.l(3);
  const f = v2 && off === -1 ? t.files.get(a.i(0)) ?? -EBADF : seekableFile(t, a.i(0));
  if (typeof f === "number") return f;
  if (off < -1 || (off === -1 && !v2)) return -EINVAL;
  const iov = iovecs(t, a.u(1), a.i(2));
  if (typeof iov === "number") return iov;
  return write ? writevAt(t, f, iov, off) : readvAt(t, f, iov, off);
}

/** preadv(2) */
export function sysPreadv(t: Task, a: Args): number { return vectored(t, a, false, false); }
/** pwritev(2) */
export function sysPwritev(t: Task, a: Args): number { return vectored(t, a, true, false); }
/** preadv2(2): offset -1 uses the file offset; RWF_* flags are accepted (everything is synchronous). */
export function sysPreadv2(t: Task, a: Args): number { return vectored(t, a, false, true); }
/** pwritev2(2) */
export function sysPwritev2(t: Task, a: Args): number { return vectored(t, a, true, true); }

const FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;

/** fallocate(2): mode 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE|KEEP_SIZE; other modes EOPNOTSUPP. */
export function sysFallocate(t: Task, a: Args): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  const mode = a.i(1), off = a.l(2), len = a.l(3);
  if (off < 0 || len <= 0) return -EINVAL;
  if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP;
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) return -EOPNOTSUPP;
  if (!f.writable) return -EBADF;
  if (!f.seekable) return -ESPIPE;
  if (isDir(f.inode)) return -EISDIR;
  if (!isReg(f.inode)) return -ENODEV;
  if (!f.inode.allocate) return -EOPNOTSUPP;
  return f.inode.allocate(off, len, mode);
}

export const F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;

/**
 * fcntl(2) record locks on descriptor `f` with the struct flock at `ptr`.
 * F_SETLKW cannot wait yet: a conflicting lock gives EDEADLK, as if waiting
 * would deadlock.
 */
export function fcntlLock(t: Task, f: OpenFile, cmd: number, ptr: number): number {
  const raw = t.mm.copyIn(ptr, 32);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset);
  const type = v.getInt16(0, true), whence = v.getInt16(2, true);
  let start = Number(v.getBigInt64(8, true));
  const len = Number(v.getBigInt64(16, true));
  const ofd = cmd === F_OFD_GETLK || cmd === F_OFD_SETLK || cmd === F_OFD_SETLKW;
  if (ofd && v.getInt32(24, true) !== 0) return -EINVAL;
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -EINVAL;
  switch (whence) {
    case 0: break;
    case 1: start += f.offset; break;
    case 2: start += f.inode.size; break;
    default: return -EINVAL;
  }
  let end = len === 0 ? Infinity : start + len - 1;
  if (len < 0) { end = start - 1; start += len; }
  if (start < 0) return -EINVAL;
  const want: FileLock = { type, start, end, owner: ofd ? f : t.tgid, pid: ofd ? -1 : t.tgid };
  if (cmd === F_GETLK || cmd === F_OFD_GETLK) {
    if (type === F_UNLCK) return -EINVAL;
    const c = findConflict(f.inode, want);
    const out = new Uint8Array(32);
    out.set(raw.subarray(0, 32));
    const w = new DataView(out.buffer);
    if (!c) w.setInt16(0, F_UNLCK, true);
    else {
      w.setInt16(0, c.type, true); w.setInt16(2, 0, true);
      w.setBigInt64(8, BigInt(c.start), true);
      w.setBigInt64(16, BigInt(c.end === Infinity ? 0 : c.end - c.start + 1), true);
      w.setInt32(24, c.pid, true);
    }
    return t.mm.copyOut(ptr, out);
  }
  if ((type === F_RDLCK && !f.readable) || (type === F_WRLCK && !f.writable)) return -EBADF;
  if (setLock(f.inode, want)) {
    if (!ofd) t.files.lockOwner = t.tgid;
    else if (!releasers.has(f)) {
      // An OFD lock lives until the description's last descriptor closes.
      releasers.add(f);
      const prev = f.onRelease;
      f.onRelease = () => { releaseLocks(f.inode, f); prev?.(); };
    }
    return 0;
  }
  return cmd === F_SETLKW || cmd === F_OFD_SETLKW ? -EDEADLK : -11 /* EAGAIN */;
}
