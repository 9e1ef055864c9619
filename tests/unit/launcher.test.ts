// The page's one-command-per-line terminal, in Node: the same launcher the
// worker runs, on the real busybox image and the emulated CPU.
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { splitWords } from "../../src/worker/argv";
import { Launcher, type TerminalStream } from "../../src/worker/launcher";
import { Machine } from "../../src/kernel/machine";
import { imageRootFs } from "../../src/kernel/fs/imagefs";
import { loadImage } from "../../src/store/oci";
import { dirSource } from "../../src/store/nodesource";
import { IMAGES_DIR } from "../../scripts/build-images";

describe("splitWords", () => {
  it("splits like sh for quotes and escapes", () => {
    expect(splitWords(`echo  a "b  c" 'd "e"' f\\ g "h\\"i" ''`)).toEqual(["echo", "a", "b  c", 'd "e"', "f g", 'h"i', ""]);
    expect(splitWords("   ")).toEqual([]);
    expect(splitWords(`echo 'open`)).toEqual({ error: "unterminated quoted string" });
  });
});

describe("launcher", () => {
  let machine: Machine;
  let env: string[];
  beforeAll(async () => {
    const img = await loadImage(dirSource(join(IMAGES_DIR, "busybox")));
    machine = await Machine.create({ root: imageRootFs(img).root });
    env = img.config.config?.Env ?? [];
  });

  function session(): { term: TerminalStream; screen: () => string; type: (s: string) => void } {
    // Keys arrive as the page sends them: one chunk per keystroke or paste.
    let out = "";
    let input: (b: Uint8Array) => void = () => {};
    const dec = new TextDecoder();
    const term: TerminalStream = {
      write: (d) => { out += typeof d === "string" ? d : dec.decode(d, { stream: true }); },
      onInput: (fn) => { input = fn; },
    };
    return { term, screen: () => out, type: (s) => input(new TextEncoder().encode(s)) };
  }

  it("echoes the typed line, runs it, and shows the output with CR LF", async () => {
    const s = session();
    const l = new Launcher(s.term, machine, env);
    l.start("banner\n");
    s.type("echo one   two\r");
    await l.idle;
    expect(s.screen()).toBe("banner\r\nhako$ echo one   two\r\none two\r\nhako$ ");
  });

  it("edits the line before running it and reports exit status", async () => {
    const s = session();
    const l = new Launcher(s.term, machine, env);
    l.start("");
    s.type("lsx\x7f -d /etc\r");
    await l.idle;
    expect(s.screen()).toContain("/etc\r\nhako$ ");
    expect(l.lastStatus).toBe(0);
    s.type("ls /nonexistent\r");
    await l.idle;
    expect(s.screen()).toContain("ls: /nonexistent: No such file or directory");
    expect(l.lastStatus).toBe(1);
    s.type("nope\r");
    await l.idle;
    expect(s.screen()).toContain("nope: command not found");
    expect(l.lastStatus).toBe(127);
  });

  it("^C abandons the line being typed", () => {
    const s = session();
    const l = new Launcher(s.term, machine, env);
    l.start("");
    s.type("false\x03");
    expect(s.screen()).toBe("hako$ false^C\r\nhako$ ");
    expect(l.lastStatus).toBe(0);
  });

  it("^C interrupts an endless loop and, as on Linux, discards what was typed ahead", async () => {
    const s = session();
    const l = new Launcher(s.term, machine, env);
    l.start("");
    // awk installs no SIGINT handler, so the default action ends it (handlers run once signals are delivered, issue 4).
    s.type("awk 'BEGIN { while (1) {} }'\r");
    s.type("echo typed ahead\r");
    await new Promise((r) => setTimeout(r, 300));
    expect(s.screen()).not.toContain("typed ahead\r\ntyped ahead");
    s.type("\x03");
    await l.idle;
    expect(l.lastStatus).toBe(130);
    s.type("echo after\r");
    await l.idle;
    expect(s.screen()).toMatch(/echo typed ahead\r\n\^C\r\nhako\$ echo after\r\nafter\r\nhako\$ $/);
  });
});
