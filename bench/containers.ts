// Memory cost of idle containers in one Hako machine: N busybox `sleep`s,
// each in its own PID, mount, UTS, network and IPC namespaces
// (unshare -p -f -m -u -n -i, so two processes: unshare waiting for its
// child) and its own cgroup. Prints guest frames, the cgroups' own
// memory.current, the JS heap growth (the kernel-side objects: tasks,
// namespaces, mount trees, page-table bookkeeping) and the sum per container.
// Run: npx tsx --expose-gc bench/containers.ts [N]   (figures, not pass/fail)
import { rmSync } from "node:fs";
import { makeScratch, runHako } from "../tests/userland/harness";
import { Machine } from "../src/kernel/machine";
import { HostFs } from "../src/kernel/fs/hostfs";

const N = Number(process.argv[2] ?? 100);
const s = makeScratch();
// The busybox image's pages are shared through the page cache (mm/pagecache.ts), so 100 containers fit in the default 256 MiB.
const m = await Machine.create({ root: new HostFs(s.dir).root });
const gc = (globalThis as { gc?: () => void }).gc;
const heap = (): number => { gc?.(); gc?.(); return process.memoryUsage().heapUsed; };

// Warm up: the first shell, /sys and the namespace code paths.
runHako(m, ["sh", "-c", "mkdir /sys/fs/cgroup/warm; unshare -p -f -m -u -n -i true; rmdir /sys/fs/cgroup/warm"]);
const frames0 = m.mem.usedFrames, heap0 = heap(), tasks0 = m.taskCount();
const t0 = performance.now();
const start = runHako(m, ["sh", "-c",
  `i=1; while [ $i -le ${N} ]; do mkdir /sys/fs/cgroup/c$i; `
  + `sh -c "echo \\$\\$ > /sys/fs/cgroup/c$i/cgroup.procs; exec unshare -p -f -m -u -n -i sleep 100000" & i=$((i+1)); done; `
  // Wait until every container's sleep runs (two tasks per group).
  + `n=0; while [ $n -lt ${2 * N} ]; do n=0; for f in /sys/fs/cgroup/c*/pids.current; do n=$((n + $(cat $f))); done; sleep 0.1; done; `
  + `t=0; for f in /sys/fs/cgroup/c*/memory.current; do t=$((t + $(cat $f))); done; echo $t`]);
const startMs = performance.now() - t0;
if (start.status !== 0) { console.error(start); process.exit(1); }
const frames = m.mem.usedFrames - frames0, heapDelta = heap() - heap0, tasks = m.taskCount() - tasks0;
const charged = Number(start.stdout.trim());
const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
console.log(`${N} idle containers (sleep in its own pid/mnt/uts/net/ipc namespaces and cgroup), started in ${startMs.toFixed(0)} ms`);
console.log(`  tasks:                 ${tasks} (${(tasks / N).toFixed(1)} per container)`);
console.log(`  guest frames:          ${frames} = ${kib(frames * 4096)}  (${kib((frames * 4096) / N)} per container)`);
console.log(`  cgroups memory.current ${kib(charged)} in all (${kib(charged / N)} per container; page tables and task state not charged)`);
console.log(`  JS heap growth:        ${kib(heapDelta)} (${kib(heapDelta / N)} per container)${gc ? "" : "  [no --expose-gc: includes garbage]"}`);
console.log(`  per container:         ${kib((frames * 4096 + heapDelta) / N)} (frames + kernel-side estimate)`);
rmSync(s.dir, { recursive: true, force: true });
