// Node only: a BlobSource over a layout folder on disk.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobSource } from "./oci";

export function dirSource(dir: string): BlobSource {
  return { read: async (p) => new Uint8Array(await readFile(join(dir, p))) };
}
