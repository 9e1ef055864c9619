// The cgroup core without a CPU: paths as namespaces see them, the cpu.max
// period arithmetic on a fake clock, hierarchical memory charging with its
// events, and pids.max — the rules of cgroup-v2.rst checked exactly, where
// the busybox tests in tests/containers/cgroups.test.ts can only check
// timing-bound figures approximately.
import { describe, it, expect } from "vitest";
import { Hierarchy, type CgroupHost } from "../../src/kernel/cgroup/hierarchy";
import { Cgroup } from "../../src/kernel/cgroup/cgroup";
import { accountCpu, cpuRunnable, cpuNextChange, parseCpuMax, throttledUsec } from "../../src/kernel/cgroup/cpu";
import { tryCharge, uncharge } from "../../src/kernel/cgroup/memcg";
import { pidsCharge } from "../../src/kernel/cgroup/pids";

function tree(): { h: Hierarchy; a: Cgroup; b: Cgroup } {
  const host: CgroupHost = { monotonicNs: () => 0n, exitGroup: () => {}, allTasks: () => [], signal: () => {}, klog: { printk: () => {} } };
  const h = new Hierarchy(host);
  const a = new Cgroup("a", h.root, h);
  h.root.children.set("a", a);
  const b = new Cgroup("b", a, h);
  a.children.set("b", b);
  return { h, a, b };
}

describe("cgroup paths", () => {
  it("are relative to a namespace root, with .. above it (cgroup_namespaces(7))", () => {
    const { h, a, b } = tree();
    expect(b.path).toBe("/a/b");
    expect(b.pathFrom(a)).toBe("/b");
    expect(h.root.pathFrom(a)).toBe("/..");
    expect(h.root.pathFrom(b)).toBe("/../..");
    const c = new Cgroup("c", h.root, h);
    expect(c.pathFrom(b)).toBe("/../../c");
  });
});

describe("cpu.max", () => {
  it("parses quota and period as cpu.max accepts them", () => {
    expect(parseCpuMax("max", 100000)).toEqual([Infinity, 100000]);
    expect(parseCpuMax("10000 100000", 100000)).toEqual([10000, 100000]);
    expect(parseCpuMax("50000", 20000)).toEqual([50000, 20000]);
    expect(parseCpuMax("10 100000", 100000)).toBeNull();
    expect(parseCpuMax("abc", 100000)).toBeNull();
    expect(parseCpuMax("1000 1", 100000)).toBeNull();
  });

  it("throttles a group that used its quota until its period ends, and carries an overrun over", () => {
    const { a, b } = tree();
    a.subtreeControl.add("cpu");
    b.parent!.subtreeControl.add("cpu");
    b.cpu.quotaUs = 10000; b.cpu.periodUs = 100000;
    const t0 = 1_000_000;
    expect(cpuRunnable(b, t0)).toBe(true);
    accountCpu(b, 4000, 1000, t0 + 5000);
    expect(cpuRunnable(b, t0 + 5000)).toBe(true);
    // 25 ms used in a 10 ms quota: throttled for the rest of this period and, with 15 ms of debt, the next one.
    accountCpu(b, 20000, 0, t0 + 30000);
    expect(cpuRunnable(b, t0 + 30000)).toBe(false);
    expect(cpuNextChange(a)).toBe(t0 + 100000);
    expect(cpuRunnable(b, t0 + 100000)).toBe(false);
    expect(cpuRunnable(b, t0 + 200000)).toBe(true);
    expect(b.cpu.nrThrottled).toBe(2);
    expect(b.cpu.nrPeriods).toBe(2);
    expect(throttledUsec(b, t0 + 200000)).toBe(170000);
    // Usage goes up the tree; a's own limit is "max".
    expect([b.cpu.usageUs, b.cpu.userUs, b.cpu.systemUs, a.cpu.usageUs]).toEqual([25000, 24000, 1000, 25000]);
    expect(cpuRunnable(a, t0 + 30000)).toBe(true);
  });
});

describe("memory charging", () => {
  it("counts pages up the tree, fails past memory.max with max events, and records high events", () => {
    const { h, a, b } = tree();
    a.subtreeControl.add("memory");
    a.memory.max = 10;
    b.memory.high = 3;
    expect(tryCharge(b, 4, null)).toBe(true);
    expect([b.memory.pages, a.memory.pages, h.root.memory.pages]).toEqual([4, 4, 4]);
    expect(b.memory.events.high).toBe(1);
    // a's memory.max (the root enables memory for its children) stops b's charge.
    expect(tryCharge(b, 7, null)).toBe(false);
    expect(a.memory.events.max).toBe(1);
    expect(h.oomKiller.pending?.domain).toBe(a);
    expect(tryCharge(b, 6, null)).toBe(true);
    expect(h.oomKiller.pending).toBeNull();
    expect(b.memory.peak).toBe(10);
    uncharge(b, 10);
    expect([b.memory.pages, a.memory.pages, b.memory.peak]).toEqual([0, 0, 10]);
  });
});

describe("pids.max", () => {
  it("refuses a fork past the limit of the group or an ancestor and counts the event there", () => {
    const { a, b } = tree();
    a.subtreeControl.add("pids");
    a.pidsMax = 0;
    expect(pidsCharge(b)).toBe(false);
    expect(a.pidsEventsMax).toBe(1);
    a.pidsMax = Infinity;
    expect(pidsCharge(b)).toBe(true);
  });
});
