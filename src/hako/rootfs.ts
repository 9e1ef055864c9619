// Root filesystems for `hako run`: an image from images/NAME (an OCI image
// layout built by scripts/build-images) or a host directory (read-only).
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { loadImage, type ImageConfig } from "../store/oci";
import { dirSource } from "../store/nodesource";
import { imageRootFs } from "../kernel/fs/imagefs";
import { HostFs } from "../kernel/fs/hostfs";
import type { Inode } from "../kernel/fs/inode";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const IMAGES_DIR = join(REPO_ROOT, "images");

export interface RootFs {
  root: Inode;
  /** The image's runtime config (Env, WorkingDir…), when it came from an image. */
  config?: ImageConfig["config"];
}

const cache = new Map<string, RootFs>();

/** Loads images/NAME once per process. */
export async function imageRoot(name: string, imagesDir = IMAGES_DIR): Promise<RootFs> {
  const dir = join(imagesDir, name);
  const hit = cache.get(dir);
  if (hit) return hit;
  if (!existsSync(join(dir, "index.json"))) {
    throw new Error(`no image ${name} in ${imagesDir} (run: npm run setup)`);
  }
  const img = await loadImage(dirSource(dir));
  const fs: RootFs = { root: imageRootFs(img).root, config: img.config.config };
  cache.set(dir, fs);
  return fs;
}

export function hostRoot(dir: string): RootFs {
  return { root: new HostFs(dir).root };
}
