// AF_NETLINK sockets (netlink(7)), NETLINK_ROUTE only. Each socket has a
// port id unique in its namespace: bind with nl_pid 0, or the first send,
// picks the caller's thread-group id as its namespace sees it, or a
// negative number when that is taken (netlink_autobind). Requests sent to
// the kernel (nl_pid 0) are answered at once: the replies go to the
// socket's receive queue as datagrams, read with recvmsg (MSG_PEEK and
// MSG_TRUNC as iproute2 uses them to size its buffer).
import { Socket, type Received, AF_NETLINK, SOCK_RAW, SOCK_DGRAM, MSG_PEEK } from "./socket";
import type { NetNamespace } from "./netns";
import type { Task } from "../task";
import { parseMessages } from "./nlmsg";
import { rtnetlinkRequest } from "./rtnetlink";
import { POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from "../pipe";
import { EINVAL, EADDRINUSE, EAGAIN, ECONNREFUSED, ENOBUFS, EPROTONOSUPPORT, ESOCKTNOSUPPORT } from "../errno";

export const NETLINK_ROUTE = 0;
export const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1, NETLINK_DROP_MEMBERSHIP = 2, NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11,
  NETLINK_GET_STRICT_CHK = 12;

/** Port ids in use, per namespace (nl_table's per-net hash). */
const ports = new WeakMap<NetNamespace, Map<number, NetlinkSocket>>();
function portTable(ns: NetNamespace): Map<number, NetlinkSocket> {
  let m = ports.get(ns);
  if (!m) { m = new Map(); ports.set(ns, m); }
  return m;
}

/** netlink_create: only NETLINK_ROUTE exists; raw and datagram types behave alike (netlink(7)). */
export function netlinkSocket(ns: NetNamespace, type: number, protocol: number): NetlinkSocket | number {
  if (type !== SOCK_RAW && type !== SOCK_DGRAM) return -ESOCKTNOSUPPORT;
  if (protocol !== NETLINK_ROUTE) return -EPROTONOSUPPORT;
  return new NetlinkSocket(ns, type, protocol);
}

export class NetlinkSocket extends Socket {
  portid = 0;
  groups = 0;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private capAck = false;
  private extAck = false;
  private strict = false;
  private rover = -4096;

  constructor(ns: NetNamespace, type: number, protocol: number) { super(ns, AF_NETLINK, type, protocol); }

  /** sockaddr_nl: family, pad, nl_pid, nl_groups. */
  private static addr(pid: number, groups: number): Uint8Array {
    const b = new Uint8Array(12);
    const v = new DataView(b.buffer);
    v.setUint16(0, AF_NETLINK, true);
    v.setUint32(4, pid >>> 0, true);
    v.setUint32(8, groups >>> 0, true);
    return b;
  }

  bind(t: Task, addr: Uint8Array): number {
    if (addr.length < 12) return -EINVAL;
    const v = new DataView(addr.buffer, addr.byteOffset, 12);
    if (v.getUint16(0, true) !== AF_NETLINK) return -EINVAL;
    const pid = v.getInt32(4, true);
    this.groups = v.getUint32(8, true);
    if (this.portid) return pid === 0 || pid === this.portid ? 0 : -EINVAL;
    if (pid === 0) return this.autobind(t);
    const table = portTable(this.net);
    if (table.has(pid)) return -EADDRINUSE;
    table.set(pid, this);
    this.portid = pid;
    return 0;
  }

  private autobind(t: Task): number {
    const table = portTable(this.net);
    let pid = t.vpid;
    while (table.has(pid)) pid = this.rover--;
    table.set(pid, this);
    this.portid = pid;
    return 0;
  }

  sockname(): Uint8Array { return NetlinkSocket.addr(this.portid, this.groups); }
  peername(): Uint8Array { return NetlinkSocket.addr(0, 0); }
  connect(_t: Task, addr: Uint8Array): number {
    if (addr.length < 12 || new DataView(addr.buffer, addr.byteOffset, 2).getUint16(0, true) !== AF_NETLINK) return -EINVAL;
    return new DataView(addr.buffer, addr.byteOffset, 12).getUint32(4, true) === 0 ? 0 : -ECONNREFUSED;
  }

  send(t: Task, data: Uint8Array, to: Uint8Array | null, _flags: number): number {
    if (to) {
      if (to.length < 12 || new DataView(to.buffer, to.byteOffset, 2).getUint16(0, true) !== AF_NETLINK) return -EINVAL;
      if (new DataView(to.buffer, to.byteOffset, 12).getUint32(4, true) !== 0) return -ECONNREFUSED;
    }
    if (!this.portid) this.autobind(t);
    if (data.length > this.sndbuf) return -ENOBUFS;
    const who = { portid: this.portid, admin: t.cred.euid === 0, capAck: this.capAck };
    for (const { h, msg } of parseMessages(data)) {
      for (const reply of rtnetlinkRequest(this.net, h, msg, who)) {
        this.queue.push(reply);
        this.queued += reply.length;
      }
    }
    this.wait.wakeAll();
    return data.length;
  }

  recv(_t: Task, len: number, flags: number): Received | number {
    const d = this.queue[0];
    if (!d) return -EAGAIN;
    if (!(flags & MSG_PEEK)) { this.queue.shift(); this.queued -= d.length; }
    return { data: d.subarray(0, Math.min(len, d.length)), full: d.length, from: NetlinkSocket.addr(0, 0) };
  }

  poll(): number { return (this.queue.length ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM; }

  release(): void {
    const table = portTable(this.net);
    if (this.portid && table.get(this.portid) === this) table.delete(this.portid);
    super.release();
  }

  protected setOpt(level: number, name: number, val: Uint8Array): number | null {
    if (level !== SOL_NETLINK) return null;
    if (val.length < 4) return -EINVAL;
    const x = new DataView(val.buffer, val.byteOffset, 4).getUint32(0, true);
    switch (name) {
      // Groups only record the subscription: no notifications are sent yet.
      case NETLINK_ADD_MEMBERSHIP: if (x >= 1 && x <= 32) this.groups |= 1 << (x - 1); return 0;
      case NETLINK_DROP_MEMBERSHIP: if (x >= 1 && x <= 32) this.groups &= ~(1 << (x - 1)); return 0;
      case NETLINK_CAP_ACK: this.capAck = x !== 0; return 0;
      case NETLINK_EXT_ACK: this.extAck = x !== 0; return 0;
      case NETLINK_GET_STRICT_CHK: this.strict = x !== 0; return 0;
      default: return null;
    }
  }

  protected getOpt(level: number, name: number): Uint8Array | number | null {
    if (level !== SOL_NETLINK) return null;
    const int = (x: boolean): Uint8Array => Uint8Array.of(x ? 1 : 0, 0, 0, 0);
    switch (name) {
      case NETLINK_CAP_ACK: return int(this.capAck);
      case NETLINK_EXT_ACK: return int(this.extAck);
      case NETLINK_GET_STRICT_CHK: return int(this.strict);
      default: return null;
    }
  }
}
