// The plaza-job side of the reference backend: POST /jobs accepts a job (202) and runs it,
// reporting through signed callbacks; POST /jobs/:id/cancel stops it; GET /jobs/:id/events?after=
// answers every callback after an offset, so a dispatcher that restarted and missed some can
// re-attach to the job instead of running it again. The one real job is
// `image.thumbnail`: the source image is read from Plaza and resized with sharp.
import type { ServerResponse } from "node:http";
import sharp from "sharp";
import type { Routed } from "./faults.ts";
import { failsFirst } from "./faults.ts";
import type { Stats } from "./stats.ts";
import { noteJob, track } from "./stats.ts";

export interface JobRequest {
  jobId: string;
  taskId: string;
  type: string;
  input: { width?: number; height?: number; format?: "webp" | "png" | "jpeg" };
  callbackUrl: string;
  callbackToken: string;
  sourceUrl?: string;
}

type Callback =
  | { kind: "progress"; progress: number }
  | { kind: "log"; message: string }
  | { kind: "result"; result: unknown }
  | { kind: "error"; code: string; message: string; retryable: boolean };

/** Base64 of the thumbnail must fit Plaza's callback body limit (64 KiB by default) with room to spare. */
const MAX_IMAGE_BASE64 = 48_000;
const running = new Map<string, AbortController>();

/** Every callback a job sent (or tried to), and how it ended; kept a while after it ends. */
interface JobLog {
  state: "running" | "completed" | "failed" | "canceled";
  events: Record<string, unknown>[];
}
const logs = new Map<string, JobLog>();
const LOG_KEEP_MS = 15 * 60_000;

function isJob(body: unknown): body is JobRequest {
  const b = body as Partial<JobRequest> | null;
  return (
    !!b &&
    typeof b.jobId === "string" &&
    typeof b.callbackUrl === "string" &&
    typeof b.callbackToken === "string" &&
    typeof b.type === "string"
  );
}

/** POST /jobs */
export function acceptJob(res: ServerResponse, body: unknown, r: Routed, stats: Stats): void {
  if (!isJob(body)) return json(res, 400, { error: "not a plaza-job request" });
  if (body.type !== "image.thumbnail") return json(res, 422, { error: `unsupported job type ${body.type}` });
  noteJob(stats, body.jobId);
  if (r.fault === "500" || failsFirst(r)) {
    track(stats)("failed");
    return json(res, 500, { error: "injected failure" });
  }
  if (r.fault === "hang") return; // never answers
  if (r.fault === "die") {
    res.socket?.destroy();
    return;
  }
  const controller = new AbortController();
  running.set(body.jobId, controller);
  const log: JobLog = { state: "running", events: [] };
  logs.set(body.jobId, log);
  json(res, 202, { jobId: body.jobId });
  const done = track(stats);
  const end = (how: JobLog["state"] & ("completed" | "failed" | "canceled")) => {
    log.state = how;
    done(how);
    setTimeout(() => logs.delete(body.jobId), LOG_KEEP_MS).unref();
  };
  void runThumbnail(body, controller.signal, r, log)
    .then(end)
    .catch(() => end("failed"))
    .finally(() => running.delete(body.jobId));
}

/** GET /jobs/:id/events?after=<seq>: the job's state and its callbacks with seq > after. */
export function jobEvents(res: ServerResponse, jobId: string, after: number): void {
  const log = logs.get(jobId);
  if (!log) return json(res, 404, { error: "unknown job" });
  json(res, 200, { jobId, state: log.state, events: log.events.filter((e) => (e.seq as number) > after) });
}

/** POST /jobs/:id/cancel */
export function cancelJob(res: ServerResponse, jobId: string): void {
  const controller = running.get(jobId);
  controller?.abort();
  json(res, controller ? 200 : 404, { jobId, canceled: !!controller });
}

async function runThumbnail(
  job: JobRequest,
  signal: AbortSignal,
  r: Routed,
  log: JobLog,
): Promise<"completed" | "failed" | "canceled"> {
  let seq = 0;
  const send = async (cb: Callback, copies = 1) => {
    const event = { jobId: job.jobId, seq: seq++, ...cb };
    log.events.push(event);
    const body = JSON.stringify(event);
    for (let i = 0; i < copies; i++) await postCallback(job, body, signal);
  };
  const copies = r.fault === "dup" ? 2 : 1;
  await send({ kind: "progress", progress: 0.1 }, copies);
  if (r.fault === "stall") {
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    return "canceled";
  }
  try {
    const source = await fetch(job.sourceUrl ?? "", {
      headers: { Authorization: `Bearer ${job.callbackToken}` },
      signal,
    });
    if (!source.ok) {
      await send({
        kind: "error",
        code: "source_unavailable",
        message: `The source answered ${source.status}.`,
        retryable: source.status >= 500,
      });
      return "failed";
    }
    const bytes = Buffer.from(await source.arrayBuffer());
    await send({ kind: "progress", progress: 0.5 }, copies);
    if (r.fault === "dup") {
      // A stale progress after a newer one: Plaza must not move backwards.
      await postCallback(job, JSON.stringify({ jobId: job.jobId, seq: 0, kind: "progress", progress: 0.1 }), signal);
    }
    const image = await thumbnail(bytes, job.input);
    if (signal.aborted) return "canceled";
    await send({ kind: "result", result: image }, copies);
    if (r.fault === "late") {
      await send({ kind: "progress", progress: 0.2 });
      await send({ kind: "result", result: { ...image, width: 1 } });
    }
    return "completed";
  } catch (err) {
    if (signal.aborted) return "canceled";
    const message = err instanceof Error ? err.message : "thumbnail failed";
    await send({ kind: "error", code: "thumbnail_failed", message: message.slice(0, 500), retryable: false }).catch(
      () => undefined,
    );
    return "failed";
  }
}

/** Resizes to fit inside width x height; lowers quality until the encoding fits the callback. */
async function thumbnail(bytes: Buffer, input: JobRequest["input"]) {
  const format = input.format ?? "webp";
  const width = input.width ?? 256;
  for (const quality of [80, 60, 40, 25]) {
    const pipeline = sharp(bytes)
      .rotate()
      .resize({ width, height: input.height, fit: "inside", withoutEnlargement: true });
    const encoded =
      format === "png"
        ? pipeline.png({ compressionLevel: 9, palette: quality < 80 })
        : format === "jpeg"
          ? pipeline.jpeg({ quality })
          : pipeline.webp({ quality });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    const imageBase64 = data.toString("base64");
    if (imageBase64.length <= MAX_IMAGE_BASE64) {
      return { contentType: `image/${format}`, width: info.width, height: info.height, imageBase64 };
    }
  }
  throw new Error("the thumbnail does not fit the callback size limit");
}

/** Posts one callback; retries network errors and 5xx a few times, gives up on 4xx. */
async function postCallback(job: JobRequest, body: string, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; attempt < 4 && !signal.aborted; attempt++) {
    try {
      const res = await fetch(job.callbackUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${job.callbackToken}` },
        body,
        signal,
      });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
