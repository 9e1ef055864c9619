// Layers as separate read-only trees in overlay form (kernel/fs/layerfs.ts),
// stacked by the kernel's overlayfs as lowerdir=top:…:bottom, show the same
// tree as the OCI changeset rules (store/layers.ts applyLayers) — which
// tests/store/layers.test.ts checks against GNU tar and a real overlay mount.
// A writable overlay over them copies up and leaves the shared layers as
// they were; the busybox image stacks to the tree imagefs.ts builds.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { applyLayers } from "../../src/store/layers";
import { layerTree, layerLowers } from "../../src/kernel/fs/layerfs";
import { OverlayFs } from "../../src/kernel/fs/overlay/overlayfs";
import { createTmpfs } from "../../src/kernel/fs/tmpfs";
import { imageRootFs } from "../../src/kernel/fs/imagefs";
import { type Inode, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR } from "../../src/kernel/fs/inode";
import { loadImage } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { IMAGES_DIR } from "../../scripts/build-images";
import { LAYERS, describeEntries, type Node } from "./fixtures";

const TYPES: Record<number, string> = { [S_IFDIR]: "dir", [S_IFREG]: "file", [S_IFLNK]: "symlink", [S_IFCHR]: "char" };

/** An in-kernel tree as path → node, hard links grouped by st_ino as `ls -i` would. */
function describeInodes(root: Inode): Map<string, Node> {
  const out = new Map<string, Node>();
  const byIno = new Map<number, Node>();
  const dec = new TextDecoder();
  const walk = (rel: string, dir: Inode): void => {
    for (const [name, n] of [...dir.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const p = rel ? `${rel}/${name}` : name;
      const type = TYPES[n.mode & S_IFMT] ?? "other";
      if (type === "file" && byIno.has(n.ino)) { const g = byIno.get(n.ino)!; g.names!.push(p); out.set(p, g); continue; }
      const node: Node = {
        type, mode: n.mode & 0o7777, uid: n.uid, gid: n.gid, mtime: n.mtime.sec,
        ...(type === "file" ? { data: dec.decode(n.read(0, n.size)) } : {}), ...(type === "symlink" ? { link: n.readlink() } : {}),
      };
      if (type === "file") { byIno.set(n.ino, node); node.names = [p]; }
      out.set(p, node);
      if (type === "dir") walk(p, n);
    }
  };
  walk("", root);
  for (const n of out.values()) if (n.names?.length === 1) delete n.names; else n.names?.sort();
  return out;
}

describe("layers as overlay lower trees", () => {
  it("stack through the kernel's overlayfs to the tree the OCI changeset rules give", () => {
    const merged = new OverlayFs(layerLowers(LAYERS), null).root;
    expect(describeInodes(merged)).toEqual(describeEntries(applyLayers(LAYERS)));
  });

  it("hold the markers in overlay form: whiteouts as 0/0 character devices, opaque directories by xattr", () => {
    const l2 = layerTree(LAYERS[1]);
    const wh = l2.get("etc/conf.d/a")!;
    expect(wh.mode & S_IFMT).toBe(S_IFCHR);
    expect(wh.rdev).toBe(0);
    expect(wh.device).toBeUndefined();
    expect(l2.get("opt/app")!.opaque).toBe(true);
    expect(l2.get("opt/app/.wh..wh..opq")).toBeNull();
    expect(l2.readOnly).toBe(true);
  });

  it("are built once per layer and shared; a writable overlay over them copies up and leaves them untouched", () => {
    expect(layerTree(LAYERS[0])).toBe(layerTree(LAYERS[0]));
    const before = describeInodes(layerTree(LAYERS[0]).root);
    const a = new OverlayFs(layerLowers(LAYERS), createTmpfs({ mode: 0o755 }));
    const b = new OverlayFs(layerLowers(LAYERS), createTmpfs({ mode: 0o755 }));
    const passwd = a.root.lookup("etc")!.lookup("passwd")!;
    expect(passwd.write!(0, new TextEncoder().encode("ROOT"))).toBe(4);
    expect(a.root.lookup("keep")!.remove!("k2")).toBe(0);
    expect(new TextDecoder().decode(a.root.lookup("etc")!.lookup("passwd")!.read(0, 4))).toBe("ROOT");
    expect(new TextDecoder().decode(b.root.lookup("etc")!.lookup("passwd")!.read(0, 4))).toBe("root");
    expect(b.root.lookup("keep")!.lookup("k2")).not.toBeNull();
    expect(describeInodes(layerTree(LAYERS[0]).root)).toEqual(before);
  });

  it("stack the busybox image to the tree imagefs.ts builds", async () => {
    const img = await loadImage(dirSource(join(IMAGES_DIR, "busybox")));
    const merged = new OverlayFs(layerLowers(img.layers.map((l) => l.entries)), null).root;
    const flat = imageRootFs(img).root;
    expect(describeInodes(merged)).toEqual(describeInodes(flat));
  });
});
