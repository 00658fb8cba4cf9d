// A tiny typed event emitter for the SDK's connections.
export type Handlers = Record<string, (...args: never[]) => void>;

/** Subscribe with `on`; subclasses `emit`. A throwing handler does not stop the others. */
export class Emitter<H extends Handlers> {
  private readonly map = new Map<keyof H, Set<H[keyof H]>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof H>(event: K, handler: H[K]): () => void {
    const set = this.map.get(event) ?? new Set();
    set.add(handler);
    this.map.set(event, set);
    return () => void set.delete(handler);
  }

  protected emit<K extends keyof H>(event: K, ...args: Parameters<H[K]>): void {
    for (const handler of [...(this.map.get(event) ?? [])]) {
      try {
        (handler as (...a: Parameters<H[K]>) => void)(...args);
      } catch (err) {
        // One broken listener must not starve the rest (or break the socket's frame loop).
        console.error(`plaza sdk: a "${String(event)}" listener threw`, err);
      }
    }
  }
}
