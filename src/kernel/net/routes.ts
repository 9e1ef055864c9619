// The routing tables of a namespace, derived from its devices' addresses
// as the kernel's fib does when an address is added (fib_add_ifaddr) and
// IPv6's addrconf does for ::1. Only what lo produces exists yet, all in
// table local; table main stays empty, so `ip route` prints nothing, as in
// a fresh `unshare -n` on Linux. Checked there: while lo is up the local
// table holds local 127.0.0.0/8, local 127.0.0.1, broadcast 127.255.255.255
// and local ::1; after `ip link set lo down` only the two local IPv4 routes
// stay (IPv4 keeps the address, IPv6 drops ::1).
import type { NetNamespace } from "./netns";
import { AF_INET, AF_INET6, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, IFF_LOOPBACK, prefixMask } from "./device";

export const RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255;
export const RTN_UNICAST = 1, RTN_LOCAL = 2, RTN_BROADCAST = 3;
export const RTPROT_KERNEL = 2;

export interface Route {
  family: typeof AF_INET | typeof AF_INET6;
  table: number;
  type: number;
  scope: number;
  dst: Uint8Array;
  dstLen: number;
  prefsrc: Uint8Array | null;
  oif: number;
}

/** Every route of the namespace, in the order a dump lists them (by table, then destination). */
export function routes(ns: NetNamespace): Route[] {
  const out: Route[] = [];
  for (const dev of ns.devices) {
    for (const a of dev.inet) {
      const mask = prefixMask(a.prefixLen);
      const net = a.addr.map((b, i) => b & mask[i]);
      const bcast = a.addr.map((b, i) => (b & mask[i]) | (~mask[i] & 0xff));
      const base = { family: AF_INET, table: RT_TABLE_LOCAL, prefsrc: a.addr, oif: dev.ifindex } as const;
      // A loopback device's prefix is local as a whole (fib_add_ifaddr: RTN_LOCAL when IFF_LOOPBACK).
      if (dev.flags & IFF_LOOPBACK && a.prefixLen < 32) out.push({ ...base, type: RTN_LOCAL, scope: RT_SCOPE_HOST, dst: net, dstLen: a.prefixLen });
      out.push({ ...base, type: RTN_LOCAL, scope: RT_SCOPE_HOST, dst: a.addr, dstLen: 32 });
      if (dev.up && a.prefixLen < 31) out.push({ ...base, type: RTN_BROADCAST, scope: RT_SCOPE_LINK, dst: bcast, dstLen: 32 });
      if (dev.up && !(dev.flags & IFF_LOOPBACK)) {
        out.push({ family: AF_INET, table: RT_TABLE_MAIN, type: RTN_UNICAST, scope: RT_SCOPE_LINK, dst: net, dstLen: a.prefixLen, prefsrc: a.addr, oif: dev.ifindex });
      }
    }
    if (dev.up) {
      for (const a of dev.inet6) {
        out.push({ family: AF_INET6, table: RT_TABLE_LOCAL, type: RTN_LOCAL, scope: RT_SCOPE_UNIVERSE, dst: a.addr, dstLen: 128, prefsrc: null, oif: dev.ifindex });
      }
    }
  }
  const key = (r: Route): string => `${r.table === RT_TABLE_MAIN ? 0 : 1}${Array.from(r.dst, (b) => b.toString(16).padStart(2, "0")).join("")}${r.dstLen.toString().padStart(3, "0")}`;
  return out.sort((x, y) => x.family - y.family || (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/** Whether `addr` lies in `net`/`bits`. */
export function inPrefix(net: Uint8Array, bits: number, addr: Uint8Array): boolean {
  if (net.length !== addr.length) return false;
  for (let i = 0; i < addr.length; i++) {
    const m = bits >= 8 * (i + 1) ? 0xff : bits > 8 * i ? (0xff << (8 - (bits - 8 * i))) & 0xff : 0;
    if ((addr[i] & m) !== (net[i] & m)) return false;
  }
  return true;
}

/**
 * The most specific local route covering `addr` (fib_lookup for a local
 * destination), or null. The device may be down: lo's local routes stay
 * after `ip link set lo down`, and `ip route get` still finds them on Linux.
 */
export function lookupLocal(ns: NetNamespace, addr: Uint8Array): Route | null {
  let best: Route | null = null;
  for (const r of routes(ns)) {
    if (r.type !== RTN_LOCAL || !inPrefix(r.dst, r.dstLen, addr)) continue;
    if (!best || r.dstLen > best.dstLen) best = r;
  }
  return best;
}

/**
 * Whether `addr` (4 or 16 bytes) is one of the namespace's own addresses:
 * a local route covers it, and with `up` its device is up (reachable now;
 * bind only needs the route, as inet_bind's inet_addr_type check).
 */
export function isLocalAddress(ns: NetNamespace, addr: Uint8Array, up = true): boolean {
  return routes(ns).some((r) => r.type === RTN_LOCAL && inPrefix(r.dst, r.dstLen, addr) && (!up || ns.byIndex(r.oif)?.up === true));
}
