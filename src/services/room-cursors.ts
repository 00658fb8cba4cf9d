// What the cursors of the room lists and message history carry (encoded by src/lib/cursor.ts).
import { z } from "zod";

const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** "My rooms" pages (served by the inbox, newest activity first). */
export const MyRoomsCursorSchema = z.strictObject({ activityAt: z.number().int().min(0), roomId: z.string().max(64) });
export const PublicRoomsCursorSchema = z.strictObject({ id: z.string().max(64) });
export const MessageCursorSchema = z.union([z.strictObject({ after: Seq }), z.strictObject({ before: Seq })]);
