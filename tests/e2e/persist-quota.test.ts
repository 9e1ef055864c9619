// A full browser store, for real: Chromium's quota for the page's origin is
// lowered through the DevTools protocol (Storage.overrideQuotaForOrigin), the
// guest writes more than fits, IndexedDB aborts the save with
// QuotaExceededError, and the guest meets a full disk: its next writes fail
// with ENOSPC and `sync FILE` (fsync) too. What was saved before survives a
// reload; deleting the big file lets saving go on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ViteDevServer } from "vite";
import type { Browser, Page } from "playwright-core";
import { launchChromium, startServer } from "./browser";
import { terminal } from "./terminal";

let server: ViteDevServer;
let url: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ({ server, url } = await startServer());
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("dialog", (d) => void d.accept());
  // 3 MB for the origin, set before its IndexedDB opens (Chromium reads the quota when the database opens):
  // room for the image's blobs (about 1.1 MB) and small files, not for a 6 MB file.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Storage.overrideQuotaForOrigin", { origin: new URL(url).origin, quotaSize: 3_000_000 });
  await page.goto(url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const { disk, seq, ready, run } = terminal(() => page);

describe("a full browser store", () => {
  it("becomes ENOSPC in the guest, keeps what was saved, and recovers after rm", async () => {
    await ready();
    await run("echo kept > /root/kept && echo ok", /ok/);
    await expect.poll(disk, { timeout: 15_000 }).toMatch(/^disk: saved #\d+$/);
    // A save may run while dd still writes (at most 2 s after the first change): dd itself then meets the full disk.
    await run("dd if=/dev/urandom of=/root/big bs=4096 count=1500; echo status=$?", /(records out[\s\S]*status=0|dd: error writing '\/root\/big': No space left on device[\s\S]*status=1)/);
    await expect.poll(disk, { timeout: 20_000 }).toBe("disk: full");
    expect(await page.getByTestId("disk-state").getAttribute("title")).toMatch(/QuotaExceeded/);
    await run("echo more > /root/more; echo status=$?", /No space left on device\s+status=1/);
    await run("sync /root/kept; echo status=$?", /No space left on device\s+status=1/);
    // Deleting the big file: the next save fits.
    await run("rm /root/big /root/more; echo ok", /ok/);
    await expect.poll(disk, { timeout: 20_000 }).toMatch(/^disk: saved #\d+$/);
    const before = await seq();
    await run("echo more > /root/more && cat /root/more", /more/);
    await expect.poll(seq, { timeout: 20_000 }).toBeGreaterThan(before);
    await page.reload();
    await ready();
    await run("ls /root", /kept\s+more/);
  });
});
