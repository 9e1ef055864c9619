// Descriptor I/O: read(2)/write(2) and their vector and positional forms,
// lseek(2), sendfile(2), close(2), dup(2)/dup2/dup3, fcntl(2), ioctl(2),
// and readiness (poll(2), select(2)). Descriptors 0-2 are character devices
// or pipes wired to the host (fs/device.ts); a write that meets EPIPE raises
// SIGPIPE as pipe(7) says.
import { withTemporaryMask } from "./signal";
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import { isReg } from "../fs/inode";
import { defaultTermios, encodeTermios } from "../tty/termios";
import { type OpenFile, O_CLOEXEC, O_APPEND, O_NONBLOCK } from "../fs/file";
import { EBADF, EFAULT, EINVAL, ENOTTY, ESPIPE, EPIPE } from "../errno";
import { iovecs, fcntlLock, F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW } from "./fs-io";
import { readBlocking, writeBlocking, pipeOf, POLLIN, POLLOUT, POLLNVAL, POLLRDNORM, POLLWRNORM, POLLHUP, POLLERR } from "../pipe";
import type { WaitQueue } from "../waitqueue";
import { ptyRead, ptyWrite, ptyPoll, ptyIoctl } from "../tty/pty";
import { sockRead, sockWrite, sockPoll, sockIoctl } from "./socket";

/** close(2) */
export function sysClose(t: Task, a: Args): number { return t.files.close(a.i(0)); }

// ---- read / write ----

function fileFor(t: Task, fd: number): OpenFile | number {
  const f = t.files.get(fd);
  return f ?? -EBADF;
}

const MAX_IO = 0x7ffff000; // Linux caps a single transfer (MAX_RW_COUNT).

/** read(2) */
export function sysRead(t: Task, a: Args, k: Kernel): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  const len = Math.min(a.u(2), MAX_IO);
  const buf = a.u(1);
  if (len > 0 && !t.mm.find(buf)) return -EFAULT;
  const r = readAny(t, k, f, Math.min(len, 1 << 20));
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
  return pipeCheck(t, k, writeAny(t, k, f, data));
}

/** Terminals (tty/pty.ts) take the task for job control and their own blocking; sockets are recv/send (socket.ts); pipes and the rest go through pipe.ts. */
function readAny(t: Task, k: Kernel, f: OpenFile, len: number): Uint8Array | number {
  return f.readable ? ptyRead(t, k, f, len) ?? sockRead(t, k, f, len) ?? readBlocking(t, k, f, len) : -EBADF;
}
function writeAny(t: Task, k: Kernel, f: OpenFile, data: Uint8Array): number {
  return f.writable ? ptyWrite(t, f, data) ?? sockWrite(t, k, f, data) ?? writeBlocking(t, k, f, data) : -EBADF;
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


/** readv(2): reads into each buffer in turn, stopping at a short read. */
export function sysReadv(t: Task, a: Args, k: Kernel): number {
  const f = fileFor(t, a.i(0));
  if (typeof f === "number") return f;
  const iov = iovecs(t, a.u(1), a.i(2));
  if (typeof iov === "number") return iov;
  let total = 0;
  for (const [base, len] of iov) {
    if (len === 0) continue;
    const r = total === 0 ? readAny(t, k, f, Math.min(len, 1 << 20)) : f.read(Math.min(len, 1 << 20));
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
  const iov = iovecs(t, a.u(1), a.i(2));
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
  return pipeCheck(t, k, writeAny(t, k, f, all));
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
  // Through the blocking writers: a socket or pipe that is full makes sendfile wait (progress kept in t.sys.done), not fail with EAGAIN.
  const n = data.length === 0 ? 0 : writeAny(t, k, out, data);
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

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4,
  F_DUPFD_CLOEXEC = 1030, F_GETPIPE_SZ = 1032, FD_CLOEXEC = 1;

/** fcntl(2): descriptor flags, status flags, dup, record locks (fs-io.ts). */
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
    case F_GETLK: case F_SETLK: case F_SETLKW: case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
      return fcntlLock(t, e.file, cmd, a.u(2));
    case F_GETPIPE_SZ: return 65536;
    default: return -EINVAL;
  }
}

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f, TIOCSPGRP = 0x5410,
  TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450;

/** ioctl(2): pseudo-terminals (tty/pty.ts); a fixed cooked termios on the host-wired tty streams; ENOTTY elsewhere. */
export function sysIoctl(t: Task, a: Args, k: Kernel): number {
  const fd = a.i(0), req = a.u(1) >>> 0, arg = a.u(2);
  const e = t.files.entry(fd);
  if (!e) return -EBADF;
  if (req === FIOCLEX) { e.cloexec = true; return 0; }
  if (req === FIONCLEX) { e.cloexec = false; return 0; }
  if (req === FIONBIO) return 0;
  const sr = sockIoctl(t, e.file, req, arg);
  if (sr !== null) return sr;
  const pr = ptyIoctl(t, k, e.file, req, arg);
  if (pr !== null) return pr;
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
      const [rows, cols] = e.file.inode.device?.winsize?.() ?? [24, 80];
      v.setUint16(0, rows, true);
      v.setUint16(2, cols, true);
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

// ---- readiness ----
// Pipes report what their buffer allows (pipe.ts); files, directories and
// the host-wired devices are always ready (their reads complete at once).
// With nothing ready the caller parks on the wait queues of every pipe it
// asked about and on its timeout; any change wakes it and the call runs
// again from the start (the deadline kept from the first run).

/** Readiness of `f` for poll: POLLIN/POLLOUT/POLLHUP/POLLERR as Linux reports them. */
function readiness(f: OpenFile): number {
  const tp = ptyPoll(f);
  if (tp) return tp[0];
  const sp = sockPoll(f);
  if (sp) return sp[0];
  const p = pipeOf(f.inode);
  if (p) return p.poll(f.readable);
  return (f.readable ? POLLIN | POLLRDNORM : 0) | (f.writable ? POLLOUT | POLLWRNORM : 0);
}

/** A relative timeout in ns (null = forever) becomes the syscall's deadline, fixed at its first run. */
function deadlineOf(t: Task, k: Kernel, ns: bigint | null): bigint | null {
  if (ns === null) return null;
  if (t.sys.deadline === null) t.sys.deadline = k.monotonicNs() + (ns > 0n ? ns : 0n);
  return t.sys.deadline;
}

function pollFds(t: Task, k: Kernel, ptr: number, nfds: number, timeoutNs: bigint | null): number {
  if (nfds < 0 || nfds > t.files.limit) return -EINVAL;
  const raw = nfds === 0 ? new Uint8Array(0) : t.mm.copyIn(ptr, nfds * 8);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  let ready = 0;
  const queues: WaitQueue[] = [];
  for (let i = 0; i < nfds; i++) {
    const fd = v.getInt32(i * 8, true);
    const events = v.getInt16(i * 8 + 4, true);
    let rev = 0;
    if (fd >= 0) {
      const f = t.files.get(fd);
      if (!f) rev = POLLNVAL;
      else {
        rev = readiness(f) & (events | POLLHUP | POLLERR);
        const p = pipeOf(f.inode);
        if (p) queues.push(p.wait);
        const tp = ptyPoll(f);
        if (tp) queues.push(tp[1]);
        const sp = sockPoll(f);
        if (sp) queues.push(sp[1]);
      }
    }
    v.setInt16(i * 8 + 6, rev, true);
    if (rev) ready++;
  }
  const deadline = deadlineOf(t, k, timeoutNs);
  if (ready === 0 && t.sys.woken !== "timeout" && (deadline === null || k.monotonicNs() < deadline)) {
    return k.block(t, queues, deadline);
  }
  const e = nfds === 0 ? 0 : t.mm.copyOut(ptr, raw);
  return e < 0 ? e : ready;
}

/** poll(2) */
export function sysPoll(t: Task, a: Args, k: Kernel): number {
  const ms = a.i(2);
  return pollFds(t, k, a.u(0), a.i(1), ms < 0 ? null : BigInt(ms) * 1000000n);
}

function readTimespecNs(t: Task, ptr: number, unit: bigint): bigint | null | number {
  if (!ptr) return null;
  const raw = t.mm.copyIn(ptr, 16);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer);
  const sec = v.getBigInt64(0, true), frac = v.getBigInt64(8, true);
  if (sec < 0n || frac < 0n || frac * unit >= 1000000000n) return -EINVAL;
  return sec * 1000000000n + frac * unit;
}

/** ppoll(2): poll with a temporary signal mask. */
export function sysPpoll(t: Task, a: Args, k: Kernel): number {
  const ns = readTimespecNs(t, a.u(2), 1n);
  if (typeof ns === "number") return ns;
  return withTemporaryMask(t, a.u(3), a.u(4), () => pollFds(t, k, a.u(0), a.i(1), ns));
}

function selectFds(t: Task, k: Kernel, nfds: number, sets: number[], timeoutNs: bigint | null): number {
  if (nfds < 0 || nfds > t.files.limit) return -EINVAL;
  const bytes = Math.ceil(nfds / 64) * 8;
  let ready = 0;
  const results: Array<Uint8Array | null> = [];
  const queues: WaitQueue[] = [];
  for (let s = 0; s < 3; s++) {
    if (!sets[s]) { results.push(null); continue; }
    const raw = t.mm.copyIn(sets[s], bytes);
    if (!raw) return -EFAULT;
    const out = new Uint8Array(bytes);
    for (let fd = 0; fd < nfds; fd++) {
      if (!(raw[fd >> 3] & (1 << (fd & 7)))) continue;
      const f = t.files.get(fd);
      if (!f) return -EBADF;
      const r = readiness(f);
      const ok = s === 0 ? (r & (POLLIN | POLLHUP | POLLERR)) !== 0 : s === 1 ? (r & (POLLOUT | POLLERR)) !== 0 : false;
      const p = pipeOf(f.inode);
      if (p) queues.push(p.wait);
      const tp = ptyPoll(f);
      if (tp) queues.push(tp[1]);
      const sp = sockPoll(f);
      if (sp) queues.push(sp[1]);
      if (ok) { out[fd >> 3] |= 1 << (fd & 7); ready++; }
    }
    results.push(out);
  }
  const deadline = deadlineOf(t, k, timeoutNs);
  if (ready === 0 && t.sys.woken !== "timeout" && (deadline === null || k.monotonicNs() < deadline)) {
    return k.block(t, queues, deadline);
  }
  for (let s = 0; s < 3; s++) {
    const r = results[s];
    if (r && t.mm.copyOut(sets[s], r) < 0) return -EFAULT;
  }
  return ready;
}

/** select(2): the remaining time is not written back. */
export function sysSelect(t: Task, a: Args, k: Kernel): number {
  const ns = readTimespecNs(t, a.u(4), 1000n);
  if (typeof ns === "number") return ns;
  return selectFds(t, k, a.i(0), [a.u(1), a.u(2), a.u(3)], ns);
}

/** pselect6(2): select with a temporary signal mask (the 6th argument points at {sigset pointer, size}). */
export function sysPselect6(t: Task, a: Args, k: Kernel): number {
  const ns = readTimespecNs(t, a.u(4), 1n);
  if (typeof ns === "number") return ns;
  let maskPtr = 0, size = 0;
  if (a.u(5)) {
    const raw = t.mm.copyIn(a.u(5), 16);
    if (!raw) return -EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset);
    maskPtr = Number(v.getBigUint64(0, true));
    size = Number(v.getBigUint64(8, true));
  }
  return withTemporaryMask(t, maskPtr, size, () => selectFds(t, k, a.i(0), [a.u(1), a.u(2), a.u(3)], ns));
}

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
