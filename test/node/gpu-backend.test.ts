// The reference GPU backend answers like vLLM: it serves a list of model names (GET
// /v1/models), refuses others with an OpenAI-style 404, and honours max_completion_tokens
// (the current name) as well as the deprecated max_tokens.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend } from "../../gpu-backend/server.ts";

interface Completion {
  model: string;
  choices: { finish_reason: string }[];
  usage: { completion_tokens: number };
}

describe("reference backend: the OpenAI side", () => {
  let server: Server;
  let url: string;
  const complete = (body: Record<string, unknown>) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "count with me" }], ...body }),
    });

  beforeAll(async () => {
    ({ server, url } = await startBackend({ port: 0, tokenMs: 0, models: ["plaza-echo-1", "echo-large"] }));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it("lists the served model names", async () => {
    const res = await fetch(`${url}/v1/models`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { object: string; data: { id: string }[] };
    expect(list.object).toBe("list");
    expect(list.data.map((m) => m.id)).toEqual(["plaza-echo-1", "echo-large"]);
  });

  it("answers a served name with that name, and no name with the first one", async () => {
    const named = await complete({ model: "echo-large", max_tokens: 3 });
    expect(named.status).toBe(200);
    expect(((await named.json()) as Completion).model).toBe("echo-large");
    const unnamed = await complete({ max_tokens: 3 });
    expect(unnamed.status).toBe(200);
    expect(((await unnamed.json()) as Completion).model).toBe("plaza-echo-1");
  });

  it("refuses a model it does not serve with an OpenAI-style 404", async () => {
    for (const stream of [false, true]) {
      const res = await complete({ model: "gpt-4o", max_tokens: 3, stream });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({
        error: { code: "model_not_found", type: "NotFoundError", message: expect.stringContaining("gpt-4o") },
      });
    }
  });

  it("honours max_completion_tokens, and over max_tokens when both are sent", async () => {
    const only = (await (await complete({ model: "plaza-echo-1", max_completion_tokens: 2 })).json()) as Completion;
    expect(only.usage.completion_tokens).toBe(2);
    expect(only.choices[0]?.finish_reason).toBe("length");
    const both = (await (
      await complete({ model: "plaza-echo-1", max_completion_tokens: 3, max_tokens: 7 })
    ).json()) as Completion;
    expect(both.usage.completion_tokens).toBe(3);
    const legacy = (await (await complete({ model: "plaza-echo-1", max_tokens: 4 })).json()) as Completion;
    expect(legacy.usage.completion_tokens).toBe(4);
  });
});
