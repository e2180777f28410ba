// Invitations by e-mail and membership limits (migration 0032, issue 16).
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { MembershipRole } from './tables/api-access.js';
import type { Invitation } from './tables/onboarding.js';
import { insertAudit, type AuditEntry } from './audit-log.repository.js';

type Db = Kysely<Database>;

const bigints = (xs: readonly number[]) => sql<string[]>`${xs.map(String)}::bigint[]`;

export interface NewInvitation {
  organizationId: number;
  email: string;
  role: MembershipRole;
  outletIds: readonly number[];
  registerIds: readonly number[];
  tokenHash: string;
  invitedByUserId: number | null;
  ttlMs: number;
}

export async function createInvitation(db: Db, i: NewInvitation, audit: AuditEntry): Promise<Invitation> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('invitations')
      .values({
        organization_id: i.organizationId,
        email: i.email,
        role: i.role,
        outlet_ids: bigints(i.outletIds),
        register_ids: bigints(i.registerIds),
        token_hash: i.tokenHash,
        invited_by_user_id: i.invitedByUserId,
        expires_at: new Date(Date.now() + i.ttlMs),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertAudit(trx, { ...audit, target: `invitation:${row.id}` });
    return row;
  });
}

export function listInvitations(db: Db, organizationId: number): Promise<Invitation[]> {
  return db.selectFrom('invitations').selectAll().where('organization_id', '=', organizationId).orderBy('id', 'desc').limit(500).execute();
}

export function findInvitation(db: Db, organizationId: number, id: number): Promise<Invitation | undefined> {
  return db.selectFrom('invitations').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export function findInvitationByToken(db: Db, tokenHash: string): Promise<Invitation | undefined> {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function revokeInvitation(db: Db, organizationId: number, id: number, audit: AuditEntry): Promise<Invitation | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('invitations')
      .set({ revoked_at: sql<Date>`now()` })
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('accepted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row) await insertAudit(trx, audit);
    return row;
  });
}

/**
 * Uses the invitation once (pending and not expired), in one transaction with the membership it grants and its limit.
 * Undefined when it is no longer usable. An existing membership takes the invitation's role and limit.
 */
export async function acceptInvitation(db: Db, tokenHash: string, userId: number, audit: Omit<AuditEntry, 'organizationId'>): Promise<Invitation | undefined> {
  return db.transaction().execute(async (trx) => {
    const inv = await trx
      .updateTable('invitations')
      .set({ accepted_at: sql<Date>`now()`, accepted_by_user_id: userId })
      .where('token_hash', '=', tokenHash)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returningAll()
      .executeTakeFirst();
    if (!inv) return undefined;
    // An owner stays an owner (an invitation never leaves an organization without one); anyone else takes the role.
    const member = await trx
      .insertInto('memberships')
      .values({ organization_id: inv.organization_id, user_id: userId, role: inv.role })
      .onConflict((oc) =>
        oc.columns(['organization_id', 'user_id']).doUpdateSet({
          role: sql<MembershipRole>`case when memberships.role = 'owner' then 'owner' else excluded.role end`,
          updated_at: sql<Date>`now()`,
        }),
      )
      .returning('role')
      .executeTakeFirstOrThrow();
    const limited = member.role === inv.role;
    await writeLimit(trx as unknown as Db, inv.organization_id, userId, limited ? inv.outlet_ids.map(Number) : [], limited ? inv.register_ids.map(Number) : []);
    await insertAudit(trx, { ...audit, organizationId: inv.organization_id, target: `invitation:${inv.id}`, details: { role: member.role } });
    return { ...inv, role: member.role };
  });
}

/** No outlets and no registers: the membership reaches the whole organization (the limit row is removed). */
async function writeLimit(db: Db, organizationId: number, userId: number, outletIds: readonly number[], registerIds: readonly number[]): Promise<void> {
  if (outletIds.length === 0 && registerIds.length === 0) {
    await db.deleteFrom('membership_limits').where('organization_id', '=', organizationId).where('user_id', '=', userId).execute();
    return;
  }
  await db
    .insertInto('membership_limits')
    .values({ organization_id: organizationId, user_id: userId, outlet_ids: bigints(outletIds), register_ids: bigints(registerIds) })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'user_id']).doUpdateSet({ outlet_ids: bigints(outletIds), register_ids: bigints(registerIds), updated_at: sql<Date>`now()` }),
    )
    .execute();
}

export async function setMembershipLimit(
  db: Db,
  organizationId: number,
  userId: number,
  outletIds: readonly number[],
  registerIds: readonly number[],
  audit: AuditEntry,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await writeLimit(trx as unknown as Db, organizationId, userId, outletIds, registerIds);
    await insertAudit(trx, audit);
  });
}

export async function listMembershipLimits(db: Db, organizationId: number): Promise<Array<{ userId: number; outletIds: number[]; registerIds: number[] }>> {
  const rows = await db.selectFrom('membership_limits').select(['user_id', 'outlet_ids', 'register_ids']).where('organization_id', '=', organizationId).execute();
  return rows.map((r) => ({ userId: r.user_id, outletIds: r.outlet_ids.map(Number), registerIds: r.register_ids.map(Number) }));
}

/** The ids among `outletIds` / `registerIds` that are not the organization's. */
export async function foreignPlaces(db: Db, organizationId: number, outletIds: readonly number[], registerIds: readonly number[]) {
  const outlets = outletIds.length === 0 ? [] : await db.selectFrom('outlets').select('id').where('organization_id', '=', organizationId).where('id', 'in', [...outletIds]).execute();
  const registers =
    registerIds.length === 0 ? [] : await db.selectFrom('registers').select('id').where('organization_id', '=', organizationId).where('id', 'in', [...registerIds]).execute();
  const o = new Set(outlets.map((r) => r.id));
  const r = new Set(registers.map((x) => x.id));
  return { outletIndexes: outletIds.flatMap((id, i) => (o.has(id) ? [] : [i])), registerIndexes: registerIds.flatMap((id, i) => (r.has(id) ? [] : [i])) };
}

/** A user's membership limits: organization id → the outlets and registers chosen. */
export async function membershipLimitsOfUser(db: Db, userId: number): Promise<Map<number, { outletIds: number[]; registerIds: number[] }>> {
  const rows = await db.selectFrom('membership_limits').select(['organization_id', 'outlet_ids', 'register_ids']).where('user_id', '=', userId).execute();
  return new Map(rows.map((r) => [r.organization_id, { outletIds: r.outlet_ids.map(Number), registerIds: r.register_ids.map(Number) }]));
}

/** The organization's registers a limit reaches: those chosen, and those of the chosen outlets. */
export async function registersWithinLimit(
  db: Db,
  organizationId: number,
  limit: { outletIds: readonly number[]; registerIds: readonly number[] },
): Promise<Array<{ id: number; outlet_id: number | null }>> {
  return db
    .selectFrom('registers')
    .select(['id', 'outlet_id'])
    .where('organization_id', '=', organizationId)
    .where((eb) =>
      eb.or([
        eb('id', '=', sql<number>`any(${[...limit.registerIds, 0]}::bigint[])`),
        eb('outlet_id', '=', sql<number>`any(${[...limit.outletIds, 0]}::bigint[])`),
      ]),
    )
    .execute();
}
