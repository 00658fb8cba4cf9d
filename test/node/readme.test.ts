// Every README snippet that talks to a server runs as written against a real `npm start` (demo
// data, a free port passed as P, which the snippets read with ${P:-...}), with the Node the
// README names: `node` on PATH is whatever the machine has (Node 20 here), and the socket
// snippets use `npx node`, the project's Node 22. A snippet that listens forever (the socket
// ones) is stopped after a few seconds; its output is checked instead.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, root, startServer } from "./support/serve.ts";

interface Section {
  title: string;
  /** The section's shell blocks that reach the server, in order, as one script. */
  script: string;
}

/** The README's `sh` blocks that use $P, grouped by section (later blocks use earlier variables). */
function readmeSections(): Section[] {
  const text = readFileSync(path.join(root, "README.md"), "utf8");
  const sections: Section[] = [];
  let title = "";
  for (const part of text.split(/^(## .*)$/m)) {
    if (part.startsWith("## ")) {
      title = part.slice(3).trim();
      continue;
    }
    const blocks = [...part.matchAll(/^```sh\n([\s\S]*?)^```$/gm)]
      .map((m) => m[1] ?? "")
      // Snippets about other hosts (a real GPU server) are examples, not runnable here.
      .filter((b) => b.includes("$P") && !b.includes("gpu-host"));
    if (blocks.length > 0) sections.push({ title, script: blocks.join("\n") });
  }
  return sections;
}

/** PATH without this project's node_modules/.bin: `node` is the machine's, as for a reader. */
const readerPath = (process.env.PATH ?? "")
  .split(path.delimiter)
  .filter((dir) => !dir.startsWith(root) && !dir.includes("node_modules"))
  .join(path.delimiter);

function runScript(script: string, P: string): Promise<{ code: number | null; out: string; err: string }> {
  // A listening socket snippet runs for a few seconds, then is stopped (as a reader would, with Ctrl-C).
  const bounded = script.replace(/^npx node -e /gm, "timeout 8 npx node -e ");
  const child = spawn("bash", ["-c", `set -o pipefail\n${bounded}`], {
    cwd: root,
    env: { ...process.env, PATH: readerPath, P },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out, err })));
}

describe("README snippets", () => {
  let state: string;
  let server: RunningServer;
  const sections = readmeSections();

  beforeAll(async () => {
    state = await mkdtemp(path.join(tmpdir(), "plaza-readme-test-"));
    server = await startServer(["--persist-to", state]);
    await server.waitForLine(/seed|demo|Plaza is serving/i);
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await rm(state, { recursive: true, force: true });
  });

  it("finds the tour, feed, rooms, IM and tasks snippets, none hard-coding the port", () => {
    expect(sections.map((s) => s.title)).toEqual(
      expect.arrayContaining([
        "A 60-second tour",
        "Feed",
        "Chat rooms",
        "Instant messaging",
        "Tasks (AI/compute jobs on GPU backends)",
      ]),
    );
    for (const s of sections) expect(s.script, s.title).not.toMatch(/(?<!:-http:\/\/127\.0\.0\.1):8787/);
  });

  for (const section of readmeSections()) {
    it(`runs "${section.title}" as written`, async () => {
      const { code, out, err } = await runScript(section.script, server.url);
      const report = `exit ${code}\n--- stdout\n${out.slice(-3000)}\n--- stderr\n${err.slice(-3000)}`;
      // 124: a socket snippet stopped by its timeout, as intended.
      expect([0, 124], report).toContain(code);
      expect(err, report).not.toMatch(/command not found|jq: error|Error:|ReferenceError|SyntaxError|TypeError/);
      expect(out, report).not.toMatch(/"status":5\d\d|internal_error/);
      if (section.title === "Chat rooms") expect(out, report).toMatch(/"type":"ack"/);
      if (section.title === "Tasks (AI/compute jobs on GPU backends)")
        expect(out, report).toMatch(/"kind":"status","status":"succeeded"/);
      if (section.title === "Instant messaging") {
        // The HTTP read leaves Bob's direct room at 0 unread, and the inbox socket's read says 0 too.
        expect(out, report).toMatch(/^0$/m);
        expect(out, report).toMatch(/"type":"unread"[^\n]*"unread":0/);
      }
    });
  }
});
