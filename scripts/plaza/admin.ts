// `npm run plaza -- admin grant <username> [--role admin|moderator] [--persist-to DIR] [--remote]`
// `npm run plaza -- admin revoke <username> [--persist-to DIR] [--remote]`
// Sets a user's site role directly in D1 through `wrangler d1 execute`: how the first admin is
// made (admins then use PUT /v1/admin/users/:id/role). Locally it writes the state npm start
// uses (.wrangler/state, or --persist-to); with --remote, the production database.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { bin, root } from "../lib/paths.ts";

export const summary = "set a site role: admin grant <username> [--role admin|moderator] | admin revoke <username>";

const USAGE =
  "usage: npm run plaza -- admin grant <username> [--role admin|moderator] [--persist-to DIR] [--remote]\n" +
  "       npm run plaza -- admin revoke <username> [--persist-to DIR] [--remote]";

export async function run(args: string[]): Promise<number> {
  let values: { role: string; "persist-to"?: string; remote: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        role: { type: "string", default: "admin" },
        "persist-to": { type: "string" },
        remote: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const [verb, username] = positionals;
  if ((verb !== "grant" && verb !== "revoke") || !username || positionals.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  // The username goes into SQL text (wrangler d1 execute takes no parameters), so only the
  // account alphabet passes: 3-32 of [a-z0-9_], no quote can reach the statement.
  if (!/^[a-z0-9_]{3,32}$/.test(username)) {
    console.error(`not a username: ${JSON.stringify(username)}`);
    return 2;
  }
  if (verb === "grant" && values.role !== "admin" && values.role !== "moderator") {
    console.error(`--role must be admin or moderator\n${USAGE}`);
    return 2;
  }
  const role = verb === "revoke" ? "user" : values.role;
  const sql =
    `UPDATE users SET role = '${role}' WHERE username = '${username}'; ` +
    `SELECT id, username, role FROM users WHERE username = '${username}';`;
  const where = values.remote
    ? ["--remote"]
    : ["--local", ...(values["persist-to"] ? ["--persist-to", values["persist-to"]] : [])];
  const result = spawnSync(bin("wrangler"), ["d1", "execute", "DB", ...where, "--json", "--command", sql], {
    cwd: root,
    encoding: "utf8",
    env: process.env,
  });
  if (result.status !== 0) {
    console.error(`wrangler d1 execute failed:\n${result.stderr || result.stdout}`);
    return 1;
  }
  // --json prints one result object per statement: [{results: [...]}, {results: [{id, username, role}]}].
  const parsed = JSON.parse(result.stdout) as { results: { id: string; username: string; role: string }[] }[];
  const user = parsed.at(-1)?.results[0];
  if (!user) {
    console.error(`no user named ${username}`);
    return 1;
  }
  console.log(`${user.username} (${user.id}) is now ${user.role}`);
  return 0;
}
