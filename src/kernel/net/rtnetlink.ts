// NETLINK_ROUTE (rtnetlink(7)): links, addresses and routes of a network
// namespace as messages. A request returns the datagrams the socket queues
// in reply: a dump is one datagram of NLM_F_MULTI messages followed by a
// datagram holding only NLMSG_DONE (what Linux's netlink_dump produces for
// a dump that fits one buffer); errors and requested acks are NLMSG_ERROR.
// Attribute sets and their order follow what Linux 6.x sends for lo
// (rtnl_fill_ifinfo, inet_fill_ifaddr, inet6_fill_ifaddr, fib_dump_info),
// trimmed to the attributes a device here can have.
import type { NetNamespace } from "./netns";
import {
  type NetDevice, type IfAddr, AF_INET, AF_INET6, IFA_F_PERMANENT, RT_SCOPE_HOST, IFF_USER_SETTABLE,
} from "./device";
import { routes, lookupLocal, RTPROT_KERNEL, RT_TABLE_MAIN, RTN_LOCAL, type Route } from "./routes";
import {
  attr, u8, u32, u32s, u64s, cstr, concat, nlmsg, parseAttrs, attrU32, attrStr, type NlHeader,
  NLMSG_HDRLEN, NLMSG_ERROR, NLMSG_DONE, NLMSG_MIN_TYPE, NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_DUMP,
  NLM_F_CREATE, NLM_F_EXCL, NLM_F_CAPPED,
} from "./nlmsg";
import { EINVAL, ENODEV, EOPNOTSUPP, EPERM, EEXIST, EADDRNOTAVAIL, EBUSY, ENETUNREACH } from "../errno";

export const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19,
  RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22, RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
const RTM_MAX = 0x7f;

const IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_QDISC = 6, IFLA_STATS = 7,
  IFLA_TXQLEN = 13, IFLA_MAP = 14, IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_STATS64 = 23, IFLA_GROUP = 27,
  IFLA_PROMISCUITY = 30, IFLA_NUM_TX_QUEUES = 31, IFLA_NUM_RX_QUEUES = 32, IFLA_CARRIER = 33,
  IFLA_CARRIER_CHANGES = 35, IFLA_PROTO_DOWN = 39, IFLA_MIN_MTU = 50, IFLA_MAX_MTU = 51, IFLA_PROTINFO = 12;
const IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_CACHEINFO = 6, IFA_FLAGS = 8;
const RTA_DST = 1, RTA_OIF = 4, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15, RTA_PREF = 20;
const INFINITY_LIFE = 0xffffffff;

/** Who sent the request: the reply's port id and whether it may change things (CAP_NET_ADMIN). */
export interface Requester { portid: number; admin: boolean; capAck: boolean }

/** The reply datagrams for one request message (empty when it asks for none). */
export function rtnetlinkRequest(ns: NetNamespace, h: NlHeader, msg: Uint8Array, who: Requester): Uint8Array[] {
  if (!(h.flags & NLM_F_REQUEST) || h.type < NLMSG_MIN_TYPE) return h.flags & NLM_F_ACK ? [errorMsg(h, msg, 0, who)] : [];
  if (h.type > RTM_MAX) return [errorMsg(h, msg, -EOPNOTSUPP, who)];
  const kind = (h.type - RTM_NEWLINK) & 3; // NEW, DEL, GET, SET within each group of four
  const body = msg.subarray(NLMSG_HDRLEN);
  if (kind === 2 && (h.flags & NLM_F_DUMP) === NLM_F_DUMP) {
    const family = body.length >= 1 ? body[0] : 0;
    const items = dump(ns, h.type, family, h.seq, who.portid);
    if (items === null) return [errorMsg(h, msg, -EOPNOTSUPP, who)];
    const done = nlmsg({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: h.seq, pid: who.portid }, u32(0));
    return items.length ? [concat(items), done] : [done];
  }
  if (kind !== 2 && !who.admin) return [errorMsg(h, msg, -EPERM, who)];
  const r = doit(ns, h, body, who);
  if (typeof r !== "number") return r.length ? [r.length === 1 ? r[0] : concat(r)] : [];
  return r !== 0 || h.flags & NLM_F_ACK ? [errorMsg(h, msg, r, who)] : [];
}

/** NLMSG_ERROR: the error (0 for an ack) and the request's header, plus its payload for a failure unless NETLINK_CAP_ACK. */
function errorMsg(h: NlHeader, msg: Uint8Array, err: number, who: Requester): Uint8Array {
  const echo = err === 0 || who.capAck ? msg.subarray(0, NLMSG_HDRLEN) : msg;
  const e = new Uint8Array(4);
  new DataView(e.buffer).setInt32(0, err, true);
  return nlmsg({ type: NLMSG_ERROR, flags: err === 0 || who.capAck ? NLM_F_CAPPED : 0, seq: h.seq, pid: who.portid }, concat([e, echo]));
}

function dump(ns: NetNamespace, type: number, family: number, seq: number, pid: number): Uint8Array[] | null {
  const h = { flags: NLM_F_MULTI, seq, pid };
  switch (type) {
    // AF_INET6 has its own link dump (addrconf's inet6_dump_ifinfo); other families fall back to the generic one.
    case RTM_GETLINK: return ns.devices.map((d) => (family === AF_INET6 ? inet6LinkMsg : linkMsg)(d, { ...h, type: RTM_NEWLINK }));
    case RTM_GETADDR: {
      if (family !== AF_INET && family !== AF_INET6) family = 0; // rtnl_dump_all
      const out: Uint8Array[] = [];
      // inet's dump runs before inet6's (rtnl_dump_all walks families in order).
      if (family === 0 || family === AF_INET) for (const d of ns.devices) for (const a of d.inet) out.push(addrMsg(d, a, { ...h, type: RTM_NEWADDR }));
      if (family === 0 || family === AF_INET6) for (const d of ns.devices) for (const a of d.inet6) out.push(addrMsg(d, a, { ...h, type: RTM_NEWADDR }));
      return out;
    }
    case RTM_GETROUTE:
      return routes(ns).filter((r) => family === 0 || r.family === family).map((r) => routeMsg(r, { ...h, type: RTM_NEWROUTE }));
    default: return null;
  }
}

/** struct ifinfomsg + the link attributes. */
export function linkMsg(d: NetDevice, h: Omit<NlHeader, "len">): Uint8Array {
  const fixed = new Uint8Array(16);
  const v = new DataView(fixed.buffer);
  v.setUint16(2, d.type, true);
  v.setInt32(4, d.ifindex, true);
  v.setUint32(8, d.flags, true);
  const s = d.stats;
  const stats = [s.rxPackets, s.txPackets, s.rxBytes, s.txBytes, s.rxErrors, s.txErrors, s.rxDropped, s.txDropped, s.multicast];
  const stats64 = [...stats, ...new Array<number>(25 - stats.length).fill(0)];
  return nlmsg(h, fixed, [
    attr(IFLA_IFNAME, cstr(d.name)), attr(IFLA_TXQLEN, u32(d.txqlen)), attr(IFLA_OPERSTATE, u8(d.operstate)),
    attr(IFLA_LINKMODE, u8(0)), attr(IFLA_MTU, u32(d.mtu)), attr(IFLA_MIN_MTU, u32(d.minMtu)),
    attr(IFLA_MAX_MTU, u32(d.maxMtu)), attr(IFLA_GROUP, u32(d.group)), attr(IFLA_PROMISCUITY, u32(0)),
    attr(IFLA_NUM_TX_QUEUES, u32(1)), attr(IFLA_NUM_RX_QUEUES, u32(1)), attr(IFLA_CARRIER, u8(1)),
    attr(IFLA_QDISC, cstr(d.qdisc)), attr(IFLA_CARRIER_CHANGES, u32(0)), attr(IFLA_PROTO_DOWN, u8(0)),
    attr(IFLA_MAP, new Uint8Array(32)), attr(IFLA_ADDRESS, d.hwaddr), attr(IFLA_BROADCAST, d.broadcast),
    attr(IFLA_STATS64, u64s(stats64)), attr(IFLA_STATS, u32s(stats64.slice(0, 24))),
  ]);
}

/** inet6_fill_ifinfo: the IPv6 view of a link (name, hardware address, MTU, operstate, IPv6 flags and timers). */
function inet6LinkMsg(d: NetDevice, h: Omit<NlHeader, "len">): Uint8Array {
  const fixed = new Uint8Array(16);
  const v = new DataView(fixed.buffer);
  v.setUint8(0, AF_INET6);
  v.setUint16(2, d.type, true);
  v.setInt32(4, d.ifindex, true);
  v.setUint32(8, d.flags, true);
  const IFLA_INET6_FLAGS = 1, IFLA_INET6_CACHEINFO = 5, IF_READY = 0x80000000;
  const protinfo = concat([
    attr(IFLA_INET6_FLAGS, u32(d.up ? IF_READY : 0)),
    // max_reasm_len, tstamp, reachable_time, retrans_time (ms), as a fresh lo reports.
    attr(IFLA_INET6_CACHEINFO, u32s([65535, 0, 30000, 1000])),
  ]);
  return nlmsg(h, fixed, [
    attr(IFLA_IFNAME, cstr(d.name)), attr(IFLA_ADDRESS, d.hwaddr), attr(IFLA_MTU, u32(d.mtu)),
    attr(IFLA_OPERSTATE, u8(d.operstate)), attr(IFLA_PROTINFO, protinfo),
  ]);
}

/** struct ifaddrmsg + the address attributes (inet: address, local, label; inet6: address; both: cache info, flags). */
function addrMsg(d: NetDevice, a: IfAddr, h: Omit<NlHeader, "len">): Uint8Array {
  const fixed = Uint8Array.of(a.family, a.prefixLen, a.flags & 0xff, a.scope, ...u32(d.ifindex));
  const cache = attr(IFA_CACHEINFO, u32s([INFINITY_LIFE, INFINITY_LIFE, 0, 0]));
  const attrs = a.family === AF_INET
    ? [attr(IFA_ADDRESS, a.addr), attr(IFA_LOCAL, a.addr), ...(a.broadcast ? [attr(IFA_BROADCAST, a.broadcast)] : []),
      attr(IFA_LABEL, cstr(a.label)), attr(IFA_FLAGS, u32(a.flags)), cache]
    : [attr(IFA_ADDRESS, a.addr), cache, attr(IFA_FLAGS, u32(a.flags))];
  return nlmsg(h, fixed, attrs);
}

/** struct rtmsg + the route attributes. */
function routeMsg(r: Route, h: Omit<NlHeader, "len">): Uint8Array {
  const fixed = Uint8Array.of(r.family, r.dstLen, 0, 0, r.table, RTPROT_KERNEL, r.scope, r.type, 0, 0, 0, 0);
  const attrs = r.family === AF_INET
    ? [attr(RTA_TABLE, u32(r.table)), attr(RTA_DST, r.dst), ...(r.prefsrc ? [attr(RTA_PREFSRC, r.prefsrc)] : []), attr(RTA_OIF, u32(r.oif))]
    : [attr(RTA_TABLE, u32(r.table)), attr(RTA_DST, r.dst), attr(RTA_PRIORITY, u32(0)), attr(RTA_OIF, u32(r.oif)), attr(RTA_PREF, u8(0))];
  return nlmsg(h, fixed, attrs);
}

/** Non-dump requests: a reply list, or an errno (0 = success, acked on NLM_F_ACK). */
function doit(ns: NetNamespace, h: NlHeader, body: Uint8Array, who: Requester): Uint8Array[] | number {
  switch (h.type) {
    case RTM_GETLINK: case RTM_NEWLINK: case RTM_SETLINK: {
      if (body.length < 16) return -EINVAL;
      const v = new DataView(body.buffer, body.byteOffset, 16);
      const index = v.getInt32(4, true), flags = v.getUint32(8, true), change = v.getUint32(12, true);
      const attrs = parseAttrs(body, 16);
      const name = attrStr(attrs.get(IFLA_IFNAME));
      const dev = index > 0 ? ns.byIndex(index) : name !== null ? ns.byName(name) : null;
      if (h.type === RTM_GETLINK) {
        if (!dev) return -ENODEV;
        return [linkMsg(dev, { type: RTM_NEWLINK, flags: 0, seq: h.seq, pid: who.portid })];
      }
      if (!dev) return h.type === RTM_NEWLINK && h.flags & NLM_F_CREATE ? -EOPNOTSUPP : -ENODEV;
      if (h.type === RTM_NEWLINK && h.flags & NLM_F_EXCL) return -EEXIST;
      return setLink(dev, flags, change, attrs, ns);
    }
    case RTM_DELLINK: return -EOPNOTSUPP; // lo cannot be deleted; no other device exists
    case RTM_NEWADDR: case RTM_DELADDR: return changeAddr(ns, h, body);
    case RTM_GETROUTE: return getRoute(ns, h, body, who);
    case RTM_GETADDR: return -EOPNOTSUPP;
    case RTM_NEWROUTE: case RTM_DELROUTE: return -EOPNOTSUPP;
    default: return -EOPNOTSUPP;
  }
}

/**
 * `ip route get` (inet_rtm_getroute): the route a packet to RTA_DST would
 * take, as a cloned /32 entry. Only local destinations have a route here;
 * anything else is ENETUNREACH. IPv4 only for now.
 */
function getRoute(ns: NetNamespace, h: NlHeader, body: Uint8Array, who: Requester): Uint8Array[] | number {
  if (body.length < 12) return -EINVAL;
  if (body[0] !== AF_INET) return -EOPNOTSUPP;
  const dst = parseAttrs(body, 12).get(RTA_DST);
  if (!dst || dst.length !== 4) return -EINVAL;
  const r = lookupLocal(ns, dst);
  if (!r) return -ENETUNREACH;
  const RTM_F_CLONED = 0x200, RTA_UID = 25, RTA_CACHEINFO = 12;
  const fixed = Uint8Array.of(AF_INET, 32, 0, 0, RT_TABLE_MAIN, 0, 0, RTN_LOCAL, ...u32(RTM_F_CLONED | 0x80000000));
  return [nlmsg({ type: RTM_NEWROUTE, flags: 0, seq: h.seq, pid: who.portid }, fixed, [
    attr(RTA_TABLE, u32(RT_TABLE_MAIN)), attr(RTA_DST, dst.slice()), attr(RTA_OIF, u32(r.oif)),
    ...(r.prefsrc ? [attr(RTA_PREFSRC, r.prefsrc)] : []), attr(RTA_UID, u32(0)),
    attr(RTA_CACHEINFO, u32s([2, 0, 0, 0, 0, 0, 0, 0])),
  ])];
}

/** do_setlink: MTU, queue length, name (only while down) and flags (rtnl_dev_combine_flags). */
function setLink(dev: NetDevice, flags: number, change: number, attrs: Map<number, Uint8Array>, ns: NetNamespace): number {
  const mtu = attrU32(attrs.get(IFLA_MTU));
  if (mtu !== null && (mtu < dev.minMtu || (dev.maxMtu > 0 && mtu > dev.maxMtu) || mtu > 0x7fffffff)) return -EINVAL;
  const name = attrStr(attrs.get(IFLA_IFNAME));
  if (name !== null && name !== dev.name) {
    if (name.length === 0 || name.length > 15 || /[/:\s]/.test(name)) return -EINVAL;
    if (ns.byName(name)) return -EEXIST;
    if (dev.up) return -EBUSY;
  }
  if (mtu !== null) dev.mtu = mtu;
  const q = attrU32(attrs.get(IFLA_TXQLEN));
  if (q !== null) dev.txqlen = q;
  if (name !== null) dev.name = name;
  if (flags || change) {
    const want = change ? (flags & change) | (dev.flags & ~change) : flags;
    dev.changeFlags(want & IFF_USER_SETTABLE);
  }
  return 0;
}

/** RTM_NEWADDR / RTM_DELADDR (`ip addr add|del`): IPv4 and IPv6 addresses on a device. */
function changeAddr(ns: NetNamespace, h: NlHeader, body: Uint8Array): number {
  if (body.length < 8) return -EINVAL;
  const family = body[0], plen = body[1], scope = body[3];
  const index = new DataView(body.buffer, body.byteOffset + 4, 4).getInt32(0, true);
  const dev = ns.byIndex(index);
  if (!dev) return -ENODEV;
  const attrs = parseAttrs(body, 8);
  const size = family === AF_INET ? 4 : family === AF_INET6 ? 16 : 0;
  if (!size) return -EOPNOTSUPP;
  const local = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
  if (!local || local.length !== size || plen > size * 8) return -EINVAL;
  const same = (a: IfAddr): boolean => a.family === family && a.addr.every((b, i) => b === local[i]) && a.prefixLen === plen;
  const i = dev.addrs.findIndex(same);
  if (h.type === RTM_DELADDR) {
    if (i < 0) return -EADDRNOTAVAIL;
    dev.addrs.splice(i, 1);
    return 0;
  }
  if (i >= 0) return h.flags & NLM_F_EXCL ? -EEXIST : 0;
  dev.addAddr({
    family: family === AF_INET ? AF_INET : AF_INET6, addr: Uint8Array.from(local), prefixLen: plen,
    scope: scope || (local[0] === 127 && family === AF_INET ? RT_SCOPE_HOST : 0), flags: IFA_F_PERMANENT,
    broadcast: attrs.get(IFA_BROADCAST)?.slice() ?? null, label: family === AF_INET ? attrStr(attrs.get(IFA_LABEL)) ?? dev.name : "",
  });
  return 0;
}
