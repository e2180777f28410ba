// Self-service organizations (issue 16): registering one (the organization, its details, its profile and the owner's
// membership in one transaction), the versioned offer and its acceptances, and claims on an INN held by another account.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { MembershipRole } from './tables/api-access.js';
import type { InnClaim, OfferAcceptance, OfferVersion, OrganizationProfile } from './tables/onboarding.js';
import { insertAudit, type AuditEntry } from './audit-log.repository.js';

type Db = Kysely<Database>;

export interface NewOrganizationInput {
  inn: string;
  name: string;
  kpp: string | null;
  ogrn: string;
  legalAddress: string;
  postalAddress: string;
  vatPayer: boolean;
  edoOperator: string;
  headName: string;
  headTitle: string;
  taxSystems: readonly string[];
  ownerUserId: number;
}

/** Why an organization could not be registered: its INN is taken (by an account, or by documents alone). */
export type RegisterOutcome = { created: true; organizationId: number } | { created: false; organizationId: number; hasOwner: boolean };

/**
 * Creates the organization with its owner, unless the INN is known already (then nothing is written: a second
 * claimant goes through an INN claim). `audit` is recorded in the same transaction.
 */
export async function registerOrganization(db: Db, o: NewOrganizationInput, audit: Omit<AuditEntry, 'organizationId'>): Promise<RegisterOutcome> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('organizations')
      .values({ inn: o.inn, name: o.name })
      .onConflict((oc) => oc.column('inn').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx.selectFrom('organizations').select('id').where('inn', '=', o.inn).executeTakeFirstOrThrow();
      const owner = await trx.selectFrom('memberships').select('user_id').where('organization_id', '=', existing.id).where('role', '=', 'owner').executeTakeFirst();
      return { created: false, organizationId: existing.id, hasOwner: owner !== undefined };
    }
    const id = inserted.id;
    await trx
      .insertInto('organization_details')
      .values({
        organization_id: id,
        kpp: o.kpp,
        ogrn: o.ogrn,
        legal_address: o.legalAddress,
        postal_address: o.postalAddress,
        vat_payer: o.vatPayer,
        edo_operator: o.edoOperator,
      })
      .execute();
    await trx
      .insertInto('organization_profiles')
      .values({
        organization_id: id,
        head_name: o.headName,
        head_title: o.headTitle,
        tax_systems: sql<string[]>`${[...o.taxSystems]}::text[]`,
        created_by_user_id: o.ownerUserId,
      })
      .execute();
    await trx.insertInto('memberships').values({ organization_id: id, user_id: o.ownerUserId, role: 'owner' }).execute();
    await insertAudit(trx, { ...audit, organizationId: id });
    return { created: true, organizationId: id };
  });
}

export function findProfile(db: Db, organizationId: number): Promise<OrganizationProfile | undefined> {
  return db.selectFrom('organization_profiles').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
}

// ---- the offer ------------------------------------------------------------------------------------------------------

export function currentOffer(db: Db): Promise<OfferVersion | undefined> {
  return db.selectFrom('offer_versions').selectAll().orderBy('published_at', 'desc').orderBy('version', 'desc').limit(1).executeTakeFirst();
}

/** Undefined when the version exists already. */
export function publishOffer(db: Db, version: string, title: string, body: string): Promise<OfferVersion | undefined> {
  return db
    .insertInto('offer_versions')
    .values({ version, title, body })
    .onConflict((oc) => oc.column('version').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function listAcceptances(db: Db, organizationId: number): Promise<OfferAcceptance[]> {
  return db.selectFrom('offer_acceptances').selectAll().where('organization_id', '=', organizationId).orderBy('accepted_at', 'desc').execute();
}

export interface AcceptanceInput {
  organizationId: number;
  version: string;
  userId: number | null;
  userEmail: string;
  ip: string;
  userAgent: string;
}

/** The acceptance of this version by the organization: recorded now, or the one recorded before (`created: false`). */
export async function acceptOffer(db: Db, a: AcceptanceInput, audit: AuditEntry): Promise<{ acceptance: OfferAcceptance; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('offer_acceptances')
      .values({ organization_id: a.organizationId, offer_version: a.version, user_id: a.userId, user_email: a.userEmail, ip: a.ip, user_agent: a.userAgent })
      .onConflict((oc) => oc.columns(['organization_id', 'offer_version']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      await insertAudit(trx, audit);
      return { acceptance: inserted, created: true };
    }
    const existing = await trx
      .selectFrom('offer_acceptances')
      .selectAll()
      .where('organization_id', '=', a.organizationId)
      .where('offer_version', '=', a.version)
      .executeTakeFirstOrThrow();
    return { acceptance: existing, created: false };
  });
}

// ---- INN claims ---------------------------------------------------------------------------------------------------------

export interface ClaimView extends InnClaim {
  inn: string;
  organization_name: string | null;
  claimant_email: string;
}

function claimQuery(db: Db) {
  return db
    .selectFrom('inn_claims as c')
    .innerJoin('organizations as o', 'o.id', 'c.organization_id')
    .innerJoin('users as u', 'u.id', 'c.claimant_user_id')
    .selectAll('c')
    .select(['o.inn', 'o.name as organization_name', 'u.email as claimant_email']);
}

/** The new claim, or undefined when the claimant has one open already. */
export async function fileClaim(db: Db, organizationId: number, userId: number, comment: string | null, audit: AuditEntry): Promise<ClaimView | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('inn_claims')
      .values({ organization_id: organizationId, claimant_user_id: userId, comment })
      .onConflict((oc) => oc.columns(['organization_id', 'claimant_user_id']).where('status', '=', 'pending').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return undefined;
    await insertAudit(trx, { ...audit, target: `claim:${row.id}` });
    return (await claimQuery(trx as unknown as Db).where('c.id', '=', row.id).executeTakeFirstOrThrow()) as ClaimView;
  });
}

export function findClaim(db: Db, id: number): Promise<ClaimView | undefined> {
  return claimQuery(db).where('c.id', '=', id).executeTakeFirst() as Promise<ClaimView | undefined>;
}

export interface ClaimListQuery {
  claimantUserId?: number | undefined;
  organizationIds?: 'all' | readonly number[];
  status?: InnClaim['status'] | undefined;
  limit: number;
}

export async function listClaims(db: Db, q: ClaimListQuery): Promise<ClaimView[]> {
  let query = claimQuery(db).orderBy('c.id', 'desc').limit(q.limit);
  if (q.claimantUserId !== undefined) query = query.where('c.claimant_user_id', '=', q.claimantUserId);
  if (q.organizationIds !== undefined && q.organizationIds !== 'all') {
    if (q.organizationIds.length === 0) return [];
    query = query.where('c.organization_id', 'in', [...q.organizationIds]);
  }
  if (q.status !== undefined) query = query.where('c.status', '=', q.status);
  return (await query.execute()) as ClaimView[];
}

export interface ClaimDecision {
  claimId: number;
  approve: boolean;
  role: MembershipRole;
  decidedByUserId: number | null;
  byOperator: boolean;
}

/** Decides a pending claim (an approval grants the role); false when it is no longer pending. */
export async function decideClaim(db: Db, d: ClaimDecision, audit: AuditEntry): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('inn_claims')
      .set({ status: d.approve ? 'approved' : 'rejected', decided_by_user_id: d.decidedByUserId, decided_by_operator: d.byOperator, decided_at: sql<Date>`now()` })
      .where('id', '=', d.claimId)
      .where('status', '=', 'pending')
      .returning(['organization_id', 'claimant_user_id'])
      .executeTakeFirst();
    if (!row) return false;
    if (d.approve) {
      await trx
        .insertInto('memberships')
        .values({ organization_id: row.organization_id, user_id: row.claimant_user_id, role: d.role })
        .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doUpdateSet({ role: d.role, updated_at: sql<Date>`now()` }))
        .execute();
    }
    await insertAudit(trx, audit);
    return true;
  });
}

export async function hasOwner(db: Db, organizationId: number): Promise<boolean> {
  const r = await db.selectFrom('memberships').select('user_id').where('organization_id', '=', organizationId).where('role', '=', 'owner').executeTakeFirst();
  return r !== undefined;
}
