// The CPU-bound busybox workloads bench/cpu.ts times and bench/jitstat.ts
// breaks down: hashes over 4 MiB of fixed pseudo-random bytes and an awk
// arithmetic loop.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const WORKLOADS: Array<{ name: string; argv: string[] }> = [
  { name: "sha256sum 4 MiB", argv: ["sha256sum", "4m.bin"] },
  { name: "md5sum 4 MiB", argv: ["md5sum", "4m.bin"] },
  { name: "sha512sum 4 MiB", argv: ["sha512sum", "4m.bin"] },
  { name: "awk arithmetic loop", argv: ["awk", "BEGIN { s = 0; for (i = 0; i < 50000; i++) s += (i * i) % 7 + i / 3; printf \"%.1f\\n\", s }"] },
];

/** Writes the workloads' input file (4m.bin) into `dir`, the commands' working directory. */
export function writeWorkloadInput(dir: string): void {
  const data = Buffer.alloc(4 << 20);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  writeFileSync(join(dir, "4m.bin"), data);
}
