// Account and profile schemas (API.md "Accounts").
import { z } from "@hono/zod-openapi";
import { IdSchema, TimestampSchema } from "./common";

export const UsernameSchema = z
  .string()
  .regex(/^[a-z0-9_]{3,32}$/, "3-32 characters of a-z, 0-9 and _")
  .openapi({ example: "ada" });

export const PasswordSchema = z.string().min(8).max(128).openapi({ example: "correct horse battery" });

export const DisplayNameSchema = z.string().trim().min(1).max(64).openapi({ example: "Ada Lovelace" });

export const SiteRoleSchema = z
  .enum(["user", "moderator", "admin"])
  .openapi("SiteRole", { description: "Site role: moderators handle reports and remove content; admins grant roles" });

export const UserSchema = z
  .object({
    id: IdSchema,
    username: UsernameSchema,
    displayName: z.string(),
    avatarUrl: z.string().nullable(),
    followers: z.number().int(),
    following: z.number().int(),
    role: SiteRoleSchema,
    createdAt: TimestampSchema,
  })
  .openapi("User");

export const RegisterBodySchema = z
  .strictObject({
    username: UsernameSchema,
    password: PasswordSchema,
    displayName: DisplayNameSchema.optional(),
  })
  .openapi("RegisterBody");

export const LoginBodySchema = z
  .strictObject({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(128),
    deviceId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/)
      .optional(),
  })
  .openapi("LoginBody");

export const RefreshBodySchema = z.strictObject({ refreshToken: z.string().min(16).max(256) }).openapi("RefreshBody");

export const TokensSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().openapi({ description: "Access token lifetime in seconds", example: 900 }),
  })
  .openapi("Tokens");

export const AuthResultSchema = TokensSchema.extend({ user: UserSchema }).openapi("AuthResult");

/** `GET /v1/search/users`: a username or display-name prefix (decision 0085). */
export const UserSearchQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .openapi({ description: "Prefix of a username or display name (case-insensitive; plain text)", example: "ada" }),
  limit: z.coerce.number().int().min(1).max(50).default(20).openapi({ example: 20 }),
  cursor: z.string().min(1).max(512).optional(),
});

export const UserSearchResultSchema = z
  .object({ items: z.array(UserSchema), nextCursor: z.string().nullable() })
  .openapi("UserSearchResult");
