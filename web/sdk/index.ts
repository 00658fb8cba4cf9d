// Plaza's typed client SDK: HTTP typed from the Worker's OpenAPI document, token refresh
// serialized across tabs, and sockets that reconnect with jittered backoff, resume, keep an
// outbox and surface `resync`. Framework-free; usable from any TypeScript app (browser or Node 22).
export type { components, paths } from "./api.gen";
export { reconnectDelay, type BackoffOptions } from "./backoff";
export { BOOKMARK_HEADER, BookmarkKeeper, bookmarkedFetch } from "./bookmark";
export { PlazaClient, type PlazaClientOptions, type RoomSettingsInput } from "./client";
export type * from "./frames";
export { TERMINAL_TASK_STATUSES } from "./frames";
export { authedFetch, createApi, type PlazaApi, unwrap } from "./http";
export { InboxConnection, type RoomStanding } from "./inbox-connection";
export {
  type AuditEntry,
  ModerationApi,
  type Page,
  type Report,
  type ReportAction,
  type ReportReason,
  type ReportTarget,
  type RoomBan,
  type RoomMute,
  type SiteRole,
  type Suspension,
} from "./moderation";
export { type ConnectionState, FINAL_CLOSE_CODES, LiveSocket, PING_FRAME } from "./live-socket";
export { MAX_WATCHED_POSTS, type PostStats, PostWatcher } from "./post-watch";
export { describeError, type FieldError, PlazaError, type Problem, toPlazaError } from "./problem";
export { applyReaction, reactedWith } from "./reactions";
export { MAX_BODY_CHARS, type PendingMessage, RoomConnection } from "./room-connection";
export { localStorageTokenStore, memoryTokenStore, Session, type TokenStore, type Tokens } from "./session";
export { TaskConnection } from "./task-connection";
