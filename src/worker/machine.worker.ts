// The Web Worker that holds the machine. For now it loads the CPU module and
// runs the echo stand-in on the terminal stream; the kernel takes over the
// same stream (as a pty master) when it exists.
import * as Comlink from "comlink";
import cpuWasmUrl from "../../build/cpu.wasm?url";
import { instantiateCpu } from "../kernel/cpu";
import type { MachineApi, MachineStatus } from "./api";
import { TerminalPort } from "./terminal-port";
import { startEcho } from "./echo";

const status: MachineStatus = { mode: "echo", cpuWasmBytes: 0, cols: 80, rows: 24 };

const cpuReady = (async () => {
  const bytes = await (await fetch(cpuWasmUrl)).arrayBuffer();
  await instantiateCpu(bytes);
  status.cpuWasmBytes = bytes.byteLength;
})();

const api: MachineApi = {
  async attachTerminal(port, cols, rows) {
    status.cols = cols;
    status.rows = rows;
    await cpuReady;
    startEcho(new TerminalPort(port), status.cpuWasmBytes);
  },
  async resize(cols, rows) {
    status.cols = cols;
    status.rows = rows;
  },
  async status() {
    return { ...status };
  },
};

Comlink.expose(api);
