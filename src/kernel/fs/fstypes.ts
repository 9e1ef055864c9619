// The filesystem types mount(2) knows (Linux's register_filesystem list),
// which /proc/filesystems prints. Each type builds the root of a new
// instance from mount(2)'s source, flags and data string; the mount code
// (syscall/mount.ts) grafts that root into the caller's mount namespace.
// Modules register their type once at load: tmpfs and proc beside the
// mount code, cgroup2 and sysfs in the cgroup code, overlay in fs/overlay.
import type { Inode } from "./inode";
import type { Task } from "../task";
import type { Kernel } from "../syscall/types";

export interface MountRequest {
  /** The calling task (its credentials, namespaces, root and cwd). */
  task: Task;
  kernel: Kernel;
  /** mount(2)'s `source` ("none", "overlay", a path for bind/block types). */
  source: string;
  /** MS_* flags. */
  flags: number;
  /** mount(2)'s `data`: comma-separated options as the type parses them. */
  data: string;
  /** Resolves a path as the caller sees it (for lowerdir=, upperdir=…): the inode or a negative errno. */
  resolve(path: string): Inode | number;
}

export interface MountedFs {
  root: Inode;
  /** The options /proc/mounts shows after the generic ones (e.g. "lowerdir=…,upperdir=…"). */
  options: string;
  /** The instance can only be read (an overlay without upperdir): the superblock is read-only, /proc/mounts says "ro". */
  readOnly?: boolean;
}

export interface FilesystemType {
  name: string;
  /** No backing device (printed as "nodev" in /proc/filesystems). */
  nodev: boolean;
  /** A new instance, or a negative errno (EINVAL for bad options, ENOENT for missing dirs…). */
  mount(r: MountRequest): MountedFs | number;
}

const types = new Map<string, FilesystemType>();

export function registerFilesystem(fs: FilesystemType): void { types.set(fs.name, fs); }
export function filesystemType(name: string): FilesystemType | null { return types.get(name) ?? null; }
/** /proc/filesystems. */
export function filesystemsText(): string {
  return [...types.values()].map((t) => `${t.nodev ? "nodev" : ""}\t${t.name}\n`).join("");
}
