// /proc/PID/net (proc(5)): the files of the reading task's network
// namespace, in the kernel's formats (net/core/net-procfs.c dev_seq_show,
// net/ipv6/addrconf.c if6_seq_show, net/ipv4/fib_trie.c fib_route_seq_show).
import type { NetNamespace } from "./netns";
import { AF_INET, prefixMask } from "./device";
import { routes, RT_TABLE_MAIN } from "./routes";

/** /proc/net/dev: two header lines, then one line of counters per device. */
export function procNetDev(ns: NetNamespace): string {
  const head = "Inter-|   Receive                                                |  Transmit\n"
    + " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
  return head + ns.devices.map((d) => {
    const s = d.stats;
    const w = (x: number, n: number): string => String(x).padStart(n);
    return `${d.name.padStart(6)}:${w(s.rxBytes, 8)} ${w(s.rxPackets, 7)} ${w(s.rxErrors, 4)} ${w(s.rxDropped, 4)} ${w(0, 4)} ${w(0, 5)} ${w(0, 10)} ${w(s.multicast, 9)} `
      + `${w(s.txBytes, 8)} ${w(s.txPackets, 7)} ${w(s.txErrors, 4)} ${w(s.txDropped, 4)} ${w(0, 4)} ${w(0, 5)} ${w(0, 7)} ${w(0, 10)}\n`;
  }).join("");
}

/** IPv6 scope bits as if_inet6 prints them (ipv6_addr_scope: IPV6_ADDR_LOOPBACK 0x10, LINKLOCAL 0x20, global 0). */
function v6Scope(a: Uint8Array): number {
  if (a.every((b, i) => (i === 15 ? b === 1 : b === 0))) return 0x10;
  if (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) return 0x20;
  return 0;
}

const hex = (x: number, n: number): string => x.toString(16).padStart(n, "0");

/** /proc/net/if_inet6: address, ifindex, prefix length, scope, flags, device name. */
export function procNetIfInet6(ns: NetNamespace): string {
  return ns.devices.flatMap((d) => d.inet6.map((a) =>
    `${Array.from(a.addr, (b) => hex(b, 2)).join("")} ${hex(d.ifindex, 2)} ${hex(a.prefixLen, 2)} ${hex(v6Scope(a.addr), 2)} ${hex(a.flags, 2)} ${d.name.padStart(8)}\n`)).join("");
}

/**
 * /proc/net/route: table main's IPv4 routes, addresses as little-endian
 * hex words, each line padded to 127 columns. A fresh namespace prints
 * nothing at all, not even the header, until its first IPv4 address
 * creates the fib tables (the local table aliases main).
 */
export function procNetRoute(ns: NetNamespace): string {
  const word = (a: Uint8Array): string => hex(new DataView(a.buffer, a.byteOffset, 4).getUint32(0, true), 8).toUpperCase();
  const lines = routes(ns).filter((r) => r.family === AF_INET && r.table === RT_TABLE_MAIN).map((r) => {
    const dev = ns.byIndex(r.oif);
    const line = `${dev?.name ?? "*"}\t${word(r.dst)}\t00000000\t${hex(RTF_UP, 4)}\t0\t0\t0\t${word(prefixMask(r.dstLen))}\t0\t0\t0`;
    return line.padEnd(127) + "\n";
  });
  if (!ns.devices.some((d) => d.inetEver)) return "";
  return "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT".padEnd(127) + "\n" + lines.join("");
}

const RTF_UP = 0x1;

/** The files of /proc/PID/net, each generated from a namespace. */
export const PROC_NET_FILES: Array<[string, (ns: NetNamespace) => string]> = [
  ["dev", procNetDev],
  ["if_inet6", procNetIfInet6],
  ["route", procNetRoute],
];
