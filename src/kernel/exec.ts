// execve's second half: a fresh address space with the program loaded, the
// initial process stack of the x86-64 System V ABI (§3.4.1: argc, argv,
// NULL, envp, NULL, auxv pairs ending in AT_NULL, then the strings; RSP
// 16-byte aligned at argc) and the registers a new process starts with.
import { AddressSpace, pageDown } from "./mm/addrspace";
import type { PhysMem } from "./mm/physmem";
import { PROT_READ, PROT_WRITE, PROT_EXEC } from "./mm/pagetable";
import { parseElf, loadElf, type ElfImage } from "./elf";
import { ENOEXEC, ENOMEM, E2BIG } from "./errno";
import type { Credentials } from "./task";
import type { Regs } from "./regs";
import { RSP, RIP, RFLAGS, CR3, FCW, MXCSR, STATE_SIZE } from "./cpu";

// Auxiliary vector types (include/uapi/linux/auxvec.h, asm/auxvec.h).
export const AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
  AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
  AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51;

/** CPUID.1:EDX of a baseline x86-64 CPU (FPU … CMOV, MMX, FXSR, SSE, SSE2), what AT_HWCAP carries on x86. */
export const HWCAP_BASELINE = 0x078bfbff;
export const STACK_SIZE = 8 << 20;
/** Linux refuses argument+environment strings above a quarter of the stack limit. */
const ARG_MAX = STACK_SIZE / 4;

export interface ExecImage {
  mm: AddressSpace;
  entry: number;
  sp: number;
  /** The parsed image, for callers that report or test it. */
  elf: ElfImage;
  auxv: Array<[number, number]>;
}

export interface ExecOptions {
  argv: string[];
  envp: string[];
  /** AT_EXECFN: the path as given to execve. */
  execfn: string;
  /** The file's own path (symlinks resolved), for the VMAs' names; execfn when absent. */
  name?: string;
  cred: Credentials;
  /** Fixed base for static-PIE images (tests); random when absent. */
  dynBase?: number;
  /** Fixed stack top (tests); randomised below 2^47 when absent. */
  stackTop?: number;
  random?: Uint8Array;
  /** The file's page-cache key (mm/filemap.ts): its pages are shared with every other process running it. */
  cacheKey?: string;
}

function randomPages(n: number): number {
  const r = new Uint32Array(1);
  crypto.getRandomValues(r);
  return (r[0] % n) * 4096;
}

/** Builds the new address space for `bytes`; a negative errno when the file cannot be executed. */
export function buildImage(mem: PhysMem, bytes: Uint8Array, o: ExecOptions): ExecImage | number {
  const elf = parseElf(bytes);
  if (typeof elf === "number") return elf;
  if (elf.interp !== null) return -ENOEXEC; // Dynamic executables need the interpreter: not yet.
  const enc = new TextEncoder();
  const strs = [...o.argv, ...o.envp].map((s) => enc.encode(s + "\0"));
  const strBytes = strs.reduce((n, s) => n + s.length, 0);
  if (strBytes > ARG_MAX) return -E2BIG;

  const mm = AddressSpace.create(mem);
  if (!mm) return -ENOMEM;
  const loaded = loadElf(mm, bytes, elf, o.name ?? o.execfn, o.dynBase, o.cacheKey);
  if (typeof loaded === "number") { mm.destroy(); return loaded; }
  mm.brkStart = mm.brk = Math.ceil(loaded.end / 4096) * 4096;

  const top = o.stackTop ?? 0x7ffffffff000 - randomPages(0x4000);
  mm.map(top - STACK_SIZE, top, PROT_READ | PROT_WRITE | (elf.execStack ? PROT_EXEC : 0), "[stack]");
  // Leave room below the stack for it to reach its limit, as Linux's mmap_base gap does.
  mm.mmapBase = pageDown(top - STACK_SIZE - 0x8000000 - randomPages(0x1000));

  // Strings, from the top down: execfn, argv+envp strings, platform, AT_RANDOM bytes.
  let p = top - 8;
  const execfn = enc.encode(o.execfn + "\0");
  p -= execfn.length;
  const execfnAddr = p;
  p -= strBytes;
  const strAddrs: number[] = [];
  let q = p;
  for (const s of strs) { strAddrs.push(q); q += s.length; }
  const platform = enc.encode("x86_64\0");
  p -= platform.length;
  const platformAddr = p;
  p -= 16;
  const randomAddr = p;
  p = Math.floor(p / 16) * 16;

  const auxv: Array<[number, number]> = [
    [AT_MINSIGSTKSZ, 2048],
    [AT_HWCAP, HWCAP_BASELINE],
    [AT_PAGESZ, 4096],
    [AT_CLKTCK, 100],
    [AT_PHDR, loaded.phdr],
    [AT_PHENT, elf.phentsize],
    [AT_PHNUM, elf.phnum],
    [AT_BASE, 0],
    [AT_FLAGS, 0],
    [AT_ENTRY, loaded.entry],
    [AT_UID, o.cred.uid],
    [AT_EUID, o.cred.euid],
    [AT_GID, o.cred.gid],
    [AT_EGID, o.cred.egid],
    [AT_SECURE, 0],
    [AT_RANDOM, randomAddr],
    [AT_HWCAP2, 0],
    [AT_EXECFN, execfnAddr],
    [AT_PLATFORM, platformAddr],
    [AT_NULL, 0],
  ];
  const argc = o.argv.length;
  const words = 1 + argc + 1 + o.envp.length + 1 + auxv.length * 2;
  const sp = Math.floor((p - words * 8) / 16) * 16;
  if (sp < top - STACK_SIZE) { mm.destroy(); return -E2BIG; }

  const vec = new DataView(new ArrayBuffer(words * 8));
  let w = 0;
  const put = (x: number): void => { vec.setBigUint64(w, BigInt(x), true); w += 8; };
  put(argc);
  for (let i = 0; i < argc; i++) put(strAddrs[i]);
  put(0);
  for (let i = 0; i < o.envp.length; i++) put(strAddrs[argc + i]);
  put(0);
  for (const [k, v] of auxv) { put(k); put(v); }

  const random = o.random ?? crypto.getRandomValues(new Uint8Array(16));
  const strBuf = new Uint8Array(strBytes);
  let off = 0;
  for (const s of strs) { strBuf.set(s, off); off += s.length; }
  const ok = mm.poke(sp, new Uint8Array(vec.buffer)) && mm.poke(execfnAddr, execfn) && mm.poke(strAddrs[0] ?? p, strBuf)
    && mm.poke(platformAddr, platform) && mm.poke(randomAddr, random) && mm.poke(top - 8, new Uint8Array(8));
  if (!ok) { mm.destroy(); return -ENOMEM; }
  return { mm, entry: loaded.entry, sp, elf, auxv };
}

/** The register state of a new process (ABI §3.4.1): all zero but RSP, RIP, RFLAGS.IF, FCW, MXCSR. */
export function initRegisters(regs: Regs, img: ExecImage): void {
  regs.clear(STATE_SIZE);
  regs.set(RSP, img.sp);
  regs.set(RIP, img.entry);
  regs.set(RFLAGS, 0x202);
  regs.set(CR3, img.mm.root);
  regs.setU16(FCW, 0x37f);
  regs.setU32(MXCSR, 0x1f80);
}
