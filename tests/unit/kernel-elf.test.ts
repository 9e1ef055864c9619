// The static ELF loader and the SysV start-up stack: program headers as
// readelf reports them, VMAs with the segments' permissions, and the
// argc/argv/envp/auxv block (x86-64 psABI §3.4.1) read back from guest memory.
import { describe, it, expect, beforeAll } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeBusybox } from "../../scripts/build-images";
import { loadCpuNode, type CpuExports } from "../../src/kernel/cpu";
import { PhysMem } from "../../src/kernel/mm/physmem";
import { PROT_READ, PROT_WRITE, PROT_EXEC } from "../../src/kernel/mm/pagetable";
import { parseElf, ET_EXEC, ET_DYN, PT_LOAD, type ElfImage } from "../../src/kernel/elf";
import {
  buildImage, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL,
  AT_CLKTCK, AT_UID, AT_SECURE, AT_BASE, type ExecImage,
} from "../../src/kernel/exec";
import { rootCredentials } from "../../src/kernel/task";
import { ENOEXEC } from "../../src/kernel/errno";
import { Machine } from "../../src/kernel/machine";
import { HostFs } from "../../src/kernel/fs/hostfs";
import { sinkDevice, sourceDevice, bufferSource } from "../../src/kernel/fs/device";

let cpu: CpuExports;
let mem: PhysMem;
let bb: Uint8Array;
let bbPath: string;

beforeAll(async () => {
  cpu = await loadCpuNode();
  mem = new PhysMem(cpu, 64 << 20);
  bbPath = nativeBusybox();
  bb = new Uint8Array(readFileSync(bbPath));
}, 60000);

/** Program headers as binutils' readelf sees them. */
function readelfLoads(path: string): Array<{ offset: number; vaddr: number; filesz: number; memsz: number; flags: string }> {
  const out = execFileSync("readelf", ["-lW", path], { encoding: "utf8" });
  return out.split("\n").filter((l) => /^\s+LOAD\s/.test(l)).map((l) => {
    const f = l.trim().split(/\s+/);
    return { offset: parseInt(f[1], 16), vaddr: parseInt(f[2], 16), filesz: parseInt(f[4], 16), memsz: parseInt(f[5], 16), flags: f.slice(6, -1).join("") };
  });
}

function readelfEntry(path: string): number {
  const out = execFileSync("readelf", ["-hW", path], { encoding: "utf8" });
  return parseInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec(out)![1], 16);
}

describe("parseElf", () => {
  it("reads busybox's headers as readelf does", () => {
    const img = parseElf(bb) as ElfImage;
    expect(typeof img).toBe("object");
    expect(img.type).toBe(ET_EXEC);
    expect(img.interp).toBeNull();
    expect(img.entry).toBe(readelfEntry(bbPath));
    const loads = img.phdrs.filter((p) => p.type === PT_LOAD);
    const want = readelfLoads(bbPath);
    expect(loads.map((p) => ({ offset: p.offset, vaddr: p.vaddr, filesz: p.filesz, memsz: p.memsz })))
      .toEqual(want.map(({ flags: _f, ...rest }) => rest));
    const flagStr = (f: number): string => (f & 4 ? "R" : "") + (f & 2 ? "W" : "") + (f & 1 ? "E" : "");
    expect(loads.map((p) => flagStr(p.flags))).toEqual(want.map((w) => w.flags));
    expect(img.execStack).toBe(false);
  });

  it("rejects what is not an x86-64 executable", () => {
    expect(parseElf(new TextEncoder().encode("#!/bin/sh\necho hi\n"))).toBe(-ENOEXEC);
    const bad = bb.slice(0, 4096);
    bad[18] = 40; // EM_ARM
    expect(parseElf(bad)).toBe(-ENOEXEC);
    expect(parseElf(bb.slice(0, 32))).toBe(-ENOEXEC);
  });
});

function u64(img: ExecImage, va: number): number {
  const b = img.mm.copyIn(va, 8)!;
  return Number(new DataView(b.buffer).getBigUint64(0, true));
}
function cstr(img: ExecImage, va: number): string { return img.mm.readCString(va) as string; }

describe("buildImage: segments and the initial stack", () => {
  const random = new Uint8Array([...Array(16).keys()].map((i) => i * 17));
  let img: ExecImage;
  beforeAll(() => {
    const r = buildImage(mem, bb, { argv: ["ls", "-l", "/"], envp: ["PATH=/bin", "X=y"], execfn: "/bin/ls", cred: rootCredentials(), stackTop: 0x7ffffffde000, random });
    expect(typeof r).toBe("object");
    img = r as ExecImage;
  });

  it("maps each PT_LOAD with its permissions and leaves the rest unmapped", () => {
    for (const l of readelfLoads(bbPath)) {
      const v = img.mm.find(l.vaddr)!;
      expect(v).not.toBeNull();
      const prot = (l.flags.includes("R") ? PROT_READ : 0) | (l.flags.includes("W") ? PROT_WRITE : 0) | (l.flags.includes("E") ? PROT_EXEC : 0);
      expect(v.prot).toBe(prot);
      expect(v.end).toBeGreaterThanOrEqual(l.vaddr + l.memsz);
      // File bytes are in memory; the bss after them reads as zero.
      const got = img.mm.copyIn(l.vaddr, Math.min(l.filesz, 4096))!;
      expect(Buffer.from(got).equals(Buffer.from(bb.subarray(l.offset, l.offset + got.length)))).toBe(true);
      if (l.memsz > l.filesz) expect([...img.mm.copyIn(l.vaddr + l.filesz, Math.min(64, l.memsz - l.filesz))!].every((x) => x === 0)).toBe(true);
    }
    expect(img.mm.find(0x3ff000)).toBeNull();
    expect(img.mm.brkStart).toBe(Math.ceil(Math.max(...readelfLoads(bbPath).map((l) => l.vaddr + l.memsz)) / 4096) * 4096);
  });

  it("lays out argc, argv, envp and auxv per the psABI", () => {
    const sp = img.sp;
    expect(sp % 16).toBe(0);
    expect(u64(img, sp)).toBe(3);
    expect([1, 2, 3].map((i) => cstr(img, u64(img, sp + 8 * i)))).toEqual(["ls", "-l", "/"]);
    expect(u64(img, sp + 32)).toBe(0);
    expect([5, 6].map((i) => cstr(img, u64(img, sp + 8 * i)))).toEqual(["PATH=/bin", "X=y"]);
    expect(u64(img, sp + 56)).toBe(0);
    const aux = new Map<number, number>();
    let p = sp + 64;
    for (;;) {
      const k = u64(img, p), v = u64(img, p + 8);
      p += 16;
      if (k === AT_NULL) break;
      aux.set(k, v);
    }
    const elf = parseElf(bb) as ElfImage;
    expect(aux.get(AT_PHDR)).toBe(0x400000 + elf.phoff);
    expect(aux.get(AT_PHENT)).toBe(56);
    expect(aux.get(AT_PHNUM)).toBe(elf.phnum);
    expect(aux.get(AT_PAGESZ)).toBe(4096);
    expect(aux.get(AT_CLKTCK)).toBe(100);
    expect(aux.get(AT_ENTRY)).toBe(readelfEntry(bbPath));
    expect(aux.get(AT_BASE)).toBe(0);
    expect(aux.get(AT_UID)).toBe(0);
    expect(aux.get(AT_SECURE)).toBe(0);
    expect([...img.mm.copyIn(aux.get(AT_RANDOM)!, 16)!]).toEqual([...random]);
    expect(cstr(img, aux.get(AT_EXECFN)!)).toBe("/bin/ls");
    expect(cstr(img, aux.get(AT_PLATFORM)!)).toBe("x86_64");
    // The program headers really are at AT_PHDR.
    expect([...img.mm.copyIn(aux.get(AT_PHDR)!, 56)!]).toEqual([...bb.subarray(elf.phoff, elf.phoff + 56)]);
    // The stack is a growable, non-executable VMA below the strings.
    const stack = img.mm.find(sp)!;
    expect(stack.name).toBe("[stack]");
    expect(stack.prot).toBe(PROT_READ | PROT_WRITE);
    img.mm.destroy();
  });
});

describe("static-PIE", () => {
  it("loads at a page-aligned base with AT_ENTRY = e_entry + bias, and runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hako-pie-"));
    writeFileSync(join(dir, "pie.c"), '#include <stdio.h>\nint main(int c, char **v) { printf("pie %s %d\\n", v[1], c); return 5; }\n');
    mkdirSync(join(dir, "bin"));
    execFileSync("gcc", ["-static-pie", "-O1", "-o", join(dir, "bin/pie"), join(dir, "pie.c")]);
    const bytes = new Uint8Array(readFileSync(join(dir, "bin/pie")));
    const elf = parseElf(bytes) as ElfImage;
    expect(elf.type).toBe(ET_DYN);
    expect(elf.interp).toBeNull();
    const r = buildImage(mem, bytes, { argv: ["pie"], envp: [], execfn: "/bin/pie", cred: rootCredentials(), dynBase: 0x555555600000 }) as ExecImage;
    expect(r.entry).toBe(0x555555600000 + elf.entry);
    expect(r.mm.find(0x555555600000)).not.toBeNull();
    r.mm.destroy();
    const m = await Machine.create({ root: new HostFs(dir).root, cpu });
    const out: Uint8Array[] = [];
    const res = m.run({ argv: ["/bin/pie", "arg"], env: [], stdio: { stdin: sourceDevice(bufferSource(new Uint8Array(0))), stdout: sinkDevice((d) => out.push(d)), stderr: sinkDevice((d) => out.push(d)) } });
    rmSync(dir, { recursive: true, force: true });
    expect(Buffer.concat(out).toString()).toBe("pie arg 2\n");
    expect(res.status).toBe(5);
  }, 60000);

  it("refuses dynamic executables until there is an interpreter", () => {
    const bytes = new Uint8Array(readFileSync("/usr/bin/env"));
    const elf = parseElf(bytes) as ElfImage;
    expect(elf.interp).toMatch(/ld-linux-x86-64/);
    expect(buildImage(mem, bytes, { argv: ["env"], envp: [], execfn: "/usr/bin/env", cred: rootCredentials() })).toBe(-ENOEXEC);
  });
});
