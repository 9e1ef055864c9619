// nsfs: the inodes /proc/PID/ns/* links lead to (namespaces(7)). Each
// namespace has one, whose inode number is the namespace's identity (what
// `stat -L /proc/self/ns/uts` prints and the link text shows); an open
// descriptor on it is what setns(2) takes, and keeps the namespace alive.
import { type Inode, type Timespec, S_IFREG } from "./inode";
import { nsInum } from "../task/nsproxy";

/** The kinds /proc/PID/ns lists, in Linux's order (ls sorts them anyway). */
export type NsKind = "cgroup" | "ipc" | "mnt" | "net" | "pid" | "time" | "user" | "uts";

const NSFS_DEV = 0x04;
const epoch: Timespec = { sec: 0, nsec: 0 };

export class NsInode implements Inode {
  readonly dev = NSFS_DEV;
  readonly ino: number;
  mode = S_IFREG | 0o444;
  uid = 0;
  gid = 0;
  nlink = 1;
  rdev = 0;
  atime = epoch;
  mtime = epoch;
  ctime = epoch;
  readonly size = 0;
  parent: Inode | null = null;
  name = "";
  constructor(readonly kind: NsKind, readonly ns: object) { this.ino = nsInum(ns); }
  lookup(): Inode | null { return null; }
  entries(): Array<[string, Inode]> { return []; }
  read(): Uint8Array { return new Uint8Array(0); }
  readlink(): string { return ""; }
}

const inodes = new WeakMap<object, NsInode>();

/** The nsfs inode of namespace `ns`. */
export function nsInode(kind: NsKind, ns: object): NsInode {
  let i = inodes.get(ns);
  if (!i) { i = new NsInode(kind, ns); inodes.set(ns, i); }
  return i;
}

/** The text of a /proc/PID/ns link: "uts:[4026531838]". */
export const nsLinkText = (kind: NsKind, ns: object): string => `${kind}:[${nsInum(ns)}]`;
