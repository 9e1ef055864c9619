// Writes docs/syscalls.md from the syscall table (src/kernel/syscall/table.ts),
// the one source of truth for what the kernel supports. A unit test fails
// when the two drift apart: run `npm run docs` after changing the table.
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { syscallsMarkdown } from "../src/kernel/syscall/table";

export const SYSCALLS_DOC = join(dirname(fileURLToPath(import.meta.url)), "../docs/syscalls.md");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(dirname(SYSCALLS_DOC), { recursive: true });
  writeFileSync(SYSCALLS_DOC, syscallsMarkdown());
  console.log("wrote docs/syscalls.md");
}
