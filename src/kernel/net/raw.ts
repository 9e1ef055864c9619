// Raw ICMP sockets (raw(7), icmp(7), icmp6(7)): what busybox ping and
// ping6 use as root. Only lo exists, so every packet a raw socket sends to
// a local address comes back through it: each raw socket of the protocol
// in the namespace receives a copy (the sender's own echo request
// included, as Linux's raw_v4_input delivers it), and the kernel answers an
// echo request with an echo reply (icmp_echo / icmpv6_echo_reply). IPv4
// raw sockets receive the IP header with the packet and send without it;
// IPv6 ones see neither, the kernel fills the ICMPv6 checksum, and the hop
// limit comes as ancillary data when IPV6_2292HOPLIMIT/IPV6_RECVHOPLIMIT
// is on. ICMP6_FILTER blocks the types its bitmap sets.
import { Socket, type Received, MSG_PEEK, AF_UNSPEC } from "./socket";
import { AF_INET, AF_INET6 } from "./device";
import type { NetNamespace } from "./netns";
import type { Task } from "../task";
import { isLocalAddress } from "./routes";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../pipe";
import { EINVAL, EAFNOSUPPORT, EAGAIN, EDESTADDRREQ, EMSGSIZE, ENETUNREACH, EADDRNOTAVAIL } from "../errno";

export const IPPROTO_ICMP = 1, IPPROTO_ICMPV6 = 58;
const SOL_IPV6 = 41, SOL_ICMPV6 = 58;
const ICMP6_FILTER = 1, IPV6_2292HOPLIMIT = 8, IPV6_RECVHOPLIMIT = 51, IPV6_HOPLIMIT = 52;
const ICMP_ECHOREPLY = 0, ICMP_ECHO = 8, ICMPV6_ECHO_REQUEST = 128, ICMPV6_ECHO_REPLY = 129;
/** The default TTL / hop limit (net.ipv4.ip_default_ttl, net.ipv6.conf.*.hop_limit). */
const TTL = 64;

type Family = typeof AF_INET | typeof AF_INET6;

/** Raw sockets and the IPv4 identification counter of each namespace. */
const state = new WeakMap<NetNamespace, { sockets: Set<RawSocket>; ipId: number }>();
function nsState(ns: NetNamespace): { sockets: Set<RawSocket>; ipId: number } {
  let s = state.get(ns);
  if (!s) { s = { sockets: new Set(), ipId: 0x8000 }; state.set(ns, s); }
  return s;
}

/** Every raw socket of a namespace (/proc/net/raw and raw6). */
export const rawSockets = (ns: NetNamespace): RawSocket[] => [...nsState(ns).sockets];

/** The Internet checksum (RFC 1071) of `parts`, as one big-endian 16-bit sum. */
function checksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) sum += (p[i] << 8) | (i + 1 < p.length ? p[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export class RawSocket extends Socket {
  private queue: Array<{ data: Uint8Array; from: Uint8Array }> = [];
  private queued = 0;
  /** ICMP6_FILTER: a set bit blocks that type (all pass by default). */
  private filter = new Uint8Array(32);
  private hopLimitCmsg = false;
  /** The cmsg type the hop limit arrives with: the option's own number for the RFC 2292 form, IPV6_HOPLIMIT otherwise. */
  private hopLimitType = IPV6_HOPLIMIT;
  /** bind(2)'s local address (all zeros: any). */
  local: Uint8Array;
  private peer: Uint8Array | null = null;

  constructor(ns: NetNamespace, readonly fam: Family, type: number, protocol: number) {
    super(ns, fam, type, protocol);
    this.local = new Uint8Array(fam === AF_INET ? 4 : 16);
    nsState(ns).sockets.add(this);
  }

  private get size(): number { return this.fam === AF_INET ? 4 : 16; }

  /** sockaddr_in/in6 → address bytes (the port field is ignored for raw sockets). */
  private parse(b: Uint8Array): Uint8Array | null | number {
    if (b.length < 2) return -EINVAL;
    const fam = new DataView(b.buffer, b.byteOffset, 2).getUint16(0, true);
    if (fam === AF_UNSPEC) return null;
    if (fam !== this.fam) return -EAFNOSUPPORT;
    if (b.length < (this.fam === AF_INET ? 16 : 24)) return -EINVAL;
    return this.fam === AF_INET ? b.slice(4, 8) : b.slice(8, 24);
  }

  private encode(addr: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.fam === AF_INET ? 16 : 28);
    new DataView(out.buffer).setUint16(0, this.fam, true);
    out.set(addr, this.fam === AF_INET ? 4 : 8);
    return out;
  }

  bind(_t: Task, addr: Uint8Array): number {
    const a = this.parse(addr);
    if (typeof a === "number") return a;
    if (a === null) return -EAFNOSUPPORT;
    if (!a.every((b) => b === 0) && !isLocalAddress(this.net, a, false)) return -EADDRNOTAVAIL;
    this.local = a;
    return 0;
  }

  sockname(): Uint8Array { return this.encode(this.local); }
  peername(): Uint8Array | number { return this.peer ? this.encode(this.peer) : super.peername(); }

  connect(_t: Task, addr: Uint8Array): number {
    const a = this.parse(addr);
    if (typeof a === "number") return a;
    this.peer = a;
    return 0;
  }

  send(_t: Task, data: Uint8Array, to: Uint8Array | null, _flags: number): number {
    let dest = this.peer;
    if (to) {
      const a = this.parse(to);
      if (typeof a === "number") return a;
      if (a) dest = a;
    }
    if (!dest) return -EDESTADDRREQ;
    if (data.length > 65535 - (this.fam === AF_INET ? 20 : 40)) return -EMSGSIZE;
    const daddr = dest.every((b) => b === 0) ? (this.fam === AF_INET ? Uint8Array.of(127, 0, 0, 1) : loopback6()) : dest;
    if (!isLocalAddress(this.net, daddr)) return -ENETUNREACH;
    const saddr = this.local.every((b) => b === 0) ? daddr : this.local;
    const msg = data.slice();
    if (this.fam === AF_INET6 && msg.length >= 4) setIcmp6Checksum(msg, saddr, daddr);
    this.transmit(saddr, daddr, msg, true);
    // The kernel's answer to an echo request (type 8 / 128, code 0).
    const echo = this.fam === AF_INET ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
    if (msg.length >= 8 && msg[0] === echo && msg[1] === 0) {
      const reply = msg.slice();
      reply[0] = this.fam === AF_INET ? ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY;
      reply[2] = reply[3] = 0;
      if (this.fam === AF_INET) { const c = checksum(reply); reply[2] = c >> 8; reply[3] = c & 0xff; } else setIcmp6Checksum(reply, daddr, saddr);
      this.transmit(daddr, saddr, reply, false);
    }
    return data.length;
  }

  /** One packet over lo: counted on both sides and handed to every raw socket of the protocol (ip_local_deliver → raw_local_deliver). */
  private transmit(src: Uint8Array, dst: Uint8Array, icmp: Uint8Array, dontFragment: boolean): void {
    const st = nsState(this.net);
    const lo = this.net.lo;
    const wire = icmp.length + (this.fam === AF_INET ? 20 : 40);
    lo.stats.txPackets++; lo.stats.txBytes += wire;
    lo.stats.rxPackets++; lo.stats.rxBytes += wire;
    const packet = this.fam === AF_INET ? ipv4Packet(src, dst, icmp, st.ipId++ & 0xffff, dontFragment) : icmp;
    for (const s of st.sockets) {
      if (s.fam !== this.fam || s.protocol !== this.protocol) continue;
      if (!s.local.every((b) => b === 0) && !s.local.every((b, i) => b === dst[i])) continue;
      if (s.fam === AF_INET6 && s.filter[icmp[0] >> 3] & (1 << (icmp[0] & 7))) continue;
      if (s.queued + packet.length > s.rcvbuf) continue;
      s.queue.push({ data: packet.slice(), from: src });
      s.queued += packet.length;
      s.wait.wakeAll();
    }
  }

  recv(_t: Task, len: number, flags: number): Received | number {
    const d = this.queue[0];
    if (!d) return -EAGAIN;
    if (!(flags & MSG_PEEK)) { this.queue.shift(); this.queued -= d.data.length; }
    const r: Received = { data: d.data.subarray(0, Math.min(len, d.data.length)), full: d.data.length, from: this.encode(d.from) };
    if (this.hopLimitCmsg) r.control = [{ level: SOL_IPV6, type: this.hopLimitType, data: int32(TTL) }];
    return r;
  }

  get nextSize(): number { return this.queue[0]?.data.length ?? 0; }
  get queuedBytes(): number { return this.queued; }

  poll(): number { return (this.queue.length ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM; }

  release(): void {
    nsState(this.net).sockets.delete(this);
    super.release();
  }

  protected setOpt(level: number, name: number, val: Uint8Array): number | null {
    if (this.fam !== AF_INET6) return null;
    if (level === SOL_ICMPV6 && name === ICMP6_FILTER) {
      if (val.length < 32) return -EINVAL;
      this.filter = val.slice(0, 32);
      return 0;
    }
    if (level === SOL_IPV6 && (name === IPV6_2292HOPLIMIT || name === IPV6_RECVHOPLIMIT)) {
      if (val.length < 4) return -EINVAL;
      this.hopLimitCmsg = new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true) !== 0;
      this.hopLimitType = name === IPV6_2292HOPLIMIT ? IPV6_2292HOPLIMIT : IPV6_HOPLIMIT;
      return null; // also recorded, so getsockopt reads it back
    }
    return null;
  }

  protected getOpt(level: number, name: number): Uint8Array | number | null {
    return this.fam === AF_INET6 && level === SOL_ICMPV6 && name === ICMP6_FILTER ? this.filter.slice() : null;
  }
}

function loopback6(): Uint8Array { const a = new Uint8Array(16); a[15] = 1; return a; }
function int32(x: number): Uint8Array { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, x, true); return b; }

/** An IPv4 header (no options) in front of `payload`, its checksum filled (ip_build_and_send_pkt). */
function ipv4Packet(src: Uint8Array, dst: Uint8Array, payload: Uint8Array, id: number, df: boolean): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  const v = new DataView(p.buffer);
  p[0] = 0x45;
  v.setUint16(2, p.length, false);
  v.setUint16(4, id, false);
  v.setUint16(6, df ? 0x4000 : 0, false);
  p[8] = TTL;
  p[9] = IPPROTO_ICMP;
  p.set(src, 12);
  p.set(dst, 16);
  v.setUint16(10, checksum(p.subarray(0, 20)), false);
  p.set(payload, 20);
  return p;
}

/** ICMPv6's checksum covers a pseudo-header (RFC 8200 §8.1): addresses, length, next header 58. */
function setIcmp6Checksum(msg: Uint8Array, src: Uint8Array, dst: Uint8Array): void {
  msg[2] = msg[3] = 0;
  const pseudo = new Uint8Array(40);
  pseudo.set(src, 0);
  pseudo.set(dst, 16);
  new DataView(pseudo.buffer).setUint32(32, msg.length, false);
  pseudo[39] = IPPROTO_ICMPV6;
  const c = checksum(pseudo, msg);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
}
