// The SDK's reactions against a real `npm start`: react/unreact over HTTP (an emoji in the
// path is encoded for the caller), `reaction` events on the room connection, applyReaction
// keeping a client's copy exact, history and a resumed connection carrying the reactions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyReaction,
  type Message,
  PlazaClient,
  PlazaError,
  type ReactionFrame,
  reactedWith,
  unwrap,
} from "../../web/sdk/index.ts";
import { type Plaza, startPlaza } from "./support/plaza.ts";

const PASSWORD = "correct horse battery staple";
let counter = 0;
const uniqueName = () => `sdkr_${Date.now().toString(36)}${(counter++).toString(36)}`;

async function until<T>(check: () => T | undefined | false, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("SDK reactions against npm start", () => {
  let plaza: Plaza;

  beforeAll(async () => {
    plaza = await startPlaza(["--no-seed"]);
  });

  afterAll(async () => {
    await plaza?.stop();
  });

  it("reacts and unreacts; both members' copies follow the reaction events; history and resume agree", async () => {
    const [alice, bob] = [new PlazaClient({ baseUrl: plaza.url }), new PlazaClient({ baseUrl: plaza.url })];
    const [aliceMe, bobMe] = await Promise.all([
      alice.register({ username: uniqueName(), password: PASSWORD }),
      bob.register({ username: uniqueName(), password: PASSWORD }),
    ]);
    const room = await unwrap(
      alice.api.POST("/v1/rooms", { body: { kind: "group", name: "sdk reactions", memberIds: [bobMe.id] } }),
    );
    const sent = await unwrap(
      alice.api.POST("/v1/rooms/{id}/messages", {
        params: { path: { id: room.id } },
        body: { clientMsgId: "r1", body: "react to this" },
      }),
    );
    const a = alice.room(room.id, aliceMe.id, sent.seq);
    const frames: ReactionFrame[] = [];
    let copy: Message = sent;
    a.on("reaction", (frame) => {
      frames.push(frame);
      copy = applyReaction(copy, frame, aliceMe.id);
    });
    await until(() => a.state === "connected", "connected");

    await bob.react(room.id, sent.seq, "👍");
    await bob.react(room.id, sent.seq, "👍"); // idempotent: no second frame
    await alice.react(room.id, sent.seq, "👍");
    await alice.react(room.id, sent.seq, ":tada:");
    await until(() => frames.length === 3, "three reaction frames");
    expect(frames.map((f) => [f.emoji, f.count, f.op])).toEqual([
      ["👍", 1, "add"],
      ["👍", 2, "add"],
      [":tada:", 1, "add"],
    ]);
    expect(copy.reactions).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: ":tada:", count: 1, me: true },
    ]);
    expect(reactedWith(copy, "👍")).toBe(true);

    await bob.unreact(room.id, sent.seq, "👍");
    await alice.unreact(room.id, sent.seq, ":tada:");
    await until(() => frames.length === 5, "two more frames");
    expect(copy.reactions).toEqual([{ emoji: "👍", count: 1, me: true }]);

    // History says the same, relative to each reader.
    const page = (client: PlazaClient) =>
      unwrap(client.api.GET("/v1/rooms/{id}/messages", { params: { path: { id: room.id }, query: { limit: 10 } } }));
    expect((await page(alice)).items[0]?.reactions).toEqual(copy.reactions);
    expect((await page(bob)).items[0]?.reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);

    // A connection resuming from before the message gets it with its reactions.
    const b = bob.room(room.id, bobMe.id, 0);
    const replayed: Message[] = [];
    b.on("message", (m) => replayed.push(m));
    await until(() => replayed.length === 1, "the replayed message");
    expect(replayed[0]?.reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);

    const refused = await bob.react(room.id, sent.seq, "not an emoji").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PlazaError);
    expect(refused).toMatchObject({ status: 400, code: "validation_failed" });
    const missing = await bob.react(room.id, 999, "👍").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: "message_not_found" });
    a.close();
    b.close();
  });
});
