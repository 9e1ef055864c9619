// The namespaces a task belongs to (Linux's struct nsproxy plus the PID
// namespace its children go to), and the identity /proc/PID/ns shows for
// each: an nsfs inode number, `uts:[4026531838]`. The initial namespaces
// have Linux's fixed numbers (include/linux/proc_ns.h: PROC_*_INIT_INO; the
// initial mount and net namespaces take the first two dynamic numbers,
// 4026531840 and 4026531841, as on a booted kernel); later ones count up
// from 4026532160, as on a host after boot (namespaces(7)).
import type { Vfs } from "../fs/vfs";
import type { Task } from "../task";
import { PidNamespace, UtsNamespace } from "./pidns";
import { NetNamespace } from "../net/netns";
import { CgroupNamespace } from "../cgroup/cgns";
import { EINVAL, EPERM } from "../errno";

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

export const CLONE_NEWTIME = 0x80, CLONE_NEWNS = 0x20000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000,
  CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;
export const CLONE_NEW_ANY = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET;

/**
 * The namespaces after clone/unshare with `flags` (create_new_namespaces):
 * each CLONE_NEW* kind is a fresh namespace — a copy of the caller's for
 * mount (the tree) and UTS (the names), an empty one for IPC and net (only
 * lo), one rooted at the caller's cgroup for cgroup, a child of the
 * caller's for PID (which only the children enter: pid_for_children).
 * Root only (CAP_SYS_ADMIN); user and time namespaces are not modelled
 * (EINVAL). The caller moves its root and cwd into a new mount namespace
 * itself (`Vfs.translate`).
 */
export function copyNamespaces(t: Task, flags: number): NsProxy | number {
  if (flags & (CLONE_NEWUSER | CLONE_NEWTIME)) return -EINVAL;
  const old = t.nsproxy;
  if (!(flags & CLONE_NEW_ANY)) return old;
  if (t.cred.euid !== 0) return -EPERM;
  const n: NsProxy = { ...old };
  if (flags & CLONE_NEWNS) n.mnt = old.mnt.cloneNamespace();
  if (flags & CLONE_NEWUTS) n.uts = new UtsNamespace(old.uts.hostname, old.uts.domainname);
  if (flags & CLONE_NEWIPC) n.ipc = new IpcNamespace();
  if (flags & CLONE_NEWNET) n.net = new NetNamespace();
  if (flags & CLONE_NEWCGROUP && t.cgroup) n.cgroup = new CgroupNamespace(t.cgroup);
  if (flags & CLONE_NEWPID) n.pidForChildren = new PidNamespace(old.pidForChildren);
  return n;
}
