// A read-only layer tree made visible at a path of a mount namespace, the
// way dockerd keeps each image layer under /var/lib/docker/overlay2/<id>/diff:
// the directory a learner (or the engine) then names in lowerdir=. The tree
// is mounted there read-only, not copied, so every overlay built on it
// shares it. Missing directories on the way are made (root-owned, 0755) as
// dockerd makes its own directories on the host.
import { type Inode, S_IFDIR, isDir } from "../inode";
import type { Vfs } from "../vfs";
import type { Path } from "../mount";
import { vfsCreate } from "../namei";
import { EINVAL, ENOTDIR } from "../../errno";

const ROOT = { fsuid: 0, fsgid: 0, groups: [] };

/** Mounts `tree` read-only at the absolute `path` of `vfs`; 0 or a negative errno. */
/** Where the page and `hako shell` show the machine's own image (lowerdir= of a container made by hand). */
export const IMAGE_AT = "/var/lib/hako/image";

export function exposeLayer(vfs: Vfs, tree: Inode, path: string, source = "layer"): number {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (!path.startsWith("/") || parts.length === 0 || parts.includes("..")) return -EINVAL;
  let dir: Path = vfs.rootPath;
  for (const name of parts) {
    if (!vfs.childOf(dir, name)) {
      const made = vfsCreate(vfs, vfs.toPath(dir).inode, name, { mode: S_IFDIR | 0o755, uid: 0, gid: 0 }, ROOT);
      if (typeof made === "number") return made;
    }
    const next = vfs.childOf(dir, name);
    if (!next || !isDir(next.inode)) return -ENOTDIR;
    if (name === parts[parts.length - 1]) break;
    dir = next;
  }
  vfs.mount(dir, parts[parts.length - 1], tree, { source, target: path, fstype: "tmpfs", options: "ro,relatime" });
  return 0;
}
