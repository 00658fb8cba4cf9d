// Web Push to offline users, against the local test push service (test/support/push.ts).
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { directRoom, eventually, inboxSocket } from "../support/im";
import { postMessage } from "../support/rooms";
import { pushService, receivedPushes, subscribe } from "../support/push";

const service = pushService;
const received = receivedPushes;

describe("web push", () => {
  it("pushes an encrypted, VAPID-signed notice to an offline user, and none while a device is connected", async () => {
    const [alice, bob] = await Promise.all([registerUser("wp"), registerUser("wp")]);
    const room = await directRoom(alice, bob);
    const sub = await subscribe(bob);
    const message = await postMessage(room.id, alice, "p1", "are you awake?");
    const [push] = await eventually(async () => {
      const got = await received(sub.id);
      return got.length > 0 ? got : undefined;
    });
    expect(push!.payload).toEqual({
      type: "message",
      roomId: room.id,
      seq: message.seq,
      sender: { id: alice.user.id, username: alice.user.username },
      preview: "are you awake?",
      unread: 1,
    });
    expect(push!.vapid).toMatchObject({ ok: true, sub: "mailto:admin@plaza.invalid", aud: "https://push.plaza.test" });
    expect(push!.headers).toMatchObject({ contentEncoding: "aes128gcm", ttl: "86400", urgency: "normal" });
    // Online: the device gets the frame, no push is sent. My own messages never push to me.
    const device = await inboxSocket(bob.accessToken);
    await postMessage(room.id, alice, "p2", "ah, you are here");
    await device.next((f) => f.type === "message");
    device.close();
    await postMessage(room.id, bob, "p3", "my own words");
    await new Promise((r) => setTimeout(r, 300));
    expect(await received(sub.id)).toHaveLength(1);
  });

  it("removes a subscription the push service says is gone (410)", async () => {
    const [alice, bob] = await Promise.all([registerUser("wp"), registerUser("wp")]);
    const room = await directRoom(alice, bob);
    const sub = await subscribe(bob);
    const list = async () =>
      (await json<{ items: { id: string }[] }>(await call("/v1/push/subscriptions", { token: bob.accessToken }))).items;
    expect((await list()).map((s) => s.id)).toEqual([sub.plazaId]);
    await service(`/expire/${sub.id}`, { method: "POST" });
    await postMessage(room.id, alice, "g1", "hello?");
    await eventually(async () => ((await list()).length === 0 ? true : undefined));
    expect(await received(sub.id)).toHaveLength(0);
  });

  it("validates subscriptions and lets their owner remove them", async () => {
    const bob = await registerUser("wp");
    const post = (body: unknown) => call("/v1/push/subscriptions", { token: bob.accessToken, body });
    const keys = { p256dh: "B".repeat(87), auth: "A".repeat(22) };
    await expectProblem(await post({ endpoint: "http://push.example/x", keys }), 400, "validation_failed");
    await expectProblem(
      await post({ endpoint: "https://push.plaza.test/push/x", keys: { ...keys, auth: "short" } }),
      400,
      "validation_failed",
    );
    await expectProblem(await post({ endpoint: "https://push.plaza.test/push/x" }), 400, "validation_failed");
    await expectProblem(
      await call("/v1/push/subscriptions", { body: { endpoint: "https://push.plaza.test/push/x", keys } }),
      401,
      "unauthorized",
    );
    const made = await json<{ id: string }>(await post({ endpoint: "https://push.plaza.test/push/x", keys }));
    const other = await registerUser("wp");
    await expectProblem(
      await call(`/v1/push/subscriptions/${made.id}`, { method: "DELETE", token: other.accessToken }),
      404,
      "not_found",
    );
    expect((await call(`/v1/push/subscriptions/${made.id}`, { method: "DELETE", token: bob.accessToken })).status).toBe(
      204,
    );
  });
});
