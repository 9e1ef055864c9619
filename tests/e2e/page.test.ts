// The page in a real browser: the terminal appears, keys reach the worker
// over the byte stream, the machine in the worker runs real busybox on the
// emulated CPU and its output comes back, resizes reach the worker, and the
// console stays free of errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ViteDevServer } from "vite";
import type { Browser, Page } from "playwright-core";
import { createHash } from "node:crypto";
import { launchChromium, startServer } from "./browser";

let server: ViteDevServer;
let url: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  ({ server, url } = await startServer());
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("response", (r) => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} ${r.url()}`); });
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const screen = (p: Page) => p.locator(".xterm-rows").innerText();

describe("the page", () => {
  it("shows the terminal and the labelled panels", async () => {
    await page.locator(".xterm-rows").waitFor();
    await expect.poll(() => screen(page), { timeout: 60_000 }).toContain("hako$");
    expect(await screen(page)).toContain("x86-64 CPU in WebAssembly");
    for (const title of ["Layers", "Processes", "Resources", "API", "Lessons"]) {
      await expect(page.getByRole("heading", { name: title, exact: true }).count()).resolves.toBe(1);
    }
    await expect.poll(() => page.getByTestId("machine-state").innerText()).toBe("machine: commands");
    // Isolation lets the worker sleep with Atomics.wait while the guest sleeps, instead of spinning.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  async function command(line: string): Promise<void> {
    await page.keyboard.type(line);
    await page.keyboard.press("Enter");
  }

  it("runs busybox on the emulated CPU when a line is typed", async () => {
    await page.locator(".xterm").click();
    await command("uname -m");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toMatch(/uname -m\s+x86_64\s+hako\$/);
    await command("echo 'hello   hako' 箱");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toContain("hello   hako 箱");
    const digest = createHash("sha256").update("hako\n").digest("hex");
    await command("sha256sum /etc/hostname");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toContain(`${digest}  /etc/hostname`);
    await command("no-such-command");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toContain("no-such-command: command not found");
  });

  it("stays responsive while the guest loops, and ^C stops the loop", async () => {
    await command("awk 'BEGIN { while (1) {} }'");
    await page.waitForTimeout(500);
    // The main thread answers at once: the machine runs in the worker, in slices.
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      await page.evaluate(() => document.title);
      expect(Date.now() - t0).toBeLessThan(100);
    }
    await page.keyboard.press("Control+C");
    await expect.poll(() => screen(page), { timeout: 10_000 }).toMatch(/\^C\s+hako\$\s*$/);
    await command("echo loop stopped");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toMatch(/\^C\s+hako\$ echo loop stopped\s+loop stopped\s+hako\$/);
  });

  it("reports terminal resizes to the worker", async () => {
    const before = await page.getByTestId("term-size").innerText();
    await page.setViewportSize({ width: 900, height: 500 });
    await expect.poll(() => page.getByTestId("term-size").innerText(), { timeout: 10_000 }).not.toBe(before);
    const [cols, rows] = (await page.getByTestId("term-size").innerText()).split("×").map(Number);
    const [cols0, rows0] = before.split("×").map(Number);
    expect(cols).toBeLessThan(cols0);
    expect(rows).toBeLessThan(rows0);
  });

  it("has no console errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
