// Ending tasks (exit(2), exit_group(2), fatal signals) and reaping them.
// A thread that exits clears its CLONE_CHILD_CLEARTID word and wakes the
// futex there (pthread_join), releases the address space and descriptor
// table it used, and wakes a vfork parent. When the last thread of a process
// is gone the process becomes a zombie: its children go to the namespace's
// init (or to the host when there is none), its parent's wait4 sleepers are
// woken and the parent gets its exit signal (SIGCHLD). A zombie is reaped by
// wait4 — or at once when the parent ignores SIGCHLD or is the host. When a
// PID namespace's init exits, every other task of the namespace is killed
// (pid_namespaces(7)).
import type { Task, ThreadGroup } from "../task";
import type { Machine } from "../machine";
import { notifyParentOfExit } from "../signal/queue";
import { sessionLeaderExited } from "../tty/tty";

const SIGKILL = 9;
const SA_NOCLDWAIT = 2n;

/** Ends one thread with wait status `ws`; the process ends with its last thread. */
export function exitThread(m: Machine, t: Task, ws: number): void {
  if (t.exitStatus !== null) return;
  t.exitStatus = ws;
  m.sched.remove(t);
  t.cgroup?.hierarchy.exited(t);
  if (t.clearChildTid) {
    // set_tid_address(2): write 0 and wake one futex waiter, only when the memory lives on.
    if (t.mm.users > 1 && t.mm.copyOut(t.clearChildTid, new Uint8Array(4)) === 0) m.futexWake(t.mm, t.clearChildTid, 1);
    t.clearChildTid = 0;
  }
  releaseVfork(t);
  if (--t.mm.users === 0) t.mm.destroy();
  if (--t.files.users === 0) t.files.closeAll();
  const g = t.group;
  for (const th of g.threads) if (th.exitStatus === null) return;
  if (g.exitCode === null) g.exitCode = ws;
  processExit(m, g);
}

/** exit_group(2) and fatal signals: every thread of the process ends with `ws`. */
export function exitGroup(m: Machine, t: Task, ws: number): void {
  const g = t.group;
  if (g.exitCode === null) g.exitCode = ws;
  for (const th of [...g.threads]) exitThread(m, th, g.exitCode);
}

/** Wakes the parent sleeping in vfork (the child execs or exits). */
export function releaseVfork(t: Task): void {
  const q = t.vforkDone;
  if (!q) return;
  t.vforkDone = null;
  q.wakeAll();
}

function processExit(m: Machine, g: ThreadGroup): void {
  sessionLeaderExited(g.leader);
  const ns = g.leader.nsproxy.pid;
  const init = ns.init;
  if (init && init.group === g) {
    // The namespace's init is gone: everything else in it dies, and nothing new may enter a child namespace
    // (fork: ENOMEM). The root namespace lives on: the host starts new processes in it.
    if (ns.parent) ns.dead = true;
    for (const o of ns.all()) if (o.group !== g && o.exitStatus === null) exitGroup(m, o, SIGKILL);
  }
  for (const c of [...g.children]) {
    g.children.delete(c);
    const heir = init && init.group !== g && init.group.exitCode === null ? init.group : null;
    c.parent = heir;
    if (heir) heir.children.add(c);
    if (c.zombie) notifyParent(m, c);
  }
  g.zombie = true;
  notifyParent(m, g);
  m.onProcessExit?.(g);
}

/** Tells the parent of zombie `g` (wake wait4, exit signal), or reaps it when nobody will wait. */
function notifyParent(m: Machine, g: ThreadGroup): void {
  const p = g.parent;
  if (!p) {
    if (!m.hostWaits(g)) m.reap(g);
    return;
  }
  const act = p.leader.sig.actions.get(17 /* SIGCHLD */);
  const ignored = act !== undefined && (act.handler === 1n || (act.flags & SA_NOCLDWAIT) !== 0n);
  if (g.exitSignal && !ignored) notifyParentOfExit(p.leader, g.leader, g.exitSignal, g.exitCode ?? 0);
  if (ignored && g.exitSignal === 17) { m.reap(g); p.childWait.wakeAll(); return; }
  p.childWait.wakeAll();
}
