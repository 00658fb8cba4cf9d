// The inbox socket: every device of a user connects here for notifications across rooms and tasks.
import { createRoute } from "@hono/zod-openapi";
import { authorizeUpgrade, forwardUpgrade } from "../auth/upgrade";
import { createRouter, problems } from "../lib/openapi";
import { SUBPROTOCOL } from "../protocol/identity";

const inboxSocketRoute = createRoute({
  method: "get",
  path: "/ws",
  tags: ["Inbox"],
  summary: "WebSocket: my notifications across all rooms and tasks",
  description: `Subprotocols: \`${SUBPROTOCOL}, bearer.<accessToken>\`. Server frames: message, unread, task.`,
  responses: {
    101: { description: "Switching protocols" },
    ...problems(401, 403, 429),
    426: { description: "Not a WebSocket upgrade (upgrade_required)" },
  },
});

export const inboxRoutes = createRouter().openapi(inboxSocketRoute, async (c) => {
  const user = await authorizeUpgrade(c);
  const inbox = c.env.INBOX.get(c.env.INBOX.idFromName(user.id));
  return forwardUpgrade(inbox, c, user);
});
