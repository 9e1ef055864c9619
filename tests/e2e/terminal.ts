// The page's terminal as the e2e tests drive it: read the screen and the
// disk indicator, wait for the login prompt, type a line and wait for its
// output and the next prompt. `page` is a getter: tests open their page in
// beforeAll, after these helpers are made.
import { expect } from "vitest";
import type { Page } from "playwright-core";

export const PROMPT = /root@hako:~#\s*$/;

export function terminal(page: () => Page) {
  const screen = (): Promise<string> => page().locator(".xterm-rows").innerText();
  const disk = (): Promise<string> => page().getByTestId("disk-state").innerText();
  /** The number of the last committed save the indicator shows (0 before any). */
  const seq = async (): Promise<number> => Number((await disk()).match(/^disk: saved #(\d+)$/)?.[1] ?? 0);
  async function ready(): Promise<void> {
    await page().locator(".xterm-rows").waitFor();
    // busybox init's askfirst console waits for Enter before it starts the shell.
    await expect.poll(screen, { timeout: 60_000 }).toMatch(/root@hako:~#\s*$|press Enter to activate this console/);
    await page().locator(".xterm").click();
    if (!PROMPT.test(await screen())) await page().keyboard.press("Enter");
    await expect.poll(screen, { timeout: 60_000 }).toMatch(PROMPT);
  }
  /** Runs a line and waits for its output to end with `expected` and a fresh prompt. */
  async function run(line: string, expected: RegExp): Promise<void> {
    await page().keyboard.type(`clear; ${line}`);
    await page().keyboard.press("Enter");
    await expect.poll(screen, { timeout: 30_000 }).toMatch(new RegExp(`${expected.source}\\s*root@hako:~#\\s*$`));
  }
  return { screen, disk, seq, ready, run };
}
