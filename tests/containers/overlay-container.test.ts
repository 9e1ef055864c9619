// The hand-made container of issue 5, by busybox in Hako: the busybox image
// (the machine's own lower layer, shown read-only at /var/lib/hako/image by
// the machine option imageAt, as dockerd shows a layer under
// /var/lib/docker/overlay2/<id>/diff) becomes
// the lower layer of an overlay with a tmpfs upper; a shell unshares its
// mount and PID namespaces, pivot_roots into the overlay, mounts /proc,
// drops the old root, writes and deletes files. Afterwards the upper
// directory holds exactly the new and changed files, their copied-up
// parent directories and a whiteout (0/0 character device) for each
// deleted lower name (overlayfs.rst "Upper and Lower", "whiteouts and
// opaque directories"), and the image is untouched.
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, symlinkSync, linkSync, chmodSync, rmSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { loadImage } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { makeScratch } from "../userland/harness";
import { buildImages } from "../../scripts/build-images";
import { Machine } from "../../src/kernel/machine";
import { imageRoot, IMAGES_DIR } from "../../src/hako/rootfs";
import { type Inode, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR } from "../../src/kernel/fs/inode";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";

let m: Machine;
let image: Inode;

/** One line per object under `dir`: path, type, mode, owner, and contents or target. */
function tree(dir: Inode, prefix = "."): string[] {
  const out: string[] = [];
  for (const [name, i] of dir.entries()) {
    const p = `${prefix}/${name}`;
    const perm = (i.mode & 0o7777).toString(8);
    switch (i.mode & S_IFMT) {
      case S_IFDIR: out.push(`${p}/ ${perm}:${i.uid}`, ...tree(i, p)); break;
      case S_IFREG: out.push(`${p} ${perm}:${i.uid} ${JSON.stringify(Buffer.from(i.read(0, i.size)).toString("latin1"))}`); break;
      case S_IFLNK: out.push(`${p} -> ${i.readlink()}`); break;
      case S_IFCHR: out.push(`${p} c ${(i.rdev >> 8) & 0xfff},${i.rdev & 0xff}`); break;
      default: out.push(`${p} ?`);
    }
  }
  return out.sort();
}

function lookup(root: Inode, path: string): Inode {
  let i = root;
  for (const p of path.split("/").filter(Boolean)) {
    const n = i.lookup(p);
    if (!n) throw new Error(`no ${path}`);
    i = n;
  }
  return i;
}

/** The inode at `path` in the machine's (root) mount namespace. */
function at(path: string): Inode {
  const r = m.vfs.resolve(m.vfs.root, m.vfs.root, path, false);
  if (typeof r === "number") throw new Error(`${path}: errno ${-r}`);
  return r.inode;
}

function sh(script: string): { out: string; status: number } {
  const out: Uint8Array[] = [];
  const r = m.run({
    argv: ["/bin/sh", "-c", `exec 2>&1\n${script}`], cwd: "/", env: ["PATH=/bin:/sbin:/usr/bin:/usr/sbin", "LC_ALL=C", "TZ=UTC"],
    stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => out.push(d)) },
    maxInstructions: 20e9,
  });
  return { out: Buffer.concat(out).toString("latin1"), status: r.status };
}


/** What the shell in the container does (ROOTFS: the merged directory, seen from the host namespace). */
const inContainer = (rootfs: string): string => `unshare -m -p -f sh -c '
  cd ${rootfs} && mkdir .oldroot && pivot_root . .oldroot && cd / || exit 1
  export PATH=/bin:/sbin:/usr/bin:/usr/sbin
  mount -t proc proc /proc && umount -l /.oldroot && rmdir /.oldroot || exit 2
  echo pid $$; cat /proc/1/comm
  echo hello > /root/hello.txt
  echo box > /etc/hostname
  echo "x:x:1000:1000::/home/x:/bin/sh" >> /etc/passwd
  mkdir /data && echo d > /data/file
  rm /bin/vi /etc/shells
  rm -r /var/spool
  ls /bin/vi /var/spool 2>&1; ls / | tr "\\n" " "; echo
  cat /proc/mounts'`;

const INSIDE_OUT = [
  "pid 1", "sh",
  "ls: /bin/vi: No such file or directory", "ls: /var/spool: No such file or directory",
  "bin data dev etc home linuxrc mnt proc root sbin sys tmp usr var ",
  "overlay / overlay rw,relatime,lowerdir=/var/lib/hako/image,upperdir=/tmp/ctr/upper,workdir=/tmp/ctr/work 0 0",
  "proc /proc proc rw,relatime 0 0", "",
].join("\n");

/** The upper directory afterwards: the new and changed files, their parents as the image has them, whiteouts. */
function expectedUpper(): string[] {
  const mode = (p: string): string => (lookup(image, p).mode & 0o7777).toString(8);
  const passwd = Buffer.from(lookup(image, "etc/passwd").read(0, 4096)).toString("latin1");
  return [
    `./bin/ ${mode("bin")}:0`, "./bin/vi c 0,0",
    "./data/ 755:0", './data/file 644:0 "d\\n"',
    `./etc/ ${mode("etc")}:0`, './etc/hostname 644:0 "box\\n"',
    `./etc/passwd ${mode("etc/passwd")}:0 ${JSON.stringify(passwd + "x:x:1000:1000::/home/x:/bin/sh\n")}`, "./etc/shells c 0,0",
    `./root/ ${mode("root")}:0`, './root/hello.txt 644:0 "hello\\n"',
    `./var/ ${mode("var")}:0`, "./var/spool c 0,0",
  ].sort();
}

beforeAll(async () => {
  if (!existsSync(join(IMAGES_DIR, "busybox/index.json"))) await buildImages();
  image = (await imageRoot("busybox")).root;
  m = await Machine.create({ root: image, imageAt: "/var/lib/hako/image" });
}, 120000);

describe("a container made by hand: overlay of the busybox image, pivot_root, /proc", () => {
  it("leaves exactly the changes in the upper directory and the image untouched", (ctx) => {
    // unshare(2) comes with the namespaces work (syscall/ns.ts); until it is in, this case cannot run.
    if (sh("unshare -m true").out.includes("Function not implemented")) {
      console.warn("overlay-container.test: unshare(2) is not implemented in this tree yet; skipped");
      ctx.skip();
      return;
    }
    const before = tree(image);
    // The machine's own root is an overlay of the image, which imageAt also shows read-only.
    expect(sh("grep -E '^overlay / |/var/lib/hako/image' /proc/mounts").out).toBe(
      "overlay / overlay rw,relatime,lowerdir=/var/lib/hako/image,upperdir=/upper 0 0\nimage /var/lib/hako/image tmpfs ro,relatime 0 0\n");
    const setup = sh([
      "mkdir -p /tmp/ctr && mount -t tmpfs tmpfs /tmp/ctr && cd /tmp/ctr && mkdir upper work rootfs",
      "mount -t overlay overlay -o lowerdir=/var/lib/hako/image,upperdir=/tmp/ctr/upper,workdir=/tmp/ctr/work /tmp/ctr/rootfs",
      "grep ' /tmp/ctr/rootfs ' /proc/mounts",
    ].join(" && "));
    expect(setup.out).toBe("overlay /tmp/ctr/rootfs overlay rw,relatime,lowerdir=/var/lib/hako/image,upperdir=/tmp/ctr/upper,workdir=/tmp/ctr/work 0 0\n");
    const inside = sh(inContainer("/tmp/ctr/rootfs"));
    expect(inside.out).toBe(INSIDE_OUT);
    expect(inside.status).toBe(0);

    // What `ls -la` shows of the upper directory on the host side: the whiteouts are 0/0 character devices.
    const listing = sh("cd /tmp/ctr/upper && ls -la bin etc | awk '$1 ~ /^c/ {print $1, $5, $6, $NF}'");
    expect(listing.out).toBe("c--------- 0, 0 vi\nc--------- 0, 0 shells\n");

    expect(tree(at("/tmp/ctr/upper"))).toEqual(expectedUpper());
    // The image itself (also seen at /var/lib/hako/image) did not change.
    expect(tree(image)).toEqual(before);
    expect(sh("ls -l /var/lib/hako/image/bin/vi /var/lib/hako/image/etc/shells | wc -l").out).toBe("2\n");
  });
});

// ---- the same on Linux ----

/** The image's layers unpacked on disk, as a container runtime would (no whiteouts in this image). */
async function unpackImage(): Promise<string> {
  const img = await loadImage(dirSource(join(IMAGES_DIR, "busybox")));
  const dir = mkdtempSync(join(tmpdir(), "hako-ctr-image-"));
  for (const layer of img.layers) {
    for (const e of layer.entries) {
      const p = join(dir, e.path);
      mkdirSync(dirname(p), { recursive: true });
      if (e.type === "dir") { mkdirSync(p, { recursive: true }); chmodSync(p, e.mode & 0o7777); }
      else if (e.type === "file") { writeFileSync(p, e.data); chmodSync(p, e.mode & 0o7777); }
      else if (e.type === "symlink") symlinkSync(e.linkname, p);
      else if (e.type === "hardlink") linkSync(join(dir, e.linkname), p);
    }
  }
  return dir;
}

/** tree() over a host directory. */
function hostTree(dir: string, prefix = "."): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name), q = `${prefix}/${name}`;
    const st = lstatSync(p);
    const perm = (st.mode & 0o7777).toString(8);
    switch (st.mode & S_IFMT) {
      case S_IFDIR: out.push(`${q}/ ${perm}:${st.uid}`, ...hostTree(p, q)); break;
      case S_IFREG: out.push(`${q} ${perm}:${st.uid} ${JSON.stringify(readFileSync(p).toString("latin1"))}`); break;
      case S_IFLNK: out.push(`${q} -> ${readlinkSync(p)}`); break;
      case S_IFCHR: out.push(`${q} c ${(st.rdev >> 8) & 0xfff},${st.rdev & 0xff}`); break;
      default: out.push(`${q} ?`);
    }
  }
  return out.sort();
}

describe("the same container on Linux (the image unpacked on disk, a real overlay, unshare, pivot_root)", () => {
  it("prints the same inside and leaves the same upper directory", async (ctx) => {
    if (process.getuid?.() !== 0) { console.warn("overlay-container.test: not root, the Linux half is skipped"); ctx.skip(); return; }
    const img = await unpackImage();
    const c = mkdtempSync(join(tmpdir(), "hako-ctr-"));
    const s = makeScratch();
    try {
      const mounted = spawnSync("mount", ["-t", "tmpfs", "tmpfs", c]);
      if (mounted.status !== 0) { console.warn(`overlay-container.test: the host refuses mount(2), the Linux half is skipped`); ctx.skip(); return; }
      try {
        const before = hostTree(img);
        const script = `cd ${c} && mkdir upper work rootfs && mount -t overlay overlay -o lowerdir=${img},upperdir=${c}/upper,workdir=${c}/work ${c}/rootfs || exit 9
          ${inContainer(`${c}/rootfs`)}; st=$?; umount ${c}/rootfs; exit $st`;
        const r = spawnSync(join(s.dir, "bin/sh"), ["-c", `exec 2>&1\n${script}`], { env: { PATH: join(s.dir, "bin"), LC_ALL: "C", TZ: "UTC" }, encoding: "latin1" });
        if (r.status === 9) { console.warn(`overlay-container.test: the host refuses an overlay mount (${r.stdout.trim()}), skipped`); ctx.skip(); return; }
        // Paths differ on the host; its kernel also prints its default uuid=on.
        const out = r.stdout.split(img).join("/var/lib/hako/image").split(c).join("/tmp/ctr").replace(",uuid=on", "");
        expect(out).toBe(INSIDE_OUT);
        expect(r.status).toBe(0);
        expect(hostTree(join(c, "upper"))).toEqual(expectedUpper());
        expect(hostTree(img)).toEqual(before);
      } finally { spawnSync("umount", ["-R", c]); }
    } finally {
      rmSync(c, { recursive: true, force: true });
      rmSync(img, { recursive: true, force: true });
      rmSync(s.dir, { recursive: true, force: true });
    }
  });
});
