// The session deny-list. KV holds it for every location (eventually consistent, up to about
// 60 s between locations); each isolate also remembers recent answers for a few seconds, so
// authenticated requests do not read KV every time. A revocation made in this isolate is
// remembered at once, so it takes effect here immediately (docs/decisions/0004).

const denyKey = (sid: string) => `deny:sid:${sid}`;
/** KV's minimum expirationTtl. */
const KV_MIN_TTL_SECONDS = 60;
/** Bounds the memory of one isolate; the oldest answers are forgotten first. */
const MAX_REMEMBERED = 10_000;

/** `reason` undefined: the session was not denied when last read. */
const remembered = new Map<string, { reason: string | undefined; until: number }>();

function remember(sid: string, reason: string | undefined, until: number): void {
  remembered.delete(sid);
  remembered.set(sid, { reason, until });
  if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
}

/**
 * True when the session's access tokens must no longer be accepted. A "not denied" answer is
 * reused for `cacheMs`; a "denied" one until the deny-list entry would expire.
 */
export async function isSessionDenied(
  kv: KVNamespace,
  sid: string,
  cacheMs: number,
  now = Date.now(),
): Promise<boolean> {
  return (await sessionDenial(kv, sid, cacheMs, now)) !== undefined;
}

/**
 * Why the session's access tokens are refused (the reason it was revoked with, e.g. `logout`
 * or `suspended:<until>`), or undefined while it is live. Cached as {@link isSessionDenied}.
 */
export async function sessionDenial(
  kv: KVNamespace,
  sid: string,
  cacheMs: number,
  now = Date.now(),
): Promise<string | undefined> {
  const known = remembered.get(sid);
  if (known && known.until > now) return known.reason;
  const reason = (await kv.get(denyKey(sid))) ?? undefined;
  if (reason !== undefined) remember(sid, reason, now + KV_MIN_TTL_SECONDS * 1000);
  else if (cacheMs > 0) remember(sid, undefined, now + cacheMs);
  return reason;
}

/** Denies the session's access tokens for `ttlSeconds` (their remaining lifetime at most). */
export async function denySession(
  kv: KVNamespace,
  sid: string,
  reason: string,
  ttlSeconds: number,
  now = Date.now(),
): Promise<void> {
  const ttl = Math.max(KV_MIN_TTL_SECONDS, ttlSeconds);
  remember(sid, reason, now + ttl * 1000);
  await kv.put(denyKey(sid), reason, { expirationTtl: ttl });
}
