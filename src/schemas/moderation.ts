// Moderation schemas (API.md "Moderation"): site roles, reports, suspensions, the audit log.
import { z } from "@hono/zod-openapi";
import { IdSchema, TimestampSchema } from "./common";
import { SiteRoleSchema } from "./users";

const NoteSchema = z.string().trim().min(1).max(1000);

export const SetRoleBodySchema = z.strictObject({ role: SiteRoleSchema }).openapi("SetRoleBody");

export const RoleResultSchema = z.object({ id: IdSchema, role: SiteRoleSchema }).openapi("RoleResult");

export const ReportTargetSchema = z
  .strictObject({
    kind: z.enum(["post", "comment", "message", "user"]),
    id: z.string().min(1).max(64).openapi({ description: "A post, comment or user id; for a message, its seq" }),
    roomId: IdSchema.optional().openapi({ description: "The message's room (messages only)" }),
  })
  .refine((t) => t.kind !== "message" || t.roomId !== undefined, {
    message: "a message target needs roomId",
    path: ["roomId"],
  })
  .refine((t) => t.kind === "message" || z.uuid().safeParse(t.id).success, {
    message: "id must be a UUID",
    path: ["id"],
  })
  .openapi("ReportTarget");

export const ReportReasonSchema = z.enum(["spam", "abuse", "illegal", "other"]);

export const CreateReportBodySchema = z
  .strictObject({ target: ReportTargetSchema, reason: ReportReasonSchema, note: NoteSchema.optional() })
  .openapi("CreateReportBody");

export const SnapshotSchema = z
  .object({
    authorId: z.string(),
    authorUsername: z.string(),
    text: z.string().openapi({ description: "The content (or display name) as it was when reported" }),
    extra: z.record(z.string(), z.unknown()),
    createdAt: TimestampSchema,
  })
  .openapi("ReportSnapshot");

export const ReportActionSchema = z.enum(["dismiss", "remove", "suspend"]);

export const ReportSchema = z
  .object({
    id: IdSchema,
    reporterId: IdSchema,
    target: z.object({
      kind: z.enum(["post", "comment", "message", "user"]),
      id: z.string(),
      roomId: z.string().optional(),
    }),
    reason: ReportReasonSchema,
    note: z.string().nullable(),
    status: z.enum(["open", "resolved"]),
    snapshot: SnapshotSchema,
    resolution: z
      .object({ action: ReportActionSchema, by: IdSchema, at: TimestampSchema, note: z.string().nullable() })
      .nullable(),
    createdAt: TimestampSchema,
  })
  .openapi("Report");

export const ReportQuerySchema = z.object({
  status: z.enum(["open", "resolved"]).default("open"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

export const ResolveReportBodySchema = z
  .strictObject({ action: ReportActionSchema, note: NoteSchema.optional() })
  .openapi("ResolveReportBody");

export const SuspendBodySchema = z
  .strictObject({
    until: TimestampSchema.optional().openapi({
      description: "When the suspension ends by itself; absent: until lifted",
    }),
    reason: NoteSchema,
  })
  .openapi("SuspendBody");

export const SuspensionSchema = z
  .object({
    userId: IdSchema,
    suspended: z.boolean(),
    until: TimestampSchema.nullable(),
    reason: z.string().nullable(),
  })
  .openapi("Suspension");

export const AuditEntrySchema = z
  .object({
    id: IdSchema,
    actorId: IdSchema,
    action: z.string().openapi({ example: "post.remove" }),
    target: z.object({ kind: z.string(), id: z.string() }),
    note: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    createdAt: TimestampSchema,
  })
  .openapi("AuditEntry");

export const RoomBanBodySchema = z
  .strictObject({
    userId: IdSchema,
    until: TimestampSchema.optional().openapi({ description: "When the ban ends by itself; absent: until lifted" }),
    reason: NoteSchema.optional(),
  })
  .openapi("RoomBanBody");

export const RoomBanSchema = z
  .object({ roomId: IdSchema, userId: IdSchema, until: TimestampSchema.nullable(), reason: z.string().nullable() })
  .openapi("RoomBan");

export const RoomMuteBodySchema = z
  .strictObject({ userId: IdSchema, until: TimestampSchema.openapi({ description: "When the mute ends" }) })
  .openapi("RoomMuteBody");

export const RoomMuteSchema = z
  .object({ roomId: IdSchema, userId: IdSchema, until: TimestampSchema })
  .openapi("RoomMute");

export const MemberRoleBodySchema = z
  .strictObject({ role: z.enum(["admin", "moderator", "member"]) })
  .openapi("MemberRoleBody");

export const MemberRoleSchema = z
  .object({ roomId: IdSchema, userId: IdSchema, role: z.enum(["admin", "moderator", "member"]) })
  .openapi("MemberRole");
