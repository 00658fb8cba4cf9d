// The reference moderation hook that npm start runs (POST /moderation on the reference
// backend) speaks the documented protocol: allow, reject and redact, by normalized words.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend } from "../../gpu-backend/server.ts";

describe("reference moderation hook", () => {
  let server: Server;
  let url: string;
  const ask = async (body: unknown) => {
    const res = await fetch(`${url}/moderation`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    ({ server, url } = await startBackend({ port: 0, tokenMs: 0 }));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it("allows, rejects and redacts", async () => {
    const input = { kind: "post", authorId: "u1" };
    expect(await ask({ ...input, text: "hello there" })).toEqual({ status: 200, body: { action: "allow" } });
    expect(await ask({ ...input, text: "FREE crypto, giveaway!" })).toEqual({
      status: 200,
      body: { action: "reject" },
    });
    expect(await ask({ ...input, text: "oh Darn it, heck." })).toEqual({
      status: 200,
      body: { action: "redact", body: "oh **** it, ****." },
    });
    expect((await ask({ kind: "post" })).status).toBe(400);
  });
});
