// The device ioctls every socket answers (netdevice(7); net/core/dev_ioctl.c
// and net/ipv4/devinet.c): struct ifreq names a device and carries one
// value; SIOCGIFCONF lists the IPv4 addresses. ifconfig and ip use them.
import type { Task } from "../task";
import type { NetNamespace } from "./netns";
import { type NetDevice, AF_INET, IFF_USER_SETTABLE, prefixMask } from "./device";
import { ENODEV, EFAULT, EPERM, EINVAL, EADDRNOTAVAIL, EOPNOTSUPP, EEXIST, EBUSY } from "../errno";

export const SIOCGIFNAME = 0x8910, SIOCGIFCONF = 0x8912, SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914,
  SIOCGIFADDR = 0x8915, SIOCSIFADDR = 0x8916, SIOCGIFDSTADDR = 0x8917, SIOCSIFDSTADDR = 0x8918,
  SIOCGIFBRDADDR = 0x8919, SIOCSIFBRDADDR = 0x891a, SIOCGIFNETMASK = 0x891b, SIOCSIFNETMASK = 0x891c,
  SIOCGIFMETRIC = 0x891d, SIOCSIFMETRIC = 0x891e, SIOCGIFMTU = 0x8921, SIOCSIFMTU = 0x8922, SIOCSIFNAME = 0x8923,
  SIOCSIFHWADDR = 0x8924, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933, SIOCGIFCOUNT = 0x8938,
  SIOCGIFTXQLEN = 0x8942, SIOCSIFTXQLEN = 0x8943, SIOCGIFMAP = 0x8970, SIOCSIFMAP = 0x8971;

const IFREQ = 40, IFNAMSIZ = 16;

/** sockaddr_in with `addr` (zeros when null). */
function sin(addr: Uint8Array | null): Uint8Array {
  const b = new Uint8Array(16);
  b[0] = AF_INET;
  if (addr) b.set(addr, 4);
  return b;
}

/**
 * Handles `req` for a socket in `ns`; null when it is not a device ioctl
 * (the family's own ioctls then run).
 */
export function deviceIoctl(t: Task, ns: NetNamespace, req: number, arg: number): number | null {
  if (req === SIOCGIFCONF) return ifconf(t, ns, arg);
  if (!isDeviceIoctl(req)) return null;
  const ifr = t.mm.copyIn(arg, IFREQ);
  if (!ifr) return -EFAULT;
  const v = new DataView(ifr.buffer, ifr.byteOffset, IFREQ);
  if (req === SIOCGIFNAME) {
    const dev = ns.byIndex(v.getInt32(16, true));
    if (!dev) return -ENODEV;
    ifr.fill(0, 0, IFNAMSIZ);
    ifr.set(new TextEncoder().encode(dev.name), 0);
    return t.mm.copyOut(arg, ifr);
  }
  const nameEnd = ifr.subarray(0, IFNAMSIZ).indexOf(0);
  const name = new TextDecoder().decode(ifr.subarray(0, nameEnd < 0 ? IFNAMSIZ : nameEnd));
  const dev = ns.byName(name);
  if (!dev) return -ENODEV;
  const setter = SETTERS.has(req);
  if (setter && t.cred.euid !== 0) return -EPERM;
  const data = ifr.subarray(16);
  const r = setter ? set(dev, ns, req, v, data) : get(dev, req, v, data);
  if (r !== 0) return r;
  return setter ? 0 : t.mm.copyOut(arg, ifr);
}

const SETTERS = new Set([SIOCSIFFLAGS, SIOCSIFADDR, SIOCSIFDSTADDR, SIOCSIFBRDADDR, SIOCSIFNETMASK, SIOCSIFMETRIC,
  SIOCSIFMTU, SIOCSIFNAME, SIOCSIFHWADDR, SIOCSIFTXQLEN, SIOCSIFMAP]);
const GETTERS = new Set([SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFDSTADDR, SIOCGIFBRDADDR, SIOCGIFNETMASK,
  SIOCGIFMETRIC, SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFTXQLEN, SIOCGIFMAP]);
const isDeviceIoctl = (req: number): boolean => SETTERS.has(req) || GETTERS.has(req);

/** Fills the ifreq's union for a SIOCGIF* request; 0 or an errno. */
function get(dev: NetDevice, req: number, v: DataView, data: Uint8Array): number {
  data.fill(0);
  const a = dev.inet[0] ?? null;
  switch (req) {
    case SIOCGIFFLAGS: v.setInt16(16, dev.flags & 0xffff, true); return 0;
    case SIOCGIFMETRIC: v.setInt32(16, dev.metric, true); return 0;
    case SIOCGIFMTU: v.setInt32(16, dev.mtu, true); return 0;
    case SIOCGIFINDEX: v.setInt32(16, dev.ifindex, true); return 0;
    case SIOCGIFTXQLEN: v.setInt32(16, dev.txqlen, true); return 0;
    case SIOCGIFMAP: return 0; // struct ifmap: no I/O memory, IRQ or DMA for a virtual device
    case SIOCGIFHWADDR:
      v.setUint16(16, dev.type, true);
      data.set(dev.hwaddr, 2);
      return 0;
    // devinet_ioctl: the first (primary) IPv4 address; none → EADDRNOTAVAIL.
    case SIOCGIFADDR: if (!a) return -EADDRNOTAVAIL; data.set(sin(a.addr)); return 0;
    case SIOCGIFDSTADDR: if (!a) return -EADDRNOTAVAIL; data.set(sin(a.addr)); return 0;
    case SIOCGIFBRDADDR: if (!a) return -EADDRNOTAVAIL; data.set(sin(a.broadcast)); return 0;
    case SIOCGIFNETMASK: if (!a) return -EADDRNOTAVAIL; data.set(sin(prefixMask(a.prefixLen))); return 0;
    default: return -EINVAL;
  }
}

/** SIOCSIF*: flags, MTU, queue length, metric, name; address changes go through netlink (ip addr) only. */
function set(dev: NetDevice, ns: NetNamespace, req: number, v: DataView, data: Uint8Array): number {
  switch (req) {
    case SIOCSIFFLAGS: {
      // The low 16 bits replace the settable ones; IFF_VOLATILE bits stay (__dev_change_flags).
      const f = v.getUint16(16, true);
      dev.changeFlags((f & IFF_USER_SETTABLE) | (dev.flags & ~0xffff & IFF_USER_SETTABLE));
      return 0;
    }
    case SIOCSIFMTU: {
      const mtu = v.getInt32(16, true);
      if (mtu < dev.minMtu || (dev.maxMtu > 0 && mtu > dev.maxMtu) || mtu < 0) return -EINVAL;
      dev.mtu = mtu;
      return 0;
    }
    case SIOCSIFTXQLEN: {
      const q = v.getInt32(16, true);
      if (q < 0) return -EINVAL;
      dev.txqlen = q;
      return 0;
    }
    case SIOCSIFMETRIC: return -EOPNOTSUPP; // dev_ifsioc: "SIOCSIFMETRIC: not supported"
    case SIOCSIFNAME: {
      const end = data.indexOf(0);
      const name = new TextDecoder().decode(data.subarray(0, end < 0 ? IFNAMSIZ : Math.min(end, IFNAMSIZ)));
      if (!name || /[/:\s]/.test(name)) return -EINVAL;
      if (ns.byName(name) && name !== dev.name) return -EEXIST;
      if (dev.up) return -EBUSY;
      dev.name = name;
      return 0;
    }
    default: return -EOPNOTSUPP;
  }
}

/** SIOCGIFCONF: one ifreq (name + sockaddr_in) per IPv4 address, or the length needed when ifc_buf is NULL. */
function ifconf(t: Task, ns: NetNamespace, arg: number): number {
  const hdr = t.mm.copyIn(arg, 16);
  if (!hdr) return -EFAULT;
  const v = new DataView(hdr.buffer, hdr.byteOffset, 16);
  const len = v.getInt32(0, true), buf = Number(v.getBigUint64(8, true));
  const entries: Uint8Array[] = [];
  for (const dev of ns.devices) for (const a of dev.inet) {
    const e = new Uint8Array(IFREQ);
    e.set(new TextEncoder().encode(a.label || dev.name).subarray(0, IFNAMSIZ - 1), 0);
    e.set(sin(a.addr), 16);
    entries.push(e);
  }
  let n = entries.length;
  if (buf) {
    n = Math.min(n, Math.floor(Math.max(len, 0) / IFREQ));
    for (let i = 0; i < n; i++) if (t.mm.copyOut(buf + i * IFREQ, entries[i]) < 0) return -EFAULT;
  }
  v.setInt32(0, n * IFREQ, true);
  return t.mm.copyOut(arg, hdr.subarray(0, 4)) < 0 ? -EFAULT : 0;
}
