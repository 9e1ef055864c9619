// Netlink message and attribute encoding (netlink(7), netlink(3)): a
// message is a 16-byte nlmsghdr followed by a fixed family header and
// type-length-value attributes, each padded to 4 bytes (NLMSG_ALIGN,
// NLA_ALIGN). All integers are in host byte order (little-endian here).

export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4, NLMSG_MIN_TYPE = 0x10;
export const NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_ECHO = 0x8;
/** GET modifiers. */
export const NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_DUMP = 0x300;
/** NEW modifiers. */
export const NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
/** NLMSG_ERROR flag: the original payload is not echoed. */
export const NLM_F_CAPPED = 0x100;
/** Attribute type bits (NLA_F_NESTED, NLA_F_NET_BYTEORDER) masked off when reading. */
const NLA_TYPE_MASK = 0x3fff;

export const align4 = (n: number): number => (n + 3) & ~3;

/** One attribute: type and payload (encoded with its 4-byte header and padding). */
export function attr(type: number, payload: Uint8Array): Uint8Array {
  const len = 4 + payload.length;
  const out = new Uint8Array(align4(len));
  const v = new DataView(out.buffer);
  v.setUint16(0, len, true);
  v.setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}

export const u8 = (x: number): Uint8Array => Uint8Array.of(x & 0xff);
export function u16(x: number): Uint8Array { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, x, true); return b; }
export function u32(x: number): Uint8Array { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, x >>> 0, true); return b; }
export function u64s(xs: number[]): Uint8Array {
  const b = new Uint8Array(xs.length * 8);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setBigUint64(i * 8, BigInt(x), true));
  return b;
}
export function u32s(xs: number[]): Uint8Array {
  const b = new Uint8Array(xs.length * 4);
  const v = new DataView(b.buffer);
  xs.forEach((x, i) => v.setUint32(i * 4, x >>> 0, true));
  return b;
}
/** A NUL-terminated string attribute payload (NLA_STRING as the kernel emits it). */
export const cstr = (s: string): Uint8Array => concat([new TextEncoder().encode(s), new Uint8Array(1)]);

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface NlHeader { len: number; type: number; flags: number; seq: number; pid: number }

/** A whole message: header, the family's fixed header (padded) and attributes. */
export function nlmsg(h: Omit<NlHeader, "len">, fixed: Uint8Array, attrs: Uint8Array[] = []): Uint8Array {
  const body = concat([fixed, new Uint8Array(align4(fixed.length) - fixed.length), ...attrs]);
  const out = new Uint8Array(NLMSG_HDRLEN + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint16(4, h.type, true);
  v.setUint16(6, h.flags, true);
  v.setUint32(8, h.seq >>> 0, true);
  v.setUint32(12, h.pid >>> 0, true);
  out.set(body, NLMSG_HDRLEN);
  return out;
}

/** The messages of a datagram; parsing stops at the first malformed header (as NLMSG_OK does). */
export function parseMessages(buf: Uint8Array): Array<{ h: NlHeader; msg: Uint8Array }> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Array<{ h: NlHeader; msg: Uint8Array }> = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    out.push({
      h: { len, type: v.getUint16(off + 4, true), flags: v.getUint16(off + 6, true), seq: v.getUint32(off + 8, true), pid: v.getUint32(off + 12, true) },
      msg: buf.subarray(off, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Attributes from `off` to the end of `buf`, by type (the last of a repeated type wins, as nla_parse does). */
export function parseAttrs(buf: Uint8Array, off: number): Map<number, Uint8Array> {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Map<number, Uint8Array>();
  while (off + 4 <= buf.length) {
    const len = v.getUint16(off, true);
    if (len < 4 || off + len > buf.length) break;
    out.set(v.getUint16(off + 2, true) & NLA_TYPE_MASK, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

export const attrU32 = (a: Uint8Array | undefined): number | null =>
  a && a.length >= 4 ? new DataView(a.buffer, a.byteOffset, 4).getUint32(0, true) : null;
export const attrStr = (a: Uint8Array | undefined): string | null => {
  if (!a) return null;
  const end = a.indexOf(0);
  return new TextDecoder().decode(end < 0 ? a : a.subarray(0, end));
};
