// drizzle-kit reads the one schema file and writes SQL migrations that wrangler applies.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
