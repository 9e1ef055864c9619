// Physical memory: the CPU's linear memory carved into 4 KiB frames with
// reference counts (a frame shared by copy-on-write has count > 1).
import type { CpuExports } from "../cpu";
import { PageCache } from "./pagecache";

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export class PhysMem {
  readonly cpu: CpuExports;
  private base: number;
  private frames: number;
  private refs: Uint16Array;
  /** 1 for a page-cache frame (file data, charged once by the cache, never by the address spaces mapping it). */
  private file: Uint8Array;
  private free: number[] = [];
  private next = 0;

  /** Grows linear memory so that `bytes` of RAM follow the CPU's own area. */
  constructor(cpu: CpuExports, bytes: number) {
    this.cpu = cpu;
    this.base = cpu.ramBase();
    this.frames = Math.floor(bytes / PAGE_SIZE);
    const needed = this.base + this.frames * PAGE_SIZE;
    const have = cpu.memory.buffer.byteLength;
    if (needed > have) cpu.memory.grow(Math.ceil((needed - have) / 65536));
    this.refs = new Uint16Array(this.frames);
    this.file = new Uint8Array(this.frames);
    this.cache = new PageCache(this);
  }

  /** File pages shared by every mapping of a file (mm/pagecache.ts). */
  readonly cache: PageCache;

  private buf: ArrayBuffer | null = null;
  private u8c = new Uint8Array(0);
  private viewc = new DataView(new ArrayBuffer(0));

  /** Current view of linear memory (remade only when the memory has grown: page-table walks call this a lot). */
  get u8(): Uint8Array { this.sync(); return this.u8c; }
  get view(): DataView { this.sync(); return this.viewc; }
  private sync(): void {
    const b = this.cpu.memory.buffer as ArrayBuffer;
    if (b === this.buf) return;
    this.buf = b;
    this.u8c = new Uint8Array(b);
    this.viewc = new DataView(b);
  }

  get totalFrames(): number { return this.frames; }
  get usedFrames(): number { return this.next - this.free.length; }

  /** Allocates a zeroed frame; returns its physical address, or -1 when RAM is full (after dropping unmapped cached file pages). */
  alloc(): number {
    let idx: number;
    if (this.free.length === 0 && this.next >= this.frames) this.cache.reclaim(null);
    if (this.free.length > 0) idx = this.free.pop()!;
    else if (this.next < this.frames) idx = this.next++;
    else return -1;
    this.refs[idx] = 1;
    const pa = this.base + idx * PAGE_SIZE;
    this.u8.fill(0, pa, pa + PAGE_SIZE);
    return pa;
  }

  ref(pa: number): void { this.refs[this.index(pa)]++; }
  isFile(pa: number): boolean { return this.file[this.index(pa)] === 1; }
  setFile(pa: number, on: boolean): void { this.file[this.index(pa)] = on ? 1 : 0; }
  refCount(pa: number): number { return this.refs[this.index(pa)]; }

  /** Drops one reference; the frame is freed when none remain. */
  release(pa: number): void {
    const i = this.index(pa);
    if (this.refs[i] === 0) throw new Error(`double free of frame ${pa.toString(16)}`);
    if (--this.refs[i] === 0) {
      this.file[i] = 0;
      this.free.push(i);
      this.cpu.invalidateCode(pa, PAGE_SIZE);
    }
  }

  private index(pa: number): number { return (pa - this.base) >>> PAGE_SHIFT; }
}
