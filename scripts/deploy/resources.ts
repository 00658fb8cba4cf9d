// What wrangler.toml declares that must exist on the Cloudflare account before a deploy: the
// D1 database, KV namespaces, R2 buckets, queues (producers, consumers and their dead-letter
// queues) and the required secrets. Read with wrangler's own config reader.
import { z } from "zod";

/**
 * A placeholder id in the committed wrangler.toml: none, or all zeros apart from a UUID's
 * version and variant digits ("00000000-0000-4000-8000-000000000000").
 */
export function isPlaceholderId(id: string | undefined): boolean {
  if (!id) return true;
  const hex = id.replace(/-/g, "");
  const digits = hex.length === 32 ? [...hex].filter((_, i) => i !== 12 && i !== 16) : [...hex];
  return digits.every((d) => d === "0");
}

export interface DeclaredResources {
  worker: string;
  d1: { binding: string; name: string; id: string | undefined }[];
  kv: { binding: string; id: string | undefined }[];
  r2: string[];
  queues: string[];
  secrets: string[];
}

const Config = z.object({
  name: z.string().min(1),
  d1_databases: z.array(
    z.object({ binding: z.string(), database_name: z.string(), database_id: z.string().optional() }),
  ),
  kv_namespaces: z.array(z.object({ binding: z.string(), id: z.string().optional() })),
  r2_buckets: z.array(z.object({ bucket_name: z.string() })),
  queues: z.object({
    producers: z.array(z.object({ queue: z.string() })).default([]),
    consumers: z.array(z.object({ queue: z.string(), dead_letter_queue: z.string().optional() })).default([]),
  }),
  secrets: z.object({ required: z.array(z.string()).default([]) }).optional(),
});

/** The resources a wrangler config (as `unstable_readConfig` returns it) declares. */
export function declaredResources(config: unknown): DeclaredResources {
  const c = Config.parse(config);
  const queues = new Set<string>();
  for (const p of c.queues.producers) queues.add(p.queue);
  for (const q of c.queues.consumers) {
    queues.add(q.queue);
    if (q.dead_letter_queue) queues.add(q.dead_letter_queue);
  }
  return {
    worker: c.name,
    d1: c.d1_databases.map((d) => ({
      binding: d.binding,
      name: d.database_name,
      id: isPlaceholderId(d.database_id) ? undefined : d.database_id,
    })),
    kv: c.kv_namespaces.map((k) => ({ binding: k.binding, id: isPlaceholderId(k.id) ? undefined : k.id })),
    r2: c.r2_buckets.map((b) => b.bucket_name),
    queues: [...queues].sort(),
    secrets: c.secrets?.required ?? [],
  };
}

/** The KV namespace title Plaza creates for a binding (and looks for): `<worker>-<binding>`. */
export const kvTitle = (worker: string, binding: string): string => `${worker}-${binding}`;
