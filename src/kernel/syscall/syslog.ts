// syslog(2) (klogctl): the kernel log buffer (klog.ts) as busybox dmesg
// reads it — SIZE_BUFFER, then READ_ALL (or READ_CLEAR). READ returns the
// unread part without waiting for more (Linux would block). The console
// level actions are accepted and change nothing. With dmesg_restrict 0, as
// Debian ships it, READ_ALL and SIZE_BUFFER need no privilege.
import type { Task } from "../task";
import type { Args, Kernel } from "./types";
import { EINVAL, EPERM, EFAULT } from "../errno";
import { LOG_BUF_LEN } from "../klog";

const CLOSE = 0, OPEN = 1, READ = 2, READ_ALL = 3, READ_CLEAR = 4, CLEAR = 5, CONSOLE_OFF = 6, CONSOLE_ON = 7,
  CONSOLE_LEVEL = 8, SIZE_UNREAD = 9, SIZE_BUFFER = 10;

export function sysSyslog(t: Task, a: Args, k: Kernel): number {
  const type = a.i(0), buf = a.u(1), len = a.i(2);
  if (type < CLOSE || type > SIZE_BUFFER) return -EINVAL;
  if (type !== READ_ALL && type !== SIZE_BUFFER && t.cred.euid !== 0) return -EPERM;
  const log = k.klog;
  switch (type) {
    case CLOSE: case OPEN: case CONSOLE_OFF: case CONSOLE_ON: return 0;
    case CONSOLE_LEVEL: return len < 1 || len > 8 ? -EINVAL : 0;
    case SIZE_BUFFER: return LOG_BUF_LEN;
    case SIZE_UNREAD: return log.unread;
    case CLEAR: log.clear(); return 0;
    default: break;
  }
  if (len < 0) return -EINVAL;
  if (len === 0) return 0;
  const all = new TextEncoder().encode(log.all());
  // READ takes the oldest unread bytes; READ_ALL/READ_CLEAR the last `len` bytes of the buffer.
  const from = type === READ ? all.length - log.unread : Math.max(0, all.length - len);
  const out = all.subarray(from, Math.min(all.length, from + len));
  if (t.mm.copyOut(buf, out) < 0) return -EFAULT;
  if (type === READ) log.unread -= out.length;
  if (type === READ_CLEAR) log.clear();
  return out.length;
}
