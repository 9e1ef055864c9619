// Pipes (pipe(7)): a 64 KiB ring buffer between a read end and a write end,
// two open file descriptions on one inode, as Linux's pipefs. Reading an
// empty pipe waits while a writer exists and returns end of file once none
// does; writing waits for room, and fails with EPIPE (the caller raises
// SIGPIPE) once no reader is left. Writes of at most PIPE_BUF bytes are
// atomic: they wait until the whole write fits. O_NONBLOCK turns every wait
// into EAGAIN. The ends count their descriptors through OpenFile.onRelease,
// so dup and fork keep a pipe open exactly as long as Linux does.
import { type CharDevice, makedev } from "./fs/device";
import type { Inode } from "./fs/inode";
import { S_IFIFO } from "./fs/inode";
import { MemFs } from "./fs/memfs";
import { OpenFile, O_RDONLY, O_WRONLY, O_NONBLOCK, O_CLOEXEC } from "./fs/file";
import { WaitQueue } from "./waitqueue";
import { EAGAIN, EPIPE, EINVAL, EFAULT } from "./errno";
import type { Task } from "./task";
import type { Args, Kernel } from "./syscall/types";

export const PIPE_BUF = 4096;
export const PIPE_SIZE = 65536;

/** poll(2) bits. */
export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20,
  POLLRDNORM = 0x40, POLLWRNORM = 0x100;

/** One page of a pipe (struct pipe_buffer): bytes [off, off + len) of `data` are unread. */
interface PipeBuffer { data: Uint8Array; off: number; len: number }

/**
 * The pipe as Linux keeps it: a ring of at most 16 page buffers. A write
 * first merges into the last page when it fits there entirely, then fills
 * new pages; the pipe is full when all 16 slots are used, so capacity in
 * bytes depends on the write sizes (16 × 4000 for 1000-byte writes), as
 * pipe_write does. A write of at most PIPE_BUF bytes takes one merge or one
 * page: atomic.
 */
export class Pipe {
  private bufs: PipeBuffer[] = [];
  readers = 0;
  writers = 0;
  /** Readers and writers both wait here: every change wakes all (they re-check). */
  readonly wait = new WaitQueue();
  static readonly SLOTS = PIPE_SIZE / PIPE_BUF;

  get available(): number { return this.bufs.reduce((n, b) => n + b.len, 0); }
  get full(): boolean { return this.bufs.length >= Pipe.SLOTS; }

  /** Bytes read, end of file (empty) or -EAGAIN when empty with writers. */
  read(n: number): Uint8Array | number {
    if (this.bufs.length === 0) return this.writers > 0 ? -EAGAIN : new Uint8Array(0);
    const k = Math.min(n, this.available);
    const out = new Uint8Array(k);
    let done = 0;
    while (done < k) {
      const b = this.bufs[0];
      const c = Math.min(k - done, b.len);
      out.set(b.data.subarray(b.off, b.off + c), done);
      b.off += c; b.len -= c; done += c;
      if (b.len === 0) this.bufs.shift();
    }
    this.wait.wakeAll();
    return out;
  }

  /**
   * Writes what fits now; -EAGAIN when nothing could be written, -EPIPE
   * when there is no reader (the caller raises SIGPIPE).
   */
  write(data: Uint8Array): number {
    if (this.readers === 0) return -EPIPE;
    if (data.length === 0) return 0;
    let done = 0;
    const chars = data.length % PAGE;
    const last = this.bufs[this.bufs.length - 1];
    if (chars && last && last.off + last.len + chars <= PAGE) {
      last.data.set(data.subarray(0, chars), last.off + last.len);
      last.len += chars;
      done = chars;
    }
    while (done < data.length && !this.full) {
      const c = Math.min(PAGE, data.length - done);
      const page = new Uint8Array(PAGE);
      page.set(data.subarray(done, done + c));
      this.bufs.push({ data: page, off: 0, len: c });
      done += c;
    }
    if (done > 0) this.wait.wakeAll();
    return done > 0 ? done : -EAGAIN;
  }

  /** poll(2) readiness for a reader or a writer end (pipe_poll). */
  poll(reader: boolean): number {
    if (reader) return (this.bufs.length ? POLLIN | POLLRDNORM : 0) | (this.writers === 0 ? POLLHUP : 0);
    return (this.full ? 0 : POLLOUT | POLLWRNORM) | (this.readers === 0 ? POLLERR : 0);
  }
}

const PAGE = 4096;

/** The pipe behind an inode made by makePipe, for poll and blocking I/O. */
const pipes = new WeakMap<Inode, Pipe>();
export const pipeOf = (i: Inode): Pipe | null => pipes.get(i) ?? null;
/** Makes `i` (a named FIFO while open, fifo.ts) use pipe `p`, or nothing. */
export function setPipeOf(i: Inode, p: Pipe | null): void {
  if (p) pipes.set(i, p); else pipes.delete(i);
}

/** The pipefs of a machine: anonymous inodes named pipe:[ino]. */
export class PipeFs {
  private fs = new MemFs();
  private n = 0;

  /** pipe2(2)'s work: the read and the write description. */
  create(flags: number): [OpenFile, OpenFile] {
    const p = new Pipe();
    const dev: CharDevice = {
      rdev: makedev(0, 0), isTty: false,
      read: (len) => p.read(len),
      write: (d) => p.write(d),
    };
    const name = `p${this.n++}`;
    const ino = this.fs.mknod(name, dev, { mode: 0o600 });
    ino.mode = S_IFIFO | 0o600;
    ino.rdev = 0;
    this.fs.remove(name);
    pipes.set(ino, p);
    const path = `pipe:[${ino.ino}]`;
    const r = new OpenFile(ino, O_RDONLY | (flags & O_NONBLOCK), path);
    const w = new OpenFile(ino, O_WRONLY | (flags & O_NONBLOCK), path);
    p.readers = 1;
    p.writers = 1;
    r.onRelease = () => { p.readers--; p.wait.wakeAll(); };
    w.onRelease = () => { p.writers--; p.wait.wakeAll(); };
    return [r, w];
  }
}

/** Whether a failed transfer on `f` should park the task rather than return EAGAIN. */
function waitQueueFor(f: OpenFile): WaitQueue | null {
  if (f.flags & O_NONBLOCK) return null;
  return pipeOf(f.inode)?.wait ?? null;
}

/** read(2) through `f`: on a blocking pipe, an empty buffer parks the task (k.block) instead of EAGAIN. */
export function readBlocking(t: Task, k: Kernel, f: OpenFile, len: number): Uint8Array | number {
  const r = f.read(len);
  if (r === -EAGAIN) {
    const q = waitQueueFor(f);
    if (q) return k.block(t, [q], null);
  }
  return r;
}

/**
 * write(2) through `f`: on a blocking pipe the task parks until everything
 * is written; the bytes already written are kept in t.sys.done across the
 * restarts. EPIPE after a partial write reports the partial count.
 */
export function writeBlocking(t: Task, k: Kernel, f: OpenFile, data: Uint8Array): number {
  const done = t.sys.done;
  const r = f.write(done ? data.subarray(done) : data);
  const q = waitQueueFor(f);
  if (r >= 0) {
    if (q && done + r < data.length) { t.sys.done = done + r; return k.block(t, [q], null); }
    return done + r;
  }
  if (r === -EAGAIN && q) return k.block(t, [q], null);
  return done > 0 ? done : r;
}

/** pipe(2) */
export function sysPipe(t: Task, a: Args, k: Kernel): number { return makePipe(t, a.u(0), 0, k); }
/** pipe2(2): O_CLOEXEC, O_NONBLOCK (O_DIRECT packet mode is not supported). */
export function sysPipe2(t: Task, a: Args, k: Kernel): number { return makePipe(t, a.u(0), a.i(1), k); }

function makePipe(t: Task, ptr: number, flags: number, k: Kernel): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  const [r, w] = k.pipes.create(flags);
  const rfd = t.files.install(r, (flags & O_CLOEXEC) !== 0);
  if (rfd < 0) { r.refs++; w.refs++; r.onRelease?.(); w.onRelease?.(); return rfd; }
  const wfd = t.files.install(w, (flags & O_CLOEXEC) !== 0);
  if (wfd < 0) { t.files.close(rfd); w.onRelease?.(); return wfd; }
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setInt32(0, rfd, true);
  v.setInt32(4, wfd, true);
  if (t.mm.copyOut(ptr, b) < 0) { t.files.close(rfd); t.files.close(wfd); return -EFAULT; }
  return 0;
}
