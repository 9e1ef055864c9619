// Cgroup namespaces (cgroup_namespaces(7)): a task's view of the hierarchy
// is rooted at the cgroup it was in when the namespace was made. The root
// shows up in /proc/PID/cgroup ("0::/" for a task at the root, "/.." paths
// for groups outside it) and is the root a cgroup2 mount made inside the
// namespace shows.
import type { Cgroup } from "./cgroup";
import type { Task } from "../task";

export class CgroupNamespace {
  constructor(readonly root: Cgroup) {}

  /** The path of `cg` for a reader in this namespace, as /proc/PID/cgroup prints it. */
  pathOf(cg: Cgroup): string { return cg.pathFrom(this.root); }
}

/** /proc/PID/cgroup: the v2 line "0::PATH", the path as the reader's cgroup namespace sees it. */
export function procCgroupText(t: Task, reader: Task | null): string {
  const cg = t.cgroup;
  if (!cg) return "0::/\n";
  const root = nsOf(reader ?? t)?.root ?? cg.hierarchy.root;
  return `0::${cg.pathFrom(root)}\n`;
}

/** The task's cgroup namespace; null stands for the initial one (rooted at the hierarchy root). */
export function nsOf(t: Task): CgroupNamespace | null {
  return (t.nsproxy as { cgroup?: CgroupNamespace | null }).cgroup ?? null;
}
