// Media: image uploads to R2 judged by their bytes, size limits (chunked too), and serving.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, json, registerUser } from "../support/api";
import { PNG_1X1, uploadImage } from "../support/feed";

const MEDIA_MAX = 5_242_880;

/** Uploads a 202-byte "PNG" (the signature, then zeros) and returns its path and bytes. */
async function uploaded202(): Promise<{ path: string; bytes: Uint8Array; etag: string; lastModified: string }> {
  const u = await registerUser("md");
  const bytes = new Uint8Array(202);
  bytes.set(PNG_1X1);
  for (let i = PNG_1X1.length; i < bytes.length; i++) bytes[i] = i & 255;
  const res = await call("/v1/media", { token: u.accessToken, body: bytes, headers: { "Content-Type": "image/png" } });
  const path = new URL((await json<{ url: string }>(res)).url).pathname;
  const got = await call(path);
  await got.arrayBuffer();
  return { path, bytes, etag: got.headers.get("ETag")!, lastModified: got.headers.get("Last-Modified")! };
}

describe("GET /media/:key, conditional and range requests (RFC 9110 sections 13 and 14)", () => {
  it("a failed If-Match or If-Unmodified-Since is 412; a failed If-None-Match or If-Modified-Since is 304", async () => {
    const { path, etag, lastModified } = await uploaded202();
    expect(lastModified).toBeTruthy();
    const past = new Date(Date.parse(lastModified) - 3_600_000).toUTCString();
    const future = new Date(Date.now() + 3_600_000).toUTCString();
    const failed: Record<string, string>[] = [
      { "If-Match": '"nope"' },
      { "If-Match": `W/${etag}` },
      { "If-Unmodified-Since": past },
    ];
    for (const headers of failed) {
      const res = await call(path, { headers });
      await expectProblem(res, 412, "precondition_failed");
      expect(res.headers.get("ETag")).toBe(etag);
    }
    // If-Match takes precedence over If-Unmodified-Since (RFC 9110 13.2.2, step 2).
    expect((await call(path, { headers: { "If-Match": etag, "If-Unmodified-Since": past } })).status).toBe(200);
    for (const headers of [{ "If-Match": etag }, { "If-Match": "*" }, { "If-Unmodified-Since": future }] as Record<
      string,
      string
    >[]) {
      const res = await call(path, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(202);
    }
    for (const headers of [
      { "If-None-Match": etag },
      { "If-None-Match": `W/${etag}` },
      { "If-Modified-Since": future },
    ] as Record<string, string>[]) {
      const res = await call(path, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(304);
      expect(res.headers.get("ETag")).toBe(etag);
    }
    // If-None-Match takes precedence over If-Modified-Since.
    expect((await call(path, { headers: { "If-None-Match": '"other"', "If-Modified-Since": future } })).status).toBe(
      200,
    );
    expect((await call(path, { headers: { "If-Modified-Since": past } })).status).toBe(200);
  });

  it("an unsatisfiable range is 416 with Content-Range: bytes */size", async () => {
    const { path } = await uploaded202();
    for (const range of ["bytes=202-", "bytes=202-300", "bytes=-0", "bytes=99999999999999999999-", "bytes=1000000-"]) {
      const res = await call(path, { headers: { Range: range } });
      await expectProblem(res, 416, "range_not_satisfiable");
      expect(res.headers.get("Content-Range"), range).toBe("bytes */202");
    }
  });

  it("a satisfiable range is 206 with exactly its bytes, clamped to the end", async () => {
    const { path, bytes } = await uploaded202();
    const cases: [string, number, number][] = [
      ["bytes=0-0", 0, 0],
      ["bytes=201-", 201, 201],
      ["bytes=200-99999999999999999999", 200, 201],
      ["bytes=-2", 200, 201],
      ["bytes=-500", 0, 201],
      ["bytes=10-19", 10, 19],
    ];
    for (const [range, first, last] of cases) {
      const res = await call(path, { headers: { Range: range } });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("Content-Range"), range).toBe(`bytes ${first}-${last}/202`);
      expect(res.headers.get("Content-Length"), range).toBe(String(last - first + 1));
      expect(new Uint8Array(await res.arrayBuffer()), range).toEqual(bytes.slice(first, last + 1));
    }
  });

  it("an invalid or unsupported Range is ignored: 200 with the whole body", async () => {
    const { path } = await uploaded202();
    for (const range of ["bytes=5-2", "bytes=abc", "items=0-3", "bytes=0-1,4-5", "bytes=", "bytes=--3"]) {
      const res = await call(path, { headers: { Range: range } });
      expect(res.status, range).toBe(200);
      expect(res.headers.get("Content-Range"), range).toBeNull();
      expect((await res.arrayBuffer()).byteLength, range).toBe(202);
    }
  });

  it("If-Range: a matching validator serves the range, another one the whole body", async () => {
    const { path, etag } = await uploaded202();
    const hit = await call(path, { headers: { Range: "bytes=0-3", "If-Range": etag } });
    expect(hit.status).toBe(206);
    await hit.arrayBuffer();
    const miss = await call(path, { headers: { Range: "bytes=0-3", "If-Range": '"stale"' } });
    expect(miss.status).toBe(200);
    expect((await miss.arrayBuffer()).byteLength).toBe(202);
  });
});

describe("POST /v1/media", () => {
  it("stores an image and serves it back with its type, ETag and Range support", async () => {
    const u = await registerUser("md");
    const res = await call("/v1/media", {
      token: u.accessToken,
      body: PNG_1X1,
      headers: { "Content-Type": "image/png" },
    });
    expect(res.status).toBe(201);
    const media = await json<{ url: string; contentType: string; bytes: number }>(res);
    expect(media).toMatchObject({ contentType: "image/png", bytes: PNG_1X1.length });
    expect(media.url).toMatch(/^http:\/\/plaza\.test\/media\/[0-9a-f-]{36}\.png$/);

    const path = new URL(media.url).pathname;
    const got = await call(path);
    expect(got.status).toBe(200);
    expect(got.headers.get("Content-Type")).toBe("image/png");
    expect(got.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(PNG_1X1);
    const etag = got.headers.get("ETag")!;
    expect((await call(path, { headers: { "If-None-Match": etag } })).status).toBe(304);
    const part = await call(path, { headers: { Range: "bytes=0-3" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("Content-Range")).toBe(`bytes 0-3/${PNG_1X1.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(PNG_1X1.slice(0, 4));
    const object = await env.MEDIA.head(path.slice("/media/".length));
    expect(object?.customMetadata).toEqual({ owner: u.user.id });
  });

  it("trusts the bytes, not the declared type", async () => {
    const u = await registerUser("md");
    const res = await call("/v1/media", {
      token: u.accessToken,
      body: PNG_1X1,
      headers: { "Content-Type": "image/jpeg" },
    });
    expect(await json(res)).toMatchObject({ contentType: "image/png" });
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    await expectProblem(
      await call("/v1/media", { token: u.accessToken, body: html, headers: { "Content-Type": "image/png" } }),
      415,
      "unsupported_media_type",
    );
    const svg = new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>");
    await expectProblem(
      await call("/v1/media", { token: u.accessToken, body: svg, headers: { "Content-Type": "image/svg+xml" } }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(
      await call("/v1/media", { token: u.accessToken, body: PNG_1X1, headers: { "Content-Type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(
      await call("/v1/media", { token: u.accessToken, body: PNG_1X1 }),
      415,
      "unsupported_media_type",
    );
    await expectProblem(
      await call("/v1/media", { method: "POST", token: u.accessToken, headers: { "Content-Type": "image/png" } }),
      400,
      "validation_failed",
    );
  });

  it("has its own size limit (MEDIA_MAX_BYTES), above the JSON one, for chunked uploads too", async () => {
    const u = await registerUser("md");
    const big = new Uint8Array(200_000);
    big.set(PNG_1X1);
    expect(
      (await call("/v1/media", { token: u.accessToken, body: big, headers: { "Content-Type": "image/png" } })).status,
    ).toBe(201);

    const tooBig = new Uint8Array(MEDIA_MAX + 1);
    tooBig.set(PNG_1X1);
    const problem = await expectProblem(
      await call("/v1/media", { token: u.accessToken, body: tooBig, headers: { "Content-Type": "image/png" } }),
      413,
      "payload_too_large",
    );
    expect(problem).toMatchObject({ limitBytes: MEDIA_MAX });

    const chunk = new Uint8Array(1_048_576);
    chunk.set(PNG_1X1);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 6) return controller.close();
        controller.enqueue(chunk);
      },
    });
    await expectProblem(
      await call("/v1/media", { token: u.accessToken, body: stream, headers: { "Content-Type": "image/png" } }),
      413,
      "payload_too_large",
    );
    // The JSON routes keep their smaller limit.
    await expectProblem(
      await call("/v1/posts", {
        token: u.accessToken,
        body: JSON.stringify({ content: "x".repeat(70_000) }),
        headers: { "Content-Type": "application/json" },
      }),
      413,
      "payload_too_large",
    );
  });

  it("unknown and malformed keys are 404", async () => {
    expect((await call(`/media/${crypto.randomUUID()}.png`)).status).toBe(404);
    await expectProblem(await call("/media/..%2F..%2Fetc%2Fpasswd"), 404, "not_found");
    await expectProblem(await call("/media/whatever.txt"), 404, "not_found");
  });

  it("an uploaded image can be used in a post and is served from the post's URL", async () => {
    const u = await registerUser("md");
    const url = await uploadImage(u);
    const post = await json<{ images: string[] }>(
      await call("/v1/posts", { token: u.accessToken, body: { content: "pic", images: [url] } }),
    );
    expect(post.images).toEqual([url]);
    expect((await call(new URL(post.images[0]!).pathname)).status).toBe(200);
  });
});
