// Cabinet browser sessions and user profiles (migration 0025_cabinet_sessions).
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { User } from './tables/api-access.js';
import type { UserProfile, UserSession } from './tables/cabinet-sessions.js';

type Db = Kysely<Database>;

export interface NewSession {
  userId: number;
  tokenHash: string;
  csrfToken: string;
  tokenVersion: number;
  userAgent: string | null;
  ttlMs: number;
}

export async function createSession(db: Db, s: NewSession): Promise<UserSession> {
  return db
    .insertInto('user_sessions')
    .values({
      user_id: s.userId,
      token_hash: s.tokenHash,
      csrf_token: s.csrfToken,
      token_version: s.tokenVersion,
      user_agent: s.userAgent?.slice(0, 300) ?? null,
      expires_at: new Date(Date.now() + s.ttlMs),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A live session and its user: not revoked, not expired, the user active and its token version unchanged since the
 * session began (a password reset ends cookie sessions as it ends bearer tokens).
 */
export async function findLiveSession(db: Db, tokenHash: string): Promise<{ session: UserSession; user: User } | undefined> {
  const row = await db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('s')
    .select(['u.email', 'u.password_hash', 'u.status', 'u.token_version as user_token_version', 'u.email_confirmed_at', 'u.created_at as user_created_at', 'u.updated_at as user_updated_at'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  if (!row || row.user_token_version !== row.token_version || row.status !== 'active') return undefined;
  const { email, password_hash, status, user_token_version, email_confirmed_at, user_created_at, user_updated_at, ...session } = row;
  const user: User = {
    id: session.user_id,
    email,
    password_hash,
    status,
    token_version: user_token_version,
    email_confirmed_at,
    created_at: user_created_at,
    updated_at: user_updated_at,
  };
  return { session, user };
}

/** Records use at most once a minute per session, so reads do not write on every request. */
export async function touchSession(db: Db, sessionId: number): Promise<void> {
  await db
    .updateTable('user_sessions')
    .set({ last_seen_at: sql<Date>`now()` })
    .where('id', '=', sessionId)
    .where('last_seen_at', '<', sql<Date>`now() - interval '1 minute'`)
    .execute();
}

export async function revokeSession(db: Db, sessionId: number): Promise<void> {
  await db.updateTable('user_sessions').set({ revoked_at: sql<Date>`now()` }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

export async function upsertUserProfile(
  db: Db,
  userId: number,
  p: { fullName: string | null; phone: string | null; offerAcceptedAt: Date | null },
): Promise<void> {
  await db
    .insertInto('user_profiles')
    .values({ user_id: userId, full_name: p.fullName, phone: p.phone, offer_accepted_at: p.offerAcceptedAt })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet((eb) => ({
        full_name: eb.ref('excluded.full_name'),
        phone: eb.ref('excluded.phone'),
        offer_accepted_at: sql<Date | null>`coalesce(user_profiles.offer_accepted_at, excluded.offer_accepted_at)`,
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

export function findUserProfile(db: Db, userId: number): Promise<UserProfile | undefined> {
  return db.selectFrom('user_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export async function sessionCsrfToken(db: Db, sessionId: number): Promise<string | null> {
  const row = await db.selectFrom('user_sessions').select('csrf_token').where('id', '=', sessionId).executeTakeFirst();
  return row?.csrf_token ?? null;
}
