// Sign-in with an electronic signature (migration 0041): single-use challenges (only their hash is stored) and the
// certificate identities (СНИЛС, personal ИНН) users bound to their account.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function createChallenge(db: Kysely<Database>, nonce: Buffer, ttlSeconds: number): Promise<Date> {
  const row = await db
    .insertInto('signature_challenges')
    .values({ nonce_hash: sha256Hex(nonce), expires_at: sql<Date>`now() + ${ttlSeconds}::integer * interval '1 second'` })
    .returning('expires_at')
    .executeTakeFirstOrThrow();
  // Expired challenges are of no use to anyone: drop them as new ones are made.
  await db.deleteFrom('signature_challenges').where('expires_at', '<', sql<Date>`now() - interval '1 hour'`).execute();
  return row.expires_at;
}

/** Uses the challenge up (whatever the signature turns out to be): true when it existed, unused and unexpired. */
export async function consumeChallenge(db: Kysely<Database>, nonce: Buffer): Promise<boolean> {
  const r = await db
    .updateTable('signature_challenges')
    .set({ used_at: sql<Date>`now()` })
    .where('nonce_hash', '=', sha256Hex(nonce))
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface CertificateIdentity {
  kind: 'snils' | 'inn';
  value: string;
}

/** The user a certificate belongs to: by СНИЛС first, then by the person's ИНН. */
export async function userByIdentity(db: Kysely<Database>, ids: readonly CertificateIdentity[]): Promise<number | undefined> {
  for (const id of ids) {
    const row = await db.selectFrom('user_certificate_identities').select('user_id').where('kind', '=', id.kind).where('value', '=', id.value).executeTakeFirst();
    if (row) return row.user_id;
  }
  return undefined;
}

/** Binds identities to the user; false when one of them is bound to another user already (nothing written then). */
export async function bindIdentities(db: Kysely<Database>, userId: number, ids: readonly CertificateIdentity[]): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    for (const id of ids) {
      const taken = await trx.selectFrom('user_certificate_identities').select('user_id').where('kind', '=', id.kind).where('value', '=', id.value).executeTakeFirst();
      if (taken && taken.user_id !== userId) return false;
    }
    await trx
      .insertInto('user_certificate_identities')
      .values(ids.map((id) => ({ user_id: userId, kind: id.kind, value: id.value })))
      .onConflict((oc) => oc.columns(['kind', 'value']).doNothing())
      .execute();
    return true;
  });
}

export const identitiesOf = (db: Kysely<Database>, userId: number) =>
  db.selectFrom('user_certificate_identities').select(['kind', 'value', 'created_at']).where('user_id', '=', userId).orderBy('id').execute();
