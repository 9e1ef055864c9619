// Shared setup for browser tests: a Vite dev server on a free port and
// Debian's Chromium driven by playwright-core. Never a downloaded browser.
import { createServer, type ViteDevServer } from "vite";
import { chromium, type Browser } from "playwright-core";
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.HAKO_CHROMIUM ?? "/usr/bin/chromium";

/** The page under test must not reload mid-test because a source changed: no file watching. */
export async function startServer(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({ configFile: "vite.config.ts", logLevel: "warn", server: { port: 0, host: "127.0.0.1", watch: null } });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("vite did not report a local URL");
  return { server, url };
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Flags for a machine without network access: no background fetches.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}
