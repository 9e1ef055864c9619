// The socket calls (socket(2), bind(2), connect(2), listen(2), accept(2),
// getsockname(2), getpeername(2), sendto/sendmsg(2), recvfrom/recvmsg(2),
// shutdown(2), setsockopt/getsockopt(2)) and the hooks io.ts uses so that
// read, write, poll/select and ioctl work on socket descriptors. Families:
// AF_NETLINK (NETLINK_ROUTE), AF_INET and AF_INET6 (UDP over loopback; TCP
// without connections yet). Others, AF_UNIX included for now, give
// EAFNOSUPPORT. The socket belongs to the creator's network namespace.
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import type { OpenFile } from "../fs/file";
import { O_NONBLOCK } from "../fs/file";
import type { WaitQueue } from "../waitqueue";
import {
  type Socket, type Received, type Cmsg, socketOf, socketFile, AF_INET, AF_INET6, AF_NETLINK, SOCK_STREAM,
  SOCK_NONBLOCK, SOCK_CLOEXEC, MSG_TRUNC, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC, MSG_OOB, MSG_DONTROUTE, MSG_EOR, MSG_CTRUNC,
} from "../net/socket";
import { netlinkSocket } from "../net/netlink";
import { inetSocket } from "../net/af_inet";
import { UdpSocket } from "../net/udp";
import { TcpSocket } from "../net/tcp";
import { RawSocket } from "../net/raw";
import { deviceIoctl } from "../net/ioctl";
import { netOf } from "../net/netns";
import { iovecs } from "./fs-io";
import {
  EBADF, EFAULT, EINVAL, ENOTSOCK, EAFNOSUPPORT, EAGAIN, EOPNOTSUPP, EPIPE, EMSGSIZE, ENOTTY, EINPROGRESS,
} from "../errno";

const SIGPIPE = 13;
const FIONREAD = 0x541b, SIOCOUTQ = 0x5411;
/** Longest socket address accepted from the user (sizeof(struct sockaddr_storage)). */
const SOCKADDR_MAX = 128;

/** The socket behind descriptor `fd`: -EBADF or -ENOTSOCK otherwise. */
function sockFd(t: Task, fd: number): { f: OpenFile; s: Socket } | number {
  const f = t.files.get(fd);
  if (!f) return -EBADF;
  const s = socketOf(f);
  return s ? { f, s } : -ENOTSOCK;
}

/** socket(2) */
export function sysSocket(t: Task, a: Args): number {
  const family = a.i(0), rawType = a.i(1), protocol = a.i(2);
  const type = rawType & 0xf;
  if (rawType & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  if (family < 0 || family >= 46) return -EAFNOSUPPORT;
  const ns = netOf(t);
  let s: Socket | number;
  switch (family) {
    case AF_NETLINK: s = netlinkSocket(ns, type, protocol); break;
    case AF_INET: case AF_INET6: s = inetSocket(ns, family, type, protocol, t.cred.euid === 0); break;
    default: return -EAFNOSUPPORT;
  }
  if (typeof s === "number") return s;
  const f = socketFile(t, s, (rawType & SOCK_NONBLOCK) !== 0);
  const fd = t.files.install(f, (rawType & SOCK_CLOEXEC) !== 0);
  if (fd < 0) s.release();
  return fd;
}

/** socketpair(2): only AF_UNIX has pairs, and AF_UNIX is not there yet. */
export function sysSocketpair(_t: Task, a: Args): number {
  const family = a.i(0);
  return family === AF_INET || family === AF_INET6 || family === AF_NETLINK ? -EOPNOTSUPP : -EAFNOSUPPORT;
}

/** Reads a user sockaddr of `len` bytes. */
function sockaddrIn(t: Task, ptr: number, len: number): Uint8Array | number {
  if (len < 0 || len > SOCKADDR_MAX) return -EINVAL;
  const b = t.mm.copyIn(ptr, len);
  return b ?? -EFAULT;
}

/** Writes `addr` to a user (sockaddr, socklen_t*) pair: truncated to the buffer, the full length stored. */
function sockaddrOut(t: Task, ptr: number, lenPtr: number, addr: Uint8Array): number {
  if (!ptr || !lenPtr) return 0;
  const lb = t.mm.copyIn(lenPtr, 4);
  if (!lb) return -EFAULT;
  const len = new DataView(lb.buffer, lb.byteOffset, 4).getInt32(0, true);
  if (len < 0) return -EINVAL;
  if (t.mm.copyOut(ptr, addr.subarray(0, Math.min(len, addr.length))) < 0) return -EFAULT;
  new DataView(lb.buffer, lb.byteOffset, 4).setInt32(0, addr.length, true);
  return t.mm.copyOut(lenPtr, lb) < 0 ? -EFAULT : 0;
}

/** bind(2) */
export function sysBind(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const addr = sockaddrIn(t, a.u(1), a.i(2));
  return typeof addr === "number" ? addr : x.s.bind(t, addr);
}

/** connect(2): datagram sockets set their peer; TCP connects at once over lo (EINPROGRESS when non-blocking, as Linux reports it). */
export function sysConnect(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const addr = sockaddrIn(t, a.u(1), a.i(2));
  if (typeof addr === "number") return addr;
  const r = x.s.connect(t, addr);
  return r === 0 && x.s.type === SOCK_STREAM && x.f.flags & O_NONBLOCK ? -EINPROGRESS : r;
}

/** listen(2) */
export function sysListen(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  return typeof x === "number" ? x : x.s.listen(a.i(1));
}

/** accept4(2): a listening TCP socket waits (no connection can arrive yet); others EOPNOTSUPP/EINVAL. */
export function sysAccept4(t: Task, a: Args, k: Kernel): number {
  if (a.i(3) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
  return accept(t, a, k);
}

/** accept(2): accept4 without flags (its fourth register is not an argument). */
export function sysAccept(t: Task, a: Args, k: Kernel): number { return accept(t, a, k, 0); }

/** Takes the next connection of a listening socket into a new descriptor; waits for one unless non-blocking. */
function accept(t: Task, a: Args, k: Kernel, flags = a.i(3)): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  if (!(x.s instanceof TcpSocket)) return -EOPNOTSUPP;
  const c = x.s.acceptOne();
  if (c === -EAGAIN) return x.f.flags & O_NONBLOCK ? -EAGAIN : k.block(t, [x.s.wait], null);
  if (typeof c === "number") return c;
  const f = socketFile(t, c, (flags & SOCK_NONBLOCK) !== 0);
  const fd = t.files.install(f, (flags & SOCK_CLOEXEC) !== 0);
  if (fd < 0) { c.release(); return fd; }
  if (a.u(1)) {
    const e = sockaddrOut(t, a.u(1), a.u(2), c.peername() as Uint8Array);
    if (e < 0) return e;
  }
  return fd;
}

/** getsockname(2) */
export function sysGetsockname(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  return sockaddrOut(t, a.u(1), a.u(2), x.s.sockname()) || 0;
}

/** getpeername(2) */
export function sysGetpeername(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const p = x.s.peername();
  return typeof p === "number" ? p : sockaddrOut(t, a.u(1), a.u(2), p);
}

/** shutdown(2) */
export function sysShutdown(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const how = a.i(1);
  if (how < 0 || how > 2) return -EINVAL;
  return x.s.shutdown(how);
}

const SEND_FLAGS = MSG_OOB | MSG_DONTROUTE | MSG_DONTWAIT | MSG_EOR | MSG_NOSIGNAL | 0x800 /* MSG_MORE */ | 0x8000 /* MSG_CONFIRM */;

/**
 * One send: waits for room unless non-blocking. A blocking stream send
 * waits until everything is written, keeping its progress in t.sys.done
 * across the restarts (as pipe writes do); an error after a partial write
 * reports the partial count. EPIPE raises SIGPIPE unless MSG_NOSIGNAL.
 */
function sendData(t: Task, k: Kernel, f: OpenFile, s: Socket, data: Uint8Array, to: Uint8Array | null, flags: number): number {
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const block = !(f.flags & O_NONBLOCK) && !(flags & MSG_DONTWAIT);
  const done = t.sys.done;
  const r = s.send(t, done ? data.subarray(done) : data, to, flags);
  if (r >= 0) {
    if (block && s.type === SOCK_STREAM && done + r < data.length) { t.sys.done = done + r; return k.block(t, [s.wait], null); }
    return done + r;
  }
  if (r === -EAGAIN && block) return k.block(t, [s.wait], null);
  if (done > 0) return done;
  if (r === -EPIPE && !(flags & MSG_NOSIGNAL)) k.signal(t, SIGPIPE);
  return r;
}

/** One receive: waits for data unless non-blocking, up to SO_RCVTIMEO (then EAGAIN). */
function recvData(t: Task, k: Kernel, f: OpenFile, s: Socket, len: number, flags: number): Received | number {
  if (flags & MSG_OOB) return -EINVAL;
  const r = s.recv(t, len, flags);
  if (r !== -EAGAIN || f.flags & O_NONBLOCK || flags & MSG_DONTWAIT) return r;
  let deadline: bigint | null = null;
  if (s.rcvTimeoutNs > 0n) {
    if (t.sys.deadline === null) t.sys.deadline = k.monotonicNs() + s.rcvTimeoutNs;
    deadline = t.sys.deadline;
    if (t.sys.woken === "timeout" || k.monotonicNs() >= deadline) return -EAGAIN;
  }
  return k.block(t, [s.wait], deadline);
}

/** sendto(2) */
export function sysSendto(t: Task, a: Args, k: Kernel): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const flags = a.i(3);
  const data = t.mm.copyIn(a.u(1), Math.min(a.u(2), 1 << 20));
  if (!data) return -EFAULT;
  let to: Uint8Array | null = null;
  if (a.u(4)) {
    const addr = sockaddrIn(t, a.u(4), a.i(5));
    if (typeof addr === "number") return addr;
    to = addr;
  }
  return sendData(t, k, x.f, x.s, data, to, flags & SEND_FLAGS);
}

/** recvfrom(2): MSG_PEEK, MSG_TRUNC (returns the datagram's real length), MSG_DONTWAIT. */
export function sysRecvfrom(t: Task, a: Args, k: Kernel): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const flags = a.i(3);
  const r = recvData(t, k, x.f, x.s, Math.min(a.u(2), 1 << 20), flags);
  if (typeof r === "number") return r;
  if (r.data.length && t.mm.copyOut(a.u(1), r.data) < 0) return -EFAULT;
  if (r.from && a.u(4)) {
    const e = sockaddrOut(t, a.u(4), a.u(5), r.from);
    if (e < 0) return e;
  }
  return flags & MSG_TRUNC && x.s.type !== SOCK_STREAM ? r.full : r.data.length;
}

/** struct msghdr (56 bytes): name, namelen, iov, iovlen, control, controllen, flags. */
interface MsgHdr { name: number; namelen: number; iov: Array<[number, number]>; control: number; controllen: number }

function readMsghdr(t: Task, ptr: number): { raw: Uint8Array; m: MsgHdr } | number {
  const raw = t.mm.copyIn(ptr, 56);
  if (!raw) return -EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset, 56);
  const iovlen = Number(v.getBigUint64(24, true));
  if (iovlen > 1024) return -EMSGSIZE;
  const iov = iovecs(t, Number(v.getBigUint64(16, true)), iovlen);
  if (typeof iov === "number") return iov;
  return {
    raw,
    m: {
      name: Number(v.getBigUint64(0, true)), namelen: v.getInt32(8, true), iov,
      control: Number(v.getBigUint64(32, true)), controllen: Number(v.getBigUint64(40, true)),
    },
  };
}

/** sendmsg(2): the iovecs gathered into one datagram; ancillary data is ignored (no SCM_RIGHTS yet). */
export function sysSendmsg(t: Task, a: Args, k: Kernel): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const h = readMsghdr(t, a.u(1));
  if (typeof h === "number") return h;
  const parts: Uint8Array[] = [];
  for (const [base, len] of h.m.iov) {
    const d = t.mm.copyIn(base, Math.min(len, 1 << 20));
    if (!d) return -EFAULT;
    parts.push(d);
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { data.set(p, o); o += p.length; }
  let to: Uint8Array | null = null;
  if (h.m.name && h.m.namelen) {
    const addr = sockaddrIn(t, h.m.name, h.m.namelen);
    if (typeof addr === "number") return addr;
    to = addr;
  }
  return sendData(t, k, x.f, x.s, data, to, a.i(2) & SEND_FLAGS);
}

/** Writes the ancillary data to msg_control (put_cmsg): returns the bytes used and whether some did not fit (MSG_CTRUNC). */
function putCmsgs(t: Task, m: MsgHdr, list: Cmsg[]): [number, boolean] | number {
  if (!m.control || m.controllen < 16) return [0, true];
  let used = 0;
  for (const c of list) {
    const len = 16 + c.data.length, space = (len + 7) & ~7;
    const room = m.controllen - used;
    if (room < 16) return [used, true];
    const b = new Uint8Array(space);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, BigInt(len), true);
    v.setInt32(8, c.level, true);
    v.setInt32(12, c.type, true);
    b.set(c.data, 16);
    const n = Math.min(space, room);
    if (t.mm.copyOut(m.control + used, b.subarray(0, n)) < 0) return -EFAULT;
    used += n;
    if (n < len) return [used, true];
  }
  return [used, false];
}

/** recvmsg(2): scatters one datagram over the iovecs; msg_flags reports MSG_TRUNC/MSG_CTRUNC; ancillary data the socket gives (the hop limit of ICMPv6). */
export function sysRecvmsg(t: Task, a: Args, k: Kernel): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const flags = a.i(2);
  const h = readMsghdr(t, a.u(1));
  if (typeof h === "number") return h;
  const total = h.m.iov.reduce((n, [, len]) => n + len, 0);
  const r = recvData(t, k, x.f, x.s, Math.min(total, 1 << 20), flags & ~MSG_CMSG_CLOEXEC);
  if (typeof r === "number") return r;
  let off = 0;
  for (const [base, len] of h.m.iov) {
    if (off >= r.data.length) break;
    const chunk = r.data.subarray(off, off + len);
    if (t.mm.copyOut(base, chunk) < 0) return -EFAULT;
    off += chunk.length;
  }
  const v = new DataView(h.raw.buffer, h.raw.byteOffset, 56);
  if (h.m.name && r.from) {
    if (h.m.namelen < 0) return -EINVAL;
    if (t.mm.copyOut(h.m.name, r.from.subarray(0, Math.min(h.m.namelen, r.from.length))) < 0) return -EFAULT;
    v.setInt32(8, r.from.length, true);
  } else v.setInt32(8, 0, true);
  const truncated = x.s.type !== SOCK_STREAM && r.full > r.data.length;
  const cm = r.control?.length ? putCmsgs(t, h.m, r.control) : [0, false] as [number, boolean];
  if (typeof cm === "number") return cm;
  v.setBigUint64(40, BigInt(cm[0]), true);
  v.setInt32(48, (truncated ? MSG_TRUNC : 0) | (cm[1] ? MSG_CTRUNC : 0), true);
  if (t.mm.copyOut(a.u(1), h.raw) < 0) return -EFAULT;
  return flags & MSG_TRUNC && x.s.type !== SOCK_STREAM ? r.full : r.data.length;
}

/** setsockopt(2) */
export function sysSetsockopt(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const len = a.i(4);
  if (len < 0) return -EINVAL;
  const val = t.mm.copyIn(a.u(3), Math.min(len, 4096));
  if (!val) return -EFAULT;
  return x.s.setsockopt(a.i(1), a.i(2), val);
}

/** getsockopt(2): the value truncated to the caller's length, which is set to what was written. */
export function sysGetsockopt(t: Task, a: Args): number {
  const x = sockFd(t, a.i(0));
  if (typeof x === "number") return x;
  const lb = t.mm.copyIn(a.u(4), 4);
  if (!lb) return -EFAULT;
  const len = new DataView(lb.buffer, lb.byteOffset, 4).getInt32(0, true);
  if (len < 0) return -EINVAL;
  const val = x.s.getsockopt(a.i(1), a.i(2));
  if (typeof val === "number") return val;
  const out = val.subarray(0, Math.min(len, val.length));
  if (t.mm.copyOut(a.u(3), out) < 0) return -EFAULT;
  new DataView(lb.buffer, lb.byteOffset, 4).setInt32(0, out.length, true);
  return t.mm.copyOut(a.u(4), lb) < 0 ? -EFAULT : 0;
}

// ---- hooks for io.ts: read/write/poll/ioctl on a socket descriptor ----

/** read(2) on a socket: recv without flags; null when `f` is not a socket. */
export function sockRead(t: Task, k: Kernel, f: OpenFile, len: number): Uint8Array | number | null {
  const s = socketOf(f);
  if (!s) return null;
  const r = recvData(t, k, f, s, len, 0);
  return typeof r === "number" ? r : r.data;
}

/** write(2) on a socket: send without flags (MSG_NOSIGNAL here: io.ts raises SIGPIPE for write's EPIPE). */
export function sockWrite(t: Task, k: Kernel, f: OpenFile, data: Uint8Array): number | null {
  const s = socketOf(f);
  if (!s) return null;
  return sendData(t, k, f, s, data, null, MSG_NOSIGNAL);
}

/** Readiness and the queue to wait on, for poll/select; null when `f` is not a socket. */
export function sockPoll(f: OpenFile): [number, WaitQueue] | null {
  const s = socketOf(f);
  return s ? [s.poll(), s.wait] : null;
}

/** ioctl(2) on a socket: the device ioctls (net/ioctl.ts), FIONREAD/SIOCOUTQ; null when `f` is not a socket. */
export function sockIoctl(t: Task, f: OpenFile, req: number, arg: number): number | null {
  const s = socketOf(f);
  if (!s) return null;
  const dev = deviceIoctl(t, s.net, req, arg);
  if (dev !== null) return dev;
  if (req === FIONREAD || req === SIOCOUTQ) {
    const n = req === FIONREAD && (s instanceof UdpSocket || s instanceof TcpSocket || s instanceof RawSocket) ? s.nextSize : 0;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n, true);
    return t.mm.copyOut(arg, b) < 0 ? -EFAULT : 0;
  }
  return -ENOTTY; // dev_ioctl's answer to a request nobody knows
}
