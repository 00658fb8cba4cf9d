// The SDK (web/sdk) against a real `npm start`: typed HTTP with problem+json errors, token
// refresh (serialized, on 401, signing out when the session is gone), room sockets that
// deliver each entry once in seq order across broken connections, keep unsent messages and
// never duplicate a resend, resync, the inbox's unread counts, and a streamed task.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Message,
  PlazaClient,
  PlazaError,
  reconnectDelay,
  type RoomConnection,
  unwrap,
} from "../../web/sdk/index.ts";
import { faultyProxy, type FaultyProxy } from "./support/proxy.ts";
import { type Plaza, startPlaza } from "./support/plaza.ts";

const PASSWORD = "correct horse battery staple";
let counter = 0;
const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
async function until<T>(check: () => T | undefined | false, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function signUp(baseUrl: string, fetchFn?: typeof fetch): Promise<PlazaClient> {
  const client = new PlazaClient({ baseUrl, ...(fetchFn ? { fetch: fetchFn } : {}) });
  await client.register({ username: uniqueName("sdk"), password: PASSWORD });
  return client;
}

/** Everything a room connection delivered, in order. */
function record(conn: RoomConnection) {
  const seen: { messages: Message[]; changes: number[]; resyncs: string[] } = {
    messages: [],
    changes: [],
    resyncs: [],
  };
  conn.on("message", (m) => seen.messages.push(m));
  conn.on("change", (c) => seen.changes.push(c.seq));
  conn.on("resync", (r) => seen.resyncs.push(r.reason));
  return seen;
}

describe("reconnectDelay", () => {
  it("waits nothing first, then between half and all of a doubling ceiling, capped", () => {
    expect(reconnectDelay(0)).toBe(0);
    const opts = { baseMs: 500, maxMs: 15_000 };
    expect(reconnectDelay(1, opts, () => 0)).toBe(250);
    expect(reconnectDelay(1, opts, () => 1)).toBe(500);
    expect(reconnectDelay(4, opts, () => 0.5)).toBe(3_000);
    expect(reconnectDelay(50, opts, () => 1)).toBe(15_000);
    const spread = new Set(Array.from({ length: 20 }, () => reconnectDelay(3, opts)));
    expect(spread.size).toBeGreaterThan(1); // jittered
  });
});

describe("SDK against npm start", () => {
  let plaza: Plaza;
  let proxy: FaultyProxy;

  beforeAll(async () => {
    plaza = await startPlaza(["--no-seed"]);
    proxy = await faultyProxy(plaza.url);
  });

  afterAll(async () => {
    await proxy?.close();
    await plaza?.stop();
  });

  it("turns problem+json into PlazaError with the detail and the invalid fields", async () => {
    const client = new PlazaClient({ baseUrl: plaza.url });
    const err = await client.register({ username: "NO", password: "short" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlazaError);
    const problem = err as PlazaError;
    expect(problem.status).toBe(400);
    expect(problem.code).toBe("validation_failed");
    expect(problem.fieldErrors.map((f) => f.path).sort()).toEqual(["password", "username"]);
    const login = await client.login({ username: uniqueName("nobody"), password: PASSWORD }).catch((e: unknown) => e);
    expect(login).toMatchObject({ status: 401, code: "invalid_credentials" });
    const offline = await new PlazaClient({ baseUrl: "http://127.0.0.1:9" })
      .login({ username: "x", password: "y" })
      .catch((e: unknown) => e);
    expect(offline).toMatchObject({ status: 0, code: "network_error" });
  });

  it("shares one refresh between concurrent callers, so the rotated token is never presented twice", async () => {
    let refreshes = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith("/v1/auth/refresh")) refreshes++;
      return fetch(input, init);
    };
    const client = await signUp(plaza.url, counting);
    const before = client.session.tokens!.refreshToken;
    const outcomes = await Promise.all([client.session.refresh(), client.session.refresh(), client.session.refresh()]);
    expect(outcomes).toEqual(["refreshed", "refreshed", "refreshed"]);
    expect(refreshes).toBe(1);
    expect(client.session.tokens!.refreshToken).not.toBe(before);
    // The session is alive (a second use of a refresh token would have revoked it).
    expect((await client.me())?.id).toBeDefined();
  });

  it("keeps the newest Plaza-Bookmark and sends it back: a liker reads its own like at once", async () => {
    const sent: (string | null)[] = [];
    const recording: typeof fetch = (input, init) => {
      if (input instanceof Request && input.url.includes("/v1/posts/")) sent.push(input.headers.get("Plaza-Bookmark"));
      return fetch(input, init);
    };
    const [author, liker] = await Promise.all([signUp(plaza.url), signUp(plaza.url, recording)]);
    const post = await unwrap(author.api.POST("/v1/posts", { body: { content: "bookmarked" } }));
    expect(author.bookmarks.current).toMatch(/^[0-9a-f-]+$/);
    const path = { params: { path: { id: post.id } } };
    await unwrap(liker.api.GET("/v1/posts/{id}", path)); // warm the caches without the like
    await unwrap(liker.api.POST("/v1/posts/{id}/like", path));
    const afterLike = liker.bookmarks.current;
    expect(afterLike).not.toBeNull();
    const seen = await unwrap(liker.api.GET("/v1/posts/{id}", path));
    expect(seen).toMatchObject({ likedByMe: true, stats: { likes: 1 } });
    expect(sent.at(-1)).toBe(afterLike);
    expect(liker.bookmarks.current! >= afterLike!).toBe(true);
  });

  it("a PostWatcher gets a watched post's counters at once and again when they change", async () => {
    const [author, liker] = await Promise.all([signUp(plaza.url), signUp(plaza.url)]);
    const post = await unwrap(author.api.POST("/v1/posts", { body: { content: "watch me" } }));
    const watcher = author.watchPosts();
    const seen: number[] = [];
    watcher.on("stats", (id, stats) => id === post.id && seen.push(stats.likes));
    watcher.watch([post.id]);
    try {
      await until(() => seen.length > 0, "the first counters");
      expect(seen[0]).toBe(0);
      await unwrap(liker.api.POST("/v1/posts/{id}/like", { params: { path: { id: post.id } } }));
      await until(() => seen.includes(1), "the like to arrive live", 15_000);
    } finally {
      watcher.close();
    }
  });

  it("on 401 refreshes once and retries; when the session is gone it signs out", async () => {
    const client = await signUp(plaza.url);
    const tokens = client.session.tokens!;
    // An access token the server rejects: the call refreshes and succeeds.
    client.session.setTokens({ accessToken: "not-a-token", refreshToken: tokens.refreshToken, expiresIn: 900 });
    expect((await client.me())?.username).toMatch(/^sdk_/);

    // The session is logged out elsewhere (another holder of the same tokens).
    const other = new PlazaClient({ baseUrl: plaza.url });
    other.session.setTokens({ ...client.session.tokens!, expiresIn: 900 });
    await other.logout();
    let signedOut = 0;
    client.on("signedOut", () => signedOut++);
    const err = await client.me().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401 });
    expect(client.signedIn).toBe(false);
    expect(signedOut).toBe(1);
  });

  it("delivers every message once, in seq order, to both members; the outbox empties as acks arrive", async () => {
    const [alice, bob] = await Promise.all([signUp(plaza.url), signUp(plaza.url)]);
    const [aliceMe, bobMe] = await Promise.all([alice.me(), bob.me()]);
    const room = await unwrap(
      alice.api.POST("/v1/rooms", { body: { kind: "group", name: "sdk order", memberIds: [bobMe!.id] } }),
    );
    const a = alice.room(room.id, aliceMe!.id, 0);
    const b = bob.room(room.id, bobMe!.id, 0);
    const [seenA, seenB] = [record(a), record(b)];
    await until(() => a.state === "connected" && b.state === "connected", "both connected");
    for (let i = 0; i < 10; i++) (i % 2 === 0 ? a : b).send(`m${i}`);
    await until(() => seenA.messages.length === 10 && seenB.messages.length === 10, "10 messages on both sides");
    expect(seenA.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seenB.messages.map((m) => m.id)).toEqual(seenA.messages.map((m) => m.id));
    await until(() => a.pending.length === 0 && b.pending.length === 0, "empty outboxes");
    a.close();
    b.close();
  });

  it("keeps unsent messages across a broken connection, resumes with since, and shows each message once", async () => {
    const [alice, bob] = await Promise.all([signUp(plaza.url), signUp(plaza.url)]);
    const [aliceMe, bobMe] = await Promise.all([alice.me(), bob.me()]);
    const room = await unwrap(
      alice.api.POST("/v1/rooms", { body: { kind: "group", name: "sdk resume", memberIds: [bobMe!.id] } }),
    );
    // Alice talks through the breakable proxy, with the same session.
    const aliceViaProxy = new PlazaClient({ baseUrl: proxy.url });
    aliceViaProxy.session.setTokens({ ...alice.session.tokens!, expiresIn: 900 });
    const a = aliceViaProxy.room(room.id, aliceMe!.id, 0);
    const b = bob.room(room.id, bobMe!.id, 0);
    const [seenA, seenB] = [record(a), record(b)];
    await until(() => a.state === "connected" && b.state === "connected", "both connected");
    a.send("before the cut");
    await until(() => seenB.messages.length === 1, "the first message");

    // The server stores this one but its ack and broadcast never reach alice...
    proxy.muteDownstream();
    const lostAck = a.send("ack lost");
    await until(() => seenB.messages.length === 2, "bob sees the message whose ack was lost");
    // ...then the connection breaks; alice writes on, bob too.
    proxy.cut();
    await until(() => a.state === "reconnecting", "alice reconnecting");
    a.send("while offline 1");
    a.send("while offline 2");
    b.send("bob while alice is away");
    expect(a.pending.map((p) => p.body)).toEqual(["ack lost", "while offline 1", "while offline 2"]);
    proxy.restore();

    await until(
      () => seenA.messages.length === 5 && seenB.messages.length === 5,
      "five messages on both sides",
      30_000,
    );
    await until(() => a.pending.length === 0, "alice's outbox drained");
    const bodies = (seen: { messages: Message[] }) => seen.messages.map((m) => m.body);
    expect(bodies(seenA)).toEqual(bodies(seenB));
    expect(bodies(seenA).sort()).toEqual([
      "ack lost",
      "before the cut",
      "bob while alice is away",
      "while offline 1",
      "while offline 2",
    ]);
    expect(seenA.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(seenA.messages.filter((m) => m.clientMsgId === lostAck)).toHaveLength(1);
    const history = await unwrap(
      bob.api.GET("/v1/rooms/{id}/messages", { params: { path: { id: room.id }, query: { limit: 20 } } }),
    );
    expect(history.items).toHaveLength(5); // the resent message was not stored twice
    a.close();
    b.close();
  });

  it("surfaces resync with the seq live traffic continues from, and edits/deletes count as log entries", async () => {
    const alice = await signUp(plaza.url);
    const me = (await alice.me())!;
    const room = await unwrap(alice.api.POST("/v1/rooms", { body: { kind: "channel", name: "sdk resync" } }));
    for (const body of ["one", "two"])
      await unwrap(
        alice.api.POST("/v1/rooms/{id}/messages", {
          params: { path: { id: room.id } },
          body: { clientMsgId: body, body },
        }),
      );
    const a = alice.room(room.id, me.id, 99); // ahead of the log: the room cannot replay from there
    const seen = record(a);
    let resyncSeq = -1;
    a.on("resync", (r) => (resyncSeq = r.seq));
    await until(() => seen.resyncs.length === 1, "a resync");
    expect(seen.resyncs).toEqual(["ahead_of_log"]);
    expect(resyncSeq).toBe(2);
    expect(a.lastSeq).toBe(2);
    a.send("three");
    await until(() => seen.messages.length === 1, "live traffic after the resync");
    expect(seen.messages[0]).toMatchObject({ seq: 3, body: "three" });
    expect(a.edit(3, "three, edited")).toBe(true);
    await until(() => seen.changes.length === 1, "the edit");
    a.send("four");
    await until(() => seen.messages.length === 2, "the message after the edit (no false gap)");
    expect(seen.messages[1]!.seq).toBe(5);
    a.close();
  });

  it("the inbox reports unread counts live and clears them when read", async () => {
    const [alice, bob] = await Promise.all([signUp(plaza.url), signUp(plaza.url)]);
    const bobMe = (await bob.me())!;
    const dm = await unwrap(alice.api.POST("/v1/rooms/direct", { body: { userId: bobMe.id } }));
    const inbox = bob.inbox();
    const unread = new Map<string, number>();
    inbox.on("welcome", (rooms) => rooms.forEach((r) => unread.set(r.roomId, r.unread)));
    inbox.on("unread", (u) => unread.set(u.roomId, u.unread));
    await until(() => inbox.state === "connected", "inbox connected");
    await unwrap(
      alice.api.POST("/v1/rooms/{id}/messages", {
        params: { path: { id: dm.id } },
        body: { clientMsgId: "hi", body: "hi bob" },
      }),
    );
    await until(() => unread.get(dm.id) === 1, "one unread");
    expect(inbox.markRead(dm.id, 1)).toBe(true);
    await until(() => unread.get(dm.id) === 0, "read");
    inbox.close();
  });

  it("finds people by name prefix and keeps per-room notification settings, heard on another device", async () => {
    const [alice, bob] = await Promise.all([signUp(plaza.url), signUp(plaza.url)]);
    const [aliceMe, bobMe] = [(await alice.me())!, (await bob.me())!];
    const found = await alice.searchUsers(bobMe.username.toUpperCase(), { limit: 5 });
    expect(found.items.map((u) => u.id)).toEqual([bobMe.id]);
    expect(found.nextCursor).toBeNull();
    const bad = await alice.searchUsers("").catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PlazaError);
    expect((bad as PlazaError).status).toBe(400);

    const dm = await unwrap(bob.api.POST("/v1/rooms/direct", { body: { userId: aliceMe.id } }));
    expect(await bob.roomSettings(dm.id)).toEqual({ notify: "all", muteUntil: null });
    const inbox = bob.inbox();
    const heard: unknown[] = [];
    inbox.on("settings", (s) => heard.push(s));
    await until(() => inbox.state === "connected", "inbox connected");
    const muteUntil = new Date(Date.now() + 3_600_000).toISOString();
    const stored = await bob.setRoomSettings(dm.id, { notify: "mentions", muteUntil });
    expect(stored).toEqual({ notify: "mentions", muteUntil });
    await until(() => heard.length === 1, "settings frame");
    expect(heard[0]).toEqual({ roomId: dm.id, settings: stored });
    const rooms = await unwrap(bob.api.GET("/v1/rooms"));
    expect(rooms.items.find((r) => r.id === dm.id)?.settings).toEqual(stored);
    inbox.close();
  });

  it("streams a task's output in order and ends when it finishes", async () => {
    const alice = await signUp(plaza.url);
    const task = await unwrap(
      alice.api.POST("/v1/tasks", {
        body: {
          type: "llm.chat",
          input: { messages: [{ role: "user", content: "stream me" }], maxTokens: 40 },
          priority: "normal",
        },
      }),
    );
    const conn = alice.task(task.id);
    let text = "";
    let outputs = 0;
    let finished = 0;
    conn.on("output", (t) => {
      text += t;
      outputs++;
    });
    conn.on("finished", () => finished++);
    const assigned: string[] = [];
    let outputsBeforeAssigned = -1;
    conn.on("assigned", (backendId) => {
      assigned.push(backendId);
      outputsBeforeAssigned = outputs;
    });
    await until(() => finished === 1, "the task to finish", 30_000);
    const done = await unwrap(alice.api.GET("/v1/tasks/{id}", { params: { path: { id: task.id } } }));
    expect(done.status).toBe("succeeded");
    // The backend is known before the first token, on the socket and on the task.
    expect(assigned).toEqual(["local-llm"]);
    expect(outputsBeforeAssigned).toBe(0);
    expect(done.backend).toEqual({ id: "local-llm" });
    expect(conn.current?.backend).toEqual({ id: "local-llm" });
    expect(outputs).toBeGreaterThan(1);
    expect(text).toBe((done.result as { text: string }).text);
    expect(conn.state).toBe("closed");
  });

  it("shows my usage and limits", async () => {
    const alice = await signUp(plaza.url);
    const usage = await unwrap(alice.api.GET("/v1/me/usage"));
    expect(usage.tasks).toEqual({ queued: 0, running: 0, submittedToday: 0 });
    expect(usage.tokens.total).toBe(0);
    expect(usage.limits.concurrency).toBeGreaterThan(0);
  });
});
