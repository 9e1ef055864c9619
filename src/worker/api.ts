// The worker's API as the page sees it through Comlink. Terminal bytes do not
// go through here: they flow on a dedicated MessagePort (see terminal-port.ts),
// so a busy guest printing a lot never queues behind RPC calls.

export interface MachineStatus {
  /**
   * "starting" while the machine boots; "shell" while the login shell runs
   * on the terminal's pty; "stopped" after it exited; "echo" when the
   * machine could not start (see `error`).
   */
  mode: "starting" | "shell" | "stopped" | "echo";
  error: string | null;
  /** Size of the CPU module the worker instantiated, in bytes. */
  cpuWasmBytes: number;
  /** Terminal size as last reported by the page. */
  cols: number;
  rows: number;
}

/** The page's disk (worker/persistence.ts): the root's upper layer saved in IndexedDB. */
export interface DiskStatus {
  /** False when nothing is saved: no IndexedDB, an unreadable saved root, or another tab owns it (see `error`). */
  available: boolean;
  /** This page owns the saved root (one tab at a time): it may reset it. */
  owner: boolean;
  /** Paths restored at boot (0: a fresh machine). */
  restoredPaths: number;
  /** Committed saves in this session, and the save number of the last one (grows across reloads). */
  saves: number;
  seq: number;
  /** Changes not saved yet, and whether a save is running. */
  dirty: boolean;
  saving: boolean;
  /** The store refused the last save (quota): writes needing space get ENOSPC until something is deleted. */
  full: boolean;
  error: string | null;
}

export interface MachineApi {
  /** Connects the page's terminal: bytes both ways on `port`. */
  attachTerminal(port: MessagePort, cols: number, rows: number): Promise<void>;
  /** The terminal was resized (becomes TIOCSWINSZ + SIGWINCH once the pty exists). */
  resize(cols: number, rows: number): Promise<void>;
  status(): Promise<MachineStatus>;
  disk(): Promise<DiskStatus>;
  /** Saves the root's changes now (the page calls it on pagehide); resolves when committed. */
  flushDisk(): Promise<DiskStatus>;
  /** Forgets the saved root: after the page reloads, the machine starts from the image alone. */
  resetDisk(): Promise<void>;
}
