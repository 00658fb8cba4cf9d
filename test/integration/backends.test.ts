// The operator's view of the backend pool: config backends from BACKENDS, runtime
// registration, draining, removal; operator token only.
import { describe, expect, it } from "vitest";
import { call, expectProblem, json } from "../support/api";
import { operator } from "../support/tasks";

interface View {
  id: string;
  source: string;
  enabled: boolean;
  inFlight: number;
  breaker: { state: string };
}

describe("/v1/backends", () => {
  it("refuses callers without the operator token", async () => {
    await expectProblem(await call("/v1/backends"), 401, "unauthorized");
    await expectProblem(
      await call("/v1/backends", { headers: { Authorization: "Bearer not-the-token" } }),
      401,
      "unauthorized",
    );
  });

  it("lists the config backends with health, in-flight and breaker state", async () => {
    const { items } = await json<{ items: View[] }>(await operator(""));
    expect(items.map((b) => [b.id, b.source])).toEqual([
      ["ref-jobs", "config"],
      ["ref-llm", "config"],
    ]);
    expect(items[0]).toMatchObject({ enabled: true, inFlight: 0, breaker: { state: "closed" } });
  });

  it("registers, drains and removes runtime backends; config ones stay", async () => {
    const spec = {
      id: "gpu-1",
      url: "http://127.0.0.1:9",
      protocol: "openai",
      capabilities: ["llm.chat"],
      capacity: 2,
      model: "llama",
    };
    const created = await operator("", { body: spec });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ ...spec, source: "runtime", enabled: true });
    const drained = await operator("/gpu-1", { method: "PATCH", body: { enabled: false } });
    expect(await json(drained)).toMatchObject({ id: "gpu-1", enabled: false });
    expect((await operator("/gpu-1", { method: "DELETE" })).status).toBe(204);
    await expectProblem(await operator("/gpu-1", { method: "DELETE" }), 404, "not_found");
    await expectProblem(await operator("", { body: { ...spec, id: "ref-llm" } }), 409, "config_backend");
    await expectProblem(await operator("/ref-llm", { method: "DELETE" }), 409, "config_backend");
    await expectProblem(await operator("", { body: { ...spec, protocol: "grpc" } }), 400, "validation_failed");
    await expectProblem(await operator("", { body: { ...spec, capacity: 0 } }), 400, "validation_failed");
  });
});
