// The image builder's output: real OCI layouts whose digests verify, whose
// layers hold what the images promise, and that real tools read too.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadImage, blobPath } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { buildImages, IMAGES_DIR, nativeBusybox } from "../../scripts/build-images";

const layout = (name: string) => join(IMAGES_DIR, name);

describe("OCI image layouts", () => {
  for (const name of ["busybox", "hello-world"]) {
    it(`${name}: every blob hashes to its name and the image loads with verified digests`, async () => {
      const dir = join(layout(name), "blobs/sha256");
      const blobs = readdirSync(dir);
      expect(blobs.length).toBe(3); // manifest, config, one layer
      for (const b of blobs) expect(createHash("sha256").update(readFileSync(join(dir, b))).digest("hex")).toBe(b);
      const img = await loadImage(dirSource(layout(name)));
      expect(img.config.architecture).toBe("amd64");
      expect(img.config.os).toBe("linux");
      expect(img.config.history?.length).toBeGreaterThanOrEqual(2);
      expect(img.config.history?.filter((h) => !h.empty_layer).length).toBe(img.layers.length);
      const index = JSON.parse(readFileSync(join(layout(name), "index.json"), "utf8"));
      expect(index.manifests[0].annotations["org.opencontainers.image.ref.name"]).toBe("latest");
    });
  }

  it("rejects a layout whose blob was tampered with", async () => {
    const copy = mkdtempSync(join(tmpdir(), "hako-oci-"));
    cpSync(layout("hello-world"), copy, { recursive: true });
    const img = await loadImage(dirSource(copy));
    const p = join(copy, blobPath(img.manifest.layers[0].digest));
    const bytes = readFileSync(p);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(p, bytes);
    await expect(loadImage(dirSource(copy))).rejects.toThrow(/hashes to/);
  });

  it("busybox layer holds Debian's busybox and a link for every applet", async () => {
    const img = await loadImage(dirSource(layout("busybox")));
    const entries = new Map(img.layers[0].entries.map((e) => [e.path, e]));
    const bb = entries.get("bin/busybox");
    expect(bb?.type).toBe("file");
    expect(bb?.mode).toBe(0o755);
    expect(Buffer.from(bb!.data).equals(readFileSync(nativeBusybox()))).toBe(true);
    const applets = execFileSync(nativeBusybox(), ["--list-full"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "bin/busybox");
    expect(applets.length).toBeGreaterThan(250);
    for (const a of applets) {
      const e = entries.get(a);
      expect(e?.type, a).toBe("symlink");
      expect(e?.linkname, a).toBe("/bin/busybox");
    }
    expect(entries.get("bin/sh")?.linkname).toBe("/bin/busybox");
    expect(new TextDecoder().decode(entries.get("etc/passwd")!.data)).toMatch(/^root:x:0:0:root:\/root:\/bin\/sh$/m);
    expect(new TextDecoder().decode(entries.get("etc/os-release")!.data)).toMatch(/^NAME="Hako"$/m);
    expect(entries.get("tmp")?.mode).toBe(0o1777);
    // Every parent directory is present, so any unpacker can rebuild the tree.
    for (const p of entries.keys()) if (p.includes("/")) expect(entries.get(p.slice(0, p.lastIndexOf("/")))?.type, p).toBe("dir");
  });

  it("GNU tar reads the busybox layer and agrees with our parser", async () => {
    const img = await loadImage(dirSource(layout("busybox")));
    const blob = join(layout("busybox"), blobPath(img.manifest.layers[0].digest));
    const listed = execFileSync("tar", ["-tzf", blob], { encoding: "utf8" }).split("\n").filter(Boolean).map((p) => p.replace(/\/$/, ""));
    expect(listed).toEqual(img.layers[0].entries.map((e) => e.path));
  });

  it("hello-world explains what happened, in English or Japanese by LANG", async () => {
    const img = await loadImage(dirSource(layout("hello-world")));
    expect(img.config.config?.Cmd).toEqual(["/hello"]);
    const hello = img.layers[0].entries.find((e) => e.path === "hello")!;
    expect(hello.mode).toBe(0o755);
    expect(Array.from(hello.data.subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    const dir = mkdtempSync(join(tmpdir(), "hako-hello-"));
    writeFileSync(join(dir, "hello"), hello.data, { mode: 0o755 });
    const en = execFileSync(join(dir, "hello"), { encoding: "utf8", env: { LANG: "C.UTF-8" } });
    expect(en).toContain("Hello from Hako!");
    expect(en).toContain("The Docker daemon pulled the \"hello-world\" image.");
    const ja = execFileSync(join(dir, "hello"), { encoding: "utf8", env: { LANG: "ja_JP.UTF-8" } });
    expect(ja).toContain("Hako からこんにちは!");
    expect(ja).toContain("Docker デーモン");
  });

  it("building again changes nothing (idempotent, deterministic)", async () => {
    const before = readdirSync(layout("busybox"), { recursive: true }).sort();
    const index = readFileSync(join(layout("busybox"), "index.json"), "utf8");
    await buildImages();
    expect(readdirSync(layout("busybox"), { recursive: true }).sort()).toEqual(before);
    expect(readFileSync(join(layout("busybox"), "index.json"), "utf8")).toBe(index);
  });
});
