// Idempotent demo data, loaded through the public API of a running Plaza: running it
// twice leaves the same data. Demo accounts share one password (printed at the end).
import { seedFeed } from "./seed-feed.ts";

export const DEMO_PASSWORD = "plaza-demo-password";
export const DEMO_USERS = [
  { username: "alice", displayName: "Alice Liddell" },
  { username: "bob", displayName: "Bob Builder" },
  { username: "carol", displayName: "Carol Danvers" },
] as const;

interface Session {
  accessToken: string;
  user: { id: string; username: string };
}

async function post(base: string, path: string, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(`${base}${path}`, { method: "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function loginOrRegister(base: string, username: string, displayName: string): Promise<Session> {
  const login = await post(base, "/v1/auth/login", { username, password: DEMO_PASSWORD });
  if (login.ok) return (await login.json()) as Session;
  const register = await post(base, "/v1/auth/register", { username, password: DEMO_PASSWORD, displayName });
  if (!register.ok) throw new Error(`seeding ${username}: ${register.status} ${await register.text()}`);
  return (await register.json()) as Session;
}

/** Loads the demo data into the Plaza served at `base`. */
export async function seed(base: string): Promise<void> {
  const sessions: Session[] = [];
  for (const u of DEMO_USERS) sessions.push(await loginOrRegister(base, u.username, u.displayName));
  const [alice, bob, carol] = sessions as [Session, Session, Session];
  // alice follows bob and carol; bob follows alice.
  for (const [who, whom] of [[alice, bob], [alice, carol], [bob, alice]] as const) {
    const res = await post(base, `/v1/users/${whom.user.id}/follow`, undefined, who.accessToken);
    if (res.status !== 204) throw new Error(`seeding follows: ${res.status} ${await res.text()}`);
  }
  await seedFeed(base, sessions);
  console.log(`[seed] demo users: ${DEMO_USERS.map((u) => u.username).join(", ")} (password: ${DEMO_PASSWORD})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await seed(process.argv[2] ?? "http://127.0.0.1:8787");
