// Mounts (Linux's struct mount / vfsmount): one instance of a filesystem
// (its superblock) attached somewhere in a mount namespace's tree. A place
// in the tree is a Path, a (mount, inode) pair as Linux's struct path is a
// (vfsmount, dentry) pair: the same directory inode can be reached through
// several mounts (bind mounts, two namespaces) and ".." at a mount's root
// climbs to its mount point in the parent mount, not to the inode's parent.
// A mount has per-mount flags (MS_RDONLY, MS_NOSUID, …) shown in the 6th
// column of /proc/PID/mountinfo and a propagation type (shared, slave,
// private, unbindable — recorded and shown, not propagated: mount(2),
// mount_namespaces(7)).
import type { Inode } from "./inode";

export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
  MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096,
  MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19,
  MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;

/** The per-mount flags (MNT_* in Linux): what MS_REMOUNT|MS_BIND may change. */
export const MNT_FLAGS = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW | MS_NOATIME | MS_NODIRATIME
  | MS_RELATIME | MS_STRICTATIME;

export type Propagation = "private" | "shared" | "slave" | "unbindable";

/** One filesystem instance (struct super_block): shared by every mount of it (bind mounts). */
export interface Superblock {
  fstype: string;
  /** mount(2)'s source as /proc/mounts prints it. */
  source: string;
  /** Filesystem options after rw/ro ("mode=755", "lowerdir=…"). */
  options: string;
  /** The filesystem's root directory. */
  root: Inode;
  /** MS_RDONLY of the superblock (remount without MS_BIND). */
  readOnly: boolean;
}

let nextMountId = 21;
let nextPeerGroup = 1;

export class Mount {
  /** mnt_id, the first column of mountinfo. */
  readonly id = nextMountId++;
  parent: Mount | null = null;
  /** The directory in `parent` this mount covers; for a graft, the directory that holds `graftName`. */
  mountpoint: Inode | null = null;
  /**
   * Non-empty when the mount point is a name the parent directory does not
   * have: the machine mounts /proc, /dev, /tmp over images that lack them.
   */
  graftName = "";
  /** Mounts on directories of this mount, by the covered directory (Linux's mount hash on (mount, dentry)). */
  readonly children = new Map<Inode, Mount>();
  /** Mounts on names this mount's directories lack, by directory then name. */
  grafts: Map<Inode, Map<string, Mount>> | null = null;
  propagation: Propagation = "private";
  /** Peer group of a shared mount (mountinfo "shared:N"); the master's group for a slave ("master:N"). */
  peerGroup = 0;
  masterGroup = 0;

  constructor(readonly sb: Superblock, readonly root: Inode, public flags: number) {}

  get readOnly(): boolean { return (this.flags & MS_RDONLY) !== 0 || this.sb.readOnly; }

  /** A copy of this mount (bind, namespace copy): same superblock and root, detached. */
  clone(root: Inode = this.root): Mount {
    const m = new Mount(this.sb, root, this.flags);
    m.propagation = this.propagation === "unbindable" ? "private" : this.propagation;
    m.peerGroup = this.peerGroup;
    m.masterGroup = this.masterGroup;
    return m;
  }

  /** The mounts directly under this one. */
  childMounts(): Mount[] {
    const out = [...this.children.values()];
    if (this.grafts) for (const g of this.grafts.values()) out.push(...g.values());
    return out;
  }

  setPropagation(p: Propagation): void {
    if (p === "shared" && this.propagation !== "shared") this.peerGroup = nextPeerGroup++;
    if (p === "slave") { if (this.propagation === "shared") this.masterGroup = this.peerGroup; this.peerGroup = 0; }
    if (p === "private" || p === "unbindable") { this.peerGroup = 0; this.masterGroup = 0; }
    this.propagation = p;
  }
}

/** A place in the mount tree (struct path). */
export interface Path { mnt: Mount; inode: Inode }

export const samePath = (a: Path, b: Path): boolean => a.mnt === b.mnt && a.inode === b.inode;

const FLAG_WORDS: Array<[string, number]> = [
  ["nosuid", MS_NOSUID], ["nodev", MS_NODEV], ["noexec", MS_NOEXEC], ["sync", MS_SYNCHRONOUS], ["dirsync", MS_DIRSYNC],
  ["nosymfollow", MS_NOSYMFOLLOW], ["noatime", MS_NOATIME], ["nodiratime", MS_NODIRATIME], ["relatime", MS_RELATIME],
];

/** The per-mount options column: "rw,nosuid,relatime" (show_mnt_opts order). */
export function mountFlagsText(flags: number): string {
  const words = [flags & MS_RDONLY ? "ro" : "rw"];
  for (const [w, f] of FLAG_WORDS) if (flags & f) words.push(w);
  return words.join(",");
}

/** Splits an option string as the machine writes it ("rw,nosuid,mode=755") into mount flags and the filesystem's own options. */
export function parseMountOptions(options: string): { flags: number; fsOptions: string } {
  let flags = 0;
  const rest: string[] = [];
  for (const w of options.split(",").filter(Boolean)) {
    const hit = FLAG_WORDS.find(([n]) => n === w);
    if (hit) flags |= hit[1];
    else if (w === "ro") flags |= MS_RDONLY;
    else if (w !== "rw") rest.push(w);
  }
  return { flags, fsOptions: rest.join(",") };
}

/** Escapes a path for /proc/mounts (space, tab, newline and backslash as octal, as seq_escape does). */
export const mangle = (s: string): string => s.replace(/[ \t\n\\]/g, (c) => "\\" + c.charCodeAt(0).toString(8).padStart(3, "0"));
