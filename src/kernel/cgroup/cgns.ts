// Cgroup namespaces (cgroup_namespaces(7)): a task's view of the hierarchy
// is rooted at the cgroup it was in when the namespace was made. The root
// shows up in /proc/PID/cgroup ("0::/" for a task at the root, "/.." paths
// for groups outside it) and is the root a cgroup2 mount made inside the
// namespace shows.
import type { Cgroup } from "./cgroup";

export class CgroupNamespace {
  constructor(readonly root: Cgroup) {}

  /** The path of `cg` for a reader in this namespace, as /proc/PID/cgroup prints it. */
  pathOf(cg: Cgroup): string { return cg.pathFrom(this.root); }
}
