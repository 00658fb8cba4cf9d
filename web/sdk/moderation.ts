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

  /** Deletes a comment (its author, or a moderator). */
  async deleteComment(commentId: string): Promise<void> {
    await unwrap(this.api.DELETE("/v1/comments/{id}", { params: { path: { id: commentId } } }));
  }
}
