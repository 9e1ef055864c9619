// TCP (tcp(7)) over loopback, as a pair of byte streams. connect() to a
// listening socket of the namespace completes at once (on lo the
// handshake never waits): the listener's backlog gets the server end,
// accept() takes it. Each end's receive buffer holds what the other wrote,
// up to a fixed window; a writer waits for room, a reader for data or the
// peer's FIN (shutdown(SHUT_WR) or close: end of file). Writing after the
// peer is gone is EPIPE (Linux first accepts one write and answers it with
// RST; that round trip is not modelled). Segments are counted on lo as one
// packet each way per write plus the handshake, not byte-exact to Linux's
// acks. Nobody listening: ECONNREFUSED. Non-blocking connect reports
// EINPROGRESS and is writable at once, as on lo.
import { type Received, SOCK_STREAM, MSG_PEEK } from "./socket";
import type { NetNamespace } from "./netns";
import type { Task } from "../task";
import { InetSocket, type Family, receivers, isAny, v4Mapped, v4Loopback, v6Loopback, IPPROTO_TCP } from "./inet";
import { AF_INET, AF_INET6 } from "./device";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, POLLHUP, POLLERR } from "../pipe";
import { EAGAIN, EINVAL, EISCONN, ENOTCONN, ECONNREFUSED, ENETUNREACH, EPIPE, EAFNOSUPPORT, ECONNRESET } from "../errno";

const POLLRDHUP = 0x2000;
/** Bytes one end buffers for its reader (a loopback connection's window, well under Linux's autotuned maximum). */
const WINDOW = 256 * 1024;
/** IP + TCP header bytes of a segment with the timestamp option, as Linux sends on lo. */
const SEGMENT = { 2: 52, 10: 72 } as const;

/** tcp(7) states as /proc/net/tcp numbers them. */
export const TCP_ESTABLISHED = 1, TCP_FIN_WAIT2 = 5, TCP_CLOSE = 7, TCP_CLOSE_WAIT = 8, TCP_LISTEN = 10;

/** Connected and listening TCP sockets of each namespace (the established and listening hash tables). */
const live = new WeakMap<NetNamespace, Set<TcpSocket>>();
function liveOf(ns: NetNamespace): Set<TcpSocket> {
  let s = live.get(ns);
  if (!s) { s = new Set(); live.set(ns, s); }
  return s;
}

/** What /proc/net/tcp lists: listening sockets first, then connections, each by local port. */
export function tcpSockets(ns: NetNamespace, fam: Family): TcpSocket[] {
  return [...liveOf(ns)].filter((s) => s.fam === fam)
    .sort((a, b) => Number(b.state === TCP_LISTEN) - Number(a.state === TCP_LISTEN) || a.local!.port - b.local!.port);
}

export class TcpSocket extends InetSocket {
  state = TCP_CLOSE;
  /** The other end of the connection, null before connect/accept and once it is gone. */
  private other: TcpSocket | null = null;
  private rx: Uint8Array[] = [];
  private rxBytes = 0;
  /** The peer sent FIN: reads past the buffer return end of file. */
  private finReceived = false;
  /** We sent FIN (shutdown(SHUT_WR) or close): no more writes. */
  private finSent = false;
  /** The connection was reset (the listener closed before accept). */
  private reset = false;
  /** Listening: connections waiting for accept. */
  private backlog: TcpSocket[] = [];
  private backlogMax = 0;

  constructor(ns: NetNamespace, fam: Family) { super(ns, fam, SOCK_STREAM, IPPROTO_TCP); }

  get listening(): boolean { return this.state === TCP_LISTEN; }
  /** rx_queue in /proc/net/tcp: unread bytes, or for a listener the connections waiting for accept. */
  get queuedBytes(): number { return this.state === TCP_LISTEN ? this.backlog.length : this.rxBytes; }
  get nextSize(): number { return this.rxBytes; }

  listen(backlog: number): number {
    if (this.state !== TCP_CLOSE && this.state !== TCP_LISTEN) return -EINVAL;
    const r = this.autobind();
    if (r < 0) return r;
    // The backlog is capped by net.core.somaxconn (4096).
    this.backlogMax = Math.min(Math.max(backlog, 0), 4096);
    this.state = TCP_LISTEN;
    liveOf(this.net).add(this);
    return 0;
  }

  connect(_t: Task, addr: Uint8Array): number {
    const e = this.parse(addr);
    if (typeof e === "number") return e;
    if (e === null) return -EAFNOSUPPORT;
    if (this.state === TCP_LISTEN) return -EINVAL;
    if (this.other || this.state !== TCP_CLOSE) return -EISCONN;
    const daddr = isAny(e.addr) ? (this.fam === AF_INET ? v4Loopback : v6Loopback) : e.addr;
    if (!this.reachable(daddr)) return -ENETUNREACH;
    const listener = receivers(this.net, SOCK_STREAM, e.port, daddr).find((s) => (s as TcpSocket).state === TCP_LISTEN) as TcpSocket | undefined;
    this.count(60); // SYN
    if (!listener || listener.backlog.length > listener.backlogMax) { this.count(40); return -ECONNREFUSED; } // RST
    if (!this.local) {
      const r = this.take({ addr: daddr, port: 0 });
      if (r < 0) return r;
    } else if (isAny(this.local.addr)) this.local = { addr: daddr, port: this.local.port };
    // The server end has the listener's family: an IPv6 listener sees an IPv4 client as ::ffff:a.b.c.d.
    const server = new TcpSocket(this.net, listener.fam);
    const seen = (a: Uint8Array): Uint8Array => (listener.fam === AF_INET6 && a.length === 4 ? v4Mapped(a) : a);
    server.local = { addr: seen(daddr), port: e.port };
    server.peer = { addr: seen(this.local!.addr), port: this.local!.port };
    this.peer = { addr: daddr, port: e.port };
    server.other = this;
    this.other = server;
    server.state = this.state = TCP_ESTABLISHED;
    liveOf(this.net).add(this);
    liveOf(this.net).add(server);
    this.count(60); this.count(52); // SYN-ACK, ACK
    listener.backlog.push(server);
    listener.wait.wakeAll();
    return 0;
  }

  /** accept(2)'s work: the next connection, or -EAGAIN when none waits. */
  acceptOne(): TcpSocket | number {
    if (this.state !== TCP_LISTEN) return -EINVAL;
    return this.backlog.shift() ?? -EAGAIN;
  }

  /** One segment each way on lo (transmit and receive on the same device). */
  private count(bytes: number): void {
    const s = this.net.lo.stats;
    s.txPackets++; s.txBytes += bytes;
    s.rxPackets++; s.rxBytes += bytes;
  }

  send(_t: Task, data: Uint8Array, _to: Uint8Array | null, _flags: number): number {
    if (this.reset) { this.reset = false; return -ECONNRESET; }
    const o = this.other;
    // Not connected, listening, shut down for writing, or the peer closed (sk_stream_wait_connect / the RST answer).
    if (this.finSent || !o) return -EPIPE;
    if (data.length === 0) return 0;
    const room = WINDOW - o.rxBytes;
    if (room <= 0) return -EAGAIN;
    const n = Math.min(room, data.length);
    o.rx.push(data.slice(0, n));
    o.rxBytes += n;
    this.count(n + SEGMENT[this.fam]);
    o.wait.wakeAll();
    return n;
  }

  recv(_t: Task, len: number, flags: number): Received | number {
    if (this.reset) { this.reset = false; return -ECONNRESET; }
    if (this.state === TCP_LISTEN || (this.state === TCP_CLOSE && !this.finReceived)) return -ENOTCONN;
    if (this.rxBytes === 0) return this.finReceived ? { data: new Uint8Array(0), full: 0, from: null } : -EAGAIN;
    const out = new Uint8Array(Math.min(len, this.rxBytes));
    let done = 0, i = 0;
    while (done < out.length) {
      const c = this.rx[i];
      const k = Math.min(c.length, out.length - done);
      out.set(c.subarray(0, k), done);
      done += k;
      if (k < c.length) { if (!(flags & MSG_PEEK)) this.rx[i] = c.subarray(k); break; }
      i++;
    }
    if (!(flags & MSG_PEEK)) {
      this.rx.splice(0, i);
      this.rxBytes -= done;
      this.other?.wait.wakeAll();
    }
    return { data: out, full: out.length, from: null };
  }

  poll(): number {
    if (this.state === TCP_LISTEN) return this.backlog.length ? POLLIN | POLLRDNORM : 0;
    if (this.reset) return POLLERR | POLLHUP | POLLIN | POLLRDNORM;
    if (!this.other && !this.finReceived) return POLLOUT | POLLWRNORM | POLLHUP; // never connected (tcp_poll in TCP_CLOSE)
    let m = 0;
    if (this.rxBytes || this.finReceived) m |= POLLIN | POLLRDNORM;
    if (this.finReceived) m |= POLLRDHUP;
    // Writable when a write would not wait (with the peer gone it fails at once).
    if (!this.finSent && (!this.other || WINDOW - this.other.rxBytes > 0)) m |= POLLOUT | POLLWRNORM;
    if (this.finSent && this.finReceived) m |= POLLHUP;
    return m;
  }

  shutdown(how: number): number {
    if (this.state === TCP_LISTEN) { this.closeListener(); return 0; }
    if (!this.other && !this.finReceived) return -ENOTCONN;
    if (how === 1 || how === 2) this.sendFin();
    if (how === 0 || how === 2) { this.finReceived = true; this.wait.wakeAll(); }
    return 0;
  }

  /** FIN to the peer: its reads end after the buffered bytes. */
  private sendFin(): void {
    if (this.finSent) return;
    this.finSent = true;
    const o = this.other;
    this.count(SEGMENT[this.fam]);
    if (o) {
      o.finReceived = true;
      if (o.state === TCP_ESTABLISHED) o.state = TCP_CLOSE_WAIT;
      o.wait.wakeAll();
    }
    if (this.state === TCP_ESTABLISHED) this.state = TCP_FIN_WAIT2;
    this.wait.wakeAll();
  }

  /** Closing a listener resets the connections nobody accepted. */
  private closeListener(): void {
    for (const s of this.backlog) {
      const c = s.other;
      if (c) { c.reset = true; c.other = null; c.state = TCP_CLOSE; liveOf(this.net).delete(c); c.wait.wakeAll(); }
      liveOf(this.net).delete(s);
    }
    this.backlog = [];
    this.state = TCP_CLOSE;
    this.wait.wakeAll();
  }

  /**
   * The last descriptor is gone: a listener resets what nobody accepted; a
   * connection sends FIN (the peer reads end of file and moves to
   * CLOSE_WAIT) and leaves the tables at once — Linux keeps the closing
   * side in FIN_WAIT2/TIME_WAIT for a while, which is not modelled.
   */
  release(): void {
    if (this.state === TCP_LISTEN) this.closeListener();
    else {
      const o = this.other;
      if (o) { this.sendFin(); o.other = null; }
      this.other = null;
    }
    this.state = TCP_CLOSE;
    liveOf(this.net).delete(this);
    super.release();
  }
}
