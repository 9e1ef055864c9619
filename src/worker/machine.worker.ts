// The Web Worker that holds the machine: it instantiates the CPU, builds the
// root filesystem from the busybox image the app serves (its blobs kept in
// IndexedDB by digest, store/layers.ts), restores the root's saved upper
// layer (persistence.ts), boots the kernel model with a login shell on a
// pseudo-terminal and connects the page's terminal stream to the pty master
// (session.ts). If the machine cannot start, it falls back to an echo that
// says why. Without IndexedDB the machine runs unsaved.
import * as Comlink from "comlink";
import cpuWasmUrl from "../../build/cpu.wasm?url";
import { instantiateCpu } from "../kernel/cpu";
import { Machine } from "../kernel/machine";
import { imageRootFs } from "../kernel/fs/imagefs";
import { exposeLayer, IMAGE_AT } from "../kernel/fs/overlay/layerdir";
import { loadImage, type LoadedImage } from "../store/oci";
import { fetchSource } from "../store/fetchsource";
import { IdbKv } from "../store/idbkv";
import { BlobStore } from "../store/blobs";
import { LayerStore } from "../store/layers";
import { TreeStore } from "../store/treestore";
import { RootPersistence, ROOT_TREE, rootUpper } from "./persistence";
import type { DiskStatus, MachineApi, MachineStatus } from "./api";
import { TerminalPort } from "./terminal-port";
import { startEcho } from "./echo";
import { startSession, type Session } from "./session";

const status: MachineStatus = { mode: "starting", cpuWasmBytes: 0, cols: 80, rows: 24, error: null };
let persistence: RootPersistence | null = null;
let diskError: string | null = null;
let ownsDisk = false;

/**
 * One page at a time owns the saved root (Web Locks API): two machines
 * saving one tree would delete each other's chunks. The lock is held for
 * the worker's lifetime; a second tab runs its machine unsaved.
 */
function ownDisk(): Promise<boolean> {
  const locks = (self.navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    void locks.request("hako-disk", { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock ? new Promise<void>(() => {}) : undefined;
    });
  });
}

async function boot(): Promise<{ machine: Machine; env: string[] }> {
  const bytes = await (await fetch(cpuWasmUrl)).arrayBuffer();
  const cpu = await instantiateCpu(bytes);
  status.cpuWasmBytes = bytes.byteLength;
  const src = fetchSource(new URL("/images/busybox/", self.location.href).href);
  let kv: IdbKv | null = new IdbKv("hako", "store");
  let image: LoadedImage;
  try {
    image = await new LayerStore(new BlobStore(kv)).loadImage(src);
  } catch (e) {
    diskError = `IndexedDB is not usable, nothing will be saved: ${String(e)}`;
    kv = null;
    image = await loadImage(src);
  }
  const lower = imageRootFs(image).root;
  const machine = await Machine.create({ root: lower, cpu, hostname: "hako" });
  const upper = kv ? rootUpper(machine) : null;
  if (kv && upper && !(ownsDisk = await ownDisk())) diskError = "another tab of Hako owns the saved machine: this one is not saved";
  else if (kv && upper) {
    const p = new RootPersistence(upper, kv);
    try {
      await p.restore();
      p.start();
      p.attach(machine);
      persistence = p;
    } catch (e) {
      // Not saving over what could not be read: resetDisk() clears it.
      diskError = `the saved root could not be restored (not saving until reset): ${String(e)}`;
    }
  }
  // The image the root is made of, read-only at the path a hand-made container's lowerdir= names
  // (after the restore, which replaces the root's upper tree the mount point is made in).
  exposeLayer(machine.vfs, lower, IMAGE_AT, "image");
  const env = image.config.config?.Env ?? [];
  return { machine, env };
}

function diskStatus(): DiskStatus {
  const s = persistence?.status();
  return {
    available: persistence !== null, owner: ownsDisk, restoredPaths: s?.restoredPaths ?? 0, saves: s?.saves ?? 0, seq: s?.lastSeq ?? 0,
    dirty: s?.dirty ?? false, saving: s?.saving ?? false, full: s?.full ?? false, error: diskError ?? s?.lastError ?? null,
  };
}

const booted = boot();
let session: Session | null = null;

const api: MachineApi = {
  async attachTerminal(port, cols, rows) {
    status.cols = cols;
    status.rows = rows;
    const term = new TerminalPort(port);
    try {
      const { machine, env } = await booted;
      status.mode = "shell";
      term.write("Hako: an x86-64 CPU in WebAssembly running Debian's busybox on a Linux kernel model.\r\n");
      session = startSession(term, machine, env, cols, rows);
      void session.exited.then(() => { status.mode = "stopped"; return persistence?.flush(); });
    } catch (e) {
      status.mode = "echo";
      status.error = String(e);
      startEcho(term, `the machine did not start: ${String(e)}`);
    }
  },
  async resize(cols, rows) {
    status.cols = cols;
    status.rows = rows;
    session?.resize(cols, rows);
  },
  async status() {
    return { ...status };
  },
  async disk() {
    await booted.catch(() => {});
    return diskStatus();
  },
  async flushDisk() {
    await booted.catch(() => {});
    await persistence?.flush();
    return diskStatus();
  },
  async resetDisk() {
    await booted.catch(() => {});
    if (!ownsDisk) return;
    if (persistence) await persistence.reset();
    else await new TreeStore(new IdbKv("hako", "store"), ROOT_TREE).clear();
    persistence = null;
    diskError = "the saved root was reset: reload the page for a fresh machine";
  },
};

Comlink.expose(api);
