// docs/syscalls.md is generated from the syscall table; this keeps the two in step.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { syscallsMarkdown } from "../../src/kernel/syscall/table";
import { SYSCALLS_DOC } from "../../scripts/gen-syscalls-doc";

describe("docs/syscalls.md", () => {
  it("matches the syscall table (regenerate with `npm run docs`)", () => {
    expect(readFileSync(SYSCALLS_DOC, "utf8")).toBe(syscallsMarkdown());
  });
});
