// The kernel log (printk's ring buffer, read with syslog(2) and dmesg): one
// line per message as "<level>[seconds.micros] text", timestamped with the
// time since boot. Kernel code that has something to say for the operator
// (the OOM killer's "Out of memory: Killed process …") prints here.
export const KERN_ERR = 3, KERN_WARNING = 4, KERN_INFO = 6;

/** CONFIG_LOG_BUF_SHIFT 17: what syslog(SYSLOG_ACTION_SIZE_BUFFER) reports; older text is dropped past it. */
export const LOG_BUF_LEN = 1 << 17;

export class KernelLog {
  private text = "";
  /** Bytes at the end of `text` not yet consumed by SYSLOG_ACTION_READ. */
  unread = 0;

  constructor(private sinceBootNs: () => bigint) {}

  printk(level: number, msg: string): void {
    const us = this.sinceBootNs() / 1000n;
    const stamp = `${(us / 1000000n).toString().padStart(5)}.${(us % 1000000n).toString().padStart(6, "0")}`;
    const line = `<${level}>[${stamp}] ${msg}\n`;
    this.text += line;
    this.unread = Math.min(this.unread + line.length, LOG_BUF_LEN);
    if (this.text.length > LOG_BUF_LEN) this.text = this.text.slice(this.text.indexOf("\n", this.text.length - LOG_BUF_LEN) + 1);
  }

  /** The buffer as syslog(2) returns it. */
  all(): string { return this.text; }
  clear(): void { this.text = ""; this.unread = 0; }
}
