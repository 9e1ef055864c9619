// The "overlay" filesystem type mount(2) finds in fstypes.ts:
//   mount -t overlay overlay -o lowerdir=A:B,upperdir=U,workdir=W target
// as Documentation/filesystems/overlayfs.rst describes it ("Multiple lower
// layers", "Upper and Lower", "Non-standard behavior") and fs/overlayfs/
// params.c + super.c check it: lowerdir is required, once (leftmost on top,
// at most 500 layers); upperdir and workdir go together, on one writable
// filesystem, neither inside the other; without upperdir the overlay is
// read-only. Missing directories are ENOENT, layers that overlap (one
// inside another, or the same twice) ELOOP, anything else wrong EINVAL —
// including features Hako does not implement (redirect_dir=on, metacopy=on,
// index=on). The layers are the directories themselves, not copies: every
// overlay on one image shares it. Like the kernel, the mount makes W/work
// (mode 0000), where Linux stages copy-ups.
import { type Inode, isDir, S_IFDIR } from "../inode";
import { registerFilesystem, type MountRequest, type MountedFs } from "../fstypes";
import { OverlayFs } from "./overlayfs";
import { EINVAL, ELOOP } from "../../errno";

/** OVL_MAX_STACK: the most lower layers one overlay may have. */
const MAX_STACK = 500;

/** Options that only name Linux's defaults (or features that are off here) are accepted and ignored. */
const ACCEPTED = new Set([
  "redirect_dir=off", "redirect_dir=nofollow", "index=off", "xino=off", "xino=auto", "metacopy=off", "nfs_export=off",
  "uuid=on", "uuid=off", "uuid=null", "uuid=auto", "volatile", "default_permissions",
]);

interface OverlayOptions { lowerdir: string[]; upperdir: string | null; workdir: string | null }

/** Splits mount(2)'s data ("lowerdir=a:b,upperdir=u,workdir=w"); a backslash escapes ',' and ':'. */
export function parseOverlayOptions(data: string): OverlayOptions | number {
  const o: OverlayOptions = { lowerdir: [], upperdir: null, workdir: null };
  for (const opt of splitEscaped(data, ",")) {
    if (opt === "") continue;
    const eq = opt.indexOf("=");
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? "" : opt.slice(eq + 1);
    if (key === "lowerdir") {
      if (o.lowerdir.length > 0) return -EINVAL;
      o.lowerdir = splitEscaped(value, ":").map(unescape);
      if (o.lowerdir.some((p) => p === "")) return -EINVAL;
    } else if (key === "upperdir") o.upperdir = unescape(value);
    else if (key === "workdir") o.workdir = unescape(value);
    else if (!ACCEPTED.has(opt)) return -EINVAL;
  }
  return o;
}

function splitEscaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && i + 1 < s.length) { cur += s[i] + s[i + 1]; i++; } else if (s[i] === sep) { out.push(cur); cur = ""; } else cur += s[i];
  }
  out.push(cur);
  return out;
}

const unescape = (s: string): string => s.replace(/\\(.)/g, "$1");

/** Whether `a` is `b` or one of its ancestor directories. */
function contains(a: Inode, b: Inode): boolean {
  let d: Inode | null = b;
  for (let guard = 0; d && guard < 4096; guard++) {
    if (d === a) return true;
    if (d.parent === d) return false;
    d = d.parent;
  }
  return false;
}

function directory(r: Pick<MountRequest, "resolve">, path: string): Inode | number {
  const i = r.resolve(path);
  if (typeof i === "number") return i;
  return isDir(i) ? i : -EINVAL;
}

/**
 * Overlapping layers (ovl_check_layer's traps): a lower directory may not
 * be inside, or hold, another lower directory, nor be (or be inside) the
 * upper or work directory. An upper directory inside a lower one is allowed.
 */
function overlapping(lowers: Inode[], traps: Inode[]): boolean {
  for (let a = 0; a < lowers.length; a++) {
    for (let b = 0; b < lowers.length; b++) if (a !== b && contains(lowers[a], lowers[b])) return true;
    if (traps.some((t) => contains(t, lowers[a]))) return true;
  }
  return false;
}

/** mount(2) of type "overlay". */
export function mountOverlay(r: MountRequest): MountedFs | number { return overlayFromOptions(r.data, r.resolve); }

/** An overlay from mount(2)'s data string, with `resolve` finding the layer directories as the caller sees them. */
export function overlayFromOptions(data: string, resolve: (path: string) => Inode | number): MountedFs | number {
  const r = { resolve };
  const o = parseOverlayOptions(data);
  if (typeof o === "number") return o;
  if (o.lowerdir.length === 0 || o.lowerdir.length > MAX_STACK) return -EINVAL;
  const lowers: Inode[] = [];
  for (const p of o.lowerdir) {
    const d = directory(r, p);
    if (typeof d === "number") return d;
    lowers.push(d);
  }
  let upper: Inode | null = null;
  const shown = [`lowerdir=${o.lowerdir.join(":")}`];
  if (o.workdir !== null && o.upperdir === null) return -EINVAL;
  if (o.upperdir !== null) {
    if (o.workdir === null) return -EINVAL;
    const u = directory(r, o.upperdir);
    if (typeof u === "number") return u;
    const w = directory(r, o.workdir);
    if (typeof w === "number") return w;
    // The upper must be writable and keep trusted.* xattrs (opaque directories); work beside it.
    if (u.readOnly || !u.create || !u.setxattr) return -EINVAL;
    if (w.dev !== u.dev) return -EINVAL;
    if (contains(u, w) || contains(w, u)) return -EINVAL;
    if (overlapping(lowers, [u, w])) return -ELOOP;
    if (!w.lookup("work")) {
      const made = w.create?.("work", { mode: S_IFDIR, uid: 0, gid: 0 });
      if (made === undefined || typeof made === "number") return -EINVAL;
    }
    upper = u;
    shown.push(`upperdir=${o.upperdir}`, `workdir=${o.workdir}`);
  }
  if (!upper && overlapping(lowers, [])) return -ELOOP;
  const ofs = new OverlayFs(lowers, upper);
  return { root: ofs.root, options: shown.join(","), readOnly: upper === null };
}

registerFilesystem({ name: "overlay", nodev: true, mount: mountOverlay });
