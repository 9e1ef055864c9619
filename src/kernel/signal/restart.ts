// restart_syscall(2) and the restart block (include/linux/restart_block.h):
// a sleep interrupted by a signal that runs no handler — a stop and
// SIGCONT, or a signal whose default action is to continue — returns
// -ERESTART_RESTARTBLOCK after saving how to go on; on the way back to user
// mode the machine re-enters the kernel with restart_syscall (RAX = 219,
// RIP back over `syscall`, signal/deliver.ts), which resumes the sleep with
// the time that was left instead of starting it over. After a handler the
// call returns EINTR instead, and restart_syscall with no block pending is
// EINTR too (do_no_restart_syscall).
import type { Task } from "../task";
import type { Args, Kernel } from "../syscall/types";
import { EINTR } from "../errno";

export const NR_RESTART_SYSCALL = 219;

/** How an interrupted call goes on: run (possibly several times, after wake-ups) by restart_syscall. */
export type RestartFn = (t: Task, k: Kernel) => number;

const blocks = new WeakMap<Task, RestartFn>();

/** Saves how `t`'s interrupted call resumes (current->restart_block.fn). */
export function setRestartBlock(t: Task, fn: RestartFn): void { blocks.set(t, fn); }

/** The call resumed by a restart is over: later restart_syscall calls are EINTR. */
export function clearRestartBlock(t: Task): void { blocks.delete(t); }

/** restart_syscall(2): only the kernel's restart path calls it. */
export function sysRestartSyscall(t: Task, _a: Args, k: Kernel): number {
  const fn = blocks.get(t);
  return fn ? fn(t, k) : -EINTR;
}
