// The instructions of the real target: every distinct instruction shape in
// Debian's static busybox (disassembled with objdump at test time), each run
// from random registers with its memory operands steered into the data
// region (base/index registers chosen, RIP-relative displacements rewritten,
// FS/GS bases set for TLS accesses). Control transfers, CPUID/RDTSC/SYSCALL
// and the AVX/AVX-512/RTM variants that glibc's IFUNCs pick only when CPUID
// offers them are left out; SSE3+/BMI/... shapes run as informational forms
// (the emulator's CPUID does not advertise them).
// The binary is the one scripts/ unpacks into .cache/debs/busybox-static; when
// it is absent the family is empty.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ALL_FLAGS, AF, CF, OF, ZF, DF, type Case, type Form, type Rng } from "./case";
import { Builder, le, mask } from "./builder";
import { defaultFx, CODE_ADDR, DATA_ADDR, DATA_SIZE, STACK_ADDR } from "./layout";
import { mxcsrValue, xmmValue } from "./fpvalues";
import { x87State } from "./forms-x87";
import { shiftFlags } from "./forms-shift";
import { repoRoot } from "./native";

const BUSYBOX = join(repoRoot, ".cache/debs/busybox-static/bin/busybox");

const R64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
function regNum(name: string): { n: number; w: 64 | 32 } | null {
  const a = R64.indexOf(name);
  if (a >= 0) return { n: a, w: 64 };
  const b = R32.indexOf(name);
  return b >= 0 ? { n: b, w: 32 } : null;
}

const SKIP = /^(j|call|ret|loop|syscall|cpuid|rdtsc|xgetbv|xbegin|xend|xabort|xtest|hlt|int|ud[012]|rdrand|rdseed|v|k|\(bad\)|xsave|xrstor|fxsave|fxrstor|fnsave|frstor|fnstenv|fldenv|enter|popf|in$|in[bwl]|out|ins|outs|rdpkru|wrpkru|rdsspq|incsspq|leave|bnd|notrack|data16 cs|cs nop|fwait|wait|lret|iret|sysenter|std|xlat)/;
const UNADVERTISED = /^((andn|bextr|blsi|blsmsk|blsr|bzhi|sarx|shlx|shrx|rorx|pdep|pext|mulx|adcx|adox|movbe|crc32)[bwlq]? |pshufb|palignr|pabs|phadd|phsub|pmaddubsw|pmulhrsw|psign|ptest|pminu[dw]|pmaxu[dw]|pmins[bd]|pmaxs[bd]|pblend|pmovzx|pmovsx|pextr[bdq]|pinsr[bdq]|pcmp[ie]str|lddqu|movddup|movshdup|movsldup|hadd|hsub|addsub|pmuldq|pmulld|pcmpeqq|pcmpgtq|packusdw|round|dpp|insertps|extractps|blendv|movntdqa|phminposuw|mpsadbw|pclmul|aes|sha)/;
/** Shapes left to the dedicated families (undefined destination or result for some inputs). */
const ELSEWHERE = /^(bsf|bsr|shld|shrd)/;
const isReg = (o: string): boolean => o.startsWith("%") && !o.includes(":") && (!o.includes("(") || /^%st\(\d\)$/.test(o));

interface Insn { bytes: Uint8Array; text: string; mn: string; ops: string[] }

function splitOps(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) { out.push(cur); cur = ""; } else cur += ch;
  }
  if (cur) out.push(cur);
  return out.map((x) => x.trim());
}

/** The busybox instructions, one list per shape key, parsed once. */
let corpus: Map<string, Insn[]> | null = null;
/** Instruction counts of the disassembly: all, left out (control flow, CPUID...), and per shape key. */
const stats = { total: 0, skipped: 0, perKey: new Map<string, number>() };
function loadCorpus(): Map<string, Insn[]> {
  if (corpus) return corpus;
  corpus = new Map();
  if (!existsSync(BUSYBOX)) return corpus;
  const text = execFileSync("objdump", ["-d", "-M", "suffix", BUSYBOX], { maxBuffer: 1 << 28 }).toString();
  let bytes: number[] = [];
  let pending: string | null = null;
  const flush = (): void => {
    if (pending === null) return;
    const t = pending.replace(/\s+#.*$/, "").replace(/\s+<.*>$/, "").trim();
    pending = null;
    const m = /^((?:(?:lock|rep|repz|repnz|data16|cs|ds|addr32|rex\.?\w*)\s+)*)(\S+)\s*(.*)$/.exec(t);
    if (!m) return;
    stats.total++;
    const pre = m[1].trim();
    const mn = (pre ? pre + " " : "") + m[2];
    if (SKIP.test(m[2]) || SKIP.test(mn) || /rex/.test(pre)) { stats.skipped++; return; }
    const ops = m[3] ? splitOps(m[3]) : [];
    const shape = ops.map((o) => o.startsWith("$") ? "i" : isReg(o) ? o.replace(/^%(r\d+[dwb]?|[re]?[a-d]x|[re]?[sd]i|[re]?[sb]p|[a-d][lh]|[sd]il|[sb]pl|xmm\d+|st\(?\d?\)?|mm\d)$/, (_x, r: string) =>
      /^xmm/.test(r) ? "x" : /^st/.test(r) ? "st" : /^mm/.test(r) ? "mm" : /^r\d+$|^r[a-d]x$|^r[sd]i$|^r[sb]p$/.test(r) ? "r64" : /d$|^e/.test(r) ? "r32" : /w$|^[a-d]x$|^[sd]i$|^[sb]p$/.test(r) ? "r16" : "r8") : "m");
    const key = `${mn} ${shape.join(",")}`;
    const list = corpus!.get(key) ?? [];
    if (list.length < 4 && !list.some((x) => x.text === t)) list.push({ bytes: Uint8Array.from(bytes), text: t, mn, ops });
    corpus!.set(key, list);
    stats.perKey.set(key, (stats.perKey.get(key) ?? 0) + 1);
  };
  for (const line of text.split("\n")) {
    const m = /^\s*[0-9a-f]+:\t([0-9a-f ]+?)\s*(?:\t(.*))?$/.exec(line);
    if (!m) { flush(); bytes = []; continue; }
    const bs = m[1].split(" ").filter(Boolean).map((x) => parseInt(x, 16));
    if (m[2] !== undefined) { flush(); bytes = bs; pending = m[2]; }
    else bytes.push(...bs);
  }
  flush();
  return corpus;
}

const MEM = /^(?:%(fs|gs|es|ds):)?(-?0x[0-9a-f]+|-?\d+)?(?:\((%[a-z0-9]+)?(?:,(%[a-z0-9]+)(?:,(\d))?)?\))?$/;

/** Builds one case for an instruction, or null when its memory operand cannot be steered. */
function buildCase(rng: Rng, ins: Insn): Case | null {
  const b = new Builder(rng);
  let code = new Uint8Array(ins.bytes);
  const mn = ins.mn.replace(/^(lock|rep|repz|repnz|data16|cs|ds|addr32)\s+/, "");
  const target = (DATA_ADDR + 64 + rng.int(DATA_SIZE - 192)) & ~15; // 16-aligned: legacy SSE operands require it
  b.patch(target, rng.bytes(32), false);
  for (const op of ins.ops) {
    if (op.startsWith("$") || isReg(op)) continue;
    const m = MEM.exec(op);
    if (!m) return null;
    const [, seg, dispS, baseS, indexS, scaleS] = m;
    const disp = dispS ? Number(BigInt.asIntN(64, dispS.startsWith("-") ? -BigInt(dispS.slice(1)) : BigInt(dispS))) : 0;
    if (baseS === "%rip") {
      // Rewrite the displacement so the operand lands on `target`.
      const old = le(BigInt(disp) & 0xffffffffn, 4);
      let at = -1;
      for (let i = code.length - 4; i >= 0; i--) if (code.subarray(i, i + 4).every((x, j) => x === old[j])) { if (at >= 0) return null; at = i; }
      if (at < 0) return null;
      code.set(le(BigInt(target - (CODE_ADDR + code.length)), 4), at);
      continue;
    }
    if (seg === "es" || seg === "ds") continue; // string-instruction operands: RSI/RDI set below
    const base = baseS ? regNum(baseS.slice(1)) : null;
    const index = indexS ? regNum(indexS.slice(1)) : null;
    if ((baseS && !base) || (indexS && !index)) return null;
    const scale = BigInt(scaleS ?? 1);
    let eff = BigInt(target);
    if (seg === "fs" || seg === "gs") {
      const segBase = BigInt(target) - BigInt(disp) - (base || index ? 0x100n : 0n);
      if (seg === "fs") b.c.fsBase = segBase; else b.c.gsBase = segBase;
      eff = BigInt(target) - segBase;
    } else if (!base && !index) return null; // absolute address outside our layout
    let rest = eff - BigInt(disp);
    if (index) {
      if (b.used.has(index.n)) return null;
      const iv = base ? BigInt(rng.int(16)) : rest / scale;
      b.claim(index.n);
      b.c.gpr[index.n] = iv & mask(64);
      rest -= iv * scale;
    }
    if (base) {
      if (b.used.has(base.n)) { if (b.c.gpr[base.n] !== (rest & mask(64))) return null; }
      b.claim(base.n);
      b.c.gpr[base.n] = rest & mask(base.w);
    } else if (rest !== 0n && !(seg === "fs" || seg === "gs")) return null;
  }
  // String instructions: RSI/RDI into the data region, a short count, DF clear.
  if (ins.ops.some((o) => /^%(es|ds):\(%[re](si|di)\)$/.test(o))) {
    b.c.gpr[6] = BigInt(DATA_ADDR + 0x100 + rng.int(0x800));
    b.c.gpr[7] = BigInt(DATA_ADDR + 0x1000 + rng.int(0x800));
    b.c.gpr[1] = BigInt(rng.int(40));
  }
  if (/^(push|pop)/.test(mn) && b.c.gpr[4] !== BigInt(STACK_ADDR + 0x800)) return null;
  // DIV/IDIV: a dividend whose high half is the zero/sign extension of the low half, so the quotient fits.
  if (/^i?div[bwlq]$/.test(mn)) {
    const w = { b: 8, w: 16, l: 32, q: 64 }[mn.slice(-1)] ?? 64;
    const signed = mn.startsWith("i");
    const lo = b.c.gpr[0] & mask(w);
    const neg = signed && (lo >> BigInt(w - 1)) & 1n;
    if (w === 8) b.c.gpr[0] = (b.c.gpr[0] & ~0xff00n) | (neg ? 0xff00n : 0n);
    else if (!b.used.has(2)) b.c.gpr[2] = (b.c.gpr[2] & ~mask(w)) | (neg ? mask(w) : 0n);
  }
  // Flags the SDM leaves undefined for this mnemonic.
  let flags = ALL_FLAGS;
  if (/^(and|or|xor|test)/.test(mn)) flags &= ~AF;
  else if (/^(mul|imul)/.test(mn)) flags = CF | OF | DF;
  else if (/^(div|idiv)/.test(mn)) flags = DF;
  else if (/^(bt[src]?)[wlq]?$/.test(mn)) flags = CF | ZF | DF;
  else if (/^(tzcnt|lzcnt)/.test(mn)) flags = CF | ZF | DF;
  else if (/^(sh[lr]|sa[lr]|ro[lr]|rc[lr])[bwlq]?$/.test(mn)) {
    const w = { b: 8, w: 16, l: 32, q: 64 }[mn.slice(-1)] ?? 32;
    const op = mn.slice(0, 3).toUpperCase().replace("SAL", "SHL");
    const count = ins.ops.length === 2 && ins.ops[0].startsWith("$") ? Number(ins.ops[0].slice(1)) : ins.ops[0] === "%cl" ? Number(b.c.gpr[1] & 0xffn) : 1;
    flags = shiftFlags(op, w, count);
  }
  b.c.flagMask = flags;
  if (/xmm|%st|^f|^cvt|^p|^mov[ahlu]p|^movs[sd]|^movd|^movq|^ucomi|^comi|^ldmxcsr|^stmxcsr|^add[ps]|^sub[ps]|^mul[ps]|^div[ps]|^sqrt|^min|^max|^and[np]|^or[p]|^xor[p]|^unpck|^shuf|^emms/.test(ins.text)) {
    const fx = defaultFx();
    for (let x = 0; x < 16; x++) fx.set(xmmValue(rng, rng.pick(["int", "f32", "f64"] as const)), 160 + 16 * x);
    new DataView(fx.buffer).setUint32(24, mxcsrValue(rng), true);
    b.c.fx = fx; b.c.wantFx = true;
    if (/^f/.test(mn)) {
      x87State(b, fx);
      // x87 arithmetic leaves C0..C3 undefined; the x87 family checks them per instruction.
      b.c.fswMask = 0xffff & ~0x4700;
    }
  }
  b.raw(Array.from(code));
  b.note(ins.text);
  return b.done();
}

/** How much of busybox the family covers: instructions in shapes tested here, left to other families, or unadvertised. */
export function busyboxCoverage(): { total: number; skipped: number; tested: number; elsewhere: number; unadvertised: number; shapes: number } {
  loadCorpus();
  let tested = 0, elsewhere = 0, unadvertised = 0, shapes = 0;
  for (const [key, n] of stats.perKey) {
    if (ELSEWHERE.test(key)) elsewhere += n;
    else if (UNADVERTISED.test(key.replace(/^(lock|rep|repz|repnz|data16)\s+/, ""))) unadvertised += n;
    else { tested += n; shapes++; }
  }
  return { total: stats.total, skipped: stats.skipped, tested, elsewhere, unadvertised, shapes };
}

export function busyboxForms(): Form[] {
  const out: Form[] = [];
  for (const [key, list] of loadCorpus()) {
    if (ELSEWHERE.test(key)) continue;
    const why = UNADVERTISED.test(key.replace(/^(lock|rep|repz|repnz|data16)\s+/, "")) ? "needs a CPUID feature the emulator does not advertise (SSE3+/SSSE3/SSE4/BMI/...)" : undefined;
    out.push({
      family: why ? "info-bb" : "busybox", name: `busybox: ${key}`, informational: why,
      cases(rng) {
        const cs: Case[] = [];
        for (let k = 0; k < 24; k++) {
          const c = buildCase(rng, list[k % list.length]);
          if (c) cs.push(c);
        }
        return cs;
      },
    });
  }
  return out;
}
