// Network devices (netdevice(7)) and their addresses. Only the loopback
// device exists yet; its behaviour follows drivers/net/loopback.c and what
// the address families do when it changes state:
// - up: IFF_UP|IFF_RUNNING|IFF_LOWER_UP, operstate UNKNOWN (lo never reports
//   a carrier state), qdisc noqueue; inet adds 127.0.0.1/8 the first time
//   (inetdev_event), IPv6 adds ::1/128 (addrconf's init_loopback).
// - down: IPv6 drops its addresses, IPv4 keeps 127.0.0.1/8 (checked against
//   a fresh `unshare -n` on Linux: `ip link set lo up; ip link set lo down`).

/** Interface flags (linux/if.h). SIOCGIFFLAGS returns the low 16 bits. */
export const IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_POINTOPOINT = 0x10,
  IFF_RUNNING = 0x40, IFF_NOARP = 0x80, IFF_PROMISC = 0x100, IFF_ALLMULTI = 0x200, IFF_MULTICAST = 0x1000,
  IFF_LOWER_UP = 0x10000, IFF_DORMANT = 0x20000, IFF_ECHO = 0x40000;
/** Flags a user may change with SIOCSIFFLAGS / RTM_NEWLINK (dev_change_flags masks the rest). */
export const IFF_USER_SETTABLE = IFF_UP | 0x4 /* DEBUG */ | 0x20 /* NOTRAILERS */ | IFF_NOARP | IFF_PROMISC |
  IFF_ALLMULTI | 0x4000 /* AUTOMEDIA */ | IFF_MULTICAST | 0x800 /* PORTSEL */ | IFF_DORMANT | IFF_ECHO;

/** ARPHRD_LOOPBACK (linux/if_arp.h). */
export const ARPHRD_LOOPBACK = 772;
/** RFC 2863 operational states (IF_OPER_*). */
export const IF_OPER_UNKNOWN = 0, IF_OPER_DOWN = 2, IF_OPER_UP = 6;

export const AF_INET = 2, AF_INET6 = 10;
/** Address scopes (rtnetlink(7) rtm_scope / ifa_scope). */
export const RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254;
/** IFA_F_PERMANENT: an address configured by the kernel or the user, not by autoconfiguration. */
export const IFA_F_PERMANENT = 0x80;

/** One address on a device (struct in_ifaddr / inet6_ifaddr as rtnetlink shows them). */
export interface IfAddr {
  family: typeof AF_INET | typeof AF_INET6;
  /** 4 or 16 bytes. */
  addr: Uint8Array;
  prefixLen: number;
  scope: number;
  flags: number;
  /** IPv4 broadcast (none for 127.0.0.1/8, as Linux sets none on lo). */
  broadcast: Uint8Array | null;
  /** IFA_LABEL: IPv4 only, the device name unless an alias. */
  label: string;
}

/** Packet and byte counters (struct rtnl_link_stats64's first ones; /proc/net/dev). */
export interface LinkStats {
  rxPackets: number; txPackets: number; rxBytes: number; txBytes: number;
  rxErrors: number; txErrors: number; rxDropped: number; txDropped: number; multicast: number;
}

const zeroStats = (): LinkStats => ({
  rxPackets: 0, txPackets: 0, rxBytes: 0, txBytes: 0, rxErrors: 0, txErrors: 0, rxDropped: 0, txDropped: 0, multicast: 0,
});

export class NetDevice {
  /** Administrative flags (IFF_UP and the user-settable ones); the driver's bits are computed. */
  private adminFlags: number;
  /** "noop" until the device first goes up, then "noqueue" (lo has no queue; Linux attaches noqueue on first open). */
  qdisc = "noop";
  txqlen = 1000;
  metric = 0;
  group = 0;
  readonly stats: LinkStats = zeroStats();
  readonly addrs: IfAddr[] = [];
  /** Addresses the device's address families add when it first goes up (lo: 127.0.0.1/8, ::1/128). */
  private everUp = false;
  /**
   * An IPv4 address was added once: the namespace's fib tables exist from
   * then on (fib_new_table; local aliases main), so /proc/net/route prints
   * its header even when the routes are gone.
   */
  inetEver = false;

  constructor(
    public name: string,
    readonly ifindex: number,
    readonly type: number,
    public mtu: number,
    /** Driver-fixed flags (IFF_LOOPBACK for lo). */
    private readonly fixedFlags: number,
    readonly hwaddr: Uint8Array,
    readonly broadcast: Uint8Array,
    readonly minMtu: number,
    readonly maxMtu: number,
  ) {
    this.adminFlags = 0;
  }

  get up(): boolean { return (this.adminFlags & IFF_UP) !== 0; }

  /**
   * The flags as dev_get_flags reports them: the administrative ones, the
   * driver's, and RUNNING/LOWER_UP while up (lo always has a carrier).
   */
  get flags(): number {
    const f = this.adminFlags | this.fixedFlags;
    return this.up ? f | IFF_RUNNING | IFF_LOWER_UP : f;
  }

  /** IF_OPER_*: loopback reports UNKNOWN while up (no carrier detection), DOWN otherwise. */
  get operstate(): number { return this.up ? IF_OPER_UNKNOWN : IF_OPER_DOWN; }

  /** dev_change_flags: only the user-settable bits change; UP/DOWN run the address families' hooks. */
  changeFlags(flags: number): void {
    const next = (this.adminFlags & ~IFF_USER_SETTABLE) | (flags & IFF_USER_SETTABLE);
    const wasUp = this.up;
    this.adminFlags = next;
    if (this.up !== wasUp) this.onUpDown(this.up);
  }

  setUp(up: boolean): void { this.changeFlags(up ? this.adminFlags | IFF_UP : this.adminFlags & ~IFF_UP); }

  private onUpDown(up: boolean): void {
    if (up) {
      this.qdisc = "noqueue";
      if (this.fixedFlags & IFF_LOOPBACK) {
        if (!this.everUp) this.addAddr(v4Loopback(this.name));
        if (!this.addrs.some((a) => a.family === AF_INET6 && v6SrcScope(a.addr) === 1)) this.addAddr(v6Loopback());
      }
      this.everUp = true;
    } else {
      // addrconf_ifdown: IPv6 addresses go with the link; IPv4 ones stay.
      for (let i = this.addrs.length - 1; i >= 0; i--) if (this.addrs[i].family === AF_INET6) this.addrs.splice(i, 1);
    }
  }

  /**
   * Adds an address: IPv4 ones in order (the first is the primary), IPv6
   * ones before the first of no wider scope, as ipv6_link_dev_addr keeps
   * them (global, then link-local, then loopback).
   */
  addAddr(a: IfAddr): void {
    if (a.family === AF_INET) { this.addrs.push(a); this.inetEver = true; return; }
    const at = this.addrs.findIndex((b) => b.family === AF_INET6 && v6SrcScope(b.addr) <= v6SrcScope(a.addr));
    if (at < 0) this.addrs.push(a); else this.addrs.splice(at, 0, a);
  }

  /** The IPv4 addresses, primary first (SIOCGIFADDR reports the first). */
  get inet(): IfAddr[] { return this.addrs.filter((a) => a.family === AF_INET); }
  get inet6(): IfAddr[] { return this.addrs.filter((a) => a.family === AF_INET6); }
}

/** ipv6_addr_src_scope: 1 loopback, 2 link-local, 5 site-local, 14 global. */
function v6SrcScope(a: Uint8Array): number {
  if (a.every((b, i) => (i === 15 ? b === 1 : b === 0))) return 1;
  if (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) return 2;
  if (a[0] === 0xfe && (a[1] & 0xc0) === 0xc0) return 5;
  return 14;
}

function v4Loopback(label: string): IfAddr {
  return { family: AF_INET, addr: Uint8Array.of(127, 0, 0, 1), prefixLen: 8, scope: RT_SCOPE_HOST, flags: IFA_F_PERMANENT, broadcast: null, label };
}

function v6Loopback(): IfAddr {
  const a = new Uint8Array(16);
  a[15] = 1;
  return { family: AF_INET6, addr: a, prefixLen: 128, scope: RT_SCOPE_HOST, flags: IFA_F_PERMANENT, broadcast: null, label: "" };
}

/** loopback_setup: the lo of a new namespace, down, MTU 64 KiB, no hardware address. */
export function loopbackDevice(ifindex: number): NetDevice {
  return new NetDevice("lo", ifindex, ARPHRD_LOOPBACK, 65536, IFF_LOOPBACK, new Uint8Array(6), new Uint8Array(6), 0, 0x7fffffff);
}

/** Dotted quad of a 4-byte address. */
export const ipv4Text = (a: Uint8Array): string => Array.from(a).join(".");

/** A netmask of `prefixLen` bits as 4 bytes. */
export function prefixMask(prefixLen: number): Uint8Array {
  const m = new Uint8Array(4);
  for (let i = 0; i < 4; i++) m[i] = prefixLen >= 8 * (i + 1) ? 0xff : prefixLen > 8 * i ? (0xff << (8 - (prefixLen - 8 * i))) & 0xff : 0;
  return m;
}
