// The task type registry as clients see it: each type with the JSON Schema of its input.
import { z } from "zod";
import { taskTypes } from "../protocol/task-types";

/** GET /v1/task-types. */
export function listTaskTypes() {
  return Object.values(taskTypes).map((t) => ({
    type: t.type,
    description: t.description,
    inputSchema: z.toJSONSchema(t.input, { io: "input" }) as Record<string, unknown>,
    capability: t.capability,
    protocol: t.protocol,
    timeoutSeconds: t.timeoutSeconds,
    retry: { ...t.retry },
  }));
}
