// Terminals end to end: a machine booted with a login shell on a pty
// (kernel/boot.ts), driven through the master as a user at a terminal
// would — answering the line editor's cursor query. Interactive sessions are
// compared with the same busybox shell on a real Linux pty
// (pty_session.py); the rest checks the behaviour termios(3), credentials(7)
// and the shell's job control define.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imageRoot } from "../../src/hako/rootfs";
import type { Inode } from "../../src/kernel/fs/inode";
import { S_IFREG } from "../../src/kernel/fs/inode";
import { makeScratch, type Scratch } from "./harness";
import { Terminal, PROMPT, CTRL, clean } from "./terminal";

let root: Inode;
let scratch: Scratch;

beforeAll(async () => {
  root = (await imageRoot("busybox")).root;
  scratch = makeScratch();
}, 60000);

afterAll(() => rmSync(scratch.dir, { recursive: true, force: true }));

type Step = [send: string, until: string | null, pauseMs: number];

const REF_PS1 = "$ ";
const REF_PROMPT = "\\$ \\x1b\\[6n$";

/** The steps on a real pty with native busybox sh -i. */
function native(steps: Step[], rows = 24, cols = 80): string[] {
  const env = { PATH: join(scratch.dir, "bin"), PS1: REF_PS1, HOME: scratch.work, TERM: "xterm-256color", LC_ALL: "C" };
  const r = spawnSync("python3", [join(import.meta.dirname, "pty_session.py"), join(scratch.dir, "bin/busybox"), scratch.work, String(rows), String(cols)],
    { input: JSON.stringify({ env, ready: REF_PROMPT, steps }), encoding: "latin1", timeout: 60000 });
  if (r.status !== 0) throw new Error(`pty_session.py: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

/** The same steps in Hako: sh -i as PID 1 on the boot pty. */
async function hako(steps: Step[], rows = 24, cols = 80): Promise<string[]> {
  const t = await Terminal.boot(root, { rows, cols, shell: ["/bin/sh", "-i"], env: [`PS1=${REF_PS1}`, "HOME=/root", "LC_ALL=C"] });
  t.waitFor(new RegExp(REF_PROMPT));
  const outs: string[] = [];
  for (const [send, until, pause] of steps) {
    const from = t.out.length;
    t.mark();
    t.type(send);
    if (until === null) t.run(pause);
    else t.waitFor(new RegExp(until));
    outs.push(t.out.slice(from));
  }
  return outs;
}

/** Job numbers' PIDs differ between the two machines. */
const maskPids = (s: string): string => s.replace(/^(\[\d+\]) \d+/gm, "$1 PID");
const norm = (outs: string[]): string[] => outs.map((o) => maskPids(clean(o)));

describe("interactive shell vs busybox on a Linux pty", () => {
  const cases: Record<string, Step[]> = {
    "pipeline": [["echo hello | tr a-z A-Z\r", REF_PROMPT, 0]],
    "^C interrupts a foreground sleep": [["sleep 30\r", null, 400], [CTRL("C"), REF_PROMPT, 0], ["echo $?\r", REF_PROMPT, 0]],
    "^Z stops it, jobs, fg resumes, ^C": [
      ["sleep 30\r", null, 400], [CTRL("Z"), REF_PROMPT, 0], ["jobs\r", REF_PROMPT, 0],
      ["fg\r", null, 400], [CTRL("C"), REF_PROMPT, 0], ["echo $?\r", REF_PROMPT, 0],
    ],
    // Both halves wait for events, not for time. ash's child starts with the interactive shell's SIGTERM
    // ignored until it resets it, so a kill sent before the job has started is lost (natively 4 runs in 10
    // showed the job still Running): wait until it sleeps. The job's end is reported when the shell reaps
    // it, so wait until it is a zombie or gone before looking (proc(5): state in /proc/PID/stat).
    "background job, jobs, kill %1": [
      ["sleep 30 &\r", REF_PROMPT, 0], ["jobs\r", REF_PROMPT, 0],
      ["until grep -q ') S' /proc/$!/stat; do :; done\r", REF_PROMPT, 0],
      ["kill %1\r", REF_PROMPT, 0],
      ["while grep -q ') [RS]' /proc/$!/stat 2>/dev/null; do :; done\r", REF_PROMPT, 0],
      ["jobs\r", REF_PROMPT, 0],
    ],
    // ^C typed while the line editor still holds the line (raw, no ISIG) would stay queued as data: wait for "looping".
    "^C ends a busy loop in the shell": [["echo looping; while :; do :; done\r", "\\r\\nlooping\\r\\n", 0], [CTRL("C"), REF_PROMPT, 0], ["echo $?\r", REF_PROMPT, 0]],
    "line editing: erase, kill, ^W": [["echo abc\x7f\x7fx\r", REF_PROMPT, 0], ["echo one two\x17three\r", REF_PROMPT, 0]],
    "stty in cooked mode": [["stty -a | head -1\r", REF_PROMPT, 0], ["stty size\r", REF_PROMPT, 0]],
    "cat reads lines until ^D": [["cat\r", null, 300], ["one\r", "one\\r\\none\\r\\n", 0], [CTRL("D"), REF_PROMPT, 0]],
  };
  for (const [name, steps] of Object.entries(cases)) {
    it(name, async () => {
      const ref = norm(native(steps));
      expect(norm(await hako(steps))).toEqual(ref);
    }, 60000);
  }
});

describe("the booted machine", () => {
  let t: Terminal;
  beforeAll(async () => {
    t = await Terminal.boot(root);
    t.waitFor(PROMPT);
  }, 60000);

  it("init is PID 1; root is logged in on the console pty in /root with the login environment", () => {
    expect(t.command("echo $HOME $TERM $PS1; pwd; hostname; id -u")).toContain("/root xterm-256color \\u@\\h:\\w\\$\n/root\nhako\n0\n");
    expect(t.command("tty")).toContain("\n/dev/pts/0\n");
    expect(t.command("echo $PATH")).toContain("\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
    // init (its own session, no terminal) → login (leader of the session on pts/0, 136:0) → sh (job-control group leader).
    const ps = t.command("ps -o pid,ppid,sid,pgid,tty,comm");
    expect(ps).toMatch(/\n +1 +0 +1 +1 +\? +init\n/);
    const login = /\n +(\d+) +1 +(\d+) +(\d+) +136,0 +login\n/.exec(ps);
    expect(login).not.toBeNull();
    expect(login![1]).toBe(login![2]);
    expect(ps).toMatch(new RegExp(`\\n +(\\d+) +${login![1]} +${login![1]} +\\1 +136,0 +sh\\n`));
  });

  it("stty size follows a resize (SIGWINCH)", () => {
    expect(t.command("stty size")).toContain("\n24 80\n");
    t.resize(132, 50);
    expect(t.command("stty size")).toContain("\n50 132\n");
    t.resize(80, 24);
  });

  it("vi opens a file, edits it, and :wq writes it", () => {
    t.type("vi /root/note.txt\r");
    t.waitFor("/root/note.txt");
    t.type("ihello from vi");
    t.run(200);
    // Escape alone: vi waits briefly after ESC to tell it from a key's escape sequence, as with a real keyboard.
    t.type("\x1b");
    t.run(300);
    t.type(":wq\r");
    t.waitFor(PROMPT);
    expect(t.command("cat /root/note.txt")).toContain("\nhello from vi\n");
  });

  it("top -n 1 prints the process list", () => {
    const out = t.command("top -n 1");
    expect(out).toMatch(/PID +PPID USER +STAT +VSZ/);
    expect(out).toMatch(/\n +1 +0 root +S .*init/);
    expect(out).toContain("top -n 1");
  });

  it("a segfaulting program: Segmentation fault, status 139", () => {
    const bin = join(mkdtempSync(join(tmpdir(), "hako-pty-")), "segv");
    execFileSync("gcc", ["-static", "-nostdlib", "-o", bin, join(import.meta.dirname, "progs/badwrite.S")]);
    const r = t.machine.vfs.resolve(t.machine.vfs.root, t.machine.vfs.root, "/tmp", true);
    if (typeof r === "number") throw new Error("no /tmp");
    const f = r.inode.create!("segv", { mode: S_IFREG | 0o755, uid: 0, gid: 0 });
    if (typeof f === "number") throw new Error("create failed");
    f.write!(0, readFileSync(bin));
    rmSync(bin);
    const out = t.command("/tmp/segv; echo status=$?");
    expect(out).toContain("Segmentation fault");
    expect(out).toContain("status=139");
  });

  it("/dev/tty is the controlling terminal; setsid leaves a process without one", () => {
    expect(t.command("echo via-tty > /dev/tty")).toContain("\nvia-tty\n");
    // busybox setsid forks when it leads a process group (the shell made it one), so wait for the message.
    t.command("setsid sh -c 'echo x > /dev/tty' 2>/tmp/err; sleep 1");
    expect(t.command("cat /tmp/err")).toContain("can't create /dev/tty: No such device or address");
  });

  it("a background job reading the terminal is stopped by SIGTTIN", () => {
    t.command("cat &");
    // Wait for the stop itself (state T in /proc/PID/stat), not for a fixed time that a loaded host may not give.
    t.command("until grep -q ') T' /proc/$!/stat; do :; done");
    expect(t.command("jobs")).toMatch(/\[1\]\+ +Stopped \(tty input\) +cat/);
    t.command("kill -9 %1");
    t.command("true");
  });

  it("init survives signals it has no handler for, even SIGKILL and SIGSTOP from its own namespace", () => {
    t.command("kill -KILL 1; kill -SEGV 1; kill -STOP 1; kill -ALRM 1; sleep 0.3");
    expect(t.command("ps -o pid,stat,comm | grep init")).toMatch(/\n +1 +S +init\n/);
    expect(t.command("kill -0 1; echo alive=$?")).toContain("\nalive=0\n");
  });

  it("exit: init reaps the login and starts a new one; poweroff stops the machine", async () => {
    const u = await Terminal.boot(root);
    u.waitFor(PROMPT);
    const first = u.command("echo $PPID");
    u.type("exit 7\r");
    u.waitFor(/root login on 'pts\/0'/);
    u.waitFor(PROMPT);
    expect(u.b.status).toBeNull();
    expect(u.command("echo $PPID")).not.toBe(first);
    // The old login and shell were reaped by init: no zombie is left.
    expect(u.command("ps -o stat,comm | grep -c Z")).toContain("\n0\n");
    u.type("sleep 30 &\r");
    u.waitFor(PROMPT);
    u.type("poweroff\r");
    u.waitFor("The system is going down NOW!");
    u.waitFor("Requesting system poweroff", 10000);
    u.run(3000);
    expect(u.b.status).toBe(0);
    expect(u.b.shutdown).toBe("poweroff");
    expect(u.machine.tasks().filter((p) => !p.group.zombie)).toEqual([]);
  }, 30000);

  it("reboot and Ctrl-Alt-Del go through init: a restart", async () => {
    for (const how of ["reboot", "ctrl-alt-del"]) {
      const u = await Terminal.boot(root);
      u.waitFor(PROMPT);
      if (how === "reboot") u.type("reboot\r"); else u.b.master.ctrlAltDel();
      u.waitFor("Requesting system reboot", 10000);
      u.run(3000);
      expect(u.b.shutdown).toBe("restart");
      expect(u.b.status).toBe(0);
    }
  }, 30000);
});

describe("hako shell", () => {
  const cli = join(import.meta.dirname, "../../bin/hako.mjs");

  it("piped input is typed at the terminal; exits with the login shell's status", () => {
    const r = spawnSync(process.execPath, [cli, "shell"], { input: "echo hello | tr a-z A-Z\ntty\nexit 5\n", encoding: "latin1", timeout: 60000 });
    expect(r.stdout).toContain("HELLO\r\n");
    expect(r.stdout).toContain("/dev/pts/0\r\n");
    expect(r.status).toBe(5);
  }, 60000);

  it("on a real terminal: raw mode passes ^C to the guest, the host's window size is the guest's", () => {
    const prompt = "# \\x1b\\[6n";
    const steps: Step[] = [["sleep 30\r", null, 1000], [CTRL("C"), prompt, 0], ["echo $?; stty size\r", prompt, 0]];
    const spec = { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() }, argv: [process.execPath, "node", cli, "shell"], ready: prompt, steps };
    const r = spawnSync("python3", [join(import.meta.dirname, "pty_session.py"), "-", scratch.work, "30", "100"], { input: JSON.stringify(spec), encoding: "latin1", timeout: 60000 });
    const outs = JSON.parse(r.stdout) as string[];
    expect(outs[1]).toMatch(/^\^C\r+\n/);
    expect(outs[2]).toMatch(/\r\n130\r+\n30 100\r+\n/);
  }, 60000);
});
