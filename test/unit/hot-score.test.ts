import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AGE_OFFSET_HOURS, GRAVITY, HOT_WEIGHTS, hotScore, TopK } from "../../src/lib/hot-score";

const HOUR = 3_600_000;
const none = { likes: 0, comments: 0, views: 0 };

describe("hotScore", () => {
  it("is the documented formula", () => {
    const e = { likes: 10, comments: 3, views: 50 };
    const points = HOT_WEIGHTS.like * 10 + HOT_WEIGHTS.comment * 3 + HOT_WEIGHTS.view * 50;
    expect(hotScore(e, 5 * HOUR)).toBeCloseTo(points / (5 + AGE_OFFSET_HOURS) ** GRAVITY, 12);
  });

  it("is zero without engagement and never negative", () => {
    expect(hotScore(none, HOUR)).toBe(0);
    expect(hotScore({ likes: 1, comments: 0, views: 0 }, -5 * HOUR)).toBe(
      hotScore({ likes: 1, comments: 0, views: 0 }, 0),
    );
  });

  it("grows with each kind of engagement, weighted", () => {
    const base = hotScore({ likes: 5, comments: 5, views: 5 }, 2 * HOUR);
    expect(hotScore({ likes: 6, comments: 5, views: 5 }, 2 * HOUR)).toBeGreaterThan(base);
    expect(hotScore({ likes: 5, comments: 6, views: 5 }, 2 * HOUR)).toBeGreaterThan(base);
    expect(hotScore({ likes: 5, comments: 5, views: 6 }, 2 * HOUR)).toBeGreaterThan(base);
    // A comment outweighs a like, a like outweighs a view.
    expect(hotScore({ ...none, comments: 1 }, 0)).toBeGreaterThan(hotScore({ ...none, likes: 1 }, 0));
    expect(hotScore({ ...none, likes: 1 }, 0)).toBeGreaterThan(hotScore({ ...none, views: 1 }, 0));
  });

  it("decays with age, so a fresh post overtakes an older one with more engagement", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0.01, max: 500, noNaN: true }),
        (likes, age, extra) => {
          const e = { likes: likes + 1, comments: 0, views: 0 };
          expect(hotScore(e, (age + extra) * HOUR)).toBeLessThan(hotScore(e, age * HOUR));
        },
      ),
    );
    // Ten times the likes but a day older loses to the fresh post.
    expect(hotScore({ ...none, likes: 10 }, HOUR)).toBeGreaterThan(hotScore({ ...none, likes: 100 }, 25 * HOUR));
  });
});

describe("TopK", () => {
  it("keeps exactly the k best, best first, like sorting everything", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.uuid(), score: fc.double({ min: 0, max: 1e6, noNaN: true }) }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 120 }),
        (items, k) => {
          const unique = [...new Map(items.map((i) => [i.id, i])).values()];
          const top = new TopK<(typeof unique)[number]>(k);
          for (const item of unique) top.offer(item);
          const expected = [...unique]
            .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
            .slice(0, k);
          expect(top.sorted()).toEqual(expected);
        },
      ),
    );
  });

  it("breaks ties towards the newer (larger) id", () => {
    const top = new TopK(1);
    top.offer({ id: "a", score: 1 });
    top.offer({ id: "b", score: 1 });
    expect(top.sorted()).toEqual([{ id: "b", score: 1 }]);
  });
});
