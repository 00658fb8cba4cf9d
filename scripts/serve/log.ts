// Serve-mode logs: one readable line per event (`--log-format json`: one JSON object per
// line). The Worker already writes one JSON line per request, per cron sweep and per error;
// they arrive through the runtime's structured logs and are rendered here like our own.
import { stripVTControlCharacters } from "node:util";
import type { LogLevel } from "./options.ts";

export type { LogLevel };
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where a line came from: the serve script, the Worker, the runtime, or a companion. */
export type LogSource = "serve" | "worker" | "runtime" | (string & {});

export interface ServeLog {
  readonly level: LogLevel;
  write(level: LogLevel, source: LogSource, msg: string, fields?: LogFields, time?: Date): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Renders a line the runtime wrote: a Worker log line (JSON) or a runtime message. */
  runtime(entry: { timestamp: number; level: string; message: string }): void;
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const clock = (t: Date) =>
  `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}.${String(t.getMilliseconds()).padStart(3, "0")}`;

function renderValue(value: unknown): string {
  if (typeof value === "string") return /^[\w./:@+-]+$/.test(value) ? value : JSON.stringify(value);
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** `GET /v1/me 200 3ms` for the Worker's request lines, `msg k=v ...` for everything else. */
function renderText(level: LogLevel, source: LogSource, msg: string, fields: LogFields, time: Date): string {
  const { stack, ...rest } = fields;
  const { method, path, status, durationMs, ...requestRest } = rest;
  const isRequest = msg === "request" && typeof method === "string" && typeof path === "string";
  const head = isRequest ? `${method} ${path} ${String(status)} ${String(durationMs)}ms` : msg;
  const kv = Object.entries(isRequest ? requestRest : rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${renderValue(v)}`);
  const line = [clock(time), level.toUpperCase().padEnd(5), source.padEnd(7), head, ...kv].join(" ");
  return typeof stack === "string" ? `${line}\n${stack.replace(/^/gm, "    ")}` : line;
}

const runtimeLevels: Record<string, LogLevel> = {
  debug: "debug",
  log: "info",
  info: "info",
  warn: "warn",
  error: "error",
};

function isWorkerLine(value: unknown): value is { level: LogLevel; msg: string; ts?: string } & LogFields {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.msg === "string" && typeof v.level === "string" && v.level in rank;
}

/** A logger writing lines at `level` and above to `out` (stdout by default). */
export function createServeLog(
  level: LogLevel,
  format: "text" | "json",
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): ServeLog {
  const write = (lineLevel: LogLevel, source: LogSource, msg: string, fields: LogFields = {}, time = new Date()) => {
    if (rank[lineLevel] < rank[level]) return;
    out(
      format === "json"
        ? JSON.stringify({ ts: time.toISOString(), level: lineLevel, source, msg, ...fields })
        : renderText(lineLevel, source, msg, fields, time),
    );
  };
  return {
    level,
    write,
    debug: (msg, fields) => write("debug", "serve", msg, fields),
    info: (msg, fields) => write("info", "serve", msg, fields),
    warn: (msg, fields) => write("warn", "serve", msg, fields),
    error: (msg, fields) => write("error", "serve", msg, fields),
    runtime: ({ timestamp, level: runtimeLevel, message }) => {
      let parsed: unknown;
      try {
        parsed = message.startsWith("{") ? JSON.parse(message) : undefined;
      } catch {
        parsed = undefined;
      }
      if (isWorkerLine(parsed)) {
        const { level: lineLevel, msg, ts, ...fields } = parsed;
        write(lineLevel, "worker", msg, fields, ts ? new Date(ts) : new Date(timestamp));
      } else {
        const text = stripVTControlCharacters(message).trimEnd();
        if (text) write(runtimeLevels[runtimeLevel] ?? "info", "runtime", text, {}, new Date(timestamp));
      }
    },
  };
}
