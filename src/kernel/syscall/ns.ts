// unshare(2) and setns(2) (namespaces(7)). unshare gives the caller new
// namespaces of the CLONE_NEW* kinds asked (task/nsproxy.ts); a new PID
// namespace is for its children only, the caller keeps its pid. setns
// joins the namespace an fd on a /proc/PID/ns file names (fs/nsfs.ts),
// with nstype 0 (any) or that kind's CLONE_NEW* flag. Root only; no user
// namespaces (CLONE_NEWUSER: EINVAL).
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import {
  copyNamespaces, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
  CLONE_NEWTIME, INIT_TIME_NS,
} from "../task/nsproxy";
import { NsInode } from "../fs/nsfs";
import { PidNamespace, UtsNamespace } from "../task/pidns";
import { NetNamespace } from "../net/netns";
import { CgroupNamespace } from "../cgroup/cgns";
import { IpcNamespace } from "../task/nsproxy";
import { Vfs } from "../fs/vfs";
import { EINVAL, EPERM, EBADF } from "../errno";

const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_THREAD = 0x10000,
  CLONE_SYSVSEM = 0x40000;
const UNSHARE_FLAGS = CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM
  | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME;

/** The task's fs context becomes its own (unshare(CLONE_FS), and implied by CLONE_NEWNS). */
function unshareFs(t: Task): void {
  t.fs = { ...t.fs };
}

/** unshare(2) */
export function sysUnshare(t: Task, a: Args): number {
  let flags = a.i(0);
  if (flags & ~UNSHARE_FLAGS) return -EINVAL;
  // A multithreaded process cannot unshare what its threads share with it.
  if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) && t.group.threads.size > 1) return -EINVAL;
  if (flags & CLONE_NEWNS) flags |= CLONE_FS;
  // unshare(CLONE_NEWPID) twice before forking: the first child namespace is not entered yet (EINVAL, as Linux).
  if ((flags & CLONE_NEWPID) && t.nsproxy.pidForChildren !== t.nsproxy.pid) return -EINVAL;
  const n = copyNamespaces(t, flags);
  if (typeof n === "number") return n;
  if (flags & CLONE_FS) unshareFs(t);
  if (flags & CLONE_FILES && t.files.users > 1) { t.files.users--; t.files = t.files.clone(); }
  if (n !== t.nsproxy && n.mnt !== t.nsproxy.mnt) {
    t.fs.root = n.mnt.translate(t.fs.root);
    t.fs.cwd = n.mnt.translate(t.fs.cwd);
  }
  t.nsproxy = n;
  return 0;
}

/** setns(2): nstype 0 or the CLONE_NEW* flag of the fd's namespace. */
export function sysSetns(t: Task, a: Args, _k: Kernel): number {
  const f = t.files.get(a.i(0));
  if (!f) return -EBADF;
  const nstype = a.i(1);
  const i = f.inode;
  if (!(i instanceof NsInode)) return -EINVAL;
  const want = { cgroup: CLONE_NEWCGROUP, ipc: CLONE_NEWIPC, mnt: CLONE_NEWNS, net: CLONE_NEWNET, pid: CLONE_NEWPID, time: CLONE_NEWTIME, user: CLONE_NEWUSER, uts: CLONE_NEWUTS }[i.kind];
  if (nstype !== 0 && nstype !== want) return -EINVAL;
  if (t.cred.euid !== 0) return -EPERM;
  const ns = i.ns;
  const n = { ...t.nsproxy };
  if (ns instanceof UtsNamespace) n.uts = ns;
  else if (ns instanceof IpcNamespace) n.ipc = ns;
  else if (ns instanceof NetNamespace) n.net = ns;
  else if (ns instanceof CgroupNamespace) n.cgroup = ns;
  else if (ns instanceof PidNamespace) {
    // Only the caller's own PID namespace or one below it (pid_namespaces(7)); children will be born there.
    if (!ns.isWithin(t.nsproxy.pid)) return -EINVAL;
    n.pidForChildren = ns;
  } else if (ns instanceof Vfs) {
    // Joining a mount namespace needs an fs context of one's own; root and cwd become the namespace's root.
    if (t.group.threads.size > 1) return -EINVAL;
    n.mnt = ns;
    unshareFs(t);
    t.fs.root = ns.rootPath;
    t.fs.cwd = ns.rootPath;
  } else if (ns === INIT_TIME_NS) return 0;
  else if (i.kind === "cgroup") return 0; // the initial cgroup namespace before the hierarchy gives it an object
  else return -EINVAL; // the initial user namespace: joining the one you are in is EINVAL
  t.nsproxy = n;
  return 0;
}
