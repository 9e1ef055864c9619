// The Web Worker that holds the machine: it instantiates the CPU, builds the
// root filesystem from the busybox image the app serves, boots the kernel
// model with a login shell on a pseudo-terminal and connects the page's
// terminal stream to the pty master (session.ts). If the machine cannot
// start, it falls back to an echo that says why.
import * as Comlink from "comlink";
import cpuWasmUrl from "../../build/cpu.wasm?url";
import { instantiateCpu } from "../kernel/cpu";
import { Machine } from "../kernel/machine";
import { imageRootFs } from "../kernel/fs/imagefs";
import { loadImage } from "../store/oci";
import { fetchSource } from "../store/fetchsource";
import type { MachineApi, MachineStatus } from "./api";
import { TerminalPort } from "./terminal-port";
import { startEcho } from "./echo";
import { startSession, type Session } from "./session";

const status: MachineStatus = { mode: "starting", cpuWasmBytes: 0, cols: 80, rows: 24, error: null };

async function boot(): Promise<{ machine: Machine; env: string[] }> {
  const bytes = await (await fetch(cpuWasmUrl)).arrayBuffer();
  const cpu = await instantiateCpu(bytes);
  status.cpuWasmBytes = bytes.byteLength;
  const image = await loadImage(fetchSource(new URL("/images/busybox/", self.location.href).href));
  const machine = await Machine.create({ root: imageRootFs(image).root, cpu, hostname: "hako" });
  const env = image.config.config?.Env ?? [];
  return { machine, env };
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
      void session.exited.then(() => { status.mode = "stopped"; });
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
};

Comlink.expose(api);
