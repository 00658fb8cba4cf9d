// Reaction schemas (API.md "Reactions"): the path of one member's reaction on one message.
import { z } from "@hono/zod-openapi";
import { isReactionEmoji } from "../protocol/reactions";
import { MessageParamSchema } from "./im";

export const ReactionParamSchema = MessageParamSchema.extend({
  emoji: z
    .string()
    .refine(isReactionEmoji, { message: "Expected one emoji or a known :shortcode:." })
    .openapi({
      param: { name: "emoji", in: "path" },
      description: "One emoji (a single grapheme, percent-encoded) or a `:shortcode:` of the fixed set",
      example: "👍",
    }),
});
