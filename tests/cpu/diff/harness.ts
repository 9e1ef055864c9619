// Runs the differential test: generates every form's cases (seeded), runs
// them natively in a few batches and in one emulator instance, compares, and
// summarises per family and per form (with the first mismatches in detail).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng, hexBytes, type Case, type Form } from "./case";
import { Emulator, initialImage } from "./emu";
import { firstDifference } from "./compare";
import { IMAGE_SIZE } from "./layout";
import { runNative, testBuildDir } from "./native";
import { allForms } from "./forms";
import type { Outcome } from "./outcome";

export const SEED = "hako-diff-1";
const BATCH = 20_000;
const DETAILS_PER_FORM = 3;

export interface FormResult {
  form: Form;
  cases: number;
  mismatches: number;
  /** Native outcomes other than "ok" (faults the form provoked on purpose, or generator bugs). */
  nativeFaults: number;
  details: string[];
}
export interface FamilyTotals { family: string; forms: number; cases: number; mismatches: number; nativeFaults: number; informational: boolean; rerun: boolean }
export interface DiffReport {
  forms: FormResult[];
  families: FamilyTotals[];
  totalForms: number;
  totalCases: number;
  totalMismatches: number;
  /** Forms (not meant to fault) where most cases fault natively: likely generator bugs. */
  suspicious: FormResult[];
  text: string;
  seconds: { generate: number; native: number; emulator: number };
}

/** The memory image every case starts from (before its own patches). */
export function pristineImage(): Uint8Array { return new Rng(`${SEED}:image`).bytes(IMAGE_SIZE); }

const GPRS = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
function describe(c: Case, n: Outcome, e: Outcome, diff: string): string {
  const regs = GPRS.map((r, i) => `${r}=${c.gpr[i].toString(16)}`).join(" ");
  return `  ${diff}\n    bytes: ${hexBytes(c.code)}\n    inputs: ${c.inputs}\n    all GPRs in: ${regs}\n` +
    `    native: ${n.kind}${n.detail ? ` (${n.detail})` : ""}, emu: ${e.kind} (${e.detail})`;
}

/** Forms whose family starts with, or whose name contains, `filter` (case-insensitive); all when empty. */
export function selectForms(filter = ""): Form[] {
  const f = filter.toLowerCase();
  return allForms().filter((x) => !f || x.family.toLowerCase().startsWith(f) || x.name.toLowerCase().includes(f));
}

/** Runs the forms selected by `filter`; `seed` changes the random cases (the pristine memory image stays the same). */
export async function runDiff(filter = "", log: (s: string) => void = () => {}, seed = SEED): Promise<DiffReport> {
  const forms = selectForms(filter);
  const image = pristineImage();
  const results: FormResult[] = [];
  let tGen = 0, tNative = 0, tEmu = 0, done = 0;
  const emu = await Emulator.create();
  // Cases are generated form by form and run in batches, so memory stays bounded.
  let batch: { fr: FormResult; c: Case }[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    const ta = performance.now();
    const native = runNative(batch.map((x) => x.c), image);
    const tb = performance.now();
    for (let i = 0; i < batch.length; i++) {
      const { fr, c } = batch[i];
      const n = native[i];
      const e = await emu.run(c, initialImage(image, c));
      fr.cases++;
      if (n.kind !== "ok") fr.nativeFaults++;
      const d = firstDifference(c, n, e);
      if (d) {
        fr.mismatches++;
        if (fr.details.length < DETAILS_PER_FORM) fr.details.push(describe(c, n, e, d));
      }
    }
    tNative += tb - ta;
    tEmu += performance.now() - tb;
    done += batch.length;
    log(`  ${done} cases`);
    batch = [];
  };
  for (const form of forms) {
    const fr: FormResult = { form, cases: 0, mismatches: 0, nativeFaults: 0, details: [] };
    results.push(fr);
    const tg = performance.now();
    const cases = form.cases(new Rng(`${seed}:${form.family}:${form.name}`));
    tGen += performance.now() - tg;
    for (const c of cases) batch.push({ fr, c });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  const fams = new Map<string, FamilyTotals>();
  for (const fr of results) {
    if (fr.cases === 0) continue;
    const t = fams.get(fr.form.family) ?? { family: fr.form.family, forms: 0, cases: 0, mismatches: 0, nativeFaults: 0, informational: !!fr.form.informational, rerun: !!fr.form.rerun };
    t.forms++; t.cases += fr.cases; t.mismatches += fr.mismatches; t.nativeFaults += fr.nativeFaults;
    fams.set(fr.form.family, t);
  }
  const families = [...fams.values()];
  // A form that could not build a single case (e.g. a busybox shape with an absolute address) is not counted.
  const empty = results.filter((f) => f.cases === 0);
  const asserted = results.filter((f) => !f.form.informational && f.cases > 0);
  // Re-runs (single-stepped repeats) must match too, but are not new forms or new cases.
  const distinct = asserted.filter((f) => !f.form.rerun);
  const totalForms = distinct.length;
  const totalCases = distinct.reduce((s, f) => s + f.cases, 0);
  const totalMismatches = asserted.reduce((s, f) => s + f.mismatches, 0);
  const lines: string[] = [];
  lines.push(`Differential CPU test (seed ${seed}${filter ? `, filter "${filter}"` : ""})`);
  const row = (t: FamilyTotals): string =>
    `${t.family.padEnd(9)} ${String(t.forms).padStart(4)} forms ${String(t.cases).padStart(7)} cases ${String(t.mismatches).padStart(7)} mismatches  (${t.nativeFaults} cases fault natively)`;
  for (const t of families) if (!t.informational) lines.push(row(t) + (t.rerun ? "  [re-runs, not counted as forms/cases]" : ""));
  const passingForms = distinct.filter((f) => f.mismatches === 0).length;
  lines.push(`TOTAL     ${String(totalForms).padStart(4)} forms ${String(totalCases).padStart(7)} cases ${String(totalMismatches).padStart(7)} mismatches; ${passingForms} forms fully match`);
  const suspicious = asserted.filter((f) => !f.form.faults && f.nativeFaults * 2 > f.cases);
  for (const f of suspicious) lines.push(`WARNING: ${f.nativeFaults}/${f.cases} cases of "${f.form.name}" fault natively (generator bug?)`);
  const info = families.filter((t) => t.informational);
  if (info.length) {
    lines.push("Informational (run and reported, not asserted):");
    for (const t of info) lines.push(row(t));
  }
  const summary = lines.join("\n");
  const detail: string[] = [summary, ""];
  for (const fr of results) {
    if (!fr.mismatches) continue;
    detail.push(`[${fr.form.family}] ${fr.form.name}: ${fr.mismatches}/${fr.cases} mismatch${fr.form.informational ? ` (informational: ${fr.form.informational})` : ""}`);
    detail.push(...fr.details);
  }
  if (empty.length) detail.push("", "Forms without cases (not counted):", ...empty.map((f) => `  [${f.form.family}] ${f.form.name}`));
  detail.push("", "Forms that fully match:");
  for (const fr of results) if (!fr.mismatches && fr.cases) detail.push(`  [${fr.form.family}] ${fr.form.name} (${fr.cases} cases, ${fr.nativeFaults} fault natively)`);
  mkdirSync(testBuildDir, { recursive: true });
  writeFileSync(join(testBuildDir, "diff-report.txt"), detail.join("\n") + "\n");
  return {
    forms: results, families, totalForms, totalCases, totalMismatches, suspicious, text: summary,
    seconds: { generate: tGen / 1000, native: tNative / 1000, emulator: tEmu / 1000 },
  };
}

/** The integer families the warm-cache and block-compiler runs repeat (tests/cpu/fast.test.ts, jit.test.ts). */
export const INTEGER_FAMILIES = ["alu", "shift", "muldiv", "bits", "mov", "xchg", "cc", "stack", "string", "misc", "seg", "chain", "decode", "smc", "fetch", "busybox"];

/** Runs each family in turn (printing the report of any with mismatches); the totals. */
export async function runFamilies(families: readonly string[]): Promise<{ forms: number; cases: number; mismatches: number }> {
  let forms = 0, cases = 0, mismatches = 0;
  for (const f of families) {
    const r = await runDiff(f);
    forms += r.totalForms; cases += r.totalCases; mismatches += r.totalMismatches;
    if (r.totalMismatches) console.log(r.text);
  }
  return { forms, cases, mismatches };
}
