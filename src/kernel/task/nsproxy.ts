// The namespaces a task belongs to (Linux's struct nsproxy plus the PID
// namespace its children go to), and the identity /proc/PID/ns shows for
// each: an nsfs inode number, `uts:[4026531838]`. The initial namespaces
// have Linux's fixed numbers (include/linux/proc_ns.h: PROC_*_INIT_INO; the
// initial mount and net namespaces take the first two dynamic numbers,
// 4026531840 and 4026531841, as on a booted kernel); later ones count up
// from 4026532160, as on a host after boot (namespaces(7)).
import type { Vfs } from "../fs/vfs";
import type { PidNamespace, UtsNamespace } from "./pidns";
import type { NetNamespace } from "../net/netns";
import type { CgroupNamespace } from "../cgroup/cgns";

/** SysV IPC namespace (ipc_namespaces(7)): identity only, SysV IPC syscalls are ENOSYS. */
export class IpcNamespace {}

export interface NsProxy {
  /** The task's own PID namespace (task_active_pid_ns: fixed for its life). */
  pid: PidNamespace;
  /** Where its children are created (unshare(CLONE_NEWPID) and setns change only this). */
  pidForChildren: PidNamespace;
  mnt: Vfs;
  uts: UtsNamespace;
  ipc: IpcNamespace;
  net: NetNamespace;
  /** null: the initial cgroup namespace, before the machine's cgroup hierarchy sets it (its identity is INIT_CGROUP_NS). */
  cgroup: CgroupNamespace | null;
}

export const PROC_CGROUP_INIT_INO = 4026531835, PROC_TIME_INIT_INO = 4026531834, PROC_PID_INIT_INO = 4026531836,
  PROC_USER_INIT_INO = 4026531837, PROC_UTS_INIT_INO = 4026531838, PROC_IPC_INIT_INO = 4026531839,
  INIT_NET_INO = 4026531840, INIT_MNT_INO = 4026531841;

const inums = new WeakMap<object, number>();
let nextInum = 4026532160;

/** The nsfs inode number of a namespace object (a new one gets the next free number). */
export function nsInum(ns: object): number {
  let n = inums.get(ns);
  if (n === undefined) { n = nextInum++; inums.set(ns, n); }
  return n;
}

/** Gives an initial namespace its fixed number (at machine creation, before anyone asks). */
export function setInitialInum(ns: object, inum: number): void { if (!inums.has(ns)) inums.set(ns, inum); }

/** The user and time namespaces: only the initial ones exist (CLONE_NEWUSER and CLONE_NEWTIME are EINVAL). */
export const INIT_USER_NS = {}, INIT_TIME_NS = {};
setInitialInum(INIT_USER_NS, PROC_USER_INIT_INO);
setInitialInum(INIT_TIME_NS, PROC_TIME_INIT_INO);

/** Stands for the initial cgroup namespace while a task's nsproxy.cgroup is null. */
export const INIT_CGROUP_NS = {};
setInitialInum(INIT_CGROUP_NS, PROC_CGROUP_INIT_INO);
