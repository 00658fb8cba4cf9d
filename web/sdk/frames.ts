// The wire shapes the SDK speaks, taken from the server's own definitions (src/protocol), so a
// change there is a type error here. Type-only imports: nothing of the server is bundled.
import type { components } from "./api.gen";
export type {
  InboxClientFrame,
  InboxServerFrame,
  Message,
  ReactionFrame,
  ReactionSummary,
  RoomChangeFrame,
  RoomClientFrame,
  RoomServerFrame,
} from "../../src/protocol/protocol";
export type { TaskEventBody, TaskServerFrame, TaskStatus } from "../../src/protocol/tasks";

export type User = components["schemas"]["User"];
export type Profile = components["schemas"]["Profile"];
export type Post = components["schemas"]["Post"];
export type Comment = components["schemas"]["Comment"];
export type Room = components["schemas"]["Room"];
export type MyRoom = components["schemas"]["MyRoom"];
/** My notification settings for a room (decision 0086). */
export type RoomSettings = components["schemas"]["RoomSettings"];
export type TaskType = components["schemas"]["TaskType"];
/** A task as HTTP and the task socket show it (`result` is any JSON). */
export type Task = components["schemas"]["Task"];

/** The three statuses after which a task never changes again. */
export const TERMINAL_TASK_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "canceled"]);
