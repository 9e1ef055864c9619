// The page's disk: what the guest writes on / (the root overlay's upper
// layer) is saved in IndexedDB and is there again after a reload — new files,
// a copied-up lower file, a deleted lower file (a whiteout), a symlink, a
// hard link, modes, a 300 kB random file checked by md5sum — and "reset
// machine" forgets it all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ViteDevServer } from "vite";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium, startServer } from "./browser";
import { terminal } from "./terminal";

let server: ViteDevServer;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  ({ server, url } = await startServer());
  browser = await launchChromium();
  // One context: its tabs share IndexedDB and Web Locks, as tabs of one browser profile do.
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("dialog", (d) => void d.accept());
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const { disk, seq, ready, run } = terminal(() => page);

describe("persistence of the root filesystem in the page", () => {
  it("starts fresh, then saves what the guest writes", async () => {
    await ready();
    await expect.poll(disk, { timeout: 10_000 }).toBe("disk: fresh");
    await run("echo hi > /root/note && chmod 600 /root/note && ln /root/note /root/hard && ln -s note /root/link && echo ok", /ok/);
    await run("mkdir -p /root/d/e && head -c 300000 /dev/urandom > /root/d/e/blob && md5sum /root/d/e/blob > /root/sum && echo ok", /ok/);
    await run("echo '10.0.0.1 box' >> /etc/hosts && rm /usr/bin/yes && echo ok", /ok/);
    // Saved once the writes went quiet: the indicator shows a committed save with nothing pending.
    await expect.poll(disk, { timeout: 15_000 }).toMatch(/^disk: saved #\d+$/);
  });

  it("finds every change intact after a reload", async () => {
    await page.reload();
    await ready();
    await expect.poll(disk, { timeout: 10_000 }).toMatch(/^disk: saved #\d+$/);
    await run("cat /root/note", /hi/);
    await run("md5sum -c /root/sum", /\/root\/d\/e\/blob: OK/);
    await run("stat -c '%a %h %s' /root/note; readlink /root/link", /600 2 3\s+note/);
    await run("tail -n 1 /etc/hosts", /10\.0\.0\.1 box/);
    await run("ls /usr/bin/yes; echo status=$?", /No such file or directory\s+status=1/);
    // Writing on after the reload is saved again and survives a second reload.
    const before = await seq();
    await run("echo again >> /root/note && echo ok", /ok/);
    await expect.poll(seq, { timeout: 15_000 }).toBeGreaterThan(before);
    await page.reload();
    await ready();
    await run("cat /root/note", /hi\s+again/);
  });

  it("lets one tab own the saved machine: a second tab runs unsaved and cannot reset it", async () => {
    const other = await context.newPage();
    try {
      await other.goto(url);
      await expect.poll(() => other.getByTestId("disk-state").innerText(), { timeout: 60_000 }).toBe("disk: not saved");
      expect(await other.getByTestId("disk-state").getAttribute("title")).toMatch(/another tab/);
      expect(await other.getByTestId("disk-reset").count()).toBe(0);
    } finally {
      await other.close();
    }
    // The owner still saves.
    const before = await seq();
    await run("echo third >> /root/note && echo ok", /ok/);
    await expect.poll(seq, { timeout: 15_000 }).toBeGreaterThan(before);
  });

  it("reset machine forgets the saved root: the next page starts from the image", async () => {
    await page.getByTestId("disk-reset").click();
    await page.waitForEvent("load");
    await ready();
    await expect.poll(disk, { timeout: 10_000 }).toBe("disk: fresh");
    await run("cat /root/note; ls /usr/bin/yes", /No such file or directory\s+\/usr\/bin\/yes/);
    expect(consoleErrors).toEqual([]);
  });
});
