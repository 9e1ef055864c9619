// The machine's initial mount tree (one mount namespace): the root
// filesystem as an overlay of the read-only image or host tree (lower) and
// a tmpfs (upper), devtmpfs on /dev and a tmpfs on /tmp, as a container
// runtime sets them up. The machine adds /proc. The lower tree is never
// written, so many machines (containers) can share one image.
import { type Inode, isDir, currentTime } from "./inode";
import { Vfs } from "./vfs";
import { OverlayFs } from "./overlay/overlayfs";
// Registers the "overlay" type mount(2) finds (fs/fstypes.ts).
import "./overlay/fstype";
import { exposeLayer } from "./overlay/layerdir";
import { createTmpfs } from "./tmpfs";
import { createDevtmpfs } from "./devtmpfs";

export interface RootOptions {
  /** Size limit of the root's upper layer in bytes (default: none; the machine's RAM limits it). */
  upperBytes?: number;
  /** Size limit of /tmp in bytes. */
  tmpBytes?: number;
  /**
   * Also show the lower tree, read-only, at this absolute path (e.g.
   * /var/lib/hako/image, as dockerd shows layers under /var/lib/docker):
   * the directory a hand-made container names in lowerdir=.
   */
  imageAt?: string;
}

/** The merged root of `lower` with a fresh tmpfs upper layer. */
export function overlayRoot(lower: Inode, upperBytes?: number): OverlayFs {
  return new OverlayFs(lower, createTmpfs({ mode: 0o755, sizeBytes: upperBytes }));
}

/** A Vfs whose root is the overlay of `lower`, with /dev and /tmp mounted. */
export function createRootVfs(lower: Inode, o: RootOptions = {}): Vfs {
  const root = overlayRoot(lower, o.upperBytes).root;
  const vfs = new Vfs(root, { source: "overlay", fstype: "overlay", options: `rw,relatime,lowerdir=${o.imageAt ?? "/image"},upperdir=/upper` });
  vfs.mount(root, "dev", createDevtmpfs().root, { source: "devtmpfs", target: "/dev", fstype: "devtmpfs", options: "rw,nosuid,relatime,mode=755" });
  const tmp = createTmpfs({ mode: 0o1777, sizeBytes: o.tmpBytes }).root;
  // The tmpfs takes the attributes of the directory it covers, so /tmp looks as the image made it.
  const under = root.lookup("tmp");
  if (under && isDir(under)) {
    tmp.mode = under.mode; tmp.uid = under.uid; tmp.gid = under.gid;
    tmp.atime = under.atime; tmp.mtime = under.mtime; tmp.ctime = under.ctime;
  } else tmp.atime = tmp.mtime = tmp.ctime = currentTime();
  vfs.mount(root, "tmp", tmp, { source: "tmpfs", target: "/tmp", fstype: "tmpfs", options: "rw,nosuid,nodev,relatime" });
  // Making the directories cannot fail on a fresh root; if it did, the machine boots without the view.
  if (o.imageAt) exposeLayer(vfs, lower, o.imageAt, "image");
  return vfs;
}
