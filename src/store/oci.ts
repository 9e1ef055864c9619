// Reading OCI image layouts (OCI image-spec v1.1: image-layout.md, manifest.md,
// config.md): index.json → manifest → config + layers, every blob verified
// against its digest. The layout comes from a BlobSource, so the same code
// reads a folder in Node and a served folder in the browser.
import { sha256Digest, gunzip } from "./digest";
import { parseTar, type TarEntry } from "./tar";

export const MEDIA_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json";
export const MEDIA_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}
export interface ImageIndex { schemaVersion: 2; mediaType?: string; manifests: Descriptor[] }
export interface ImageManifest { schemaVersion: 2; mediaType: string; config: Descriptor; layers: Descriptor[]; annotations?: Record<string, string> }
export interface HistoryEntry { created?: string; created_by?: string; comment?: string; empty_layer?: boolean; author?: string }
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  config?: { Env?: string[]; Cmd?: string[]; Entrypoint?: string[]; WorkingDir?: string; User?: string; Labels?: Record<string, string> };
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: HistoryEntry[];
}

/** Where a layout's files come from: paths are relative to the layout root. */
export interface BlobSource { read(path: string): Promise<Uint8Array> }

export interface LoadedLayer { descriptor: Descriptor; diffId: string; entries: TarEntry[] }
export interface LoadedImage { manifest: ImageManifest; config: ImageConfig; layers: LoadedLayer[] }

const text = new TextDecoder();

export function blobPath(digest: string): string {
  const [alg, hex] = digest.split(":");
  if (alg !== "sha256" || !/^[0-9a-f]{64}$/.test(hex ?? "")) throw new Error(`unsupported digest ${digest}`);
  return `blobs/sha256/${hex}`;
}

/** Reads a blob and checks its size and digest. */
export async function readBlob(src: BlobSource, d: Descriptor): Promise<Uint8Array> {
  const bytes = await src.read(blobPath(d.digest));
  if (bytes.length !== d.size) throw new Error(`blob ${d.digest}: size ${bytes.length}, descriptor says ${d.size}`);
  const got = await sha256Digest(bytes);
  if (got !== d.digest) throw new Error(`blob ${d.digest}: content hashes to ${got}`);
  return bytes;
}

async function readJson<T>(src: BlobSource, d: Descriptor): Promise<T> {
  return JSON.parse(text.decode(await readBlob(src, d))) as T;
}

/** Loads the (first, or the one tagged `ref`) image of a layout, with every layer unpacked. */
export async function loadImage(src: BlobSource, ref?: string): Promise<LoadedImage> {
  const layout = JSON.parse(text.decode(await src.read("oci-layout"))) as { imageLayoutVersion?: string };
  if (!layout.imageLayoutVersion) throw new Error("not an OCI image layout: oci-layout has no imageLayoutVersion");
  const index = JSON.parse(text.decode(await src.read("index.json"))) as ImageIndex;
  const desc = ref
    ? index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === ref)
    : index.manifests[0];
  if (!desc) throw new Error(ref ? `no image tagged ${ref} in the layout` : "the layout's index is empty");
  const manifest = await readJson<ImageManifest>(src, desc);
  const config = await readJson<ImageConfig>(src, manifest.config);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) throw new Error("config diff_ids do not match the manifest's layers");
  const layers: LoadedLayer[] = [];
  for (const [i, d] of manifest.layers.entries()) {
    const gz = await readBlob(src, d);
    const tar = d.mediaType.endsWith("+gzip") ? await gunzip(gz) : gz;
    const diffId = await sha256Digest(tar);
    if (diffId !== config.rootfs.diff_ids[i]) throw new Error(`layer ${d.digest}: uncompressed digest ${diffId} is not diff_id ${config.rootfs.diff_ids[i]}`);
    layers.push({ descriptor: d, diffId, entries: parseTar(tar) });
  }
  return { manifest, config, layers };
}
