// The syscall table: numbers and names agree with the kernel's own list
// (the host's asm/unistd_64.h), every implemented row has a handler and
// every partial one a note, and an unknown or unsupported number returns
// ENOSYS to the guest and is counted.
import { describe, it, expect } from "vitest";
import { readFileSync, existsSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SYSCALLS, syscallsMarkdown } from "../../src/kernel/syscall/table";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";

const HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";

describe("syscall table", () => {
  it("has one row per number, in order", () => {
    expect(SYSCALLS.length).toBeGreaterThan(450);
    SYSCALLS.forEach((r, i) => expect(r.nr).toBe(i));
  });

  it.skipIf(!existsSync(HEADER))("names every number as Linux does", () => {
    const text = readFileSync(HEADER, "utf8");
    let n = 0;
    for (const m of text.matchAll(/#define __NR_(\w+) (\d+)/g)) {
      expect(SYSCALLS[Number(m[2])].name).toBe(m[1]);
      n++;
    }
    expect(n).toBeGreaterThan(350);
  });

  it("gives each implemented row a handler and each partial or unsupported row a note", () => {
    for (const r of SYSCALLS) {
      if (r.status === "unsupported") { expect(r.handler).toBeNull(); expect(r.note).not.toBe(""); }
      else expect(r.handler).toBeTypeOf("function");
      if (r.status === "partial") expect(r.note).not.toBe("");
    }
  });

  it("renders the compatibility page with every named row", () => {
    const md = syscallsMarkdown();
    for (const r of SYSCALLS) if (r.name) expect(md).toContain(`| ${r.nr} | ${r.name} | ${r.status} |`);
  });

  it("covers the start-up of every glibc-static process", () => {
    for (const name of ["brk", "arch_prctl", "set_tid_address", "set_robust_list", "prlimit64", "readlink", "getrandom", "mprotect", "prctl", "exit_group"]) {
      expect(SYSCALLS.find((r) => r.name === name)?.status).not.toBe("unsupported");
    }
  });

  it("returns ENOSYS for unknown and unsupported numbers and counts them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hako-enosys-"));
    mkdirSync(join(dir, "bin"));
    // syscall 1000 (unknown), then rseq (334, unsupported); exit with -(rax of the second) + first's low byte check.
    writeFileSync(join(dir, "t.S"), `
      .globl _start
    _start:
      mov $1000, %eax
      syscall
      mov %rax, %rbx
      mov $334, %eax
      xor %edi, %edi
      syscall
      cmp %rax, %rbx
      jne 1f
      neg %eax
      mov %eax, %edi
      mov $231, %eax
      syscall
    1:
      mov $1, %edi
      mov $231, %eax
      syscall
    `);
    execFileSync("gcc", ["-static", "-nostdlib", "-o", join(dir, "bin/t"), join(dir, "t.S")]);
    const m = await Machine.create({ root: new HostFs(dir).root });
    const r = m.run({ argv: ["/bin/t"], env: [], stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice(() => {}), stderr: sinkDevice(() => {}) } });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(38); // ENOSYS
    expect(r.stats.enosys.get("syscall_1000")).toBe(1);
    expect(r.stats.enosys.get("rseq")).toBe(1);
  });
});
