import { defineConfig, type Plugin } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { createReadStream, existsSync, statSync, cpSync } from "node:fs";
import { join, normalize } from "node:path";
import { buildCpu } from "./scripts/build-cpu.mjs";

const root = import.meta.dirname;
const imagesDir = join(root, "images");

/**
 * Keeps generated inputs fresh without a manual step: builds the CPU wasm
 * before serving or bundling and rebuilds it when src/cpu changes; serves
 * the OCI image layouts under /images/ and copies them into the bundle.
 */
function hako(): Plugin {
  return {
    name: "hako",
    async buildStart() {
      await buildCpu();
    },
    configureServer(server) {
      server.watcher.add(join(root, "src/cpu"));
      server.watcher.on("change", async (file) => {
        if (!file.startsWith(join(root, "src/cpu")) || !file.endsWith(".ts")) return;
        try {
          if (await buildCpu()) server.ws.send({ type: "full-reload" });
        } catch (e) {
          server.config.logger.error(String(e));
        }
      });
      server.middlewares.use("/images", (req, res, next) => {
        const rel = normalize(decodeURIComponent((req.url ?? "/").split("?")[0])).replace(/^(\.\.[/\\])+/, "");
        const p = join(imagesDir, rel);
        if (!p.startsWith(imagesDir) || !existsSync(p) || !statSync(p).isFile()) return next();
        res.setHeader("Content-Type", p.endsWith(".json") ? "application/json" : "application/octet-stream");
        createReadStream(p).pipe(res);
      });
    },
    closeBundle() {
      if (existsSync(imagesDir)) cpSync(imagesDir, join(root, "dist/images"), { recursive: true });
    },
  };
}

/**
 * Cross-origin isolation gives the worker SharedArrayBuffer, so the kernel
 * can wait for its next timer with Atomics.wait instead of spinning when
 * every guest task sleeps. A static host must send the same two headers.
 */
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  plugins: [hako(), svelte()],
  worker: { format: "es" },
  server: { port: 5173, strictPort: false, fs: { allow: [root] }, headers: isolation },
  preview: { port: 4173, headers: isolation },
});
