// Organizations for the cabinet API: create-or-get by INN, details (organization_details), visible lists.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';
import type { Timestamptz } from './column-types.js';

type Db = Kysely<Database>;

export interface OrganizationView {
  id: number;
  inn: string;
  name: string | null;
  kpp: string | null;
  ogrn: string | null;
  legal_address: string | null;
  postal_address: string | null;
  vat_payer: boolean | null;
  edo_operator: string | null;
  created_at: Date;
}

export interface OrganizationDetails {
  name?: string | null | undefined;
  kpp?: string | null | undefined;
  ogrn?: string | null | undefined;
  legal_address?: string | null | undefined;
  postal_address?: string | null | undefined;
  vat_payer?: boolean | null | undefined;
  edo_operator?: string | null | undefined;
}

const DETAIL_COLUMNS = ['kpp', 'ogrn', 'legal_address', 'postal_address', 'vat_payer', 'edo_operator'] as const;
type DetailColumn = (typeof DETAIL_COLUMNS)[number];

type DetailValues = { [C in DetailColumn]?: Exclude<OrganizationDetails[C], undefined> };

function detailValues(d: OrganizationDetails): DetailValues {
  const out: Record<string, unknown> = {};
  for (const c of DETAIL_COLUMNS) if (d[c] !== undefined) out[c] = d[c];
  return out as DetailValues;
}

function viewQuery(db: Db | Transaction<Database>) {
  return db
    .selectFrom('organizations as o')
    .leftJoin('organization_details as d', 'd.organization_id', 'o.id')
    .select(['o.id', 'o.inn', 'o.name', 'd.kpp', 'd.ogrn', 'd.legal_address', 'd.postal_address', 'd.vat_payer', 'd.edo_operator', 'o.created_at']);
}

/**
 * Writes the details: `overwrite` replaces the given fields; otherwise only fields still empty are filled (claiming an
 * organization that documents created must not overwrite what its customer has set).
 */
async function writeDetails(db: Db | Transaction<Database>, organizationId: number, d: OrganizationDetails, overwrite: boolean): Promise<void> {
  const values = detailValues(d);
  const columns = Object.keys(values) as DetailColumn[];
  if (columns.length === 0) return;
  await db
    .insertInto('organization_details')
    .values({ organization_id: organizationId, ...values })
    .onConflict((oc) =>
      oc.column('organization_id').doUpdateSet(() => {
        const set: Record<string, unknown> = { updated_at: sql<Timestamptz>`now()` };
        for (const c of columns) {
          set[c] = overwrite ? sql`excluded.${sql.ref(c)}` : sql`coalesce(organization_details.${sql.ref(c)}, excluded.${sql.ref(c)})`;
        }
        return set;
      }),
    )
    .execute();
}

/**
 * The organization with this INN: created with `details` when absent (`created: true`), else returned as stored —
 * for instance one the persist worker created from a document — with only its empty fields filled from `details`.
 */
export async function createOrGetOrganization(db: Db, inn: string, details: OrganizationDetails): Promise<{ organization: OrganizationView; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('organizations')
      .values({ inn, name: details.name ?? null })
      .onConflict((oc) => oc.column('inn').doNothing())
      .returning('id')
      .executeTakeFirst();
    const id = inserted?.id ?? (await trx.selectFrom('organizations').select('id').where('inn', '=', inn).executeTakeFirstOrThrow()).id;
    if (!inserted && details.name !== undefined && details.name !== null) {
      await trx.updateTable('organizations').set({ name: details.name, updated_at: sql<Date>`now()` }).where('id', '=', id).where('name', 'is', null).execute();
    }
    await writeDetails(trx, id, details, false);
    const organization = await viewQuery(trx).where('o.id', '=', id).executeTakeFirstOrThrow();
    return { organization, created: inserted !== undefined };
  });
}

export function findOrganization(db: Db, id: number): Promise<OrganizationView | undefined> {
  return viewQuery(db).where('o.id', '=', id).executeTakeFirst();
}

export async function updateOrganization(db: Db, id: number, details: OrganizationDetails): Promise<OrganizationView | undefined> {
  await db.transaction().execute(async (trx) => {
    if (details.name !== undefined) {
      await trx.updateTable('organizations').set({ name: details.name, updated_at: sql<Date>`now()` }).where('id', '=', id).execute();
    }
    await writeDetails(trx, id, details, true);
  });
  return findOrganization(db, id);
}

export interface OrganizationListQuery {
  /** 'all' or the ids the caller may see. */
  scope: 'all' | readonly number[];
  inn?: string | undefined;
  afterId?: number | undefined;
  limit: number;
}

export async function listOrganizations(db: Db, q: OrganizationListQuery): Promise<OrganizationView[]> {
  if (q.scope !== 'all' && q.scope.length === 0) return [];
  let query = viewQuery(db).orderBy('o.id').limit(q.limit);
  if (q.scope !== 'all') query = query.where('o.id', 'in', [...q.scope]);
  if (q.inn !== undefined) query = query.where('o.inn', '=', q.inn);
  if (q.afterId !== undefined) query = query.where('o.id', '>', q.afterId);
  return query.execute();
}

/** INNs of the organizations, for scoping documents by their 1018. */
export async function innsOf(db: Db, ids: readonly number[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('organizations').select('inn').where('id', 'in', [...ids]).execute();
  return rows.map((r) => r.inn);
}

export async function organizationIdByInn(db: Db, inn: string): Promise<number | null> {
  const row = await db.selectFrom('organizations').select('id').where('inn', '=', inn).executeTakeFirst();
  return row?.id ?? null;
}

export async function organizationInn(db: Db, id: number): Promise<string | undefined> {
  const row = await db.selectFrom('organizations').select('inn').where('id', '=', id).executeTakeFirst();
  return row?.inn;
}

export interface OrganizationMatch {
  id: number;
  inn: string;
  name: string | null;
  /** The `balance` account, kopecks; 0 for an organization that never had money. */
  balance: number;
}

/** `text` as a LIKE pattern that matches it literally (a name may hold `%` or `_`). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The operator's lookup across every organization: INN starting with `q` or a name containing it (any case).
 * Exact INN first, then INN prefixes, then names alphabetically, so typing a full INN puts its organization on top.
 */
export async function searchOrganizationsForOperator(db: Db, q: string, limit: number): Promise<OrganizationMatch[]> {
  const literal = likeLiteral(q);
  const { rows } = await sql<OrganizationMatch>`
    select o.id, o.inn, o.name, coalesce(a.balance, 0)::bigint as balance
      from organizations o
      left join ledger_accounts a on a.organization_id = o.id and a.code = 'balance'
     where o.inn like ${`${literal}%`} or o.name ilike ${`%${literal}%`}
     order by (o.inn = ${q}) desc, (o.inn like ${`${literal}%`}) desc, o.name nulls last, o.id
     limit ${limit}
  `.execute(db);
  return rows.map((r) => ({ ...r, balance: Number(r.balance) }));
}
