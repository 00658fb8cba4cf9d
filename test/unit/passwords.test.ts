import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../src/auth/passwords";

const params = { iterations: 100_000, pepper: "pepper-pepper-pepper-pepper-pepper-00" };

describe("password hashing", () => {
  it("stores the scheme, iteration count, salt and hash; salts differ per hash", async () => {
    const a = await hashPassword("hunter2hunter2", params);
    const b = await hashPassword("hunter2hunter2", params);
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(a).not.toBe(b);
  });

  it("verifies the right password and rejects a wrong one", async () => {
    const stored = await hashPassword("hunter2hunter2", params);
    expect(await verifyPassword("hunter2hunter2", stored, params)).toEqual({ ok: true, needsRehash: false });
    expect((await verifyPassword("hunter3hunter3", stored, params)).ok).toBe(false);
  });

  it("depends on the pepper", async () => {
    const stored = await hashPassword("hunter2hunter2", params);
    expect(
      (await verifyPassword("hunter2hunter2", stored, { ...params, pepper: "another-pepper-another-pepper-0000" })).ok,
    ).toBe(false);
  });

  it("flags hashes made with fewer iterations than configured", async () => {
    const weak = await hashPassword("hunter2hunter2", { ...params, iterations: 10_000 });
    expect(await verifyPassword("hunter2hunter2", weak, params)).toEqual({ ok: true, needsRehash: true });
  });

  it("never matches a malformed stored hash", async () => {
    for (const stored of ["", "plain", "md5$1$a$b", "pbkdf2-sha256$abc$AAAA$AAAA", "pbkdf2-sha256$0$AAAA$AAAA"]) {
      expect((await verifyPassword("x", stored, params)).ok).toBe(false);
    }
  });
});
