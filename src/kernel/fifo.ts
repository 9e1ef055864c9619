// Named pipes (fifo(7), mkfifo(3)): a FIFO special file is the name of a
// pipe (pipe.ts) that exists while someone has it open; data never reaches
// the filesystem and is dropped when the last opener closes. Opening follows
// fs/pipe.c fifo_open: for reading it waits until a writer opens (unless
// O_NONBLOCK, which succeeds at once); for writing it waits for a reader,
// and O_NONBLOCK without one fails with ENXIO; O_RDWR opens at once. An
// opener counts as a reader or writer from the moment it starts waiting, so
// partners meeting in open both succeed. A wait interrupted by a signal
// undoes the count and ends with ERESTARTSYS (restarted under SA_RESTART).
import type { Inode } from "./fs/inode";
import { OpenFile, O_ACCMODE, O_RDONLY, O_WRONLY, O_NONBLOCK } from "./fs/file";
import { Pipe, setPipeOf } from "./pipe";
import { EBADF, ENXIO } from "./errno";
import { ERESTARTSYS } from "./signal/deliver";
import { signalPending } from "./signal/queue";
import type { Task } from "./task";
import type { Kernel } from "./syscall/types";

/** The pipe behind an open FIFO and how many openers of each kind it has ever had (pipe->r_counter/w_counter). */
interface Fifo { pipe: Pipe; rCounter: number; wCounter: number }

const fifos = new WeakMap<Inode, Fifo>();

/** An open FIFO: the description of the FIFO's own inode (fstat shows it) whose data goes through the pipe. */
class FifoFile extends OpenFile {
  constructor(inode: Inode, flags: number, path: string, private pipe: Pipe) { super(inode, flags, path); }
  override pread(_off: number, len: number): Uint8Array | number { return this.readable ? this.pipe.read(len) : -EBADF; }
  override read(len: number): Uint8Array | number { return this.pread(0, len); }
  override pwrite(_off: number, data: Uint8Array): number { return this.writable ? this.pipe.write(data) : -EBADF; }
  override write(data: Uint8Array): number { return this.pwrite(0, data); }
}

function fifoOf(i: Inode): Fifo {
  let f = fifos.get(i);
  if (!f) {
    f = { pipe: new Pipe(), rCounter: 0, wCounter: 0 };
    fifos.set(i, f);
    setPipeOf(i, f.pipe);
  }
  return f;
}

/** Drops the pipe once nobody has the FIFO open or waits in open (free_pipe_info). */
function maybeFree(i: Inode, f: Fifo): void {
  if (f.pipe.readers || f.pipe.writers) return;
  fifos.delete(i);
  setPipeOf(i, null);
}

/**
 * open(2) of FIFO `i`: the description, or -ENXIO, -ERESTARTSYS, or the
 * scheduler's -EBLOCK while waiting for a partner. Across the re-runs of a
 * waiting open, `t.sys.done` holds 1 + the partner counter it waits to see
 * change.
 */
export function openFifo(t: Task, k: Kernel, i: Inode, flags: number, path: string): OpenFile | number {
  const f = fifoOf(i);
  const p = f.pipe;
  const acc = flags & O_ACCMODE;
  const nonblock = (flags & O_NONBLOCK) !== 0;
  const reader = acc === O_RDONLY;
  if (acc !== O_RDONLY && acc !== O_WRONLY) {
    // O_RDWR: both ends at once, never waits (undefined by POSIX; Linux allows it).
    p.readers++; p.writers++; f.rCounter++; f.wCounter++;
    p.wait.wakeAll();
    return describe(i, f, flags, path, true, true);
  }
  if (t.sys.done === 0) {
    if (!reader && nonblock && p.readers === 0) { maybeFree(i, f); return -ENXIO; }
    if (reader) { p.readers++; f.rCounter++; } else { p.writers++; f.wCounter++; }
    p.wait.wakeAll();
    const partners = reader ? p.writers : p.readers;
    if (partners > 0 || (reader && nonblock)) return describe(i, f, flags, path, reader, !reader);
    t.sys.done = 1 + (reader ? f.wCounter : f.rCounter);
  }
  // Waiting (wait_for_partner): a partner has come once its counter moved.
  if ((reader ? f.wCounter : f.rCounter) + 1 !== t.sys.done) return describe(i, f, flags, path, reader, !reader);
  if (signalPending(t)) {
    if (reader) p.readers--; else p.writers--;
    p.wait.wakeAll();
    maybeFree(i, f);
    return -ERESTARTSYS;
  }
  return k.block(t, [p.wait], null);
}

/** The open description, counted out of the pipe when its last descriptor closes. */
function describe(i: Inode, f: Fifo, flags: number, path: string, r: boolean, w: boolean): OpenFile {
  const d = new FifoFile(i, flags, path, f.pipe);
  d.onRelease = () => {
    if (r) f.pipe.readers--;
    if (w) f.pipe.writers--;
    f.pipe.wait.wakeAll();
    maybeFree(i, f);
  };
  return d;
}
