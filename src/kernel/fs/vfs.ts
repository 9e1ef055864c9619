// A mount namespace (mount_namespaces(7)) and path resolution over its
// mount tree (path_resolution(7)): absolute and relative paths, "." and
// "..", symlinks (at most 40 per lookup, ELOOP after), trailing slashes, and
// mounts. Places are Paths, (mount, inode) pairs (fs/mount.ts): stepping on
// a covered directory enters the mount on it (follow_mount), ".." at a
// mount's root climbs to the mount point in the parent mount and never
// above the process root (follow_dotdot). With credentials, every directory
// walked through needs search (x) permission. /proc/PID/mounts and
// mountinfo are printed from the tree as a given root sees it.
//
// The older inode-only entry points (resolve with inode root/cwd, mount,
// child, isMountRoot, pathOf) stay for callers that have no mount in hand:
// an inode is taken as seen through the first mount whose root it is, or
// through the namespace's root mount.
import { type Inode, isDir, isLink } from "./inode";
import { type FsCred, permission, MAY_EXEC } from "./permission";
import { ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG } from "../errno";
import { Mount, type Path, type Superblock, samePath, mountFlagsText, parseMountOptions, mangle } from "./mount";

export type { Path } from "./mount";

const MAX_SYMLINKS = 40;
const PATH_MAX = 4096;

export interface Lookup {
  inode: Inode;
  /** The directory the last component was found in. */
  parent: Inode;
  name: string;
  /** Where the lookup ended, with its mount. */
  path: Path;
  /** `parent` with its mount. */
  dir: Path;
}

export interface ParentLookup {
  dir: Inode;
  /** The last component ("" for "/"). */
  name: string;
  trailingSlash: boolean;
  /** `dir` with its mount (for MS_RDONLY and mount-point checks). */
  at: Path;
}

/** What the machine's own mounts say about themselves (one /proc/mounts line). */
export interface MountInfo { source: string; target?: string; fstype: string; options: string }

/**
 * Magic links (proc(5)): /proc/PID/{cwd,root,exe,fd/N,ns/*} are symlinks
 * whose readlink text is for people; following one lands on the object
 * itself, not on a path lookup of the text.
 */
const magicLinks = new WeakMap<Inode, () => Path | Inode | null>();
export function setMagicLink(link: Inode, target: () => Path | Inode | null): void { magicLinks.set(link, target); }

const isPath = (x: Inode | Path): x is Path => (x as Path).mnt instanceof Mount;

export class Vfs {
  /** The namespace's root mount (pivot_root replaces it). */
  rootMount: Mount;
  /** Every mount of the namespace in mount order (/proc/mounts order). */
  readonly list: Mount[] = [];
  /** Inodes that are mount roots or covered mount points here (rmdir/rename: EBUSY). */
  private busy = new Set<Inode>();
  /** For the inode-only child(): mounted roots by covered inode, and grafted names by directory. */
  private coverIndex = new Map<Inode, Inode>();
  private graftIndex = new Map<Inode, Map<string, Inode>>();
  /** After cloneNamespace: the copy of each mount of the source namespace. */
  private copies: Map<Mount, Mount> | null = null;

  constructor(root: Inode | Mount, info: MountInfo = { source: "rootfs", fstype: "rootfs", options: "rw" }) {
    if (root instanceof Mount) this.rootMount = root;
    else {
      const { flags, fsOptions } = parseMountOptions(info.options);
      this.rootMount = new Mount({ fstype: info.fstype, source: info.source, options: fsOptions, root, readOnly: false }, root, flags);
    }
    this.list.push(this.rootMount);
    this.reindex();
  }

  get root(): Inode { return this.rootMount.root; }
  get rootPath(): Path { return { mnt: this.rootMount, inode: this.rootMount.root }; }

  /** An inode as a Path: through the first mount whose root it is, else through the root mount. */
  toPath(x: Inode | Path): Path {
    if (isPath(x)) return x;
    if (x === this.rootMount.root) return this.rootPath;
    for (const m of this.list) if (m.root === x) return { mnt: m, inode: x };
    return { mnt: this.rootMount, inode: x };
  }

  // ---- the tree ----

  /** Mounts `fsRoot` at the directory `name` inside `dir` (creating a graft when the tree lacks the name); the machine's setup. */
  mount(dir: Inode | Path, name: string, fsRoot: Inode, info?: MountInfo): Mount {
    const { flags, fsOptions } = parseMountOptions(info?.options ?? "rw");
    const sb: Superblock = { fstype: info?.fstype ?? "none", source: info?.source ?? "none", options: fsOptions, root: fsRoot, readOnly: false };
    const m = new Mount(sb, fsRoot, flags);
    const at = this.followMounts(this.toPath(dir));
    const under = at.inode.lookup(name);
    if (under && isDir(under)) this.attach(m, this.followMounts({ mnt: at.mnt, inode: under }));
    else this.attach(m, at, name);
    return m;
  }

  /** Attaches `m` (and the mounts under it) at `at`, a place already followed to its top mount; with `graftName`, at that missing name in `at`. */
  attach(m: Mount, at: Path, graftName = ""): void {
    hook(m, at, graftName);
    const add = (x: Mount): void => { this.list.push(x); for (const c of x.childMounts()) add(c); };
    add(m);
    this.reindex();
  }

  /** Takes `m` and every mount under it out of the tree (umount_tree); they stay usable by open files. */
  detach(m: Mount): void {
    unhook(m);
    const gone = new Set<Mount>();
    const walk = (x: Mount): void => { gone.add(x); for (const c of x.childMounts()) walk(c); };
    walk(m);
    for (let i = this.list.length - 1; i >= 0; i--) if (gone.has(this.list[i])) this.list.splice(i, 1);
    this.reindex();
  }

  /**
   * pivot_root's tree surgery (the caller has made the checks): `newMnt`
   * leaves its parent and takes the place of `rootMnt`, which goes to
   * `putOld` (a place in the new tree). The mount list keeps its order.
   */
  pivotRoot(newMnt: Mount, rootMnt: Mount, putOld: Path): number {
    const rootParent = rootMnt.parent, rootMp = rootMnt.mountpoint, rootGraft = rootMnt.graftName;
    unhook(newMnt);
    if (rootParent && rootMp) { unhook(rootMnt); hook(newMnt, { mnt: rootParent, inode: rootMp }, rootGraft); }
    if (this.rootMount === rootMnt) this.rootMount = newMnt;
    hook(rootMnt, putOld, "");
    this.reindex();
    return 0;
  }

  /** Whether `m` is mounted in this namespace. */
  has(m: Mount): boolean { return this.list.includes(m); }

  /**
   * A copy of the mount tree under `m` (copy_tree): `m` itself (from
   * `root`, a directory inside it, for a bind of a subdirectory) and, when
   * `recursive`, every mount below that root. Unbindable mounts are left
   * out of a bind (MS_UNBINDABLE) but not out of a namespace copy.
   */
  copyTree(m: Mount, root: Inode, recursive: boolean, forNamespace = false, map?: Map<Mount, Mount>): Mount {
    const top = m.clone(root);
    map?.set(m, top);
    if (!recursive) return top;
    const copyUnder = (src: Mount, dst: Mount): void => {
      for (const c of src.childMounts()) {
        if (!c.mountpoint) continue;
        if (c.propagation === "unbindable" && !forNamespace) continue;
        if (src === m && !isUnder(c.mountpoint, root)) continue;
        const cc = c.clone();
        if (forNamespace) cc.propagation = c.propagation;
        map?.set(c, cc);
        cc.parent = dst;
        cc.mountpoint = c.mountpoint;
        cc.graftName = c.graftName;
        if (c.graftName) {
          const g = dst.grafts ?? (dst.grafts = new Map());
          let names = g.get(c.mountpoint);
          if (!names) g.set(c.mountpoint, (names = new Map()));
          names.set(c.graftName, cc);
        } else dst.children.set(c.mountpoint, cc);
        copyUnder(c, cc);
      }
    };
    copyUnder(m, top);
    return top;
  }

  /**
   * A copy of this mount namespace (unshare/clone with CLONE_NEWNS): the
   * same filesystems at the same places; later mounts in either copy stay
   * private to it. `translate` maps a task's root and cwd into the copy.
   */
  cloneNamespace(): Vfs {
    const map = new Map<Mount, Mount>();
    const top = this.copyTree(this.rootMount, this.rootMount.root, true, true, map);
    const v = new Vfs(top);
    v.list.length = 0;
    for (const m of this.list) { const c = map.get(m); if (c) v.list.push(c); }
    v.copies = map;
    v.reindex();
    return v;
  }

  /** A place of the namespace this one was copied from, as the same place in this copy (copy_mnt_ns moves fs roots and cwds). */
  translate(p: Path): Path {
    const m = this.copies?.get(p.mnt);
    return m ? { mnt: m, inode: p.inode } : p;
  }

  /** Rebuilds the inode-only indexes after the tree changed (mount, umount: rare, so the lookups stay map hits). */
  reindex(): void {
    this.busy.clear();
    this.coverIndex.clear();
    this.graftIndex.clear();
    for (const m of this.list) {
      this.busy.add(m.root);
      for (const [under, c] of m.children) { this.busy.add(under); this.coverIndex.set(under, c.root); }
      if (m.grafts) for (const [d, names] of m.grafts) {
        let g = this.graftIndex.get(d);
        if (!g) this.graftIndex.set(d, (g = new Map()));
        for (const [n, c] of names) g.set(n, c.root);
      }
    }
  }

  /** Whether `i` is the root of a mount or a covered mount point here (rmdir/rename of it: EBUSY). */
  isMountRoot(i: Inode): boolean { return this.busy.has(i); }

  // ---- lookup ----

  /** The place itself or, when mounts cover it, the root of the topmost one (follow_mount). */
  followMounts(p: Path): Path {
    let cur = p;
    for (let m = cur.mnt.children.get(cur.inode); m; m = cur.mnt.children.get(cur.inode)) cur = { mnt: m, inode: m.root };
    return cur;
  }

  /** The child `name` of directory `dir`, seeing through mounts. */
  childOf(dir: Path, name: string): Path | null {
    const g = dir.mnt.grafts?.get(dir.inode)?.get(name);
    if (g) return this.followMounts({ mnt: g, inode: g.root });
    const c = dir.inode.lookup(name);
    if (!c) return null;
    return this.followMounts({ mnt: dir.mnt, inode: c });
  }

  /** The child `name` of `dir` without its mount (existence and type checks of namei.ts). */
  child(dir: Inode, name: string): Inode | null {
    const g = this.graftIndex.get(dir)?.get(name);
    if (g) return g;
    const c = dir.lookup(name);
    if (!c) return null;
    return this.coverIndex.get(c) ?? c;
  }

  /** Directory entries of `dir` including grafted mount points, mounted directories shown as their mounted roots. */
  entries(dir: Inode | Path): Array<[string, Inode]> {
    const p = this.toPath(dir);
    const out = p.inode.entries().map(([n, i]): [string, Inode] => [n, isDir(i) ? this.followMounts({ mnt: p.mnt, inode: i }).inode : i]);
    const g = p.mnt.grafts?.get(p.inode);
    if (g) for (const [n, m] of g) if (!out.some(([x]) => x === n)) out.push([n, this.followMounts({ mnt: m, inode: m.root }).inode]);
    return out;
  }

  /** ".." of a place, stopping at the process root and crossing mount roots to their mount points (follow_dotdot). */
  up(dir: Path, root: Path): Path {
    let p = dir;
    for (;;) {
      if (samePath(p, root)) return p;
      if (p.inode !== p.mnt.root) break;
      const m = p.mnt;
      if (!m.parent || !m.mountpoint) return p;
      // A grafted mount point is a name inside its directory: that directory is "..".
      if (m.graftName) return { mnt: m.parent, inode: m.mountpoint };
      p = { mnt: m.parent, inode: m.mountpoint };
    }
    const parent = p.inode.parent;
    return { mnt: p.mnt, inode: parent ?? p.inode };
  }

  /**
   * Resolves the directory part of `path` and returns it with the last
   * component; symlinks in the directory part are followed.
   */
  resolveParent(root: Inode | Path, cwd: Inode | Path, path: string, cred?: FsCred): ParentLookup | number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    const rootP = this.toPath(root);
    const trailingSlash = path.length > 1 && path.endsWith("/");
    const parts = path.split("/").filter((p) => p !== "");
    const name = parts.pop() ?? "";
    const start = path.startsWith("/") ? rootP : this.toPath(cwd);
    if (parts.length === 0) {
      if (!isDir(start.inode)) return -ENOTDIR;
      return { dir: start.inode, name, trailingSlash, at: start };
    }
    const r = this.walk(rootP, start, parts, true, { links: 0 }, cred);
    if (typeof r === "number") return r;
    if (!isDir(r.inode)) return -ENOTDIR;
    return { dir: r.inode, name, trailingSlash, at: r.path };
  }

  /** Resolves `path`; the last component is followed only when `follow` (or a trailing slash). */
  resolve(root: Inode | Path, cwd: Inode | Path, path: string, follow: boolean, cred?: FsCred): Lookup | number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    const rootP = this.toPath(root);
    const parts = path.split("/").filter((p) => p !== "");
    const trailing = path.endsWith("/") && parts.length > 0;
    const start = path.startsWith("/") ? rootP : this.toPath(cwd);
    const r = this.walk(rootP, start, parts, follow || trailing, { links: 0 }, cred);
    if (typeof r === "number") return r;
    if (trailing && !isDir(r.inode)) return -ENOTDIR;
    return r;
  }

  private walk(root: Path, start: Path, parts: string[], followLast: boolean, count: { links: number }, cred?: FsCred): Lookup | number {
    // The current place and its directory as (mount, inode) locals: this loop runs for every path component of
    // every open/stat, so it allocates nothing until it returns.
    let curM = start.mnt, curI = start.inode;
    let dirM = curM, dirI = curI;
    let name = ".";
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const last = i === parts.length - 1;
      if (!isDir(curI)) return -ENOTDIR;
      if (cred) { const e = permission(curI, MAY_EXEC, cred); if (e < 0) return e; }
      if (p === ".") { dirM = curM; dirI = curI; name = p; continue; }
      if (p === "..") {
        dirM = curM; dirI = curI;
        const u = this.up({ mnt: curM, inode: curI }, root);
        curM = u.mnt; curI = u.inode; name = p;
        continue;
      }
      if (p.length > 255) return -ENAMETOOLONG;
      // childOf + followMounts, inline.
      let nm: Mount, ni: Inode;
      const g = curM.grafts?.get(curI)?.get(p);
      if (g) { nm = g; ni = g.root; } else {
        const c = curI.lookup(p);
        if (!c) return -ENOENT;
        nm = curM; ni = c;
      }
      if (nm.children.size) for (let m = nm.children.get(ni); m; m = nm.children.get(ni)) { nm = m; ni = m.root; }
      if (isLink(ni) && (!last || followLast)) {
        if (++count.links > MAX_SYMLINKS) return -ELOOP;
        const rest = parts.slice(i + 1);
        const cur: Path = { mnt: curM, inode: curI };
        let r: Lookup | number;
        const magic = magicLinks.get(ni);
        if (magic) {
          const target = magic();
          if (!target) return -ENOENT;
          const tp = isPath(target) ? target : { mnt: curM, inode: target };
          r = { inode: tp.inode, parent: curI, name: p, path: tp, dir: cur };
        } else {
          const target = ni.readlink();
          if (target === "") return -ENOENT;
          const tparts = target.split("/").filter((q) => q !== "");
          const from = target.startsWith("/") ? root : cur;
          r = this.walk(root, from, tparts, rest.length > 0 || followLast, count, cred);
        }
        if (typeof r === "number") return r;
        if (rest.length === 0) return r;
        return this.walk(root, r.path, rest, followLast, count, cred);
      }
      dirM = curM; dirI = curI;
      curM = nm; curI = ni;
      name = p;
    }
    return { inode: curI, parent: dirI, name, path: { mnt: curM, inode: curI }, dir: { mnt: dirM, inode: dirI } };
  }

  // ---- names ----

  /** The absolute path of `p` as seen from `root`, or null when `p` is not below `root` (d_path). */
  reachable(p: Path, root: Path): string | null {
    const names: string[] = [];
    let cur = p;
    for (let guard = 0; guard < 4096; guard++) {
      if (samePath(cur, root)) return "/" + names.reverse().join("/");
      if (cur.inode === cur.mnt.root) {
        const m = cur.mnt;
        if (!m.parent || !m.mountpoint) return null;
        if (m.graftName) names.push(m.graftName);
        cur = { mnt: m.parent, inode: m.mountpoint };
        continue;
      }
      const parent = cur.inode.parent;
      if (!parent || parent === cur.inode) return null;
      names.push(cur.inode.name);
      cur = { mnt: cur.mnt, inode: parent };
    }
    return null;
  }

  /** The absolute path of `dir` as seen from `root` (getcwd); "(unreachable)…" when outside it, as Linux's getcwd says. */
  pathOf(dir: Inode | Path, root: Inode | Path): string {
    const p = this.toPath(dir);
    const r = this.reachable(p, this.toPath(root));
    if (r !== null) return r;
    const top = this.reachable(p, this.topOf(p));
    return "(unreachable)" + (top ?? "/");
  }

  /** The root of the tree `p` is in (the namespace root, or the top of a detached tree). */
  private topOf(p: Path): Path {
    let m = p.mnt;
    while (m.parent) m = m.parent;
    return { mnt: m, inode: m.root };
  }

  /** Where `m` is mounted as `root` sees it, or null when outside it (those lines are left out of /proc/mounts). */
  mountPath(m: Mount, root: Path): string | null { return this.reachable({ mnt: m, inode: m.root }, root); }

  /** /proc/PID/mounts lines for a task whose root is `root`. */
  mountsText(root: Path = this.rootPath): string[] {
    const out: string[] = [];
    for (const m of this.list) {
      const at = this.mountPath(m, root);
      if (at === null) continue;
      out.push(`${mangle(m.sb.source)} ${mangle(at)} ${m.sb.fstype} ${optionsText(m)} 0 0`);
    }
    return out;
  }

  /** /proc/PID/mountinfo lines (proc(5)): ids, device, root within the filesystem, mount point, options, propagation. */
  mountinfoText(root: Path = this.rootPath): string[] {
    const out: string[] = [];
    for (const m of this.list) {
      const at = this.mountPath(m, root);
      if (at === null) continue;
      const dev = m.root.dev;
      const optional = m.propagation === "shared" ? ` shared:${m.peerGroup}`
        : m.propagation === "slave" ? ` master:${m.masterGroup}` : m.propagation === "unbindable" ? " unbindable" : "";
      const parentId = m.parent && this.has(m.parent) ? m.parent.id : m.id;
      const sbOpts = (m.sb.readOnly ? "ro" : "rw") + (m.sb.options ? "," + m.sb.options : "");
      out.push(`${m.id} ${parentId} ${dev >> 8}:${dev & 0xff} ${mangle(rootWithin(m))} ${mangle(at)} ${mountFlagsText(m.flags)}${optional} - ${m.sb.fstype} ${mangle(m.sb.source)} ${sbOpts}`);
    }
    return out;
  }
}

/** /proc/mounts' options column: the mount's flags, then the filesystem's options. */
function optionsText(m: Mount): string {
  const flags = mountFlagsText(m.sb.readOnly ? m.flags | 1 : m.flags);
  return m.sb.options ? `${flags},${m.sb.options}` : flags;
}

/** The mount's root as a path inside its filesystem (mountinfo's 4th column: "/" unless a bind of a subdirectory). */
function rootWithin(m: Mount): string {
  const names: string[] = [];
  let i = m.root;
  for (let guard = 0; i !== m.sb.root && guard < 4096; guard++) {
    const p = i.parent;
    if (!p || p === i) break;
    names.push(i.name);
    i = p;
  }
  return "/" + names.reverse().join("/");
}

/** Whether directory `i` is `ancestor` or below it (is_subdir). */
export function isUnder(i: Inode, ancestor: Inode): boolean {
  let d: Inode | null = i;
  for (let guard = 0; d && guard < 4096; guard++) {
    if (d === ancestor) return true;
    if (d.parent === d) return false;
    d = d.parent;
  }
  return false;
}

/** Links `m` under `at.mnt` (attach_mnt without the namespace list). */
function hook(m: Mount, at: Path, graftName: string): void {
  m.parent = at.mnt;
  m.mountpoint = at.inode;
  m.graftName = graftName;
  if (graftName) {
    const g = at.mnt.grafts ?? (at.mnt.grafts = new Map());
    let names = g.get(at.inode);
    if (!names) g.set(at.inode, (names = new Map()));
    names.set(graftName, m);
  } else at.mnt.children.set(at.inode, m);
}

/** Unlinks `m` from its parent mount; it keeps its own children. */
function unhook(m: Mount): void {
  const p = m.parent;
  if (p && m.mountpoint) {
    if (m.graftName) p.grafts?.get(m.mountpoint)?.delete(m.graftName);
    else if (p.children.get(m.mountpoint) === m) p.children.delete(m.mountpoint);
  }
  m.parent = null;
}
