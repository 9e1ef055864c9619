// The page's terminal session, in Node: the worker's own session code boots
// the busybox image (init logs root in on a pty); keys go to the pty master
// and the screen is what the master prints.
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { startSession, type TerminalStream } from "../../src/worker/session";
import { Machine } from "../../src/kernel/machine";
import { imageRootFs } from "../../src/kernel/fs/imagefs";
import { loadImage } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { IMAGES_DIR } from "../../scripts/build-images";

async function session(cols = 80, rows = 24) {
  const img = await loadImage(dirSource(join(IMAGES_DIR, "busybox")));
  const machine = await Machine.create({ root: imageRootFs(img).root });
  let screen = "";
  let input: (b: Uint8Array) => void = () => {};
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const term: TerminalStream = {
    write: (d) => {
      const text = typeof d === "string" ? d : dec.decode(d, { stream: true });
      screen += text;
      // busybox's line editor asks where the cursor is at every prompt; xterm.js answers, so do we.
      if (text.includes("\x1b[6n")) setTimeout(() => input(enc.encode("\x1b[1;1R")), 0);
    },
    onInput: (fn) => { input = fn; },
  };
  const s = startSession(term, machine, img.config.config?.Env ?? [], cols, rows);
  const type = (t: string) => input(enc.encode(t));
  const until = async (re: RegExp, ms = 20_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!re.test(screen)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${re}; screen:\n${JSON.stringify(screen.slice(-600))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { s, type, until, screen: () => screen };
}

describe("terminal session", () => {
  it("shows the prompt, runs a pipeline, follows resizes, and ^C stops a busy loop", async () => {
    const { s, type, until } = await session(100, 30);
    await until(/root@hako:~# (\x1b\[6n)?$/);
    type("echo hello | tr a-z A-Z\r");
    await until(/\r\nHELLO\r\n/);
    type("stty size\r");
    await until(/\r\n30 100\r\n/);
    s.resize(90, 20);
    type("stty size\r");
    await until(/\r\n20 90\r\n/);
    // ^C must come once the loop runs: typed while the line editor still holds the line (raw mode, no
    // ISIG) it would stay queued as a plain byte, as on Linux, and the loop would never see it. The
    // shell has restored the cooked termios before it runs the command, so "looping" is that event.
    type("echo looping; while :; do :; done\r");
    await until(/\r\nlooping\r\n/);
    type("\x03");
    await until(/\^C\r\nroot@hako:~# (\x1b\[6n)?$/);
    // The console's login shell exiting is not the end: init logs root in again.
    type("exit 7\r");
    await until(/exit 7\r\n[^]*root login on 'pts\/0'[^]*root@hako:~# (\x1b\[6n)?$/);
    type("poweroff\r");
    await expect(s.exited).resolves.toBe(0);
    await until(/\[the machine powered off; reload the page for a new machine\]\r\n$/);
  }, 60_000);
});
