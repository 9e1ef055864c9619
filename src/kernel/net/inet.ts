// AF_INET and AF_INET6 sockets (ip(7), ipv6(7), udp(7), tcp(7)). The only
// device is lo, so the only reachable destinations are the namespace's own
// addresses while lo is up; anything else has no route (ENETUNREACH).
// UDP works over loopback: bind, connect, sendto and recvfrom move
// datagrams between sockets of the same namespace and count them on lo, as
// Linux's loopback_xmit does (one packet each way, IP + UDP headers
// included in the bytes). TCP sockets bind and listen, but connections are
// not modelled yet: connect to a local address is refused (ECONNREFUSED).
// ifconfig and ip open these sockets mainly for the device ioctls (ioctl.ts).
import { Socket, type Received, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, MSG_PEEK, AF_UNSPEC } from "./socket";
import { RawSocket } from "./raw";
import { AF_INET, AF_INET6 } from "./device";
import type { NetNamespace } from "./netns";
import type { Task } from "../task";
import { isLocalAddress } from "./routes";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, POLLHUP } from "../pipe";
import {
  EINVAL, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL, EACCES, EAGAIN, ENOTCONN, EDESTADDRREQ, EMSGSIZE, ENETUNREACH,
  ECONNREFUSED, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPIPE, EISCONN, EOPNOTSUPP, EPERM,
} from "../errno";

export const IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_ICMPV6 = 58;
/** The ephemeral range (net.ipv4.ip_local_port_range). */
const PORT_LO = 32768, PORT_HI = 60999;
/** Largest UDP payload: 65535 minus the IP and UDP headers. */
const MAX_UDP = { [AF_INET]: 65507, [AF_INET6]: 65527 } as const;
const HEADERS = { [AF_INET]: 28, [AF_INET6]: 48 } as const;

type Family = typeof AF_INET | typeof AF_INET6;
interface Endpoint { addr: Uint8Array; port: number }

/** Bound sockets per namespace, per family and type ("2/2" = UDP over IPv4), by port. */
const bound = new WeakMap<NetNamespace, Map<string, Map<number, InetSocket[]>>>();
function portsOf(ns: NetNamespace, family: number, type: number): Map<number, InetSocket[]> {
  let m = bound.get(ns);
  if (!m) { m = new Map(); bound.set(ns, m); }
  const key = `${family}/${type}`;
  let byPort = m.get(key);
  if (!byPort) { byPort = new Map(); m.set(key, byPort); }
  return byPort;
}

/** The bound sockets of a namespace for one family and type, by port (what /proc/net/udp and tcp list). */
export function boundSockets(ns: NetNamespace, family: number, type: number): InetSocket[] {
  return [...portsOf(ns, family, type).entries()].sort(([a], [b]) => a - b).flatMap(([, list]) => list);
}

/**
 * inet_create / inet6_create: UDP, TCP, and raw ICMP for root (raw.ts);
 * unprivileged ping sockets are refused as Linux's default
 * ping_group_range refuses them; other raw protocols are not modelled.
 */
export function inetSocket(ns: NetNamespace, family: Family, type: number, protocol: number, admin: boolean): Socket | number {
  if (type === SOCK_RAW) {
    if (!admin) return -EPERM;
    if (protocol !== (family === AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6)) return -EPROTONOSUPPORT;
    return new RawSocket(ns, family, type, protocol);
  }
  if (type === SOCK_DGRAM) {
    if (protocol === IPPROTO_ICMP || protocol === IPPROTO_ICMPV6) return -EACCES; // ping_group_range "1 0": nobody
    if (protocol !== IPPROTO_IP && protocol !== IPPROTO_UDP) return -EPROTONOSUPPORT;
    return new InetSocket(ns, family, type, IPPROTO_UDP);
  }
  if (type === SOCK_STREAM) {
    if (protocol !== IPPROTO_IP && protocol !== IPPROTO_TCP) return -EPROTONOSUPPORT;
    return new InetSocket(ns, family, type, IPPROTO_TCP);
  }
  return -ESOCKTNOSUPPORT;
}

const isAny = (a: Uint8Array): boolean => a.every((b) => b === 0);
const sameAddr = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export class InetSocket extends Socket {
  local: Endpoint | null = null;
  peer: Endpoint | null = null;
  private queue: Array<{ data: Uint8Array; from: Endpoint }> = [];
  private queued = 0;
  private listeningState = false;
  reuseAddr = false;

  constructor(ns: NetNamespace, readonly fam: Family, type: number, protocol: number) { super(ns, fam, type, protocol); }

  get listening(): boolean { return this.listeningState; }
  private get size(): number { return this.fam === AF_INET ? 4 : 16; }

  /** sockaddr_in / sockaddr_in6 → endpoint; AF_UNSPEC gives null (connect's "dissolve"). */
  private parse(b: Uint8Array): Endpoint | null | number {
    if (b.length < 2) return -EINVAL;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const fam = v.getUint16(0, true);
    if (fam === AF_UNSPEC) return null;
    if (fam !== this.fam) return -EAFNOSUPPORT;
    if (b.length < (this.fam === AF_INET ? 16 : 24)) return -EINVAL;
    const port = v.getUint16(2, false);
    const addr = this.fam === AF_INET ? b.slice(4, 8) : b.slice(8, 24);
    return { addr, port };
  }

  private encode(e: Endpoint | null): Uint8Array {
    const out = new Uint8Array(this.fam === AF_INET ? 16 : 28);
    const v = new DataView(out.buffer);
    v.setUint16(0, this.fam, true);
    if (e) {
      v.setUint16(2, e.port, false);
      out.set(e.addr, this.fam === AF_INET ? 4 : 8);
    }
    return out;
  }

  bind(t: Task, addr: Uint8Array): number {
    const e = this.parse(addr);
    if (typeof e === "number") return e;
    if (e === null) return -EAFNOSUPPORT;
    if (this.local) return -EINVAL;
    if (!isAny(e.addr) && !isLocalAddress(this.net, e.addr, false)) return -EADDRNOTAVAIL;
    if (e.port && e.port < 1024 && t.cred.euid !== 0) return -EACCES;
    return this.take(e);
  }

  /** Claims `e` (port 0: the first free ephemeral port) in the namespace's port table. */
  private take(e: Endpoint): number {
    const table = portsOf(this.net, this.fam, this.type);
    const clash = (port: number): boolean => (table.get(port) ?? []).some((s) =>
      !(s.reuseAddr && this.reuseAddr) && (isAny(s.local!.addr) || isAny(e.addr) || sameAddr(s.local!.addr, e.addr)));
    let port = e.port;
    if (port === 0) {
      for (let p = PORT_LO; p <= PORT_HI && !port; p++) if (!clash(p)) port = p;
      if (!port) return -EADDRINUSE;
    } else if (clash(port)) return -EADDRINUSE;
    this.local = { addr: e.addr, port };
    table.set(port, [...(table.get(port) ?? []), this]);
    return 0;
  }

  sockname(): Uint8Array { return this.encode(this.local ?? { addr: new Uint8Array(this.size), port: 0 }); }
  peername(): Uint8Array | number { return this.peer ? this.encode(this.peer) : -ENOTCONN; }

  connect(_t: Task, addr: Uint8Array): number {
    const e = this.parse(addr);
    if (typeof e === "number") return e;
    if (this.type === SOCK_STREAM) {
      if (e === null) return -EAFNOSUPPORT;
      if (this.listeningState) return -EINVAL;
      if (this.peer) return -EISCONN;
      return this.reachable(e.addr) ? -ECONNREFUSED : -ENETUNREACH;
    }
    if (e === null) { this.peer = null; return 0; }
    if (!this.reachable(e.addr)) return -ENETUNREACH;
    if (!this.local) {
      const r = this.take({ addr: new Uint8Array(this.size), port: 0 });
      if (r < 0) return r;
    }
    this.peer = e;
    return 0;
  }

  listen(_backlog: number): number {
    if (this.type !== SOCK_STREAM) return -EOPNOTSUPP;
    if (!this.local) {
      const r = this.take({ addr: new Uint8Array(this.size), port: 0 });
      if (r < 0) return r;
    }
    this.listeningState = true;
    return 0;
  }

  /** A destination is reachable when it is a local address on an up device (lo is the only device). */
  private reachable(addr: Uint8Array): boolean {
    return isLocalAddress(this.net, this.fam === AF_INET6 && isAny(addr) ? v6Loopback : this.fam === AF_INET && isAny(addr) ? v4Loopback : addr);
  }

  send(_t: Task, data: Uint8Array, to: Uint8Array | null, _flags: number): number {
    if (this.type === SOCK_STREAM) return this.listeningState ? -ENOTCONN : -EPIPE;
    let dest = this.peer;
    if (to) {
      const e = this.parse(to);
      if (typeof e === "number") return e;
      if (e) dest = e;
    }
    if (!dest) return -EDESTADDRREQ;
    if (data.length > MAX_UDP[this.fam]) return -EMSGSIZE;
    // Linux sends to 0.0.0.0 / :: as to the host itself.
    const daddr = isAny(dest.addr) ? (this.fam === AF_INET ? v4Loopback : v6Loopback) : dest.addr;
    if (!this.reachable(daddr)) return -ENETUNREACH;
    if (!this.local) {
      const r = this.take({ addr: new Uint8Array(this.size), port: 0 });
      if (r < 0) return r;
    }
    const saddr = !isAny(this.local!.addr) ? this.local!.addr : daddr;
    const lo = this.net.lo;
    const bytes = data.length + HEADERS[this.fam];
    lo.stats.txPackets++; lo.stats.txBytes += bytes;
    lo.stats.rxPackets++; lo.stats.rxBytes += bytes;
    const target = (portsOf(this.net, this.fam, SOCK_DGRAM).get(dest.port) ?? []).find((s) =>
      (isAny(s.local!.addr) || sameAddr(s.local!.addr, daddr)) &&
      (!s.peer || (s.peer.port === this.local!.port && sameAddr(s.peer.addr, saddr))));
    // No receiver: the datagram is dropped (the ICMP port-unreachable is not modelled); a full receiver drops it too.
    if (target && target.queued + data.length <= target.rcvbuf) target.deliver(data.slice(), { addr: saddr, port: this.local!.port });
    return data.length;
  }

  private deliver(data: Uint8Array, from: Endpoint): void {
    this.queue.push({ data, from });
    this.queued += data.length;
    this.wait.wakeAll();
  }

  recv(_t: Task, len: number, flags: number): Received | number {
    if (this.type === SOCK_STREAM) return -ENOTCONN;
    const d = this.queue[0];
    if (!d) return -EAGAIN;
    if (!(flags & MSG_PEEK)) { this.queue.shift(); this.queued -= d.data.length; }
    return { data: d.data.subarray(0, Math.min(len, d.data.length)), full: d.data.length, from: this.encode(d.from) };
  }

  /** Bytes waiting to be received (the rx_queue column of /proc/net/udp). */
  get queuedBytes(): number { return this.queued; }

  /** FIONREAD on UDP: the size of the next datagram (udp_ioctl SIOCINQ). */
  get nextSize(): number { return this.queue[0]?.data.length ?? 0; }

  poll(): number {
    if (this.type === SOCK_STREAM) return this.listeningState ? 0 : POLLOUT | POLLWRNORM | POLLHUP;
    return (this.queue.length ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
  }

  setsockopt(level: number, name: number, val: Uint8Array): number {
    const r = super.setsockopt(level, name, val);
    if (r === 0 && level === 1 && name === 2 /* SO_REUSEADDR */) this.reuseAddr = val.length >= 4 && new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true) !== 0;
    return r;
  }

  release(): void {
    if (this.local) {
      const table = portsOf(this.net, this.fam, this.type);
      const rest = (table.get(this.local.port) ?? []).filter((s) => s !== this);
      if (rest.length) table.set(this.local.port, rest); else table.delete(this.local.port);
    }
    super.release();
  }
}

const v4Loopback = Uint8Array.of(127, 0, 0, 1);
const v6Loopback = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
