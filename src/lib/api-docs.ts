// The API reference: /openapi.json completed with `servers` (the origin it was asked at) and a
// tag per resource on every operation, and /docs, a small reference page served by the Worker
// itself (HTML plus one same-origin script, no CDN, no inline script), so it works offline and
// under a strict Content-Security-Policy.

/** Tags by the first path segment after /v1 (or the whole first segment outside it). */
const TAGS: { name: string; description: string; segments: string[] }[] = [
  { name: "Operations", description: "Liveness", segments: ["healthz"] },
  {
    name: "Accounts",
    description: "Accounts, sessions, profiles, follows and blocks",
    segments: ["auth", "me", "users", "usernames"],
  },
  { name: "Posts", description: "Posts, likes and comments", segments: ["posts"] },
  { name: "Feed", description: "Feeds and the hot list", segments: ["feed"] },
  { name: "Media", description: "Image uploads and serving", segments: ["media"] },
  {
    name: "Rooms",
    description: "Chat rooms, direct messages and groups: messages, members, sockets",
    segments: ["rooms"],
  },
  { name: "Inbox", description: "The per-user inbox socket and Web Push subscriptions", segments: ["inbox", "push"] },
  { name: "Tasks", description: "AI/compute tasks: submit, watch, cancel, results", segments: ["tasks", "task-types"] },
  {
    name: "GPU backends",
    description: "The GPU backend pool (operators) and plaza-job callbacks",
    segments: ["backends"],
  },
];

/** The tag of an API path, e.g. "/v1/rooms/{id}/ws" -> "Rooms". */
export function tagOf(path: string): string {
  const parts = path.split("/").filter(Boolean);
  const segment = parts[0] === "v1" ? (parts[1] ?? "") : (parts[0] ?? "");
  return TAGS.find((t) => t.segments.includes(segment))?.name ?? "Other";
}

interface Operation {
  tags?: string[];
  [key: string]: unknown;
}
type Paths = Record<string, Record<string, Operation>>;
export interface OpenApiDocument {
  paths?: Paths;
  tags?: { name: string; description?: string }[];
  servers?: { url: string; description?: string }[] | null;
  [key: string]: unknown;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** Gives every operation without tags its resource tag, and the document the tags used. */
export function withTags(doc: OpenApiDocument): OpenApiDocument {
  const used = new Set<string>();
  const paths: Paths = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    paths[path] = Object.fromEntries(
      Object.entries(item).map(([method, op]) => {
        if (!METHODS.has(method)) return [method, op];
        const tags = op.tags?.length ? op.tags : [tagOf(path)];
        for (const t of tags) used.add(t);
        return [method, { ...op, tags }];
      }),
    );
  }
  const tags = [
    ...TAGS.filter((t) => used.has(t.name)).map(({ name, description }) => ({ name, description })),
    ...[...used].filter((n) => !TAGS.some((t) => t.name === n)).map((name) => ({ name })),
  ];
  return { ...doc, paths, tags };
}

/** The document as served at `origin`. */
export function withServer(doc: OpenApiDocument, origin: string): OpenApiDocument {
  return { ...doc, servers: [{ url: origin, description: "This server" }] };
}

/** /docs: the page; it loads /docs/reference.js, which renders /openapi.json. */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plaza API reference</title>
<link rel="stylesheet" href="/docs/reference.css">
<script type="module" src="/docs/reference.js"></script>
</head>
<body>
<header><h1>Plaza API</h1><p id="summary">Loading <a href="/openapi.json">/openapi.json</a>...</p></header>
<nav id="toc" aria-label="Resources"></nav>
<main id="operations"></main>
</body>
</html>
`;

export const DOCS_CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1d2330}
h1{margin:.2rem 0}nav a{margin-right:.8rem}section{margin-top:1.6rem}
details{border:1px solid #d5d9e0;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}pre{background:#f4f6f9;padding:.5rem;overflow:auto}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#0b6bcb}.post{color:#1a7f37}.patch{color:#9a6700}.delete{color:#cf222e}.put{color:#8250df}
.lock{color:#57606a;font-size:12px;margin-left:.5rem}`;

/** The page's script: plain DOM, text only (never innerHTML), same origin. */
export const DOCS_JS = `const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) node.append(c);
  return node;
};
const res = await fetch("/openapi.json");
const doc = await res.json();
const summary = document.getElementById("summary");
summary.textContent = (doc.info?.description ?? "") + " Version " + (doc.info?.version ?? "?") + ". Server: " + (doc.servers?.[0]?.url ?? location.origin) + ". ";
summary.append(el("a", { href: "/openapi.json", textContent: "OpenAPI document" }));
const byTag = new Map((doc.tags ?? []).map((t) => [t.name, []]));
for (const [path, item] of Object.entries(doc.paths ?? {})) {
  for (const [method, op] of Object.entries(item)) {
    if (typeof op !== "object" || !op || !("responses" in op)) continue;
    const tag = op.tags?.[0] ?? "other";
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push({ path, method, op });
  }
}
const toc = document.getElementById("toc");
const main = document.getElementById("operations");
for (const [tag, ops] of byTag) {
  if (ops.length === 0) continue;
  const info = (doc.tags ?? []).find((t) => t.name === tag);
  toc.append(el("a", { href: "#tag-" + tag, textContent: tag }));
  const section = el("section", { id: "tag-" + tag }, el("h2", { textContent: tag }));
  if (info?.description) section.append(el("p", { textContent: info.description }));
  for (const { path, method, op } of ops) {
    const head = el("summary", { className: "operation" },
      el("span", { className: "m " + method, textContent: method }), el("code", { textContent: path }), " " + (op.summary ?? ""));
    if (op.security?.length) head.append(el("span", { className: "lock", textContent: "auth: " + op.security.flatMap(Object.keys).join(", ") }));
    const body = el("div");
    if (op.description) body.append(el("p", { textContent: op.description }));
    for (const p of op.parameters ?? []) body.append(el("p", {}, el("code", { textContent: p.name }), " (" + p.in + (p.required ? ", required" : "") + ")"));
    const schema = op.requestBody?.content && Object.values(op.requestBody.content)[0]?.schema;
    if (schema) body.append(el("p", { textContent: "Request body:" }), el("pre", { textContent: JSON.stringify(schema, null, 2) }));
    const responses = el("ul");
    for (const [status, r] of Object.entries(op.responses ?? {})) responses.append(el("li", {}, el("code", { textContent: status }), " " + (r.description ?? "")));
    body.append(el("p", { textContent: "Responses:" }), responses);
    section.append(el("details", {}, head, body));
  }
  main.append(section);
}
`;
