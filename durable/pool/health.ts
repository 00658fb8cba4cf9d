// Health probes for GPU backends: the OpenAI-compatible model list, or plaza-job's /health.
import type { BackendSpec } from "../../src/protocol/tasks";

const PROBE_TIMEOUT_MS = 3_000;

/** The URL a backend answers health probes on. */
export function healthUrl(spec: BackendSpec): string {
  const base = spec.url.replace(/\/+$/, "");
  return spec.protocol === "openai" ? `${base}/v1/models` : `${base}/health`;
}

/** True when the backend answers its health URL with a 2xx within the timeout. */
export async function probeHealth(spec: BackendSpec, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  try {
    const res = await fetch(healthUrl(spec), { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
