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

export interface MachineApi {
  /** Connects the page's terminal: bytes both ways on `port`. */
  attachTerminal(port: MessagePort, cols: number, rows: number): Promise<void>;
  /** The terminal was resized (becomes TIOCSWINSZ + SIGWINCH once the pty exists). */
  resize(cols: number, rows: number): Promise<void>;
  status(): Promise<MachineStatus>;
}
