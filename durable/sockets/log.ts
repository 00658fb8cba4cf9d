// The logger of a socket-holding object: LOG_LEVEL from its env (an unknown value means info).
import { createLogger, type Logger, type LogLevel } from "../../src/lib/log";

const LEVELS: readonly string[] = ["debug", "info", "warn", "error"];

/** A JSON-lines logger tagged with the object's class name. */
export function objectLogger(env: { LOG_LEVEL?: string }, object: string): Logger {
  const level = env.LOG_LEVEL !== undefined && LEVELS.includes(env.LOG_LEVEL) ? (env.LOG_LEVEL as LogLevel) : "info";
  return createLogger(level, { object });
}
