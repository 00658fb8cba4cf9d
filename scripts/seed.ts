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
  return fetch(`${base}${path}`, {
    method: "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
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
  for (const [who, whom] of [
    [alice, bob],
    [alice, carol],
    [bob, alice],
  ] as const) {
    const res = await post(base, `/v1/users/${whom.user.id}/follow`, undefined, who.accessToken);
    if (res.status !== 204) throw new Error(`seeding follows: ${res.status} ${await res.text()}`);
  }
  await seedLobby(base, alice, [bob, carol]);
  await seedFeed(base, sessions);
  await seedIm(base, alice, bob, carol);
  console.log(`[seed] demo users: ${DEMO_USERS.map((u) => u.username).join(", ")} (password: ${DEMO_PASSWORD})`);
}

// A public channel "lobby" owned by alice with bob and carol, and a few messages.
async function seedLobby(base: string, owner: Session, members: Session[]): Promise<void> {
  const auth = (s: Session) => ({ Authorization: `Bearer ${s.accessToken}` });
  const mine = await fetch(`${base}/v1/rooms?limit=100`, { headers: auth(owner) });
  const rooms = ((await mine.json()) as { items: { id: string; name: string; kind: string }[] }).items;
  let lobby = rooms.find((r) => r.name === "lobby" && r.kind === "channel");
  if (!lobby) {
    const res = await post(
      base,
      "/v1/rooms",
      { kind: "channel", name: "lobby", memberIds: members.map((m) => m.user.id) },
      owner.accessToken,
    );
    if (res.status !== 201) throw new Error(`seeding lobby: ${res.status} ${await res.text()}`);
    lobby = (await res.json()) as { id: string; name: string; kind: string };
  }
  const history = await fetch(`${base}/v1/rooms/${lobby.id}/messages?limit=1`, { headers: auth(owner) });
  if (((await history.json()) as { items: unknown[] }).items.length > 0) return;
  const lines: [Session, string][] = [
    [owner, "Welcome to the lobby! Messages here are ordered, acked and resumable."],
    [members[0]!, "Hi alice. Reconnect with ?since=<seq> and you miss nothing."],
    [members[1]!, "And typing, presence and read cursors work too."],
  ];
  for (const [i, [who, body]] of lines.entries()) {
    const res = await post(
      base,
      `/v1/rooms/${lobby.id}/messages`,
      { clientMsgId: `seed-lobby-${i + 1}`, body },
      who.accessToken,
    );
    if (res.status !== 201) throw new Error(`seeding lobby messages: ${res.status} ${await res.text()}`);
  }
  console.log(`[seed] channel "lobby": ${lobby.id}`);
}

// A direct conversation between alice and bob, and a small group "book club".
// Fixed clientMsgIds make every message idempotent (a resend returns the original).
async function seedIm(base: string, alice: Session, bob: Session, carol: Session): Promise<void> {
  const send = async (roomId: string, who: Session, clientMsgId: string, body: string) => {
    const res = await post(base, `/v1/rooms/${roomId}/messages`, { clientMsgId, body }, who.accessToken);
    if (res.status !== 201) throw new Error(`seeding im messages: ${res.status} ${await res.text()}`);
  };
  const direct = await post(base, "/v1/rooms/direct", { userId: bob.user.id }, alice.accessToken);
  if (direct.status !== 200 && direct.status !== 201)
    throw new Error(`seeding the direct room: ${direct.status} ${await direct.text()}`);
  const dm = (await direct.json()) as { id: string };
  await send(dm.id, alice, "seed-dm-1", "Hi Bob! This is a direct room: just the two of us.");
  await send(dm.id, bob, "seed-dm-2", "Hi Alice. Your unread count follows you across devices.");
  const mine = await fetch(`${base}/v1/rooms?limit=100`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
  const rooms = ((await mine.json()) as { items: { id: string; name: string; kind: string }[] }).items;
  let group = rooms.find((r) => r.name === "book club" && r.kind === "group");
  if (!group) {
    const res = await post(
      base,
      "/v1/rooms",
      { kind: "group", name: "book club", memberIds: [bob.user.id, carol.user.id] },
      alice.accessToken,
    );
    if (res.status !== 201) throw new Error(`seeding the group: ${res.status} ${await res.text()}`);
    group = (await res.json()) as { id: string; name: string; kind: string };
  }
  await send(group.id, alice, "seed-group-1", "Welcome to the book club. Admins manage members here.");
  await send(group.id, carol, "seed-group-2", "I am halfway through the first chapter.");
  console.log(`[seed] direct room alice-bob: ${dm.id}; group "book club": ${group.id}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await seed(process.argv[2] ?? "http://127.0.0.1:8787");
