// Path resolution over a tree of inodes (path_resolution(7)): absolute and
// relative paths, "." and "..", symlinks (at most 40 per lookup, ELOOP after),
// trailing slashes, and mounts — a directory (or a name in a directory) can
// be covered by another filesystem's root, as /dev and /proc are. With
// credentials, every directory walked through needs search (x) permission.
// The mount table records what /proc/mounts shows; a Vfs is one mount
// namespace's view (issue 5 clones it for CLONE_NEWNS).
import { type Inode, isDir, isLink } from "./inode";
import { type FsCred, permission, MAY_EXEC } from "./permission";
import { ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG } from "../errno";

const MAX_SYMLINKS = 40;
const PATH_MAX = 4096;

export interface Lookup {
  inode: Inode;
  /** The directory the last component was found in. */
  parent: Inode;
  name: string;
}

export interface ParentLookup {
  dir: Inode;
  /** The last component ("" for "/"). */
  name: string;
  trailingSlash: boolean;
}

/** One line of /proc/mounts. */
export interface MountEntry { source: string; target: string; fstype: string; options: string; root: Inode }

export class Vfs {
  /** Mounted roots keyed by the directory they cover. */
  private covers = new Map<Inode, Inode>();
  /** Names grafted into a directory that does not have them (mount points that do not exist in the image). */
  private grafts = new Map<Inode, Map<string, Inode>>();
  /** Mounted roots, for EBUSY on their mount points. */
  private mountRoots = new Set<Inode>();
  /** The mount table in mount order (the root first when the machine records it). */
  readonly table: MountEntry[] = [];

  constructor(readonly root: Inode) {}

  /** Mounts `fsRoot` at the directory `name` inside `dir` (creating the mount point if the tree lacks it). */
  mount(dir: Inode, name: string, fsRoot: Inode, info?: Omit<MountEntry, "root">): void {
    const under = dir.lookup(name);
    fsRoot.parent = dir;
    fsRoot.name = name;
    this.mountRoots.add(fsRoot);
    if (info) this.table.push({ ...info, root: fsRoot });
    if (under && isDir(under)) { this.covers.set(under, fsRoot); return; }
    let g = this.grafts.get(dir);
    if (!g) this.grafts.set(dir, (g = new Map()));
    g.set(name, fsRoot);
  }

  /**
   * A copy of this mount namespace (unshare/clone with CLONE_NEWNS): the same
   * filesystems at the same places; later mounts in either copy stay private.
   */
  cloneNamespace(): Vfs {
    const v = new Vfs(this.root);
    for (const [k, r] of this.covers) v.covers.set(k, r);
    for (const [d, g] of this.grafts) v.grafts.set(d, new Map(g));
    for (const r of this.mountRoots) v.mountRoots.add(r);
    v.table.push(...this.table);
    return v;
  }

  /** Whether `i` is the root of a mounted filesystem (rmdir/rename of it: EBUSY). */
  isMountRoot(i: Inode): boolean { return this.mountRoots.has(i) || i === this.root; }

  /** /proc/mounts lines. */
  mountsText(): string[] { return this.table.map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options} 0 0`); }

  /** The child `name` of directory `dir`, seeing through mounts. */
  child(dir: Inode, name: string): Inode | null {
    const g = this.grafts.get(dir)?.get(name);
    const c = g ?? dir.lookup(name);
    if (!c) return null;
    return this.covers.get(c) ?? c;
  }

  /** Directory entries of `dir` including grafted mount points. */
  entries(dir: Inode): Array<[string, Inode]> {
    const out = dir.entries().map(([n, i]): [string, Inode] => [n, this.covers.get(i) ?? i]);
    const g = this.grafts.get(dir);
    if (g) for (const [n, i] of g) if (!out.some(([m]) => m === n)) out.push([n, i]);
    return out;
  }

  /** ".." of a directory, stopping at the process root. */
  up(dir: Inode, root: Inode): Inode {
    if (dir === root) return root;
    return dir.parent ?? root;
  }

  /**
   * Resolves the directory part of `path` and returns it with the last
   * component; symlinks in the directory part are followed.
   */
  resolveParent(root: Inode, cwd: Inode, path: string, cred?: FsCred): ParentLookup | number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    const trailingSlash = path.length > 1 && path.endsWith("/");
    const parts = path.split("/").filter((p) => p !== "");
    const name = parts.pop() ?? "";
    const start = path.startsWith("/") ? root : cwd;
    if (parts.length === 0) {
      if (!isDir(start)) return -ENOTDIR;
      return { dir: start, name, trailingSlash };
    }
    const r = this.walk(root, start, parts, true, { links: 0 }, cred);
    if (typeof r === "number") return r;
    if (!isDir(r.inode)) return -ENOTDIR;
    return { dir: r.inode, name, trailingSlash };
  }

  /** Resolves `path` to an inode; the last component is followed only when `follow` (or a trailing slash). */
  resolve(root: Inode, cwd: Inode, path: string, follow: boolean, cred?: FsCred): Lookup | number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    const parts = path.split("/").filter((p) => p !== "");
    const trailing = path.endsWith("/") && parts.length > 0;
    const start = path.startsWith("/") ? root : cwd;
    const r = this.walk(root, start, parts, follow || trailing, { links: 0 }, cred);
    if (typeof r === "number") return r;
    if (trailing && !isDir(r.inode)) return -ENOTDIR;
    return r;
  }

  private walk(root: Inode, start: Inode, parts: string[], followLast: boolean, count: { links: number }, cred?: FsCred): Lookup | number {
    let cur = start;
    let parent = start;
    let name = ".";
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const last = i === parts.length - 1;
      if (!isDir(cur)) return -ENOTDIR;
      if (cred) { const e = permission(cur, MAY_EXEC, cred); if (e < 0) return e; }
      if (p === ".") { parent = cur; name = p; continue; }
      if (p === "..") { parent = cur; cur = this.up(cur, root); name = p; continue; }
      if (p.length > 255) return -ENAMETOOLONG;
      const next = this.child(cur, p);
      if (!next) return -ENOENT;
      if (isLink(next) && (!last || followLast)) {
        if (++count.links > MAX_SYMLINKS) return -ELOOP;
        const target = next.readlink();
        if (target === "") return -ENOENT;
        const tparts = target.split("/").filter((q) => q !== "");
        const from = target.startsWith("/") ? root : cur;
        const rest = parts.slice(i + 1);
        const r = this.walk(root, from, tparts, rest.length > 0 || followLast, count, cred);
        if (typeof r === "number") return r;
        if (rest.length === 0) return r;
        return this.walk(root, r.inode, rest, followLast, count, cred);
      }
      parent = cur;
      cur = next;
      name = p;
    }
    return { inode: cur, parent, name };
  }

  /** The absolute path of directory `dir` as seen from `root` (getcwd). */
  pathOf(dir: Inode, root: Inode): string {
    const names: string[] = [];
    let d = dir;
    for (let guard = 0; d !== root && guard < 4096; guard++) {
      const p = d.parent;
      if (!p || p === d) break;
      names.push(d.name);
      d = p;
    }
    return "/" + names.reverse().join("/");
  }
}
