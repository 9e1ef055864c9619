// The page's disk: the machine root's upper layer (everything the guest
// wrote, changed or deleted on /) is saved to IndexedDB and restored at the
// next boot, so `echo hi > /root/note` survives a reload. /tmp, /dev, /proc
// and /sys are not saved, as on a host whose /tmp is a tmpfs.
//
// When it saves (kernel/fs/treesync.ts does the saving):
// - the tree's signature (metadata walk, no data copied) is polled every
//   TICK_MS between guest slices; a save starts once it has stayed the same
//   for one tick (writes went quiet), or MAX_DELAY_MS after the tick that
//   first saw an unsaved change while writes go on;
// - once more shortly after a save that saw a file changed within the
//   clock's granularity (TreeSync.recheck);
// - at once on flush(): the page calls it on pagehide, and the worker when
//   the machine powers off; and when the guest calls sync(2) or fsync(2)
//   (attach(): Kernel.syncFs), which return at once — fsync answers ENOSPC
//   while the store refuses saves for lack of space.
// A save that meets a full store (QuotaExceededError) leaves the committed
// tree intact and makes the root's upper layer full: the guest's writes that
// need space get ENOSPC, and the next change (a delete) retries.
import { MemFs, MemInode } from "../kernel/fs/memfs";
import { OverlayInode } from "../kernel/fs/overlay/overlayfs";
import type { Machine } from "../kernel/machine";
import type { Kernel } from "../kernel/syscall/types";
import { ENOSPC } from "../kernel/errno";
import { TreeSync, type SyncStats } from "../kernel/fs/treesync";
import { TreeStore } from "../store/treestore";
import type { Kv } from "../store/kv";

/** The tree's name in the store. */
export const ROOT_TREE = "root-upper";
const TICK_MS = 250;
const MAX_DELAY_MS = 2000;

/** The writable upper layer of the machine's root overlay (fs/rootfs.ts makes it a tmpfs), or null. */
export function rootUpper(machine: Machine): MemFs | null {
  const root = machine.vfs.root;
  if (!(root instanceof OverlayInode)) return null;
  const up = root.ofs.upperRoot;
  return up instanceof MemInode ? up.fs : null;
}

export interface PersistStatus extends SyncStats {
  /** Paths restored at boot (0: a fresh machine). */
  restoredPaths: number;
  /** Changes made since the last committed save. */
  dirty: boolean;
  /** A save is running. */
  saving: boolean;
}

export class RootPersistence {
  private readonly sync: TreeSync;
  private restoredPaths = 0;
  private savedSig: string | null = null;
  private failedSig: string | null = null;
  private lastTickSig: string | null = null;
  private dirtySince: number | null = null;
  private saving: Promise<unknown> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = false;

  constructor(upper: MemFs, kv: Kv, name = ROOT_TREE) {
    this.sync = new TreeSync(upper, new TreeStore(kv, name));
  }

  /** Restores the saved tree into the (still empty) upper layer; call before the machine runs. */
  async restore(): Promise<number> {
    this.restoredPaths = await this.sync.restore();
    this.savedSig = this.sync.signature();
    return this.restoredPaths;
  }

  /** Starts watching for changes. */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    if (this.saving || this.stopped) return;
    const sig = this.sync.signature();
    const changed = sig !== this.savedSig && sig !== this.failedSig;
    if (!changed && !this.sync.recheck) { this.lastTickSig = sig; this.dirtySince = null; return; }
    const now = performance.now();
    this.dirtySince ??= now;
    if (sig === this.lastTickSig || now - this.dirtySince >= MAX_DELAY_MS || !changed) void this.save(sig);
    this.lastTickSig = sig;
  }

  private save(sig: string): Promise<unknown> {
    const run = this.sync.sync().then((s) => {
      if (s.full) this.failedSig = sig;
      else { this.savedSig = sig; this.failedSig = null; }
      this.dirtySince = null;
    }, (e: unknown) => {
      this.sync.stats.lastError = String(e);
    }).finally(() => { this.saving = null; });
    this.saving = run;
    return run;
  }

  /** Resolves once no save is running. */
  async idle(): Promise<void> {
    while (this.saving) await this.saving;
  }

  /** Makes the machine's sync(2)/fsync(2) start a save (Kernel.syncFs). */
  attach(machine: Machine): void {
    (machine as Kernel).syncFs = () => this.syncCall();
  }

  /** sync(2)/fsync(2): a save starts now; -ENOSPC while the store refuses saves for lack of space. */
  syncCall(): number {
    if (!this.stopped) void this.flush();
    return this.sync.stats.full ? -ENOSPC : 0;
  }

  /** Saves now (after a save already running); resolves when committed or refused. */
  async flush(): Promise<PersistStatus> {
    if (this.saving) await this.saving;
    if (!this.stopped) {
      const sig = this.sync.signature();
      if (sig !== this.savedSig || this.sync.recheck) await this.save(sig);
    }
    return this.status();
  }

  /** Stops saving and forgets the saved tree: the next boot starts from the image alone. */
  async reset(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.saving) await this.saving;
    await this.sync.store.clear();
  }

  status(): PersistStatus {
    const sig = this.saving ? null : this.sync.signature();
    return {
      ...this.sync.stats, restoredPaths: this.restoredPaths,
      dirty: sig === null ? true : sig !== this.savedSig, saving: this.saving !== null,
    };
  }
}
