// Single-stepped repeats: a selection of forms whose state is easy to lose
// between two run() calls (lazy flags, REP progress, x87 TOP/tags, FS base),
// run in the emulator with a budget of 1 and resumed after every
// EXIT_BUDGET. The kernel stops the CPU like this at every time slice, so the
// results must be the same as in one go — and as on the native CPU.
import type { Case, Form, Rng } from "./case";

export function stepForms(all: Form[]): Form[] {
  const pick = (f: Form): boolean =>
    ["chain", "string", "stack", "seg", "smc", "fetch"].includes(f.family) ||
    (f.family === "cc" && /loop|LOOP|J[A-Z]+ rel8/.test(f.name)) ||
    (f.family === "alu" && /^(ADC|SBB)/.test(f.name)) ||
    (f.family === "shift" && /^(RCL|RCR)/.test(f.name)) ||
    (f.family === "x87" && /FCOMI|FCMOV|FXCH|FLD m|FSTP m/.test(f.name)) ||
    (f.family === "sse-fp" && /COMIS/.test(f.name));
  return all.filter((f) => pick(f) && !f.informational).map((f) => ({
    family: "step", name: `step: ${f.name}`, faults: f.faults, rerun: true,
    cases(rng: Rng): Case[] {
      return f.cases(rng).slice(0, 40).map((c) => ({ ...c, singleStep: true }));
    },
  }));
}
