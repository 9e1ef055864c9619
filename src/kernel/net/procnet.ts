// /proc/PID/net (proc(5)): the files of the reading task's network
// namespace, in the kernel's formats (net/core/net-procfs.c dev_seq_show,
// net/ipv6/addrconf.c if6_seq_show, net/ipv4/fib_trie.c fib_route_seq_show).
import type { NetNamespace } from "./netns";
import { AF_INET, prefixMask } from "./device";
import { routes, RT_TABLE_MAIN } from "./routes";
import { boundSockets, type InetSocket } from "./inet";
import { tcpSockets, type TcpSocket, TCP_CLOSE } from "./tcp";
import { rawSockets } from "./raw";
import { AF_INET6 } from "./device";
import { SOCK_DGRAM, SOCK_STREAM } from "./socket";

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

/** An address as the socket tables print it: the bytes of each 32-bit word in host (little-endian) order. */
function hexAddr(a: Uint8Array): string {
  let out = "";
  for (let i = 0; i < a.length; i += 4) out += hex(new DataView(a.buffer, a.byteOffset + i, 4).getUint32(0, true), 8).toUpperCase();
  return out;
}
const hexPort = (p: number): string => hex(p, 4).toUpperCase();
/** Kernel pointers print as zeros to a reader without CAP_SYSLOG under kptr_restrict (the %pK column). */
const NO_POINTER = "0000000000000000";

/**
 * /proc/net/{udp,udp6,tcp,tcp6}: one line per socket in the protocol's hash
 * tables (bound UDP sockets; listening and connected TCP sockets),
 * formatted as udp4_format_sock / tcp4_seq_show and their IPv6 twins. The
 * slot column is the port's hash bucket on Linux, which mixes in a
 * per-namespace secret; here it is the port modulo a 128-bucket table.
 */
function socketTable(ns: NetNamespace, family: number, type: number): string {
  const v6 = family === AF_INET6, tcp = type === SOCK_STREAM;
  const head = v6
    ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode" + (tcp ? "" : " ref pointer drops") + "\n"
    : tcp ? "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode".padEnd(149) + "\n"
      : "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops".padEnd(127) + "\n";
  const zero = new Uint8Array(v6 ? 16 : 4);
  const list: InetSocket[] = tcp ? tcpSockets(ns, family === AF_INET6 ? AF_INET6 : AF_INET) : boundSockets(ns, family, type);
  const lines = list.map((s: InetSocket, i) => {
    const loc = s.local!, peer = s.peer;
    const sl = tcp ? i : loc.port & 127;
    const cols = `${hexAddr(loc.addr)}:${hexPort(loc.port)} ${hexAddr(peer?.addr ?? zero)}:${hexPort(peer?.port ?? 0)} `
      + `${hex(tcp ? (s as TcpSocket).state : TCP_CLOSE, 2).toUpperCase()} ${hex(0, 8)}:${hex(s.queuedBytes, 8).toUpperCase()} 00:00000000 00000000 `
      + `${String(s.uid).padStart(5)} ${String(0).padStart(8)} ${s.ino} `;
    const tail = tcp ? `1 ${NO_POINTER} 100 0 0 10 0` : `2 ${NO_POINTER} 0`;
    const line = `${String(sl).padStart(tcp ? 4 : 5)}: ${cols}${tail}`;
    return (v6 ? line : line.padEnd(tcp ? 149 : 127)) + "\n";
  });
  return head + lines.join("");
}

/** /proc/net/{raw,raw6}: the raw sockets, their "port" the protocol number (raw_sock_seq_show, ip6_dgram_sock_seq_show). */
const rawTable = (v6: boolean) => (ns: NetNamespace): string => {
  const head = v6
    ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";
  const zero = new Uint8Array(v6 ? 16 : 4);
  return head + rawSockets(ns).filter((s) => s.fam === (v6 ? AF_INET6 : AF_INET)).map((s) =>
    `${String(s.protocol).padStart(v6 ? 5 : 4)}: ${hexAddr(s.local)}:${hexPort(s.protocol)} ${hexAddr(zero)}:0000 07 `
    + `${hex(0, 8)}:${hex(s.queuedBytes, 8).toUpperCase()} 00:00000000 00000000 ${String(s.uid).padStart(5)} ${String(0).padStart(8)} ${s.ino} 2 ${NO_POINTER} 0\n`).join("");
};

/** The files of /proc/PID/net, each generated from a namespace. */
export const PROC_NET_FILES: Array<[string, (ns: NetNamespace) => string]> = [
  ["dev", procNetDev],
  ["if_inet6", procNetIfInet6],
  ["raw", rawTable(false)],
  ["raw6", rawTable(true)],
  ["route", procNetRoute],
  ["tcp", (ns) => socketTable(ns, AF_INET, SOCK_STREAM)],
  ["tcp6", (ns) => socketTable(ns, AF_INET6, SOCK_STREAM)],
  ["udp", (ns) => socketTable(ns, AF_INET, SOCK_DGRAM)],
  ["udp6", (ns) => socketTable(ns, AF_INET6, SOCK_DGRAM)],
  // AF_UNIX sockets come with a later issue: the header alone.
  ["unix", () => "Num       RefCount Protocol Flags    Type St Inode Path\n"],
];
