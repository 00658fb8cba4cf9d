// The pool's fair queue alone (in a throwaway Durable Object's SQLite): weighted fair queuing
// across users and tenants inside each priority, places in line, and a restart keeping order.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Ask, FairQueue, kindOf } from "../../durable/pool/fair-queue";

const ask = (userId: string, priority: Ask["priority"] = "normal"): Ask => ({
  capability: "llm.chat",
  protocol: "openai",
  userId,
  priority,
});
const user = (id: string) => ({ id: `u:${id}`, weight: 1 });
const KIND = kindOf({ capability: "llm.chat", protocol: "openai" });

/** Runs `fn` with a fresh object's SQL storage. */
function withSql<T>(fn: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.TASK.get(env.TASK.idFromName(crypto.randomUUID()));
  return runInDurableObject(stub, (_instance, state) => fn(state.storage.sql));
}

/** Grants the head of the line `n` times; returns the task ids in grant order. */
function drain(q: FairQueue, n = Infinity): string[] {
  const out: string[] = [];
  while (out.length < n && q.size > 0) {
    const head = q.ordered(KIND)[0]!;
    q.granted(head.taskId);
    out.push(head.taskId);
  }
  return out;
}

describe("FairQueue", () => {
  it("does not let one user's burst starve another user's single task", async () => {
    await withSql((sql) => {
      const q = new FairQueue(sql);
      for (let i = 0; i < 1000; i++) q.add(`a${i}`, ask("A"), user("A"), 60, i);
      expect(drain(q, 1)).toEqual(["a0"]);
      q.add("b0", ask("B"), user("B"), 60, 2000);
      expect(q.ahead("b0")).toBe(0);
      expect(drain(q, 3)).toEqual(["b0", "a1", "a2"]);
    });
  });

  it("alternates between users with bursts, and gives a tenant its weight", async () => {
    await withSql((sql) => {
      const q = new FairQueue(sql);
      for (let i = 0; i < 4; i++) q.add(`a${i}`, ask("A"), user("A"), 60, i);
      for (let i = 0; i < 4; i++) q.add(`b${i}`, ask("B"), user("B"), 60, 10 + i);
      expect(drain(q)).toEqual(["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"]);
      const heavy = { id: "t:big", weight: 2 };
      for (let i = 0; i < 6; i++) q.add(`t${i}`, ask(`T${i}`), heavy, 60, 100 + i);
      for (let i = 0; i < 3; i++) q.add(`c${i}`, ask("C"), user("C"), 60, 200 + i);
      const order = drain(q);
      // Weight 2: the tenant's users together get two slots for each one of C's.
      expect(order.slice(0, 6).filter((id) => id.startsWith("t"))).toHaveLength(4);
      expect(order.filter((id) => id.startsWith("t"))).toEqual(["t0", "t1", "t2", "t3", "t4", "t5"]);
    });
  });

  it("serves higher priorities first and reports places per kind", async () => {
    await withSql((sql) => {
      const q = new FairQueue(sql);
      q.add("low", ask("A", "low"), user("A"), 60, 1);
      q.add("normal", ask("A"), user("A"), 60, 2);
      q.add("high", ask("B", "high"), user("B"), 60, 3);
      q.add("other", { ...ask("A"), capability: "image.thumbnail", protocol: "plaza-job" }, user("A"), 60, 4);
      expect([q.ahead("high"), q.ahead("normal"), q.ahead("low"), q.ahead("other")]).toEqual([0, 1, 2, 0]);
      q.remove("normal");
      expect(q.ahead("low")).toBe(1);
      expect(q.ahead("normal")).toBeUndefined();
    });
  });

  it("keeps its order across a restart (it lives in SQLite)", async () => {
    await withSql((sql) => {
      const q = new FairQueue(sql);
      for (let i = 0; i < 3; i++) q.add(`a${i}`, ask("A"), user("A"), 60, i);
      drain(q, 1);
      q.add("b0", ask("B"), user("B"), 60, 10);
      const again = new FairQueue(sql);
      expect(drain(again)).toEqual(["b0", "a1", "a2"]);
    });
  });
});
