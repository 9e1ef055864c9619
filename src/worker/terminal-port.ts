// A byte stream over a MessagePort: Uint8Array chunks in both directions,
// transferred (not copied). The page's xterm.js is on the other end; the
// kernel's pty master will be on this end.

export class TerminalPort {
  private onInputFn: (bytes: Uint8Array) => void = () => {};

  constructor(private port: MessagePort) {
    port.onmessage = (e: MessageEvent<unknown>) => {
      if (e.data instanceof Uint8Array) this.onInputFn(e.data);
    };
    port.start();
  }

  /** Called with every chunk the user types. */
  onInput(fn: (bytes: Uint8Array) => void): void {
    this.onInputFn = fn;
  }

  write(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data.slice();
    this.port.postMessage(bytes, [bytes.buffer]);
  }
}
