// Shared by the layer tests: three layers exercising every OCI changeset
// rule, and a description of a tree (path → attributes, content, hard-link
// group) that the stacked entries, host directories and in-kernel trees can
// all be compared in.
import type { TarEntry } from "../../src/store/tar";

const enc = new TextEncoder();
export const T = 1_700_000_000;
function e(path: string, type: TarEntry["type"] = "dir", extra: Partial<TarEntry> = {}): TarEntry {
  const mode = type === "dir" ? 0o755 : type === "symlink" ? 0o777 : 0o644;
  return { path, type, mode, uid: 0, gid: 0, mtime: T, linkname: "", devmajor: 0, devminor: 0, data: new Uint8Array(0), ...extra };
}
const file = (path: string, text: string, extra: Partial<TarEntry> = {}): TarEntry => e(path, "file", { data: enc.encode(text), ...extra });
const wh = (path: string): TarEntry => e(path, "file");

/** Three layers exercising every changeset rule; each layer carries the directories it touches, as layer producers do. */
export const LAYERS: TarEntry[][] = [
  [
    e("etc"), file("etc/passwd", "root:x:0:0\n"), e("etc/conf.d"), file("etc/conf.d/a", "a\n"), file("etc/conf.d/b", "b\n"),
    e("usr"), e("usr/bin"), file("usr/bin/tool", "#!tool v1\n", { mode: 0o755 }), e("usr/bin/alias", "hardlink", { linkname: "usr/bin/tool" }),
    e("var"), e("var/log"), file("var/log/old.log", "old\n"),
    e("opt"), e("opt/app"), file("opt/app/x", "x\n"), e("opt/app/sub"), file("opt/app/sub/y", "y\n"),
    e("link", "symlink", { linkname: "etc/passwd" }),
    e("keep"), file("keep/k", "k\n"),
    e("dirfile"), file("dirfile/inner", "inner\n"),
    e("home", "dir"), e("home/u", "dir", { uid: 1000, gid: 1000, mode: 0o700 }), file("home/u/.profile", "PS1=u\n", { uid: 1000, gid: 1000, mode: 0o600 }),
  ],
  [
    e("etc", "dir", { mode: 0o750, mtime: T + 100 }), file("etc/passwd", "root:x:0:0\nu:x:1000:1000\n", { mtime: T + 100 }),
    e("etc/conf.d", "dir", { mtime: T + 100 }), wh("etc/conf.d/.wh.a"),
    e("opt"), e("opt/app", "dir", { mtime: T + 100 }), file("opt/app/new", "new\n"), wh("opt/app/.wh..wh..opq"),
    e("usr"), e("usr/bin", "dir", { mtime: T + 100 }), wh("usr/bin/.wh.tool"),
    e("var", "dir", { mtime: T + 100 }), wh("var/.wh.log"),
    file("dirfile", "now a file\n", { mtime: T + 100 }),
    e("link", "symlink", { linkname: "etc/conf.d/b", mtime: T + 100 }),
  ],
  [
    e("var", "dir", { mtime: T + 200 }), e("var/log", "dir", { mtime: T + 200 }), file("var/log/new.log", "new\n"),
    // The marker after a sibling of the same layer: that sibling stays, whatever the order.
    e("keep", "dir", { mtime: T + 200 }), file("keep/k2", "k2\n"), wh("keep/.wh..wh..opq"),
    e("home"), e("home/u", "dir", { uid: 1000, gid: 1000, mode: 0o700, mtime: T + 200 }), wh("home/u/.wh.nothing-there"),
    e("usr"), e("usr/bin", "dir", { mtime: T + 200 }), file("usr/bin/tool2", "#!tool v2\n", { mode: 0o755 }), e("usr/bin/t2", "hardlink", { linkname: "usr/bin/tool2" }),
  ],
];

export interface Node { type: string; mode: number; uid: number; gid: number; mtime: number; data?: string; link?: string; names?: string[] }

/** Our stacked entries as path → node (hard links share one node listing every name). */
export function describeEntries(es: TarEntry[]): Map<string, Node> {
  const out = new Map<string, Node>();
  const dec = new TextDecoder();
  for (const x of es) {
    if (x.type === "hardlink") {
      const n = out.get(x.linkname)!;
      n.names = [...(n.names ?? [x.linkname]), x.path].sort();
      out.set(x.path, n);
      continue;
    }
    out.set(x.path, {
      type: x.type, mode: x.mode, uid: x.uid, gid: x.gid, mtime: x.mtime,
      ...(x.type === "file" ? { data: dec.decode(x.data) } : {}), ...(x.type === "symlink" ? { link: x.linkname } : {}),
    });
  }
  return out;
}

