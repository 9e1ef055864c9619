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

export class Pipe {
  private buf = new Uint8Array(PIPE_SIZE);
  private head = 0;
  private len = 0;
  readers = 0;
  writers = 0;
  /** Readers and writers both wait here: every change wakes all (they re-check). */
  readonly wait = new WaitQueue();

  get available(): number { return this.len; }
  get room(): number { return PIPE_SIZE - this.len; }

  /** Bytes read, end of file (empty) or -EAGAIN when empty with writers. */
  read(n: number): Uint8Array | number {
    if (this.len === 0) return this.writers > 0 ? -EAGAIN : new Uint8Array(0);
    const k = Math.min(n, this.len);
    const out = new Uint8Array(k);
    const first = Math.min(k, PIPE_SIZE - this.head);
    out.set(this.buf.subarray(this.head, this.head + first));
    if (k > first) out.set(this.buf.subarray(0, k - first), first);
    this.head = (this.head + k) % PIPE_SIZE;
    this.len -= k;
    this.wait.wakeAll();
    return out;
  }

  /**
   * Writes what fits (all or nothing for `data.length` <= PIPE_BUF); -EAGAIN
   * when nothing may be written now, -EPIPE when there is no reader.
   */
  write(data: Uint8Array): number {
    if (this.readers === 0) return -EPIPE;
    if (data.length === 0) return 0;
    if (data.length <= PIPE_BUF ? this.room < data.length : this.room === 0) return -EAGAIN;
    const k = Math.min(data.length, this.room);
    let tail = (this.head + this.len) % PIPE_SIZE;
    const first = Math.min(k, PIPE_SIZE - tail);
    this.buf.set(data.subarray(0, first), tail);
    if (k > first) this.buf.set(data.subarray(first, k), 0);
    tail = (tail + k) % PIPE_SIZE;
    this.len += k;
    this.wait.wakeAll();
    return k;
  }

  /** poll(2) readiness for a reader or a writer end. */
  poll(reader: boolean): number {
    if (reader) return (this.len > 0 ? POLLIN | POLLRDNORM : 0) | (this.writers === 0 ? POLLHUP : 0);
    if (this.readers === 0) return POLLOUT | POLLWRNORM | POLLERR;
    return this.room >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0;
  }
}

/** The pipe behind an inode made by makePipe, for poll and blocking I/O. */
const pipes = new WeakMap<Inode, Pipe>();
export const pipeOf = (i: Inode): Pipe | null => pipes.get(i) ?? null;

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
