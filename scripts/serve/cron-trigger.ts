// `/cdn-cgi/handler/scheduled?cron=...[&time=ms][&format=json]` under `npm start`, the URL
// `wrangler dev --test-scheduled` answers (wrangler's proxy rewrites it to Miniflare's
// /cdn-cgi/local/scheduled; npm start has no proxy). A tiny second Worker owns the one route
// and runs Plaza's `scheduled` handler through a service binding, so no other request pays for
// it. `npm run plaza -- cron` calls it.

/** The route the trigger Worker owns (Miniflare pattern). */
export const CRON_TRIGGER_ROUTE = "*/cdn-cgi/handler/scheduled*";

// Plain JavaScript run by workerd; `scheduled()` on a service binding needs
// service_binding_extra_handlers (as Miniflare's own entry Worker uses it).
const SCRIPT = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== "GET" && request.method !== "POST") return new Response("method not allowed", { status: 405 });
    const time = url.searchParams.get("time");
    if (time !== null && !/^\\d+$/.test(time)) return new Response("time: epoch milliseconds", { status: 400 });
    const result = await env.PLAZA.scheduled({
      cron: url.searchParams.get("cron") ?? undefined,
      scheduledTime: time === null ? undefined : new Date(Number(time)),
    });
    const status = result.outcome === "ok" ? 200 : 500;
    return url.searchParams.get("format") === "json"
      ? Response.json(result, { status })
      : new Response(result.outcome, { status });
  },
};`;

/** Miniflare worker options for the trigger Worker, bound to the Worker named `plaza`. */
export function cronTriggerWorker(plaza: string, compatibilityDate: string | undefined) {
  return {
    name: `${plaza}-cron-trigger`,
    modules: [{ type: "ESModule" as const, path: "cron-trigger.mjs", contents: SCRIPT }],
    compatibilityDate,
    compatibilityFlags: ["service_binding_extra_handlers"],
    routes: [CRON_TRIGGER_ROUTE],
    serviceBindings: { PLAZA: plaza },
  };
}
