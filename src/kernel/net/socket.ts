// Sockets (socket(7)): an open file description on a sockfs inode, as Linux
// keeps them (net/socket.c). The inode is anonymous (S_IFSOCK, 0777, shown
// as socket:[ino] in /proc/PID/fd); the description's O_NONBLOCK is the
// socket's; read/write are recv/send without flags. Each address family
// subclasses Socket; the SOL_SOCKET options common to all live here.
// Families: netlink.ts (AF_NETLINK), inet.ts (AF_INET, AF_INET6).
import type { Inode, Timespec } from "../fs/inode";
import { S_IFSOCK } from "../fs/inode";
import { OpenFile, O_RDWR, O_NONBLOCK } from "../fs/file";
import type { CharDevice } from "../fs/device";
import { WaitQueue } from "../waitqueue";
import type { NetNamespace } from "./netns";
import type { Task } from "../task";
import { currentTime } from "../fs/inode";
import { EINVAL, ENOPROTOOPT, ENOTCONN, EOPNOTSUPP } from "../errno";

export const AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5;
export const SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;

export const MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_DONTROUTE = 0x4, MSG_CTRUNC = 0x8, MSG_TRUNC = 0x20,
  MSG_DONTWAIT = 0x40, MSG_EOR = 0x80, MSG_WAITALL = 0x100, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;

export const SOL_SOCKET = 1;
const SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6, SO_SNDBUF = 7, SO_RCVBUF = 8,
  SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_LINGER = 13, SO_REUSEPORT = 15, SO_PASSCRED = 16, SO_RCVLOWAT = 18,
  SO_SNDLOWAT = 19, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21, SO_TIMESTAMP = 29, SO_ACCEPTCONN = 30, SO_SNDBUFFORCE = 32,
  SO_RCVBUFFORCE = 33, SO_PROTOCOL = 38, SO_DOMAIN = 39;
/** net.core.wmem_max / rmem_max and the defaults (212992 on a 64-bit Linux). */
const WMEM_MAX = 212992, SOCK_MIN_SNDBUF = 4608, SOCK_MIN_RCVBUF = 2304;

/** Ancillary data of a received message (one struct cmsghdr). */
export interface Cmsg { level: number; type: number; data: Uint8Array }

/** What a receive hands back: the datagram (or stream bytes), its full length, the sender's address and ancillary data. */
export interface Received { data: Uint8Array; full: number; from: Uint8Array | null; control?: Cmsg[] }

export abstract class Socket {
  /** Readers and writers wait here; every state change wakes all (they re-check). */
  readonly wait = new WaitQueue();
  sndbuf = WMEM_MAX;
  rcvbuf = WMEM_MAX;
  /** SO_RCVTIMEO in ns (0: none), applied by the blocking receive. */
  rcvTimeoutNs = 0n;
  /** Pending error reported by SO_ERROR (then cleared). */
  error = 0;
  /** Options set with setsockopt that change nothing here yet, kept so getsockopt returns them. */
  private recorded = new Map<string, Uint8Array>();
  /** SOL_SOCKET integer options that are only recorded (defaults: 0). */
  private flags = new Map<number, number>();
  /** The sockfs inode number and the creator's uid, as /proc/net/* list them (set by socketFile). */
  ino = 0;
  uid = 0;

  constructor(readonly net: NetNamespace, readonly family: number, readonly type: number, readonly protocol: number) {}

  abstract bind(t: Task, addr: Uint8Array): number;
  /** getsockname(2): the local address. */
  abstract sockname(): Uint8Array;
  /** getpeername(2): the connected peer. */
  peername(): Uint8Array | number { return -ENOTCONN; }
  connect(_t: Task, _addr: Uint8Array): number { return -EOPNOTSUPP; }
  listen(_backlog: number): number { return -EOPNOTSUPP; }
  /**
   * Sends `data` (to `to` when given): bytes sent, -EAGAIN when it must
   * wait for room, or an errno.
   */
  abstract send(t: Task, data: Uint8Array, to: Uint8Array | null, flags: number): number;
  /** Takes (or with MSG_PEEK copies) up to `len` bytes: -EAGAIN when nothing is there yet. */
  abstract recv(t: Task, len: number, flags: number): Received | number;
  /** poll(2) bits. */
  abstract poll(): number;
  shutdown(_how: number): number { return -ENOTCONN; }
  /** The last descriptor is gone. */
  release(): void { this.wait.wakeAll(); }

  /** Family/protocol-level options (SOL_IP, SOL_NETLINK…): null when the level is not the family's. */
  protected setOpt(_level: number, _name: number, _val: Uint8Array): number | null { return null; }
  protected getOpt(_level: number, _name: number): Uint8Array | number | null { return null; }

  /** setsockopt(2): SOL_SOCKET here, other levels by the family; unknown options are recorded (busybox sets a few that change nothing yet). */
  setsockopt(level: number, name: number, val: Uint8Array): number {
    if (level !== SOL_SOCKET) {
      const r = this.setOpt(level, name, val);
      if (r !== null) return r;
      this.recorded.set(`${level}:${name}`, val.slice());
      return 0;
    }
    const int = val.length >= 4 ? new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true) : null;
    switch (name) {
      case SO_SNDBUF: case SO_SNDBUFFORCE:
        if (int === null) return -EINVAL;
        // sock_setsockopt doubles the request (bookkeeping overhead), clamped to wmem_max unless FORCE.
        this.sndbuf = Math.max(SOCK_MIN_SNDBUF, 2 * (name === SO_SNDBUF ? Math.min(Math.max(int, 0), WMEM_MAX) : Math.max(int, 0)));
        return 0;
      case SO_RCVBUF: case SO_RCVBUFFORCE:
        if (int === null) return -EINVAL;
        this.rcvbuf = Math.max(SOCK_MIN_RCVBUF, 2 * (name === SO_RCVBUF ? Math.min(Math.max(int, 0), WMEM_MAX) : Math.max(int, 0)));
        return 0;
      case SO_RCVTIMEO: {
        if (val.length < 16) return -EINVAL;
        const v = new DataView(val.buffer, val.byteOffset, 16);
        const sec = v.getBigInt64(0, true), usec = v.getBigInt64(8, true);
        if (sec < 0n || usec < 0n || usec >= 1000000n) return sec < 0n ? 0 : -EINVAL;
        this.rcvTimeoutNs = sec * 1000000000n + usec * 1000n;
        this.recorded.set(`${level}:${name}`, val.slice(0, 16));
        return 0;
      }
      case SO_REUSEADDR: case SO_DONTROUTE: case SO_BROADCAST: case SO_KEEPALIVE: case SO_OOBINLINE: case SO_REUSEPORT:
      case SO_PASSCRED: case SO_TIMESTAMP: case SO_RCVLOWAT:
        if (int === null) return -EINVAL;
        this.flags.set(name, name === SO_RCVLOWAT ? Math.max(1, int) : int ? 1 : 0);
        return 0;
      case SO_TYPE: case SO_ERROR: case SO_PROTOCOL: case SO_DOMAIN: case SO_ACCEPTCONN: case SO_SNDLOWAT:
        return -ENOPROTOOPT;
      default:
        this.recorded.set(`${level}:${name}`, val.slice());
        return 0;
    }
  }

  /** getsockopt(2): the value as bytes (the caller truncates to the user's length). */
  getsockopt(level: number, name: number): Uint8Array | number {
    if (level !== SOL_SOCKET) {
      const r = this.getOpt(level, name);
      if (r !== null) return r;
      return this.recorded.get(`${level}:${name}`) ?? -ENOPROTOOPT;
    }
    const int = (x: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, x, true); return b; };
    switch (name) {
      case SO_TYPE: return int(this.type);
      case SO_PROTOCOL: return int(this.protocol);
      case SO_DOMAIN: return int(this.family);
      case SO_ERROR: { const e = this.error; this.error = 0; return int(e); }
      case SO_SNDBUF: return int(this.sndbuf);
      case SO_RCVBUF: return int(this.rcvbuf);
      case SO_ACCEPTCONN: return int(this.listening ? 1 : 0);
      case SO_SNDLOWAT: return int(1);
      case SO_RCVLOWAT: return int(this.flags.get(name) ?? 1);
      case SO_LINGER: return this.recorded.get(`${level}:${name}`) ?? new Uint8Array(8);
      case SO_RCVTIMEO: case SO_SNDTIMEO: return this.recorded.get(`${level}:${name}`) ?? new Uint8Array(16);
      case SO_REUSEADDR: case SO_DONTROUTE: case SO_BROADCAST: case SO_KEEPALIVE: case SO_OOBINLINE: case SO_REUSEPORT:
      case SO_PASSCRED: case SO_TIMESTAMP:
        return int(this.flags.get(name) ?? 0);
      default: return this.recorded.get(`${level}:${name}`) ?? -ENOPROTOOPT;
    }
  }

  get listening(): boolean { return false; }
}

// ---- sockfs ----

/** sockfs's anonymous device (Linux shows 0:8 on most systems; any fixed number will do). */
const SOCKFS_DEV = 8;
let nextIno = 10000;

/** The inode of a socket: no name, no data, mode S_IFSOCK|0777 owned by its creator. */
class SockInode implements Inode {
  readonly dev = SOCKFS_DEV;
  readonly ino = nextIno++;
  mode = S_IFSOCK | 0o777;
  nlink = 1;
  rdev = 0;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  readonly size = 0;
  parent: Inode | null = null;
  name = "";
  constructor(public uid: number, public gid: number, readonly device: CharDevice) {
    this.atime = this.mtime = this.ctime = currentTime();
  }
  lookup(): Inode | null { return null; }
  entries(): Array<[string, Inode]> { return []; }
  read(): Uint8Array { return new Uint8Array(0); }
  readlink(): string { return ""; }
}

const sockets = new WeakMap<Inode, Socket>();
/** The socket behind a descriptor's inode, or null (ENOTSOCK for the socket calls). */
export const socketOf = (f: OpenFile): Socket | null => sockets.get(f.inode) ?? null;

/**
 * sock_alloc_file: the open file description of a new socket. Plain
 * read/write that reach the inode (readv, sendfile) act as recv/send
 * without waiting; the blocking forms go through syscall/socket.ts.
 */
export function socketFile(t: Task, s: Socket, nonblock: boolean): OpenFile {
  const dev: CharDevice = {
    rdev: 0, isTty: false,
    read: (len) => { const r = s.recv(t, len, MSG_DONTWAIT); return typeof r === "number" ? r : r.data; },
    write: (d) => s.send(t, d, null, MSG_DONTWAIT),
  };
  const ino = new SockInode(t.cred.euid, t.cred.egid, dev);
  sockets.set(ino, s);
  s.ino = ino.ino;
  s.uid = t.cred.euid;
  const f = new OpenFile(ino, O_RDWR | (nonblock ? O_NONBLOCK : 0), `socket:[${ino.ino}]`);
  f.onRelease = () => s.release();
  return f;
}
