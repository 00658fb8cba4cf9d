// The bench-only baseline rooms: unreachable by default, and when enabled they broadcast
// every frame to every socket (the bare object and the partyserver one alike).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { benchRoute } from "../../src/bench/routes";
import { call } from "../support/api";

const on = { ...env, BENCH_ROUTES: "on" } as unknown as Env;

async function benchSocket(kind: "echo" | "party", name: string) {
  const res = await benchRoute(
    new Request(`http://p/__bench/rooms/${kind}/${name}/ws`, { headers: { Upgrade: "websocket" } }),
    on,
  );
  expect(res?.status).toBe(101);
  const ws = res!.webSocket!;
  ws.accept();
  const frames: string[] = [];
  ws.addEventListener("message", (e) => {
    frames.push(e.data as string);
  });
  return { ws, frames };
}

const until = async (check: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("bench baseline rooms", () => {
  it("are unreachable while BENCH_ROUTES is off", async () => {
    for (const kind of ["echo", "party"]) {
      expect((await call(`/__bench/rooms/${kind}/x/ws`, { headers: { Upgrade: "websocket" } })).status).toBe(404);
    }
    expect(await benchRoute(new Request("http://p/__bench/rooms/other/x/ws"), on)).toBeUndefined();
  });

  for (const kind of ["echo", "party"] as const) {
    it(`${kind}: broadcasts every frame to every socket`, async () => {
      const name = crypto.randomUUID();
      const a = await benchSocket(kind, name);
      const b = await benchSocket(kind, name);
      a.ws.send("hello");
      await until(() => a.frames.includes("hello") && b.frames.includes("hello"));
      a.ws.close();
      b.ws.close();
    });
  }
});
