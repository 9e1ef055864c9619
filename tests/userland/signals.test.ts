// Signals against the real thing: progs/signals.c, built at test time with
// gcc -static (glibc) and musl-gcc -static, runs each probe natively and in
// Hako; stdout and the exit status must be identical. The probes cover
// siginfo (si_signo/si_code/si_addr relative to a mapping), faults caught
// and left with siglongjmp or fixed and retried, registers and SSE/x87
// state surviving a handler (rt_sigreturn), SA_RESETHAND, SA_NODEFER,
// blocked/pending/sigsuspend/sigtimedwait, sigaltstack with a stack
// overflow, alarm/setitimer/pause, SIGPIPE, a blocking pipe read
// interrupted (EINTR) or restarted (SA_RESTART), a child stopped/continued/
// killed seen through waitpid and SIGCHLD's siginfo, and default actions
// (status 128+N).
// Busybox sh's trap is compared with native busybox.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";
import { makeScratch, runNative, scratchMachine, ENV, type Scratch } from "./harness";

const PROGS = join(import.meta.dirname, "progs");
const NATIVE_SIG: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10,
  SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
};
let root: string;
let m: Machine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hako-signals-"));
  mkdirSync(join(root, "bin"));
  execFileSync("gcc", ["-static", "-O1", "-o", join(root, "bin/sig-glibc"), join(PROGS, "signals.c")]);
  execFileSync("musl-gcc", ["-static", "-O1", "-o", join(root, "bin/sig-musl"), join(PROGS, "signals.c")]);
  execFileSync("gcc", ["-static", "-O1", "-pthread", "-o", join(root, "bin/thr-glibc"), join(PROGS, "signals-threads.c")]);
  execFileSync("musl-gcc", ["-static", "-O1", "-pthread", "-o", join(root, "bin/thr-musl"), join(PROGS, "signals-threads.c")]);
  m = await Machine.create({ root: new HostFs(root).root });
}, 60000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Out { stdout: string; status: number }

function native(argv: string[]): Out {
  const r = spawnSync(join(root, "bin", argv[0]), argv.slice(1), { timeout: 20000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout.toString(), status: r.status ?? 128 + (NATIVE_SIG[r.signal ?? ""] ?? 0) };
}

function hako(argv: string[]): Out {
  const out: Uint8Array[] = [];
  const r = m.run({
    argv: [`/bin/${argv[0]}`, ...argv.slice(1)], env: [],
    stdio: { stdin: sourceDevice(bufferSource(Buffer.alloc(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice(() => {}) },
    maxInstructions: 3e9,
  });
  return { stdout: Buffer.concat(out).toString(), status: r.status };
}

const PROBES = [
  "info", "segv", "fix", "fpe", "ill", "regs", "fpu", "resethand", "nodefer", "defer", "pending", "altstack", "alarm",
  "pipe", "restart", "stop", "sleep", "queue", "ppoll",
];
const DEATHS = ["term", "quit", "abort", "segv-in-handler", "blocked-segv", "alarm", "badframe"];

for (const libc of ["glibc", "musl"]) {
  describe(`signal probes, native vs Hako (${libc})`, () => {
    const bin = `sig-${libc}`;
    for (const p of PROBES) {
      it(p, () => {
        const n = native([bin, p]);
        expect(n.stdout).not.toBe("");
        expect(hako([bin, p])).toEqual(n);
      }, 30000);
    }
    it("threads: pthread_kill + sigwait, a process signal waits for an unblocking thread", () => {
      const n = native([`thr-${libc}`]);
      expect(n.stdout).toContain("who=1");
      expect(hako([`thr-${libc}`])).toEqual(n);
    }, 30000);
    for (const d of DEATHS) {
      it(`default action: ${d}`, () => {
        const n = native([bin, "die", d]);
        expect(n.status).toBeGreaterThan(128);
        expect(hako([bin, "die", d])).toEqual(n);
      }, 30000);
    }
  });
}

describe("busybox sh trap, native vs Hako", () => {
  let s: Scratch;
  let bm: Machine;
  beforeAll(async () => { s = makeScratch(); bm = await scratchMachine(s); }, 60000);
  afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

  const hakoSh = (cmd: string): { stdout: string; stderr: string; status: number } => {
    const out: Uint8Array[] = [], err: Uint8Array[] = [];
    const r = bm.run({
      argv: ["/bin/sh", "-c", cmd], env: ["PATH=/bin", ...ENV], cwd: "/work",
      stdio: { stdin: sourceDevice(bufferSource(Buffer.alloc(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => err.push(d)) },
      maxInstructions: 1e9,
    });
    return { stdout: Buffer.concat(out).toString("latin1"), stderr: Buffer.concat(err).toString("latin1"), status: r.status };
  };
  for (const cmd of [
    `trap "echo caught" USR1; kill -USR1 $$; echo after`,
    `trap "echo bye" EXIT; exit 3`,
    `trap "echo term; exit 5" TERM; kill -TERM $$; echo not reached`,
    `trap "" USR2; kill -USR2 $$; echo ignored`,
    // The harness maps only fault signals' native statuses; SIGSEGV by kill shows the default action.
    `trap "echo segv" SEGV; kill -SEGV $$; trap - SEGV; echo reset; kill -SEGV $$; echo not reached`,
    `trap "echo alarm" ALRM; kill -ALRM $$; kill -0 $$ && echo alive`,
    `kill -l 15; kill -l TERM; kill -l 130`,
    `sleep 5 & kill $!; wait $!; echo killed=$?`,
    `sleep 5 & pid=$!; kill -STOP $pid; kill -CONT $pid; kill -TERM $pid; wait $pid; echo st=$?`,
    `trap "echo usr1" USR1; (sleep 0.2; kill -USR1 $$) & wait; echo after=$?`,
    `trap "echo alarm" ALRM; (sleep 0.2; kill -ALRM $$) & sleep 1 | cat; echo st=$?`,
    `yes | head -n 3; echo st=$?`,
    `timeout 1 sleep 5; echo st=$?`,
    `timeout -s INT 1 sleep 5; echo st=$?`,
  ]) {
    it(cmd, () => {
      expect(hakoSh(cmd)).toEqual(runNative(s, ["sh", "-c", cmd]));
    }, 30000);
  }
});
