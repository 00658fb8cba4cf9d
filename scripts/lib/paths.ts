// Paths and commands shared by the local scripts.
import { fileURLToPath } from "node:url";
import path from "node:path";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
