// Differential: busybox command lines that need several processes —
// pipelines, command substitution, subshells, background jobs and wait,
// xargs, sleeping — run natively (PATH holding only busybox links) and in
// Hako must give identical stdout, stderr and exit status. PIDs are masked
// where they must differ.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { makeScratch, runNative, runHako, scratchMachine, type Scratch } from "./harness";
import type { Machine } from "../../src/kernel/machine";

let s: Scratch;
let m: Machine;

beforeAll(async () => {
  s = makeScratch();
  writeFileSync(join(s.work, "words.txt"), "pear\napple\nfig\nbanana\napple\ncherry\nfig\ndate\n");
  m = await scratchMachine(s);
}, 120000);

afterAll(() => rmSync(s.dir, { recursive: true, force: true }));

const sh = (script: string, stdin?: string): { argv: string[]; stdin?: string } => ({ argv: ["sh", "-c", script], stdin });

const CASES = [
  sh("echo a | tr a b"),
  sh("seq 100 | sort -rn | head -3"),
  sh("cat words.txt | sort | uniq -c | sort -rn | head -2"),
  sh("echo $(echo x y) $(seq 3 | wc -l)"),
  sh("x=$(cat words.txt | grep -c a); echo \"count=$x\""),
  sh("(echo sub; exit 3); echo status=$?"),
  sh("mkdir -p d1; (cd d1; echo in $(basename $(pwd))); basename $(pwd); rmdir d1"),
  sh("seq 5 | xargs -n 2 echo"),
  sh("printf 'a b\\nc\\n' | xargs echo got"),
  sh("sleep 0.1 & echo started; wait; echo done"),
  sh("(exit 7) & wait $!; echo waited=$?"),
  sh("sh -c 'sleep 0.1; echo done'"),
  sh("false | true; echo $?"),
  sh("seq 100000 | head -1"),
  sh("yes | head -c 200000 | wc -c"),
  sh("seq 20000 | tail -2"),
  sh("cat /dev/zero | head -c 100000 | wc -c"),
  sh("echo one; sh -c 'echo two; exit 4'; echo three $?"),
  sh("for i in 1 2 3; do (echo loop $i) | cat; done"),
  sh("echo hi > out.txt; cat out.txt | tr a-z A-Z; rm out.txt"),
  sh("read a b; echo \"$b/$a\"", "left right\n"),
  sh("cat | wc -l", "1\n2\n3\n"),
  sh("trap 'echo bye' EXIT; echo hello | cat"),
  sh("echo $$ >/dev/null; kill -0 $$ && echo alive"),
  sh("sleep 5 & kill $!; wait $!; echo killed=$?"),
  sh("timeout 1 sleep 3; echo timeout=$?"),
  sh("a=$(sh -c 'echo inner; exit 2'); echo \"$a $?\""),
  sh("find . -name '*.txt' | sort | xargs cat | wc -l"),
];

describe("busybox multi-process command lines: native vs Hako", () => {
  for (const k of CASES) {
    it(k.argv.slice(2).join(" ") + (k.stdin !== undefined ? " <stdin" : ""), () => {
      const native = runNative(s, k.argv, k.stdin);
      const hako = runHako(m, k.argv, k.stdin);
      expect({ stdout: hako.stdout, stderr: hako.stderr, status: hako.status })
        .toEqual({ stdout: native.stdout, stderr: native.stderr, status: native.status });
    }, 30000);
  }

  // Native ps would list the host's processes, so this one checks the process tree as Linux builds it:
  // the shell started by the host, and ps forked by it (busybox runs the applet without exec, so its
  // cmdline is still the shell's and ps shows it as "{ps} sh -c ...", as on Linux).
  it("ps shows the shell and its child with the right parent", () => {
    const hako = runHako(m, ["sh", "-c", "ps -o pid,ppid,stat,comm,args; echo end"]);
    expect(hako.status).toBe(0);
    const lines = hako.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/PID\s+PPID\s+STAT\s+COMMAND\s+COMMAND/);
    const rows = lines.slice(1, -1).map((l) => l.trim().split(/\s+/));
    const shell = rows.find((r) => r[3] === "sh");
    const ps = rows.find((r) => r[3] === "ps");
    expect(shell?.[1]).toBe("0"); // started by the host
    expect(shell?.[2]).toBe("S"); // sleeping in wait4
    expect(ps?.[1]).toBe(shell?.[0]);
    expect(ps?.[2]).toBe("R");
    expect(ps?.slice(4).join(" ")).toBe("{ps} sh -c ps -o pid,ppid,stat,comm,args; echo end");
  });

  it("Process.kill reaches the whole foreground group, as ^C does: sleep 30 | cat ends at once", async () => {
    const { sinkDevice, sourceDevice, bufferSource } = await import("../../src/kernel/fs/device");
    const out: Uint8Array[] = [];
    const p = m.spawn({
      argv: ["sh", "-c", "sleep 30 | cat; echo not reached"], cwd: "/work", env: ["PATH=/bin"],
      stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => out.push(d)) },
    });
    if (!("step" in p)) throw new Error("spawn failed");
    const t0 = performance.now();
    for (let i = 0; i < 10 && !p.step(10); i++) { /* let the pipeline start */ }
    expect(p.done).toBe(false);
    p.kill(2);
    while (!p.step(50)) { /* until it ends */ }
    expect(p.result().status).toBe(130);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(Buffer.concat(out).toString()).toBe("");
    expect(m.tasks().filter((t) => !t.group.zombie).length).toBe(0);
  }, 30000);

  // Natively the orphan would go to whatever subreaper the host has, so this checks Linux's rule in Hako:
  // an orphan is reparented to its PID namespace's init — the first process of a fresh machine.
  it("orphans are reparented to init (pid 1) and reaped by it", async () => {
    const fresh = await scratchMachine(s);
    const r = runHako(fresh, ["sh", "-c", "(sh -c 'sleep 0.2; cut -d\" \" -f4 /proc/$$/stat' &); sleep 0.5; echo $$"]);
    expect(r.stdout).toBe("1\n1\n");
    expect(fresh.tasks().length).toBe(0);
  }, 30000);

  it("a fork loop runs out of tasks with EAGAIN, not a crash, and the machine lives on", async () => {
    const { Machine } = await import("../../src/kernel/machine");
    const { HostFs } = await import("../../src/kernel/fs/hostfs");
    const small = await Machine.create({ root: new HostFs(s.dir).root, maxTasks: 40 });
    const r = runHako(small, ["sh", "-c", "i=0; while [ $i -lt 60 ]; do sleep 1 & i=$((i+1)); done; echo spawned"]);
    expect(r.stderr).toMatch(/fork|Resource temporarily unavailable|can't fork/i);
    const after = runHako(small, ["sh", "-c", "echo a | tr a b"]);
    expect(after.stdout).toBe("b\n");
  }, 60000);

  it("a fork loop that exhausts memory is OOM-killed (SIGKILL of the biggest process), and the machine lives on", async () => {
    const { Machine } = await import("../../src/kernel/machine");
    const { HostFs } = await import("../../src/kernel/fs/hostfs");
    // 4 MiB of RAM: a few dozen sleeping children take every frame long before the task limit. The OOM
    // killer (cgroup/oom.ts) kills the process with the most resident frames, as Linux's does: the
    // forking shell (pid 1, the outer shell, is spared as init is), whose status is 137.
    const tiny = await Machine.create({ root: new HostFs(s.dir).root, ramBytes: 4 << 20 });
    const r = runHako(tiny, ["sh", "-c", "sh -c 'i=0; while [ $i -lt 300 ]; do sleep 1 & i=$((i+1)); done; echo survived'; echo inner=$?"]);
    expect(r.stdout).toBe("inner=137\n");
    expect(tiny.cgroups.oomKiller.log[0]).toMatch(/^Out of memory: Killed process 2 \(sh\) total-vm:\d+kB, anon-rss:\d+kB, file-rss:0kB/);
    const big = await Machine.create({ root: new HostFs(s.dir).root });
    expect(runHako(big, ["sh", "-c", "echo a | tr a b"]).stdout).toBe("b\n");
    // The exhausted machine frees everything at exit and runs the next command.
    expect(runHako(tiny, ["sh", "-c", "echo a | tr a b"]).stdout).toBe("b\n");
  }, 60000);
});
