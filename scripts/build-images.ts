// Builds Hako's base images as OCI image layouts (OCI image-spec v1.1:
// image-layout.md) under images/<name>/, from Debian packages fetched with
// `apt-get download` and unpacked with `dpkg-deb -x`. Idempotent: an image
// is rebuilt only when its inputs (package, sources, this script) change.
// Layers are deterministic — sorted entries, fixed owners, mtimes from the
// package, gzip without a timestamp — so the same inputs give the same digests.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { writeTar, type TarEntry } from "../src/store/tar";
import { MEDIA_CONFIG, MEDIA_INDEX, MEDIA_LAYER_GZIP, MEDIA_MANIFEST, type Descriptor, type ImageConfig, type ImageManifest } from "../src/store/oci";
import { aptUpdate } from "./deps";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const IMAGES_DIR = join(root, "images");
export const CACHE_DIR = join(root, ".cache");
const DEBS = join(CACHE_DIR, "debs");

const sha256 = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");
const enc = new TextEncoder();
const iso = (secs: number): string => new Date(secs * 1000).toISOString().replace(/\.000Z$/, "Z");

/** Downloads (once) and unpacks a Debian package; returns the folder it was unpacked into. */
export function debianPackage(pkg: string): { dir: string; deb: string } {
  mkdirSync(DEBS, { recursive: true });
  const find = (): string | undefined => readdirSync(DEBS).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  let deb = find();
  if (!deb) {
    try {
      execFileSync("apt-get", ["download", pkg], { cwd: DEBS, stdio: ["ignore", "ignore", "pipe"] });
    } catch {
      // Usually an empty package list on a fresh machine: update (as root) and retry.
      aptUpdate(`apt-get could not download ${pkg}`);
      execFileSync("apt-get", ["download", pkg], { cwd: DEBS, stdio: ["ignore", "ignore", "inherit"] });
    }
    deb = find();
    if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb in ${DEBS}`);
  }
  const dir = join(DEBS, pkg);
  const stamp = join(dir, ".unpacked-from");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== deb) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync("dpkg-deb", ["-x", join(DEBS, deb), dir]);
    writeFileSync(stamp, deb);
  }
  return { dir, deb };
}

/** The native busybox from Debian (also the tests' reference). */
export function nativeBusybox(): string {
  return join(debianPackage("busybox-static").dir, "bin/busybox");
}

interface ImageSpec {
  name: string;
  /** Everything that, when changed, must change the image. */
  inputs: string[];
  entries: () => TarEntry[];
  created: number;
  createdBy: string;
  config: NonNullable<ImageConfig["config"]>;
}

function dir(path: string, mtime: number, mode = 0o755): TarEntry {
  return { path, type: "dir", mode, uid: 0, gid: 0, mtime, linkname: "", devmajor: 0, devminor: 0, data: new Uint8Array(0) };
}
function file(path: string, data: Uint8Array | string, mtime: number, mode = 0o644): TarEntry {
  return { path, type: "file", mode, uid: 0, gid: 0, mtime, linkname: "", devmajor: 0, devminor: 0, data: typeof data === "string" ? enc.encode(data) : data };
}
function symlink(path: string, target: string, mtime: number): TarEntry {
  return { path, type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime, linkname: target, devmajor: 0, devminor: 0, data: new Uint8Array(0) };
}

/** Adds the parent directories every entry needs, then sorts (deterministic, parents first). */
function complete(entries: TarEntry[], mtime: number): TarEntry[] {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    for (let p = dirname(e.path); p !== "." && p !== "/"; p = dirname(p)) if (!byPath.has(p)) byPath.set(p, dir(p, mtime));
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const ETC_PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;
const ETC_GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:8:
www-data:x:33:
operator:x:37:
users:x:100:
nogroup:x:65534:
`;
const ETC_HOSTS = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
`;
// busybox init(8) reads this (format: busybox's examples/inittab; the first
// field is the terminal under /dev the process runs on, made its controlling
// tty). Hako's console is /dev/pts/0, the pty whose master the host holds (the
// page's terminal, hako shell): root logs in there as getty+login would, and a
// new login starts when that shell exits. ^Alt-Del reboots; halt, poweroff and
// reboot signal init, which stops everything and calls reboot(2).
const ETC_INITTAB = `pts/0::respawn:/bin/login -f root
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
`;
// Read by login shells (sh -l, login): login clears the environment but TERM.
const ETC_PROFILE = `export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PS1='\\u@\\h:\\w\\$ '
`;
const OS_RELEASE = `NAME="Hako"
PRETTY_NAME="Hako busybox (Debian busybox-static)"
ID=hako
HOME_URL="https://example.invalid/hako"
`;

function busyboxSpec(): ImageSpec {
  const { deb } = debianPackage("busybox-static");
  const bin = nativeBusybox();
  const mtime = Math.floor(statSync(bin).mtimeMs / 1000);
  return {
    name: "busybox",
    inputs: [deb],
    created: mtime,
    createdBy: `/bin/sh -c #(nop) ADD file:${deb} in / `,
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
    entries: () => {
      // `busybox --list-full` names every applet with its install path (bin/ls, usr/bin/awk, ...).
      const applets = execFileSync(bin, ["--list-full"], { encoding: "utf8" }).split("\n").filter(Boolean);
      const es: TarEntry[] = [file("bin/busybox", new Uint8Array(readFileSync(bin)), mtime, 0o755)];
      for (const a of applets) if (a !== "bin/busybox") es.push(symlink(a, "/bin/busybox", mtime));
      if (!applets.includes("bin/sh")) es.push(symlink("bin/sh", "/bin/busybox", mtime));
      // var/lib/hako/image is a mount point, as /proc and /sys are: the page and `hako shell` show the
      // machine's image there read-only (lowerdir= for a container made by hand) without writing the root.
      for (const d of ["root", "home", "tmp", "var", "var/lib", "var/lib/hako", "var/lib/hako/image", "var/spool/mail", "var/www", "proc", "sys", "dev", "mnt", "usr/local/bin", "usr/local/sbin"]) es.push(dir(d, mtime, d === "tmp" ? 0o1777 : d === "root" ? 0o700 : 0o755));
      es.push(file("etc/passwd", ETC_PASSWD, mtime), file("etc/group", ETC_GROUP, mtime), file("etc/hostname", "hako\n", mtime),
        file("etc/hosts", ETC_HOSTS, mtime), file("etc/os-release", OS_RELEASE, mtime), file("etc/shells", "/bin/sh\n/bin/ash\n", mtime),
        file("etc/inittab", ETC_INITTAB, mtime), file("etc/profile", ETC_PROFILE, mtime));
      return complete(es, mtime);
    },
  };
}

function helloSpec(): ImageSpec {
  const src = join(root, "scripts/images/hello-world/hello.c");
  const out = join(CACHE_DIR, "hello-world/hello");
  const source = readFileSync(src, "utf8");
  return {
    name: "hello-world",
    inputs: [sha256(source)],
    created: 0,
    createdBy: `/bin/sh -c #(nop) COPY file:${sha256(source).slice(0, 12)} in / `,
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/hello"] },
    entries: () => {
      mkdirSync(dirname(out), { recursive: true });
      execFileSync("musl-gcc", ["-static", "-Os", "-s", "-o", out, src], { stdio: "inherit" });
      return [file("hello", new Uint8Array(readFileSync(out)), 0, 0o755)];
    },
  };
}

function writeBlob(layout: string, bytes: Uint8Array, mediaType: string): Descriptor {
  const hex = sha256(bytes);
  const p = join(layout, "blobs/sha256", hex);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

function buildImage(spec: ImageSpec): boolean {
  const layout = join(IMAGES_DIR, spec.name);
  const key = sha256(JSON.stringify([spec.inputs, sha256(readFileSync(fileURLToPath(import.meta.url))), sha256(readFileSync(join(root, "src/store/tar.ts")))]));
  const stampPath = join(layout, ".hako-inputs");
  if (existsSync(stampPath) && readFileSync(stampPath, "utf8") === key && existsSync(join(layout, "index.json"))) return false;
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(layout, { recursive: true });
  const tar = writeTar(spec.entries());
  const layer = writeBlob(layout, gzipSync(tar, { level: 9 }), MEDIA_LAYER_GZIP);
  const config: ImageConfig = {
    created: iso(spec.created),
    architecture: "amd64",
    os: "linux",
    config: spec.config,
    rootfs: { type: "layers", diff_ids: [`sha256:${sha256(tar)}`] },
    history: [
      { created: iso(spec.created), created_by: spec.createdBy },
      { created: iso(spec.created), created_by: `/bin/sh -c #(nop)  CMD ${JSON.stringify(spec.config.Cmd)}`, empty_layer: true },
    ],
  };
  const configDesc = writeBlob(layout, enc.encode(JSON.stringify(config)), MEDIA_CONFIG);
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MEDIA_MANIFEST, config: configDesc, layers: [layer] };
  const manifestDesc = writeBlob(layout, enc.encode(JSON.stringify(manifest)), MEDIA_MANIFEST);
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(layout, "index.json"), JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA_INDEX,
    manifests: [{ ...manifestDesc, platform: { architecture: "amd64", os: "linux" }, annotations: { "org.opencontainers.image.ref.name": "latest", "io.hako.image.name": spec.name } }],
  }, null, 2));
  writeFileSync(stampPath, key);
  return true;
}

/** Lists the images built so far (for the app's image list). */
function writeCatalog(names: string[]): void {
  writeFileSync(join(IMAGES_DIR, "catalog.json"), JSON.stringify({ images: names }, null, 2));
}

export async function buildImages(): Promise<void> {
  const specs = [busyboxSpec(), helloSpec()];
  for (const s of specs) if (buildImage(s)) console.log(`built image ${s.name} → ${relative(root, join(IMAGES_DIR, s.name))}`);
  writeCatalog(specs.map((s) => s.name));
}


if (process.argv[1] === fileURLToPath(import.meta.url)) await buildImages();
