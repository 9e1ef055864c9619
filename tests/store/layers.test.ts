// Layers in the store: blobs stored and verified by digest, unpacked on
// demand, stacked with the OCI changeset rules. The stacked tree is compared
// with two references on this host: GNU tar extracting each layer after the
// layer's whiteouts were applied by hand (rm), and a real overlayfs mount of
// the layers converted to overlay form (whiteouts as 0/0 character devices,
// opaque directories with trusted.overlay.opaque=y), which is how
// containerd and Docker's overlay2 consume them.
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTar, type TarEntry } from "../../src/store/tar";
import { LAYERS, describeEntries, type Node } from "./fixtures";
import { gzip, sha256Digest } from "../../src/store/digest";
import { MemoryKv } from "../../src/store/kv";
import { BlobStore } from "../../src/store/blobs";
import { LayerStore, applyLayers, type LayerRef } from "../../src/store/layers";
import { loadImage } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { IMAGES_DIR } from "../../scripts/build-images";

/** A host tree as path → node, grouping hard links by inode. */
function describeHost(root: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const byIno = new Map<string, Node>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, p));
      const key = `${st.dev}:${st.ino}`;
      const type = st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : st.isFile() ? "file" : st.isCharacterDevice() ? "char" : "other";
      if (type === "file" && byIno.has(key)) {
        const n = byIno.get(key)!;
        n.names = [...(n.names ?? []), p].sort();
        out.set(p, n);
        continue;
      }
      const n: Node = {
        type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000),
        ...(type === "file" ? { data: readFileSync(join(root, p), "utf8") } : {}), ...(type === "symlink" ? { link: readlinkSync(join(root, p)) } : {}),
      };
      if (type === "file") { byIno.set(key, n); n.names = [p]; }
      out.set(p, n);
      if (type === "dir") walk(p);
    }
  };
  walk("");
  // A file with one name is not a hard-link group.
  for (const n of out.values()) if (n.names?.length === 1) delete n.names;
  return out;
}

async function storeLayers(layers: TarEntry[][]): Promise<{ store: LayerStore; refs: LayerRef[]; tars: Uint8Array[] }> {
  const store = new LayerStore(new BlobStore(new MemoryKv()));
  const refs: LayerRef[] = [];
  const tars: Uint8Array[] = [];
  for (const l of layers) {
    const tar = writeTar(l);
    const gz = await gzip(tar);
    const digest = await store.blobs.put(gz, await sha256Digest(gz));
    refs.push({ digest, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", diffId: await sha256Digest(tar) });
    tars.push(tar);
  }
  return { store, refs, tars };
}

const isRoot = process.getuid?.() === 0;

describe("layer store", () => {
  it("unpacks layers on demand, once, and verifies the uncompressed digest", async () => {
    const { store, refs } = await storeLayers(LAYERS);
    expect(store.unpackedCount).toBe(0);
    const first = await store.entries(refs[0]);
    expect(store.unpackedCount).toBe(1);
    expect(await store.entries(refs[0])).toBe(first);
    await store.tree(refs);
    expect(store.unpackedCount).toBe(3);
    await expect(store.entries({ ...refs[1], digest: refs[1].digest.replace(/.$/, (c) => (c === "0" ? "1" : "0")) })).rejects.toThrow(/not in the store/);
    const fresh = new LayerStore(store.blobs);
    await expect(fresh.entries({ ...refs[1], diffId: refs[0].diffId })).rejects.toThrow(/is not diff_id/);
  });

  it("stacks whiteouts, opaque directories, replacements and hard links as GNU tar plus manual whiteout removal does", async () => {
    const { store, refs, tars } = await storeLayers(LAYERS);
    const ours = describeEntries(await store.tree(refs));
    const dir = mkdtempSync(join(tmpdir(), "hako-layers-"));
    const root = join(dir, "root");
    mkdirSync(root);
    for (const [i, tar] of tars.entries()) {
      const f = join(dir, `l${i}.tar`);
      writeFileSync(f, tar);
      // The layer's markers, as GNU tar lists them, applied by hand before its files are extracted.
      for (const name of execFileSync("tar", ["-tf", f], { encoding: "utf8" }).split("\n").filter(Boolean)) {
        const base = name.slice(name.lastIndexOf("/") + 1);
        const parent = name.includes("/") ? name.slice(0, name.lastIndexOf("/")) : "";
        if (base === ".wh..wh..opq") {
          for (const c of readdirSync(join(root, parent))) rmSync(join(root, parent, c), { recursive: true, force: true });
        } else if (base.startsWith(".wh.")) rmSync(join(root, parent, base.slice(4)), { recursive: true, force: true });
        // A non-directory replacing a directory: GNU tar will not remove a non-empty directory by itself.
        else if (!name.endsWith("/") && lstatSync(join(root, name), { throwIfNoEntry: false })?.isDirectory()) rmSync(join(root, name), { recursive: true });
      }
      execFileSync("tar", ["-xpf", f, "-C", root, "--exclude=.wh.*", ...(isRoot ? ["--same-owner"] : [])]);
    }
    const host = describeHost(root);
    if (!isRoot) for (const n of [...host.values(), ...ours.values()]) { n.uid = 0; n.gid = 0; }
    expect(host).toEqual(ours);
    // The rules, spelled out.
    expect(ours.has("etc/conf.d/a")).toBe(false);
    expect(ours.get("etc/conf.d/b")?.data).toBe("b\n");
    expect([...ours.keys()].filter((p) => p.startsWith("opt/app/"))).toEqual(["opt/app/new"]);
    expect([...ours.keys()].filter((p) => p.startsWith("keep/"))).toEqual(["keep/k2"]);
    expect(ours.get("usr/bin/alias")?.data).toBe("#!tool v1\n");
    expect(ours.get("dirfile")?.type).toBe("file");
    expect(ours.get("etc")?.mode).toBe(0o750);
    expect([...ours.keys()].filter((p) => p.startsWith("var/"))).toEqual(["var/log", "var/log/new.log"]);
  });

  it("stacks the layers as a real overlayfs mount of them shows them (skipped where the host refuses mount)", async (ctx) => {
    if (!isRoot) { ctx.skip(); return; }
    const { store, refs, tars } = await storeLayers(LAYERS);
    const ours = describeEntries(await store.tree(refs));
    const dir = mkdtempSync(join(tmpdir(), "hako-ovl-"));
    const lowers: string[] = [];
    for (const [i, tar] of tars.entries()) {
      const l = join(dir, `l${i}`);
      mkdirSync(l);
      writeFileSync(join(dir, `l${i}.tar`), tar);
      execFileSync("tar", ["-xpf", join(dir, `l${i}.tar`), "-C", l, "--same-owner"]);
      // OCI markers → overlay form; the parent directory keeps the mtime the layer gave it.
      const py = `
import os, sys, stat
root = sys.argv[1]
for d, dirs, files in os.walk(root):
    for f in files:
        if not f.startswith('.wh.'): continue
        st = os.lstat(d)
        os.unlink(os.path.join(d, f))
        if f == '.wh..wh..opq': os.setxattr(d, 'trusted.overlay.opaque', b'y')
        else: os.mknod(os.path.join(d, f[4:]), stat.S_IFCHR | 0o600, os.makedev(0, 0))
        os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns))
`;
      execFileSync("python3", ["-c", py, l]);
      lowers.unshift(l);
    }
    const merged = join(dir, "merged");
    mkdirSync(merged);
    const m = spawnSync("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lowers.join(":")}`, merged]);
    if (m.status !== 0) { console.warn(`overlay half skipped: the host refused mount -t overlay: ${m.stderr}`); ctx.skip(); return; }
    try {
      expect(describeHost(merged)).toEqual(ours);
    } finally {
      spawnSync("umount", [merged]);
    }
  });

  it("imports the busybox image from its layout and stacks it to the tree loadImage reads", async () => {
    const src = dirSource(join(IMAGES_DIR, "busybox"));
    const store = new LayerStore(new BlobStore(new MemoryKv()));
    const { layers } = await store.importImage(src);
    expect(store.unpackedCount).toBe(0);
    const img = await loadImage(src);
    const tree = await store.tree(layers);
    expect(tree.map((x) => x.path).sort()).toEqual(applyLayers(img.layers.map((l) => l.entries)).map((x) => x.path).sort());
    expect(tree.find((x) => x.path === "bin/busybox")?.data.length).toBe(img.layers[0].entries.find((x) => x.path === "bin/busybox")?.data.length);
    // Every blob of the image is in the store now, by digest.
    expect((await store.blobs.list()).length).toBe(2 + layers.length);
  });
});
