// Miniflare's own messages (queue batches, runtime restarts) written through the serve log.
// Kept apart from log.ts so that the launcher does not load Miniflare.
import { stripVTControlCharacters } from "node:util";
import { Log, LogLevel as MiniflareLevel } from "miniflare";
import type { LogLevel, ServeLog } from "./log.ts";

const toMiniflare: Record<LogLevel, MiniflareLevel> = {
  debug: MiniflareLevel.DEBUG,
  info: MiniflareLevel.INFO,
  warn: MiniflareLevel.WARN,
  error: MiniflareLevel.ERROR,
};
const fromMiniflare = (level: MiniflareLevel): LogLevel =>
  level <= MiniflareLevel.ERROR
    ? "error"
    : level === MiniflareLevel.WARN
      ? "warn"
      : level === MiniflareLevel.INFO
        ? "info"
        : "debug";

/** A Miniflare `Log` that writes through `log`, at its level. */
export class MiniflareLogAdapter extends Log {
  readonly #log: ServeLog;

  constructor(log: ServeLog) {
    super(toMiniflare[log.level]);
    this.#log = log;
  }

  override logWithLevel(level: MiniflareLevel, message: string): void {
    if (level <= this.level) this.#log.write(fromMiniflare(level), "runtime", stripVTControlCharacters(message));
  }

  // "Ready on ..." is announced by the launcher, with the demo data loaded.
  override logReady(): void {}
}
