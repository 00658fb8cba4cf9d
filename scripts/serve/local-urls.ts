// Where `npm start` serves decides four [vars]: the origins a browser page may open sockets
// from (ALLOWED_ORIGINS), the URL backends call back (PUBLIC_URL), where the reference GPU
// backend listens (BACKENDS) and the reference moderation hook it serves (MODERATION_HOOK_URL). wrangler.toml declares them for the default 127.0.0.1:8787 and
// 8788; on another host or port serve mode derives them from the real address, unless they
// are given explicitly (--var / PLAZA_VARS_*), which always wins (docs/decisions/0068).

/** The declared local address of the reference backend, as wrangler.toml's BACKENDS says it. */
export const DECLARED_GPU_BACKEND = "127.0.0.1:8788";

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** `host` as it goes in a URL (IPv6 in brackets). */
function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** True for an origin on this machine's loopback (any port). */
function isLoopbackOrigin(origin: string): boolean {
  try {
    return LOOPBACK_NAMES.has(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** The origins a browser can load Plaza from when it listens on `host`:`port`. */
export function ownOrigins(host: string, port: number): string[] {
  const local = WILDCARDS.has(host) || LOOPBACK_NAMES.has(host);
  const hosts = local ? ["127.0.0.1", "localhost", ...(WILDCARDS.has(host) ? [] : [host])] : [host];
  return [...new Set(hosts.map((h) => `http://${urlHost(h)}:${port}`))];
}

/** The URL this machine's processes (the reference backend) reach Plaza at. */
export function ownUrl(host: string, port: number): string {
  return `http://${urlHost(WILDCARDS.has(host) ? "127.0.0.1" : host)}:${port}`;
}

/** The reference backend's port: the given one, or the one after Plaza's (8787 -> 8788). */
export function gpuBackendPortFor(port: number, given: number | undefined): number {
  return given ?? (port < 65_535 ? port + 1 : port - 1);
}

/**
 * The vars serve mode sets from where it listens; `declared` is wrangler.toml's [vars],
 * `explicit` the --var overrides (left out here: they are applied on top and always win).
 */
export function derivedVars(
  declared: Record<string, unknown>,
  explicit: Record<string, string>,
  where: { host: string; port: number; gpuBackendPort: number },
): Record<string, string> {
  const vars: Record<string, string> = {};
  if (explicit.ALLOWED_ORIGINS === undefined) {
    // Declared origins off this machine (an app's real origin) stay; the local ones are ours.
    const declaredOrigins = String(declared.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o !== "" && !isLoopbackOrigin(o));
    vars.ALLOWED_ORIGINS = [...ownOrigins(where.host, where.port), ...declaredOrigins].join(",");
  }
  if (explicit.PUBLIC_URL === undefined) vars.PUBLIC_URL = ownUrl(where.host, where.port);
  if (explicit.BACKENDS === undefined && typeof declared.BACKENDS === "string") {
    vars.BACKENDS = declared.BACKENDS.replaceAll(DECLARED_GPU_BACKEND, `127.0.0.1:${where.gpuBackendPort}`);
  }
  // The reference moderation hook lives in the reference backend (docs/decisions/0073).
  if (explicit.MODERATION_HOOK_URL === undefined && declared.MODERATION_HOOK_URL === undefined) {
    vars.MODERATION_HOOK_URL = `http://127.0.0.1:${where.gpuBackendPort}/moderation`;
  }
  return vars;
}
