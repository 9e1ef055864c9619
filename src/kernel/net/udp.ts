// UDP (udp(7)) over loopback: bind, connect, sendto and recvfrom move
// datagrams between sockets of the same namespace and count them on lo, as
// Linux's loopback_xmit does (one packet each way, IP and UDP headers
// included in the bytes). A datagram nobody is bound to receive is dropped
// (the ICMP port-unreachable is not modelled), as is one a full receiver
// has no room for.
import { type Received, SOCK_DGRAM, MSG_PEEK } from "./socket";
import { AF_INET, AF_INET6 } from "./device";
import type { NetNamespace } from "./netns";
import type { Task } from "../task";
import { InetSocket, type Endpoint, type Family, receivers, isAny, sameAddr, v4Mapped, v4Loopback, v6Loopback, IPPROTO_UDP } from "./inet";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../pipe";
import { EAGAIN, EDESTADDRREQ, EMSGSIZE, ENETUNREACH, EOPNOTSUPP } from "../errno";

/** Largest UDP payload: 65535 minus the IP and UDP headers. */
const MAX_UDP = { 2: 65507, 10: 65527 } as const;
const HEADERS = { 2: 28, 10: 48 } as const;

export class UdpSocket extends InetSocket {
  private queue: Array<{ data: Uint8Array; from: Endpoint }> = [];
  private queued = 0;

  constructor(ns: NetNamespace, fam: Family) { super(ns, fam, SOCK_DGRAM, IPPROTO_UDP); }

  connect(_t: Task, addr: Uint8Array): number {
    const e = this.parse(addr);
    if (typeof e === "number") return e;
    if (e === null) { this.peer = null; return 0; }
    if (!this.reachable(e.addr)) return -ENETUNREACH;
    const r = this.autobind();
    if (r < 0) return r;
    this.peer = e;
    return 0;
  }

  listen(): number { return -EOPNOTSUPP; }

  send(_t: Task, data: Uint8Array, to: Uint8Array | null, _flags: number): number {
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
    const r = this.autobind();
    if (r < 0) return r;
    const saddr = !isAny(this.local!.addr) ? this.local!.addr : daddr;
    const lo = this.net.lo;
    const bytes = data.length + HEADERS[this.fam];
    lo.stats.txPackets++; lo.stats.txBytes += bytes;
    lo.stats.rxPackets++; lo.stats.rxBytes += bytes;
    const seen = (s: InetSocket): Uint8Array => (s.fam === AF_INET6 && saddr.length === 4 ? v4Mapped(saddr) : saddr);
    const target = receivers(this.net, SOCK_DGRAM, dest.port, daddr).find((s) =>
      !s.peer || (s.peer.port === this.local!.port && sameAddr(s.peer.addr, seen(s)))) as UdpSocket | undefined;
    if (target && target.queued + data.length <= target.rcvbuf) target.deliver(data.slice(), { addr: seen(target), port: this.local!.port });
    return data.length;
  }

  private deliver(data: Uint8Array, from: Endpoint): void {
    this.queue.push({ data, from });
    this.queued += data.length;
    this.wait.wakeAll();
  }

  recv(_t: Task, len: number, flags: number): Received | number {
    const d = this.queue[0];
    if (!d) return -EAGAIN;
    if (!(flags & MSG_PEEK)) { this.queue.shift(); this.queued -= d.data.length; }
    return { data: d.data.subarray(0, Math.min(len, d.data.length)), full: d.data.length, from: this.encode(d.from) };
  }

  get queuedBytes(): number { return this.queued; }

  /** FIONREAD on UDP: the size of the next datagram (udp_ioctl SIOCINQ). */
  get nextSize(): number { return this.queue[0]?.data.length ?? 0; }

  poll(): number { return (this.queue.length ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM; }
}
