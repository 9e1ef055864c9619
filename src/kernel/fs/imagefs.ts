// The root filesystem of an OCI image: its layers unpacked in order into one
// in-memory tree, applying the OCI image-spec whiteouts (".wh.NAME" deletes
// NAME from the layers below, ".wh..wh..opq" empties its directory).
// The tree is read-only: it is the shared lower layer of the overlay root
// (fs/rootfs.ts). Issue 5's overlay mounts will keep the layers apart.
import type { LoadedImage } from "../../store/oci";
import type { TarEntry } from "../../store/tar";
import { MemFs } from "./memfs";

const WH = ".wh.";
const OPAQUE = ".wh..wh..opq";

function applyEntry(fs: MemFs, e: TarEntry): void {
  const slash = e.path.lastIndexOf("/");
  const dir = slash < 0 ? "" : e.path.slice(0, slash);
  const base = e.path.slice(slash + 1);
  if (base === OPAQUE) { fs.clear(dir); return; }
  if (base.startsWith(WH)) { fs.remove(`${dir}/${base.slice(WH.length)}`); return; }
  const attrs = { mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime };
  switch (e.type) {
    case "dir": fs.mkdir(e.path, attrs); break;
    case "file": fs.writeFile(e.path, e.data, attrs); break;
    case "symlink": fs.symlink(e.path, e.linkname, attrs); break;
    case "hardlink": fs.link(e.path, e.linkname); break;
    // Device nodes, FIFOs in layers: skipped; /dev is mounted by the machine.
    default: break;
  }
}

/** Builds the merged root filesystem of `img`. */
export function imageRootFs(img: LoadedImage): MemFs {
  const fs = new MemFs({ mode: 0o755 });
  for (const layer of img.layers) {
    // Whiteouts and opaque markers apply to lower layers only: handle them first.
    for (const e of layer.entries) {
      const base = e.path.slice(e.path.lastIndexOf("/") + 1);
      if (base.startsWith(WH)) applyEntry(fs, e);
    }
    for (const e of layer.entries) {
      const base = e.path.slice(e.path.lastIndexOf("/") + 1);
      if (!base.startsWith(WH)) applyEntry(fs, e);
    }
  }
  fs.readOnly = true;
  return fs;
}
