// The pure parts of `npm start`: option parsing, log rendering, cron semantics.
import { describe, expect, it } from "vitest";
import { checkCron, nextCronRun } from "../../scripts/serve/crons.ts";
import { createServeLog } from "../../scripts/serve/log.ts";
import { parseServeOptions, type ServeOptions } from "../../scripts/serve/options.ts";
import { workerFirstRoutes } from "../../scripts/serve/worker-first-routes.ts";

const parse = (args: string[], env: NodeJS.ProcessEnv = {}) => parseServeOptions(args, env) as ServeOptions;

describe("npm start options", () => {
  it("defaults to 127.0.0.1:8787, wrangler dev's state directory, text logs, demo data", () => {
    const o = parse([]);
    expect(o).toMatchObject({ host: "127.0.0.1", port: 8787, logFormat: "text", seed: true, logLevel: undefined });
    expect(o.persistTo).toMatch(/\.wrangler\/state$/);
    expect(o.drainTimeoutMs).toBe(10_000);
  });

  it("reads PLAZA_* variables, and a flag wins over its variable", () => {
    const env = {
      PLAZA_PORT: "9000",
      PLAZA_HOST: "0.0.0.0",
      PLAZA_CRON_EVERY: "5",
      PLAZA_LOG_LEVEL: "warn",
      PLAZA_SEED: "off",
    };
    expect(parse([], env)).toMatchObject({
      port: 9000,
      host: "0.0.0.0",
      cronEverySeconds: 5,
      logLevel: "warn",
      seed: false,
    });
    expect(parse(["--port", "9001", "--log-level", "debug", "--seed"], env)).toMatchObject({
      port: 9001,
      logLevel: "debug",
      seed: true,
    });
  });

  it("overrides vars (NAME:VALUE, PLAZA_VARS_<NAME>) and rate limits (NAME=LIMIT/PERIOD)", () => {
    const o = parse(
      [
        "--var",
        "BENCH_ROUTES:on",
        "--var",
        "ALLOWED_ORIGINS:http://a:1,http://b:2",
        "--ratelimit",
        "WRITE_LIMITER=5000/10",
      ],
      {
        PLAZA_VARS_LOG_LEVEL: "warn",
        PLAZA_RATELIMIT_AUTH_LIMITER: "100000/60",
      },
    );
    expect(o.vars).toEqual({ LOG_LEVEL: "warn", BENCH_ROUTES: "on", ALLOWED_ORIGINS: "http://a:1,http://b:2" });
    expect(o.rateLimits).toEqual({
      AUTH_LIMITER: { limit: 100_000, period: 60 },
      WRITE_LIMITER: { limit: 5000, period: 10 },
    });
  });

  it("refuses what it cannot honour, with a readable message", () => {
    expect(() => parse(["--port", "http"])).toThrow(/port/);
    expect(() => parse(["--log-level", "loud"])).toThrow(/logLevel/);
    expect(() => parse(["--ratelimit", "AUTH_LIMITER=10/30"])).toThrow(/AUTH_LIMITER=10\/30/);
    expect(() => parse(["--ratelimit", "AUTH_LIMITER"])).toThrow(/NAME=LIMIT\/PERIOD/);
    expect(() => parse(["--var", "NOCOLON"])).toThrow(/NAME:VALUE/);
    expect(() => parse(["--cron-every", "0"])).toThrow(/cronEverySeconds/);
    expect(() => parse(["--no-such-flag"])).toThrow();
    expect(parseServeOptions(["--help"], {})).toBe("help");
  });
});

describe("direct routes for run_worker_first", () => {
  it("turns literal paths and literal prefixes into routes, and leaves other globs to the assets router", () => {
    expect(
      workerFirstRoutes({
        user_worker: ["/v1/*", "/healthz", "/docs", "/docs/*", "/a/*/b", "*.json"],
        asset_worker: [],
      }),
    ).toEqual(["*/v1/*", "*/healthz", "*/docs", "*/docs/*"]);
  });

  it("has no direct route when negated rules carve exceptions, or without [assets]", () => {
    expect(workerFirstRoutes({ user_worker: ["/v1/*"], asset_worker: ["/v1/static/*"] })).toEqual([]);
    expect(workerFirstRoutes(undefined)).toEqual([]);
  });
});

describe("serve log", () => {
  const capture = (level: "debug" | "info" | "warn" | "error", format: "text" | "json" = "text") => {
    const lines: string[] = [];
    return { lines, log: createServeLog(level, format, (line) => lines.push(line)) };
  };
  const workerLine = (fields: Record<string, unknown>) => ({
    timestamp: Date.now(),
    level: "log",
    message: JSON.stringify(fields),
  });

  it("renders the Worker's request line as one readable line", () => {
    const { lines, log } = capture("info");
    log.runtime(
      workerLine({
        level: "info",
        msg: "request",
        requestId: "r1",
        method: "GET",
        path: "/v1/me",
        status: 200,
        durationMs: 3,
        userId: "u1",
        ts: "2026-01-01T00:00:00.000Z",
      }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}worker {2}GET \/v1\/me 200 3ms requestId=r1 userId=u1$/);
  });

  it("keeps fields in order, quotes what needs it, and puts a stack on the lines below", () => {
    const { lines, log } = capture("info");
    log.runtime(
      workerLine({ level: "error", msg: "unhandled error", error: "boom here", stack: "Error: boom\n    at x" }),
    );
    expect(lines[0]).toMatch(/ERROR worker {2}unhandled error error="boom here"\n {4}Error: boom\n {8}at x$/);
  });

  it("filters by level, for the Worker's lines and its own", () => {
    const { lines, log } = capture("warn");
    log.info("hidden");
    log.runtime(workerLine({ level: "info", msg: "request", method: "GET", path: "/", status: 200, durationMs: 1 }));
    log.warn("shown", { n: 1 });
    expect(lines).toEqual([expect.stringMatching(/WARN {2}serve {3}shown n=1$/)]);
  });

  it("passes runtime text through, and writes JSON lines with --log-format json", () => {
    const text = capture("info");
    text.log.runtime({ timestamp: Date.now(), level: "warn", message: "\u001b[33mruntime says\u001b[0m" });
    expect(text.lines[0]).toMatch(/WARN {2}runtime runtime says$/);
    const json = capture("info", "json");
    json.log.runtime(
      workerLine({ level: "info", msg: "cron sweep done", sweep: "sessions", ts: "2026-01-01T00:00:00.000Z" }),
    );
    expect(JSON.parse(json.lines[0]!)).toEqual({
      ts: "2026-01-01T00:00:00.000Z",
      level: "info",
      source: "worker",
      msg: "cron sweep done",
      sweep: "sessions",
    });
  });
});

describe("crons", () => {
  it("accepts Cloudflare's syntax and refuses nonsense", () => {
    for (const cron of [
      "*/5 * * * *",
      "0 17 * * sun",
      "10 7 * * mon-fri",
      "0 18 * * 6L",
      "59 23 LW * *",
      "0 10 * * MON#2",
    ]) {
      expect(() => checkCron(cron), cron).not.toThrow();
    }
    for (const cron of ["", "* * *", "61 * * * *", "every minute"]) expect(() => checkCron(cron), cron).toThrow();
  });

  it("uses UTC and Cloudflare's weekday numbers (1 = Sunday)", () => {
    // 2026-11-18 is a Wednesday; the Sunday after is the 22nd.
    expect(nextCronRun("0 17 * * 1", new Date("2026-11-18T00:00:00Z"))?.toISOString()).toBe("2026-11-22T17:00:00.000Z");
    expect(nextCronRun("0 17 * * sun", new Date("2026-11-18T00:00:00Z"))?.toISOString()).toBe(
      "2026-11-22T17:00:00.000Z",
    );
    expect(nextCronRun("*/5 * * * *", new Date("2026-11-18T00:01:30Z"))?.toISOString()).toBe(
      "2026-11-18T00:05:00.000Z",
    );
  });
});
