// The envelope a consumer uses when it dead-letters a message itself (a poison message:
// retrying could never help). Messages that exhausted their retries arrive unwrapped.
import { z } from "zod";

export const DeadLetterEnvelopeSchema = z.object({
  deadLetter: z.literal(true),
  reason: z.string(),
  attempts: z.number().int(),
  body: z.unknown(),
});
export type DeadLetterEnvelope = z.infer<typeof DeadLetterEnvelopeSchema>;
