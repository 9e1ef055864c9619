// The Internet address families (ip(7), ipv6(7)): what UDP and TCP sockets
// share — sockaddr_in/sockaddr_in6 parsing, bind and the namespace's port
// tables (inet_hashtables), ephemeral ports, and reachability. The only
// device is lo, so the only reachable destinations are the namespace's own
// addresses while lo is up; anything else has no route (ENETUNREACH).
// The protocols: udp.ts, tcp.ts, raw.ts; af_inet.ts creates them.
import { Socket, AF_UNSPEC } from "./socket";
import { AF_INET, AF_INET6 } from "./device";
import type { NetNamespace } from "./netns";
import type { Task } from "../task";
import { isLocalAddress } from "./routes";
import { EINVAL, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL, EACCES, ENOTCONN } from "../errno";

export const IPPROTO_IP = 0, IPPROTO_ICMP = 1, IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_ICMPV6 = 58;
/** The ephemeral range (net.ipv4.ip_local_port_range). */
const PORT_LO = 32768, PORT_HI = 60999;

export type Family = typeof AF_INET | typeof AF_INET6;
export interface Endpoint { addr: Uint8Array; port: number }

/** Bound sockets per namespace, per family and type ("2/2" = UDP over IPv4), by port. */
const bound = new WeakMap<NetNamespace, Map<string, Map<number, InetSocket[]>>>();
export function portsOf(ns: NetNamespace, family: number, type: number): Map<number, InetSocket[]> {
  let m = bound.get(ns);
  if (!m) { m = new Map(); bound.set(ns, m); }
  const key = `${family}/${type}`;
  let byPort = m.get(key);
  if (!byPort) { byPort = new Map(); m.set(key, byPort); }
  return byPort;
}

/** The bound sockets of a namespace for one family and type, by port (what /proc/net/udp lists). */
export function boundSockets(ns: NetNamespace, family: number, type: number): InetSocket[] {
  return [...portsOf(ns, family, type).entries()].sort(([a], [b]) => a - b).flatMap(([, list]) => list);
}

export const isAny = (a: Uint8Array): boolean => a.every((b) => b === 0);
/** ::ffff:a.b.c.d, how an IPv6 socket sees an IPv4 peer (ipv6(7): IPv4-mapped addresses). */
export const v4Mapped = (a: Uint8Array): Uint8Array => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a);

/**
 * The sockets bound to `port` that receive what is sent to `daddr` (4 or 16
 * bytes): those of the destination's family bound to it or to the
 * wildcard, and for an IPv4 destination also IPv6 sockets bound to :: (or
 * to its mapped form) without IPV6_V6ONLY — Linux's dual stack. Each comes
 * with the address form it sees (mapped for IPv6 sockets).
 */
export function receivers(ns: NetNamespace, type: number, port: number, daddr: Uint8Array): InetSocket[] {
  const v4 = daddr.length === 4;
  const own = (portsOf(ns, v4 ? AF_INET : AF_INET6, type).get(port) ?? []).filter((s) => isAny(s.local!.addr) || sameAddr(s.local!.addr, daddr));
  if (!v4) return own;
  const mapped = v4Mapped(daddr);
  const dual = (portsOf(ns, AF_INET6, type).get(port) ?? []).filter((s) => !s.v6only && (isAny(s.local!.addr) || sameAddr(s.local!.addr, mapped)));
  return [...own, ...dual];
}
export const sameAddr = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
export const v4Loopback = Uint8Array.of(127, 0, 0, 1);
export const v6Loopback = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

export abstract class InetSocket extends Socket {
  local: Endpoint | null = null;
  peer: Endpoint | null = null;
  reuseAddr = false;
  /** IPV6_V6ONLY (net.ipv6.bindv6only = 0: off): an IPv6 socket on :: also takes IPv4. */
  v6only = false;

  constructor(ns: NetNamespace, readonly fam: Family, type: number, protocol: number) { super(ns, fam, type, protocol); }

  protected get size(): number { return this.fam === AF_INET ? 4 : 16; }

  /** sockaddr_in / sockaddr_in6 → endpoint; AF_UNSPEC gives null (connect's "dissolve"). */
  protected parse(b: Uint8Array): Endpoint | null | number {
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

  encode(e: Endpoint | null): Uint8Array {
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
  protected take(e: Endpoint): number {
    const table = portsOf(this.net, this.fam, this.type);
    // The other family's table matters too when either side is a dual-stack IPv6 wildcard (inet_csk_bind_conflict).
    const other = portsOf(this.net, this.fam === AF_INET ? AF_INET6 : AF_INET, this.type);
    const dual = this.fam === AF_INET6 && !this.v6only && isAny(e.addr);
    const clash = (port: number): boolean => (table.get(port) ?? []).some((s) =>
      !(s.reuseAddr && this.reuseAddr) && (isAny(s.local!.addr) || isAny(e.addr) || sameAddr(s.local!.addr, e.addr)))
      || (other.get(port) ?? []).some((s) => !(s.reuseAddr && this.reuseAddr)
        && (dual || (s.fam === AF_INET6 && !s.v6only && isAny(s.local!.addr))));
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

  /** A destination is reachable when it is a local address on an up device (lo is the only device). */
  protected reachable(addr: Uint8Array): boolean {
    return isLocalAddress(this.net, this.fam === AF_INET6 && isAny(addr) ? v6Loopback : this.fam === AF_INET && isAny(addr) ? v4Loopback : addr);
  }

  /** Bytes waiting to be received (the rx_queue column of /proc/net/udp and tcp). */
  abstract get queuedBytes(): number;

  /** Claims an ephemeral port when the socket has none yet (autobind on send, connect, listen). */
  protected autobind(): number {
    return this.local ? 0 : this.take({ addr: new Uint8Array(this.size), port: 0 });
  }

  setsockopt(level: number, name: number, val: Uint8Array): number {
    const r = super.setsockopt(level, name, val);
    const on = val.length >= 4 && new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true) !== 0;
    if (r === 0 && level === 1 && name === 2 /* SO_REUSEADDR */) this.reuseAddr = on;
    // IPV6_V6ONLY may change only before bind (EINVAL after, as do_ipv6_setsockopt says).
    if (r === 0 && level === 41 && name === 26 && this.fam === AF_INET6) {
      if (this.local) return -EINVAL;
      this.v6only = on;
    }
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

