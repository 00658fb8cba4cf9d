// Moderation through the typed API: reports by anyone; reports, resolutions, suspensions and
// site roles for moderators and admins; the audit log for admins (API.md "Moderation").
import type { components } from "./api.gen";
import { type PlazaApi, unwrap } from "./http";

export type Report = components["schemas"]["Report"];
export type ReportTarget = components["schemas"]["ReportTarget"];
export type ReportReason = components["schemas"]["CreateReportBody"]["reason"];
export type ReportAction = components["schemas"]["ResolveReportBody"]["action"];
export type Suspension = components["schemas"]["Suspension"];
export type AuditEntry = components["schemas"]["AuditEntry"];
export type SiteRole = components["schemas"]["SiteRole"];
export type RoomBan = components["schemas"]["RoomBan"];
export type RoomMute = components["schemas"]["RoomMute"];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `client.moderation`: every call throws PlazaError on refusal (`already_reported`, `forbidden`, ...). */
export class ModerationApi {
  constructor(private readonly api: PlazaApi) {}

  /** Reports a post, comment, user, or message (`id`: its seq, with `roomId`) to the moderators. */
  report(target: ReportTarget, reason: ReportReason, note?: string): Promise<Report> {
    return unwrap(this.api.POST("/v1/reports", { body: { target, reason, ...(note ? { note } : {}) } }));
  }

  /** Moderators: a page of reports (default: open), newest first, each with the content as reported. */
  reports(query: { status?: "open" | "resolved"; limit?: number; cursor?: string } = {}): Promise<Page<Report>> {
    return unwrap(this.api.GET("/v1/admin/reports", { params: { query } }));
  }

  /** Moderators: resolves an open report. */
  resolve(reportId: string, action: ReportAction, note?: string): Promise<Report> {
    return unwrap(
      this.api.POST("/v1/admin/reports/{id}/resolve", {
        params: { path: { id: reportId } },
        body: { action, ...(note ? { note } : {}) },
      }),
    );
  }

  /** Moderators: suspends an account until `until` (ISO time) or until lifted. */
  suspend(userId: string, reason: string, until?: string): Promise<Suspension> {
    return unwrap(
      this.api.POST("/v1/admin/users/{id}/suspend", {
        params: { path: { id: userId } },
        body: { reason, ...(until ? { until } : {}) },
      }),
    );
  }

  /** Moderators: lifts a suspension. */
  liftSuspension(userId: string): Promise<Suspension> {
    return unwrap(this.api.DELETE("/v1/admin/users/{id}/suspend", { params: { path: { id: userId } } }));
  }

  /** Admins: sets a user's site role. */
  setRole(userId: string, role: SiteRole): Promise<{ id: string; role: SiteRole }> {
    return unwrap(this.api.PUT("/v1/admin/users/{id}/role", { params: { path: { id: userId } }, body: { role } }));
  }

  /** Admins: a page of the audit log, newest first. */
  audit(query: { limit?: number; cursor?: string } = {}): Promise<Page<AuditEntry>> {
    return unwrap(this.api.GET("/v1/admin/audit", { params: { query } }));
  }

  /** Room owners and admins: sets a member's room role (only the owner makes admins). */
  setRoomRole(roomId: string, userId: string, role: "admin" | "moderator" | "member") {
    return unwrap(
      this.api.PATCH("/v1/rooms/{id}/members/{userId}", { params: { path: { id: roomId, userId } }, body: { role } }),
    );
  }

  /** Room owners, admins and moderators, and site moderators: bans a user from a room (removed at once). */
  banFromRoom(roomId: string, userId: string, options: { until?: string; reason?: string } = {}): Promise<RoomBan> {
    return unwrap(
      this.api.POST("/v1/rooms/{id}/bans", { params: { path: { id: roomId } }, body: { userId, ...options } }),
    );
  }

  /** Lifts a room ban. */
  async liftRoomBan(roomId: string, userId: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/rooms/{id}/bans/{userId}", { params: { path: { id: roomId, userId } } }));
  }

  /** Room owners, admins and site moderators: mutes a member until `until` (ISO time). */
  muteInRoom(roomId: string, userId: string, until: string): Promise<RoomMute> {
    return unwrap(this.api.POST("/v1/rooms/{id}/mutes", { params: { path: { id: roomId } }, body: { userId, until } }));
  }

  /** Lifts a room mute. */
  async unmuteInRoom(roomId: string, userId: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/rooms/{id}/mutes/{userId}", { params: { path: { id: roomId, userId } } }));
  }

  /** Deletes a room message: the sender's own, or anyone's as a moderator of the room. */
  async deleteMessage(roomId: string, seq: number): Promise<void> {
    await unwrap(this.api.DELETE("/v1/rooms/{id}/messages/{seq}", { params: { path: { id: roomId, seq } } }));
  }

  /** Deletes a comment (its author, or a moderator). */
  async deleteComment(commentId: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/comments/{id}", { params: { path: { id: commentId } } }));
  }
}
