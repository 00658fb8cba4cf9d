// Structured JSON logs: one object per line, always carrying the request id when there is one.
// Never pass tokens, passwords or request bodies in `fields`.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

/** Creates a logger that writes lines at `minLevel` and above to the console (Workers Logs). */
export function createLogger(minLevel: LogLevel, base: LogFields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (rank[level] < rank[minLevel]) return;
    const line = JSON.stringify({ level, msg, ...base, ...fields, ts: new Date().toISOString() });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger(minLevel, { ...base, ...fields }),
  };
}

/** Describes an unknown thrown value for a log line (message and stack stay server-side). */
export function describeError(err: unknown): LogFields {
  if (err instanceof Error) return { error: err.message, errorName: err.name, stack: err.stack };
  return { error: String(err) };
}
