// reboot(2): halting, powering off and restarting the machine, and the
// Ctrl-Alt-Del switch. The machine "stops" by killing every task (the host
// sees Machine.haltedAs); busybox's halt/poweroff/reboot ask init, which
// ends everything and then calls this. In a child PID namespace the call
// ends that namespace instead: its init is killed, and its parent sees it
// die of SIGHUP (restart) or SIGINT (halt, power off) (pid_namespaces(7),
// kernel/pid_namespace.c reboot_pid_ns).
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import type { Machine } from "../machine";
import { EINVAL, EPERM } from "../errno";
import { SIGKILL, SIGINT, SIGHUP, SI_KERNEL } from "../signal/info";
import { queueSignal } from "../signal/queue";

const MAGIC1 = 0xfee1dead;
const MAGIC2 = [672274793, 85072278, 369367448, 537993216];
export const CMD_RESTART = 0x01234567, CMD_HALT = 0xcdef0123, CMD_CAD_ON = 0x89abcdef, CMD_CAD_OFF = 0,
  CMD_POWER_OFF = 0x4321fedc, CMD_RESTART2 = 0xa1b2c3d4;

/** reboot(2): needs CAP_SYS_BOOT (root here) and the magic numbers. */
export function sysReboot(t: Task, a: Args, k: Kernel): number {
  const magic1 = a.i(0) >>> 0, magic2 = a.i(1), cmd = a.i(2) >>> 0;
  if (t.cred.euid !== 0) return -EPERM;
  if (magic1 !== MAGIC1 || !MAGIC2.includes(magic2)) return -EINVAL;
  const ns = t.nsproxy.pid;
  if (ns.parent !== null) {
    // reboot_pid_ns: the namespace's init dies, with the status the command names; the caller exits.
    const sig = cmd === CMD_RESTART || cmd === CMD_RESTART2 ? SIGHUP : cmd === CMD_HALT || cmd === CMD_POWER_OFF ? SIGINT : 0;
    if (!sig) return -EINVAL;
    const init = ns.init;
    if (init) {
      init.group.exitCode ??= sig;
      queueSignal(init, { signo: SIGKILL, code: SI_KERNEL }, false);
    }
    k.exitThread(t, 0);
    return 0;
  }
  switch (cmd) {
    case CMD_CAD_ON: k.cadReboots = true; return 0;
    case CMD_CAD_OFF: k.cadReboots = false; return 0;
    case CMD_RESTART: case CMD_RESTART2: k.halt("restart"); return 0;
    case CMD_HALT: k.halt("halt"); return 0;
    case CMD_POWER_OFF: k.halt("poweroff"); return 0;
    default: return -EINVAL;
  }
}

/**
 * The keyboard's Ctrl-Alt-Del (kernel/reboot.c ctrl_alt_del): an immediate
 * restart while C_A_D is on, else SIGINT to init, which runs its
 * "ctrlaltdel" action.
 */
export function ctrlAltDel(m: Machine): void {
  if (m.cadReboots) { m.halt("restart"); return; }
  const init = m.pidns.init;
  if (init && init.exitStatus === null) queueSignal(init, { signo: SIGINT, code: SI_KERNEL }, false);
}
