// The pids controller (cgroup-v2.rst "PID"): pids.max limits the tasks
// (threads) of a group and its descendants; a fork or clone that would go
// beyond fails with EAGAIN and counts a "max" event in the group whose
// limit was hit. pids.current is counted from the membership itself.
import type { Cgroup } from "./cgroup";

/** Whether one more task fits under every pids.max from `cg` up; counts the event when not. */
export function pidsCharge(cg: Cgroup): boolean {
  for (const c of cg.upward()) {
    if (!c.controlled("pids") || c.pidsMax === Infinity) continue;
    if (c.taskCount + 1 > c.pidsMax) {
      c.pidsEventsMax++;
      return false;
    }
  }
  return true;
}
