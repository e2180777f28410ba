// Users, one-time e-mail tokens, memberships and API keys (migration 0007_api_access), for the cabinet API.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { ApiKey, MembershipRole, User, UserTokenPurpose } from './tables/api-access.js';

type Db = Kysely<Database>;

// ---- users ----------------------------------------------------------------------------------------------------------

/** The new user, or undefined when the e-mail is taken. */
export async function createUser(db: Db, email: string, passwordHash: string): Promise<User | undefined> {
  return db
    .insertInto('users')
    .values({ email, password_hash: passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function findUserById(db: Db, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

// ---- one-time tokens ------------------------------------------------------------------------------------------------

export async function createUserToken(db: Db, userId: number, purpose: UserTokenPurpose, tokenHash: string, ttlMs: number): Promise<void> {
  await db
    .insertInto('user_tokens')
    .values({ user_id: userId, purpose, token_hash: tokenHash, expires_at: new Date(Date.now() + ttlMs) })
    .execute();
}

/**
 * Marks the token used and returns its user id, in one statement: a token works once, even under concurrent requests.
 * Undefined when it is unknown, of another purpose, used or expired.
 */
export async function consumeUserToken(db: Db, purpose: UserTokenPurpose, tokenHash: string): Promise<number | undefined> {
  const row = await db
    .updateTable('user_tokens')
    .set({ used_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

export async function confirmUserEmail(db: Db, userId: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ status: 'active', email_confirmed_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', userId)
    .where('status', '=', 'pending')
    .execute();
}

/** New password; every session issued before ends (token_version), and so do other reset links. */
export async function setUserPassword(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, token_version: sql<number>`token_version + 1`, updated_at: sql<Date>`now()` })
      .where('id', '=', userId)
      .execute();
    await trx
      .updateTable('user_tokens')
      .set({ used_at: sql<Date>`now()` })
      .where('user_id', '=', userId)
      .where('purpose', '=', 'reset_password')
      .where('used_at', 'is', null)
      .execute();
  });
}

// ---- memberships ----------------------------------------------------------------------------------------------------

export async function membershipsOf(db: Db, userId: number): Promise<Map<number, MembershipRole>> {
  const rows = await db.selectFrom('memberships').select(['organization_id', 'role']).where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.organization_id, r.role]));
}

export interface MemberRow {
  userId: number;
  email: string;
  role: MembershipRole;
  createdAt: Date;
}

export async function listMembers(db: Db, organizationId: number): Promise<MemberRow[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as userId', 'users.email', 'memberships.role', 'memberships.created_at as createdAt'])
    .where('memberships.organization_id', '=', organizationId)
    .orderBy('users.id')
    .execute();
  return rows;
}

export async function upsertMembership(db: Db, organizationId: number, userId: number, role: MembershipRole): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ organization_id: organizationId, user_id: userId, role })
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doUpdateSet({ role, updated_at: sql<Date>`now()` }))
    .execute();
}

export async function deleteMembership(db: Db, organizationId: number, userId: number): Promise<boolean> {
  const r = await db
    .deleteFrom('memberships')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r.numDeletedRows > 0n;
}

export async function countOwners(db: Db, organizationId: number): Promise<number> {
  const r = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

// ---- API keys -------------------------------------------------------------------------------------------------------

export interface NewApiKeyRow {
  organizationId: number;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: readonly string[];
  createdByUserId: number | null;
}

export function insertApiKey(db: Db, k: NewApiKeyRow): Promise<ApiKey> {
  return db
    .insertInto('api_keys')
    .values({
      organization_id: k.organizationId,
      name: k.name,
      prefix: k.prefix,
      key_hash: k.keyHash,
      scopes: sql<string[]>`${[...k.scopes]}::text[]`,
      created_by_user_id: k.createdByUserId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKey | undefined> {
  return db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

export function listApiKeys(db: Db, organizationId: number): Promise<ApiKey[]> {
  return db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).orderBy('id').execute();
}

export function findApiKey(db: Db, organizationId: number, keyId: number): Promise<ApiKey | undefined> {
  return db.selectFrom('api_keys').selectAll().where('organization_id', '=', organizationId).where('id', '=', keyId).executeTakeFirst();
}

/** Revokes the key (idempotent); returns it, or undefined when the organization has no such key. */
export function revokeApiKey(db: Db, organizationId: number, keyId: number): Promise<ApiKey | undefined> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where('organization_id', '=', organizationId)
    .where('id', '=', keyId)
    .returningAll()
    .executeTakeFirst();
}

/** Touches last_used_at at most once a minute per key, so authentication does not write on every request. */
export async function touchApiKey(db: Db, keyId: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}

/** The user's e-mail (undefined: no such user). */
export async function userEmail(db: Db, userId: number): Promise<string | undefined> {
  const u = await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
  return u?.email;
}
