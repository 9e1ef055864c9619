// A minimal WebAssembly binary writer for the block compiler: a growable
// byte buffer with LEB128 and the opcodes compiled blocks use (WebAssembly
// core spec §5 "Binary format"). Nothing here knows about x86.

export const I32 = 0x7f;
export const I64 = 0x7e;
export const VOID = 0x40;
export const V128 = 0x7b;

/** Opcodes (spec §5.4). */
export const Op = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e,
  return: 0x0f, call: 0x10, returnCall: 0x12, returnCallIndirect: 0x13, drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, globalGet: 0x23, globalSet: 0x24,
  i32Load: 0x28, i64Load: 0x29, i32Load16U: 0x2f, i64Load8U: 0x31, i64Load16U: 0x33, i64Load32U: 0x35,
  i32Store: 0x36, i64Store: 0x37, i32Store16: 0x3b, i64Store8: 0x3c, i64Store16: 0x3d, i64Store32: 0x3e,
  i32Const: 0x41, i64Const: 0x42, f64Const: 0x44,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GtU: 0x4b, i32LeU: 0x4d, i32GeU: 0x4f,
  i64Eqz: 0x50, i64Eq: 0x51, i64Ne: 0x52, i64LtS: 0x53, i64LtU: 0x54, i64LeS: 0x57, i64LeU: 0x58,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76,
  i64Popcnt: 0x7b, i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85,
  i64Shl: 0x86, i64ShrS: 0x87, i64ShrU: 0x88, i64Rotl: 0x89, i64Rotr: 0x8a,
  f32Add: 0x92, f32Sub: 0x93, f32Mul: 0x94, f32Div: 0x95, f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2, f64Div: 0xa3,
  f64Eq: 0x61, f64Ne: 0x62, f64Lt: 0x63, f64Gt: 0x64, f64Ge: 0x66, f64Trunc: 0x9d,
  i32TruncF64S: 0xaa, i64TruncF64S: 0xb0, f64ConvertI32S: 0xb7, f64ConvertI64S: 0xb9,
  i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad,
  i32ReinterpretF32: 0xbc, i64ReinterpretF64: 0xbd, f32ReinterpretI32: 0xbe, f64ReinterpretI64: 0xbf,
  i64Extend8S: 0xc2, i64Extend16S: 0xc3, i64Extend32S: 0xc4,
} as const;

/** Bulk memory opcodes (spec §5.4.6): the 0xFC prefix, this number as a u32 LEB128, then the memory index. */
export const BULK_PREFIX = 0xfc;
export const Bulk = { memoryCopy: 10, memoryFill: 11 } as const;

/** SIMD opcodes (spec §5.4.8): written as the 0xFD prefix then this number as a u32 LEB128. */
export const SIMD_PREFIX = 0xfd;
export const Simd = {
  v128Load: 0x00, v128Store: 0x0b, v128Const: 0x0c,
  v128And: 0x4e, v128AndNot: 0x4f, v128Or: 0x50, v128Xor: 0x51,
} as const;

// LEB128 writers (spec §5.2.2): at most 5 bytes for 32 bits; they write into
// b from index n (the caller makes room) and return the index after.
function putU32(b: Uint8Array, n: number, v: number): number {
  v >>>= 0;
  while (v >= 0x80) { b[n++] = (v & 0x7f) | 0x80; v >>>= 7; }
  b[n++] = v;
  return n;
}
function putS32(b: Uint8Array, n: number, v: number): number {
  v |= 0;
  for (;;) {
    const x = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (x & 0x40) === 0) || (v === -1 && (x & 0x40) !== 0)) { b[n++] = x; return n; }
    b[n++] = x | 0x80;
  }
}

export class Bytes {
  private buf: Uint8Array<ArrayBuffer>;
  length = 0;
  /** `capacity`: the bytes expected (a region's code runs to several KiB; growing copies). */
  constructor(capacity = 256) { this.buf = new Uint8Array(capacity); }

  byte(b: number): this {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
    return this;
  }
  /** Makes room for `n` more bytes. */
  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }
  bytes(b: ArrayLike<number>): this {
    if (b instanceof Uint8Array) {
      // Whole function bodies and code streams: one copy.
      if (this.length + b.length > this.buf.length) this.grow(b.length);
      this.buf.set(b, this.length);
      this.length += b.length;
      return this;
    }
    for (let i = 0; i < b.length; i++) this.byte(b[i]);
    return this;
  }
  // One-call forms for the block compiler's most frequent instructions
  // (a call per instruction rather than per byte: generation runs mostly
  // in the engine's interpreter before it is hot).
  /** Opcode `o`, then `v` as a u32 LEB128 (local, global, label or function index). */
  opU(o: number, v: number): this {
    if (this.length + 6 > this.buf.length) this.grow(6);
    this.buf[this.length] = o;
    this.length = putU32(this.buf, this.length + 1, v);
    return this;
  }
  /** Opcode `o`, then `v` as an s32 LEB128 (i32.const, and i64.const of a value that fits). */
  opS(o: number, v: number): this {
    if (this.length + 6 > this.buf.length) this.grow(6);
    this.buf[this.length] = o;
    this.length = putS32(this.buf, this.length + 1, v);
    return this;
  }
  /** A load or store: opcode `o`, alignment hint 0, then `offset` as a u32 LEB128. */
  memOp(o: number, offset: number): this {
    if (this.length + 7 > this.buf.length) this.grow(7);
    this.buf[this.length] = o;
    this.buf[this.length + 1] = 0;
    this.length = putU32(this.buf, this.length + 2, offset);
    return this;
  }
  u32(v: number): this {
    if (this.length + 5 > this.buf.length) this.grow(5);
    this.length = putU32(this.buf, this.length, v);
    return this;
  }
  s32(v: number): this {
    if (this.length + 5 > this.buf.length) this.grow(5);
    this.length = putS32(this.buf, this.length, v);
    return this;
  }
  s64(v: bigint): this {
    // Most constants fit in 32 bits, where the encoding is s32's (and Number arithmetic is much cheaper).
    if (v >= -0x8000_0000n && v < 0x8000_0000n) return this.s32(Number(v));
    v = BigInt.asIntN(64, v);
    // Masks and sign bits of 32-bit operands (0xffff_ffff, 2^31) and the like: exact as Numbers, no BigInt loop.
    if (v >= -0x20_0000_0000_0000n && v < 0x20_0000_0000_0000n) {
      let n = Number(v);
      for (;;) {
        const b = n - Math.floor(n / 128) * 128; // n mod 128, for negative n too
        n = Math.floor(n / 128); // arithmetic shift right by 7
        if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return this.byte(b);
        this.byte(b | 0x80);
      }
    }
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) { this.byte(b); return this; }
      this.byte(b | 0x80);
    }
  }
  /** A double, as f64.const's immediate (8 bytes, little-endian). */
  f64(v: number): this {
    const d = new DataView(new ArrayBuffer(8));
    d.setFloat64(0, v, true);
    for (let n = 0; n < 8; n++) this.byte(d.getUint8(n));
    return this;
  }
  name(s: string): this {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
    return this;
  }
  /** Appends `b` prefixed with its length (a section or function body). */
  sized(b: Bytes): this {
    return this.u32(b.length).bytes(b.view());
  }
  view(): Uint8Array<ArrayBuffer> { return this.buf.subarray(0, this.length); }
  /** A u32 in five LEB128 bytes (padded), to be rewritten in place by patchU32(). */
  u32Wide(v: number): this {
    for (let i = 0; i < 4; i++) this.byte(((v >>> (7 * i)) & 0x7f) | 0x80);
    return this.byte((v >>> 28) & 0x0f);
  }
  /** Rewrites the five bytes u32Wide() wrote at `pos`. */
  patchU32(pos: number, v: number): void {
    for (let i = 0; i < 4; i++) this.buf[pos + i] = ((v >>> (7 * i)) & 0x7f) | 0x80;
    this.buf[pos + 4] = (v >>> 28) & 0x0f;
  }
}

export interface FuncType { params: number[]; results: number[] }
export type Import =
  | { module: string; name: string; kind: "func"; type: number }
  | { module: string; name: string; kind: "memory" }
  | { module: string; name: string; kind: "table" }
  | { module: string; name: string; kind: "global"; valType: number; mutable: boolean };

/** A function defined by the module: its type and its body (locals and code, encoded). */
export interface FuncDef { type: number; body: Bytes; export?: string }

/** Encodes a module: types, imports, functions (indices follow the imported functions). */
export function encodeModule(types: FuncType[], imports: Import[], funcs: FuncDef[]): Uint8Array<ArrayBuffer> {
  const out = new Bytes();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, body: Bytes): void => { out.byte(id).sized(body); };
  const t = new Bytes().u32(types.length);
  for (const ft of types) {
    t.byte(0x60).u32(ft.params.length).bytes(ft.params).u32(ft.results.length).bytes(ft.results);
  }
  section(1, t);
  const im = new Bytes().u32(imports.length);
  for (const i of imports) {
    im.name(i.module).name(i.name);
    if (i.kind === "func") im.byte(0).u32(i.type);
    else if (i.kind === "memory") im.byte(2).byte(0).u32(0);
    else if (i.kind === "table") im.byte(1).byte(0x70).byte(0).u32(0);
    else im.byte(3).byte(i.valType).byte(i.mutable ? 1 : 0);
  }
  section(2, im);
  const fn = new Bytes().u32(funcs.length);
  for (const f of funcs) fn.u32(f.type);
  section(3, fn);
  const nImportedFuncs = imports.filter((i) => i.kind === "func").length;
  const exported = funcs.map((f, i) => [f.export, nImportedFuncs + i] as const).filter(([n]) => n !== undefined);
  const ex = new Bytes().u32(exported.length);
  for (const [name, idx] of exported) ex.name(name as string).byte(0).u32(idx);
  section(7, ex);
  const code = new Bytes().u32(funcs.length);
  for (const f of funcs) code.sized(f.body);
  section(10, code);
  return out.view();
}
