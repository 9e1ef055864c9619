// Image layers in the store: layer blobs kept by digest (blobs.ts), unpacked
// on demand (gunzip with the Compression Streams API, then tar) into entry
// lists that are cached and shared, and stacked into one tree with the OCI
// image-spec's changeset rules (layer.md, "Applying Changesets" and
// "Whiteouts"):
// - `.wh.NAME` removes NAME (and everything under it) from the layers below;
// - `.wh..wh..opq` removes every child the layers below put in its directory;
// - both apply to lower layers only: what the same layer adds stays, wherever
//   the marker sits in the archive;
// - an entry replaces what a lower layer had at its path, except that a
//   directory over a directory only updates the attributes and merges.
import { sha256Digest, gunzip } from "./digest";
import { parseTar, type TarEntry } from "./tar";
import { BlobStore } from "./blobs";
import { isQuotaError } from "./kv";
import { readBlob, type BlobSource, type Descriptor, type ImageConfig, type ImageManifest, type LoadedImage } from "./oci";

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

const baseName = (p: string): string => p.slice(p.lastIndexOf("/") + 1);
const dirName = (p: string): string => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");

/** What a whiteout-looking entry means, or null for ordinary content. */
export function whiteoutOf(e: TarEntry): { opaque: true; dir: string } | { opaque: false; victim: string } | null {
  const base = baseName(e.path);
  if (!base.startsWith(WHITEOUT_PREFIX)) return null;
  if (base === OPAQUE_MARKER) return { opaque: true, dir: dirName(e.path) };
  const name = base.slice(WHITEOUT_PREFIX.length);
  // ".wh." ".wh.." ".wh..." would name the directory itself or its parent: not a valid victim.
  if (name === "" || name === "." || name === "..") return null;
  const dir = dirName(e.path);
  return { opaque: false, victim: dir ? `${dir}/${name}` : name };
}

const implicitDir = (path: string): TarEntry => ({
  path, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, linkname: "", devmajor: 0, devminor: 0, data: new Uint8Array(0),
});

/**
 * Stacks layers (bottom first) into the tree they make together, as entries:
 * parents before children, hard links after the files they name.
 */
export function applyLayers(layers: ReadonlyArray<readonly TarEntry[]>): TarEntry[] {
  const tree = new Map<string, TarEntry>();

  /** Removes `path` (and its subtree); hard links to a removed file keep its data, as unlink leaves other names. */
  const drop = (path: string): void => {
    const doomed = [...tree.keys()].filter((k) => k === path || k.startsWith(`${path}/`));
    const gone = new Set(doomed);
    for (const k of doomed) {
      const e = tree.get(k)!;
      tree.delete(k);
      if (e.type !== "file") continue;
      const links = [...tree.values()].filter((l) => l.type === "hardlink" && l.linkname === k && !gone.has(l.path));
      if (links.length === 0) continue;
      const heir: TarEntry = { ...e, path: links[0].path };
      tree.set(heir.path, heir);
      for (const l of links.slice(1)) tree.set(l.path, { ...l, linkname: heir.path });
    }
  };
  const ensureParents = (path: string): void => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      const have = tree.get(p);
      if (have?.type === "dir") continue;
      if (have) drop(p);
      tree.set(p, implicitDir(p));
    }
  };

  for (const layer of layers) {
    // Markers first: they only ever hide what the layers below put there.
    for (const e of layer) {
      const w = whiteoutOf(e);
      if (!w) continue;
      if (w.opaque) { for (const k of [...tree.keys()]) if (tree.has(k) && dirName(k) === w.dir) drop(k); }
      else drop(w.victim);
    }
    for (const e of layer) {
      if (whiteoutOf(e) || e.path === "") continue;
      const old = tree.get(e.path);
      ensureParents(e.path);
      if (old && !(old.type === "dir" && e.type === "dir")) drop(e.path);
      if (e.type === "hardlink") {
        // A link names a file the archive holds (possibly itself through a link): point at the file.
        const target = tree.get(e.linkname);
        if (!target || target.type === "dir") continue;
        tree.set(e.path, { ...e, linkname: target.type === "hardlink" ? target.linkname : target.path });
        continue;
      }
      tree.set(e.path, e);
    }
  }
  const all = [...tree.values()].sort((a, b) => comparePaths(a.path, b.path));
  return [...all.filter((e) => e.type !== "hardlink"), ...all.filter((e) => e.type === "hardlink")];
}

/** Orders paths component by component, so a directory comes right before its contents. */
function comparePaths(a: string, b: string): number {
  const x = a.split("/"), y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/** A layer as a manifest describes it (digest of the blob as stored) and, when known, its diff_id. */
export interface LayerRef { digest: string; mediaType: string; diffId?: string }

export class LayerStore {
  readonly blobs: BlobStore;
  private unpacked = new Map<string, Promise<TarEntry[]>>();

  constructor(blobs: BlobStore) {
    this.blobs = blobs;
  }

  /** The layer's entries, unpacked the first time they are asked for and shared afterwards. */
  entries(layer: LayerRef): Promise<TarEntry[]> {
    let p = this.unpacked.get(layer.digest);
    if (!p) {
      p = this.unpack(layer);
      this.unpacked.set(layer.digest, p);
      p.catch(() => this.unpacked.delete(layer.digest));
    }
    return p;
  }

  private async unpack(layer: LayerRef): Promise<TarEntry[]> {
    const blob = await this.blobs.get(layer.digest);
    if (!blob) throw new Error(`layer ${layer.digest} is not in the store`);
    const tar = layer.mediaType.endsWith("+gzip") || layer.mediaType.endsWith(".gzip") ? await gunzip(blob) : blob;
    if (layer.diffId !== undefined) {
      const diffId = await sha256Digest(tar);
      if (diffId !== layer.diffId) throw new Error(`layer ${layer.digest}: uncompressed digest ${diffId} is not diff_id ${layer.diffId}`);
    }
    return parseTar(tar);
  }

  /** The stacked tree of an image's layers (bottom first). */
  async tree(layers: readonly LayerRef[]): Promise<TarEntry[]> {
    return applyLayers(await Promise.all(layers.map((l) => this.entries(l))));
  }

  /** Number of layers unpacked so far (each at most once). */
  get unpackedCount(): number { return this.unpacked.size; }

  /**
   * Copies an image from an OCI layout into the store: every blob verified
   * against its descriptor. Returns the manifest and config, whose layers
   * `tree` can then stack from the store alone.
   */
  async importImage(src: BlobSource, ref?: string): Promise<{ manifest: ImageManifest; config: ImageConfig; layers: LayerRef[] }> {
    const dec = new TextDecoder();
    const index = JSON.parse(dec.decode(await src.read("index.json"))) as { manifests: Descriptor[] };
    const desc = ref ? index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === ref) : index.manifests[0];
    if (!desc) throw new Error(ref ? `no image tagged ${ref} in the layout` : "the layout's index is empty");
    const put = async (d: Descriptor): Promise<Uint8Array> => {
      // A stored copy that no longer matches its digest is fetched again and replaced.
      const cached = await this.blobs.get(d.digest).catch(() => undefined);
      if (cached) return cached;
      const bytes = await readBlob(src, d);
      // The store is a cache of the layout here: a full one only means the blob is fetched again next time.
      await this.blobs.put(bytes, d.digest).catch((e: unknown) => { if (!isQuotaError(e)) throw e; });
      return bytes;
    };
    const manifest = JSON.parse(dec.decode(await put(desc))) as ImageManifest;
    const config = JSON.parse(dec.decode(await put(manifest.config))) as ImageConfig;
    for (const l of manifest.layers) await put(l);
    const layers = manifest.layers.map((l, i) => ({ digest: l.digest, mediaType: l.mediaType, diffId: config.rootfs.diff_ids[i] }));
    return { manifest, config, layers };
  }

  /** An image as oci.ts's loadImage gives it, its blobs kept in (and after the first time, read from) the store. */
  async loadImage(src: BlobSource, ref?: string): Promise<LoadedImage> {
    const { manifest, config, layers } = await this.importImage(src, ref);
    return {
      manifest, config,
      layers: await Promise.all(layers.map(async (l, i) => ({ descriptor: manifest.layers[i], diffId: l.diffId!, entries: await this.entries(l) }))),
    };
  }
}
