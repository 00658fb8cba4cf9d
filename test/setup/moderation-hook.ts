// A fake moderation hook for the workerd tests (vitest globalSetup, runs in Node): a real HTTP
// server speaking the documented protocol (docs/API.md "Pre-publish moderation"):
//   POST / {kind, text, authorId, roomId?} -> 200 {action: "allow"|"reject"|"redact", body?}
// Its answer is chosen by a marker word in the text:
//   hookreject -> reject; hookredact -> redact (body: the text with the marker replaced by "[redacted]");
//   hookhang -> never answers (until the client gives up); hookbroken -> 500; hookjunk -> 200 not-a-verdict;
//   anything else -> allow.
// GET /seen returns the requests it got, so tests can check what Plaza sent.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    moderationHookUrl: string;
  }
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const seen: unknown[] = [];
  const server = createServer(async (req, res) => {
    if (req.method === "GET" && req.url === "/seen") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(seen.slice(-200)));
      return;
    }
    const input = JSON.parse(await body(req)) as { text?: string };
    seen.push(input);
    const text = input.text ?? "";
    const answer = (status: number, value: unknown) =>
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(value));
    // Answers long after any client timeout (the client has given up by then).
    if (text.includes("hookhang")) return void setTimeout(() => answer(200, { action: "allow" }), 3_000).unref();
    if (text.includes("hookbroken")) return answer(500, { error: "broken" });
    if (text.includes("hookjunk")) return answer(200, { verdict: "fine" });
    if (text.includes("hookreject")) return answer(200, { action: "reject" });
    if (text.includes("hookredact"))
      return answer(200, { action: "redact", body: text.replaceAll("hookredact", "[redacted]") });
    return answer(200, { action: "allow" });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  project.provide("moderationHookUrl", `http://127.0.0.1:${port}/`);
  return async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
}
