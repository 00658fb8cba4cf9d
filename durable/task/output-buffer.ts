// Coalesces streamed tokens into fewer `output` events: the first delta goes out at once
// (time to first token is what a user feels), later ones at most every `flushMs`. Every
// event is a storage write and a frame per subscriber, so per-token events would make a
// long generation cost one write per token.

export class OutputBuffer {
  private buffer = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sentFirst = false;
  private readonly flushMs: number;
  private readonly emit: (text: string) => void;

  constructor(flushMs: number, emit: (text: string) => void) {
    this.flushMs = flushMs;
    this.emit = emit;
  }

  /** Adds a delta; emits now if it is the first one or coalescing is off. */
  add(text: string): void {
    this.buffer += text;
    if (!this.sentFirst || this.flushMs === 0) {
      this.sentFirst = true;
      this.flush();
    } else {
      this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    }
  }

  /** Emits whatever is buffered. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === "") return;
    const text = this.buffer;
    this.buffer = "";
    this.emit(text);
  }
}
