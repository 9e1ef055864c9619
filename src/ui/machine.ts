// The page's side of the worker: starts it, wraps its API with Comlink and
// opens the terminal byte stream.
import * as Comlink from "comlink";
import type { MachineApi } from "../worker/api";

export interface MachineHandle {
  api: Comlink.Remote<MachineApi>;
  /** The page's end of the terminal stream. */
  terminal: MessagePort;
}

export async function startMachine(cols: number, rows: number): Promise<MachineHandle> {
  const worker = new Worker(new URL("../worker/machine.worker.ts", import.meta.url), { type: "module", name: "hako-machine" });
  const api = Comlink.wrap<MachineApi>(worker);
  const channel = new MessageChannel();
  await api.attachTerminal(Comlink.transfer(channel.port2, [channel.port2]), cols, rows);
  return { api, terminal: channel.port1 };
}
