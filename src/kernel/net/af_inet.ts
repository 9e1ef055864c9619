// socket(AF_INET / AF_INET6, …) (net/ipv4/af_inet.c inet_create): picks
// the protocol. UDP, TCP, and raw ICMP for root; unprivileged ping sockets
// are refused as Linux's default ping_group_range ("1 0") refuses them;
// other raw protocols are not modelled.
import type { Socket } from "./socket";
import { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW } from "./socket";
import { AF_INET } from "./device";
import type { NetNamespace } from "./netns";
import { type Family, IPPROTO_IP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from "./inet";
import { UdpSocket } from "./udp";
import { TcpSocket } from "./tcp";
import { RawSocket } from "./raw";
import { EACCES, EPERM, EPROTONOSUPPORT, ESOCKTNOSUPPORT } from "../errno";

export function inetSocket(ns: NetNamespace, family: Family, type: number, protocol: number, admin: boolean): Socket | number {
  switch (type) {
    case SOCK_DGRAM:
      if (protocol === IPPROTO_ICMP || protocol === IPPROTO_ICMPV6) return -EACCES;
      if (protocol !== IPPROTO_IP && protocol !== IPPROTO_UDP) return -EPROTONOSUPPORT;
      return new UdpSocket(ns, family);
    case SOCK_STREAM:
      if (protocol !== IPPROTO_IP && protocol !== IPPROTO_TCP) return -EPROTONOSUPPORT;
      return new TcpSocket(ns, family);
    case SOCK_RAW:
      if (!admin) return -EPERM;
      if (protocol !== (family === AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6)) return -EPROTONOSUPPORT;
      return new RawSocket(ns, family, type, protocol);
    default: return -ESOCKTNOSUPPORT;
  }
}
