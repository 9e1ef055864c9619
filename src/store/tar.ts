// POSIX ustar archives (with the GNU/PAX long-name extensions readers meet in
// OCI layers): parse a layer into entries, and write deterministic layers.
// Format: POSIX.1-2001 pax / IEEE Std 1003.1 "ustar Interchange Format".

export type TarType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

export interface TarEntry {
  /** Path without a leading "./" or "/"; directories have no trailing slash. */
  path: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Target of a symlink, or the path a hard link points to. */
  linkname: string;
  devmajor: number;
  devminor: number;
  data: Uint8Array;
}

const BLOCK = 512;
const TYPE_OF: Record<string, TarType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "char", "4": "block", "5": "dir", "6": "fifo",
};
const FLAG_OF: Record<TarType, string> = {
  file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6",
};

const dec = new TextDecoder();
const enc = new TextEncoder();

function str(b: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return dec.decode(b.subarray(off, end));
}

function num(b: Uint8Array, off: number, len: number): number {
  // GNU base-256 for values that do not fit in octal.
  if (b[off] & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i];
    return v;
  }
  const s = str(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

export function normalizePath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

/** Parses an uncompressed tar archive. Throws on a corrupt header (bad checksum). */
export function parseTar(buf: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) break;
    const sum = num(h, 148, 8);
    let calc = 0;
    for (let i = 0; i < BLOCK; i++) calc += i >= 148 && i < 156 ? 32 : h[i];
    if (sum !== calc) throw new Error(`tar: bad header checksum at offset ${off}`);
    const flag = String.fromCharCode(h[156]);
    const size = num(h, 124, 12);
    const data = buf.subarray(off + BLOCK, off + BLOCK + size);
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "L") { longName = str(data, 0, data.length); continue; }
    if (flag === "K") { longLink = str(data, 0, data.length); continue; }
    if (flag === "x") { pax = parsePax(data); continue; }
    if (flag === "g") continue;
    const magicUstar = str(h, 257, 6).startsWith("ustar");
    const prefix = magicUstar ? str(h, 345, 155) : "";
    let path = longName ?? pax.path ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const linkname = longLink ?? pax.linkpath ?? str(h, 157, 100);
    longName = longLink = null;
    const type = TYPE_OF[flag];
    if (!type) { pax = {}; continue; } // unknown entry kinds are skipped, as GNU tar warns and skips
    path = normalizePath(path);
    out.push({
      path, type, linkname: type === "hardlink" ? normalizePath(linkname) : linkname,
      mode: num(h, 100, 8) & 0o7777,
      uid: pax.uid ? parseInt(pax.uid, 10) : num(h, 108, 8),
      gid: pax.gid ? parseInt(pax.gid, 10) : num(h, 116, 8),
      mtime: pax.mtime ? Math.floor(parseFloat(pax.mtime)) : num(h, 136, 12),
      devmajor: num(h, 329, 8), devminor: num(h, 337, 8),
      data: type === "file" ? data.slice() : new Uint8Array(0),
    });
    pax = {};
  }
  return out;
}

function parsePax(data: Uint8Array): Record<string, string> {
  const r: Record<string, string> = {};
  const s = dec.decode(data);
  let i = 0;
  while (i < s.length) {
    const sp = s.indexOf(" ", i);
    if (sp < 0) break;
    const len = parseInt(s.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = s.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) r[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return r;
}

function putStr(h: Uint8Array, off: number, len: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > len) throw new Error(`tar: field too long: ${s}`);
  h.set(b, off);
}

function putOct(h: Uint8Array, off: number, len: number, v: number): void {
  putStr(h, off, len, v.toString(8).padStart(len - 1, "0"));
}

function header(e: TarEntry, name: string, size: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  putStr(h, 0, 100, name);
  putOct(h, 100, 8, e.mode);
  putOct(h, 108, 8, e.uid);
  putOct(h, 116, 8, e.gid);
  putOct(h, 124, 12, size);
  putOct(h, 136, 12, e.mtime);
  h.fill(32, 148, 156);
  h[156] = FLAG_OF[e.type].charCodeAt(0);
  putStr(h, 157, 100, e.linkname);
  putStr(h, 257, 6, "ustar");
  putStr(h, 263, 2, "00");
  putOct(h, 329, 8, e.devmajor);
  putOct(h, 337, 8, e.devminor);
  let sum = 0;
  for (const x of h) sum += x;
  putStr(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** Writes entries as a ustar archive in the given order (long names via pax records). */
export function writeTar(entries: TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    let name = e.type === "dir" ? `${e.path}/` : e.path;
    const size = e.type === "file" ? e.data.length : 0;
    if (enc.encode(name).length > 100 || enc.encode(e.linkname).length > 100) {
      const recs = [`path=${name}`, ...(e.linkname ? [`linkpath=${e.linkname}`] : [])];
      const body = enc.encode(recs.map(paxRecord).join(""));
      const ph: TarEntry = { ...e, type: "file", linkname: "", data: body };
      const hdr = header(ph, "PaxHeader", body.length);
      hdr[156] = "x".charCodeAt(0);
      fixChecksum(hdr);
      parts.push(hdr, pad(body));
      name = name.slice(0, 99);
    }
    parts.push(header({ ...e, linkname: e.linkname.slice(0, 100) }, name, size));
    if (size) parts.push(pad(e.data));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function paxRecord(kv: string): string {
  // The length prefix counts itself: grow until stable.
  let n = kv.length + 3;
  while (`${n} ${kv}\n`.length !== n) n = `${n} ${kv}\n`.length;
  return `${n} ${kv}\n`;
}

function fixChecksum(h: Uint8Array): void {
  h.fill(32, 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.fill(0, 148, 156);
  putStr(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
}

function pad(b: Uint8Array): Uint8Array {
  const n = Math.ceil(b.length / BLOCK) * BLOCK;
  if (n === b.length) return b;
  const out = new Uint8Array(n);
  out.set(b);
  return out;
}
