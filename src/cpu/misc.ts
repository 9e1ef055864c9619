// CPUID and RDTSC (SDM vol. 2 "CPUID", "RDTSC"). CPUID describes a baseline
// x86-64 CPU: SSE/SSE2, CMPXCHG16B, POPCNT, LZCNT; no SSE3+/AVX/XSAVE, so
// glibc's IFUNC resolvers pick the SSE2 string functions. Cache geometry is
// given by leaf 4 (leaf 2 says so with descriptor 0xFF), which glibc uses to
// size memcpy's non-temporal threshold.
import { S, retired, gpr64, setGpr32 } from "./core";
import { ICOUNT } from "./state";

// "Hako Virtual x86-64 CPU" padded to 48 bytes for leaves 0x80000002..4.
const BRAND = "Hako Virtual x86-64 CPU @ 1.00GHz";

function setAll(a: u32, b: u32, c: u32, d: u32): void {
  setGpr32(0, a); setGpr32(3, b); setGpr32(1, c); setGpr32(2, d);
}

function brandWord(i: i32): u32 {
  let v: u32 = 0;
  for (let k = 3; k >= 0; k--) {
    const j = i * 4 + k;
    const ch: u32 = j < BRAND.length ? <u32>BRAND.charCodeAt(j) : 0;
    v = (v << 8) | ch;
  }
  return v;
}

/** Leaf 4 sub-leaf: type, level, ways, sets, threads sharing (all minus-one encoded as the SDM says). */
function cacheLeaf(type: u32, level: u32, ways: u32, sets: u32): void {
  const eax = type | (level << 5) | (1 << 8) | (0 << 14) | (0 << 26);
  const ebx = ((ways - 1) << 22) | (0 << 12) | 63;
  setAll(eax, ebx, sets - 1, 0);
}

export function cpuid(): void {
  const leaf = <u32>gpr64(0);
  const sub = <u32>gpr64(1);
  switch (leaf) {
    case 0: setAll(7, 0x756e6547, 0x6c65746e, 0x49656e69); return; // "GenuineIntel"
    case 1: {
      // Family 6, model 0x3A, stepping 9; CLFLUSH line 8*8 bytes, 1 logical CPU.
      const ecx: u32 = (1 << 13) | (1 << 23); // CX16, POPCNT
      const edx: u32 = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
      setAll(0x000306a9, (1 << 16) | (8 << 8), ecx, edx);
      return;
    }
    case 2: setAll(0x0000ff01, 0, 0, 0); return;
    case 4:
      switch (sub) {
        case 0: cacheLeaf(1, 1, 8, 64); return;      // L1d 32 KiB
        case 1: cacheLeaf(2, 1, 8, 64); return;      // L1i 32 KiB
        case 2: cacheLeaf(3, 2, 8, 512); return;     // L2 256 KiB
        case 3: cacheLeaf(3, 3, 16, 8192); return;   // L3 8 MiB
        default: setAll(0, 0, 0, 0); return;
      }
    case 0x80000000: setAll(0x80000008, 0, 0, 0); return;
    case 0x80000001: setAll(0, 0, (1 << 0) | (1 << 5), (1 << 11) | (1 << 20) | (1 << 29)); return; // LAHF, ABM; SYSCALL, NX, LM
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const base = <i32>(leaf - 0x80000002) * 4;
      setAll(brandWord(base), brandWord(base + 1), brandWord(base + 2), brandWord(base + 3));
      return;
    }
    case 0x80000006: setAll(0, 0, (256 << 16) | (6 << 12) | 64, 0); return;
    case 0x80000008: setAll(0x3027, 0, 0, 0); return;
    default: setAll(0, 0, 0, 0); return;
  }
}

/** A monotonic time-stamp counter derived from retired instructions (4 ticks each). */
export function rdtsc(): void {
  const t = (load<u64>(S + ICOUNT) + <u64>retired) << 2;
  setGpr32(0, <u32>t);
  setGpr32(2, <u32>(t >> 32));
}
