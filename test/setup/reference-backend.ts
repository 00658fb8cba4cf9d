// Vitest global setup (runs in Node): the reference GPU backend and the callback relay, on
// free loopback ports, handed to the workerd tests through `provide()`.
import type { TestProject } from "vitest/node";
import { startBackend } from "../../gpu-backend/server.ts";
import { startRelay } from "./relay.ts";

declare module "vitest" {
  export interface ProvidedContext {
    backendUrl: string;
    relayUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backend = await startBackend({ port: 0, tokenMs: 5 });
  const relay = await startRelay();
  project.provide("backendUrl", backend.url);
  project.provide("relayUrl", relay.url);
  return async () => {
    backend.server.closeAllConnections();
    await new Promise<void>((done) => backend.server.close(() => done()));
    await relay.close();
  };
}
