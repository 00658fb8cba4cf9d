// Accounts: creating users, finding them, and their public shape.
import { eq } from "drizzle-orm";
import { hashPassword, type PasswordParams } from "../auth/passwords";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { errors } from "../errors";
import { newId } from "../lib/ids";

export type UserRow = typeof users.$inferSelect;

/** A user as every client sees them. */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
  followers: number;
  following: number;
  /** Site role (docs/decisions/0072). */
  role: SiteRole;
  createdAt: string;
}

export type SiteRole = UserRow["role"];

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    avatarUrl: row.avatarUrl,
    followers: row.followers,
    following: row.following,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Creates an account; a taken username is a 409 `username_taken`. */
export async function createUser(
  db: Db,
  input: { username: string; password: string; displayName?: string | undefined },
  params: PasswordParams,
): Promise<UserRow> {
  const taken = await db.select({ id: users.id }).from(users).where(eq(users.username, input.username)).get();
  if (taken) throw errors.conflict("username_taken", "That username is taken.");
  const passwordHash = await hashPassword(input.password, params);
  // The unique index decides a race between two registrations of the same name.
  const [row] = await db
    .insert(users)
    .values({
      id: newId(),
      username: input.username,
      displayName: input.displayName ?? input.username,
      passwordHash,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw errors.conflict("username_taken", "That username is taken.");
  return row;
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.username, username)).get();
}

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

/** The user with `id`, or a 404. */
export async function requireUser(db: Db, id: string): Promise<UserRow> {
  const row = await findUser(db, id);
  if (!row) throw errors.notFound("user");
  return row;
}

export async function updatePasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, id));
}
