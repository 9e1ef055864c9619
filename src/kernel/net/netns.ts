// Network namespaces (network_namespaces(7)): each has its own devices,
// addresses and routes. A new namespace holds only the loopback device, down
// and without addresses, exactly as Linux creates it (loopback_net_init);
// the initial namespace's lo is up, as after a booted host's ifup.
import { NetDevice, loopbackDevice } from "./device";
import type { Task } from "../task";

let nextId = 0;

export class NetNamespace {
  /** Devices by ifindex order; lo is always first (ifindex 1). */
  readonly devices: NetDevice[] = [];
  /** Next ifindex to hand out (dev_new_index). */
  private nextIndex = 1;
  /** Distinguishes namespaces in tests and debugging (the nsfs inode number is the NS engineer's). */
  readonly id = ++nextId;

  constructor() {
    this.devices.push(loopbackDevice(this.nextIndex++));
  }

  /** The initial namespace: lo already up, with 127.0.0.1/8 and ::1/128. */
  static initial(): NetNamespace {
    const ns = new NetNamespace();
    ns.lo.setUp(true);
    return ns;
  }

  get lo(): NetDevice { return this.devices[0]; }

  byIndex(i: number): NetDevice | null { return this.devices.find((d) => d.ifindex === i) ?? null; }
  byName(name: string): NetDevice | null { return this.devices.find((d) => d.name === name) ?? null; }
}

/** The network namespace of `t` (what socket(2) and /proc/PID/net use). */
export const netOf = (t: Task): NetNamespace => t.nsproxy.net;
