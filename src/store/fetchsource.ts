// A BlobSource over HTTP: an image layout served under a base URL (the app
// serves images/ at /images/).
import type { BlobSource } from "./oci";

export function fetchSource(baseUrl: string): BlobSource {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return {
    async read(path) {
      const res = await fetch(new URL(path, base));
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
