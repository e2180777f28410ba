// Global search for the cabinet: one query string, matched against what it can be (see src/api/routes/search.routes.ts),
// always within the caller's organizations (documents by their INN, registers and FNs by their register's organization;
// users only of the organizations whose team the caller manages).
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from './database.js';
import { itemNameMatches, withItemNameMatcher, type ItemNameMatcher } from './item-name-dictionary.js';

type Db = Kysely<Database>;

export interface SearchScope {
  organizationIds: 'all' | readonly number[];
  inns: 'all' | readonly string[];
  /** A membership limited to outlets or registers (auth/access-scope.ts), over documents, registers and `r`. */
  placeLimit?: { documents: RawBuilder<boolean>; registers: RawBuilder<boolean>; fiscalDrives: RawBuilder<boolean> } | undefined;
}

export interface DocumentHit {
  fn: string;
  fd: number;
  form: number;
  date_time: string | null;
  total_sum: number | null;
}

export type DocumentMatch =
  | { kind: 'fiscalSign'; value: number }
  | { kind: 'fd'; value: number }
  | { kind: 'amount'; value: number }
  | { kind: 'item'; value: string }
  | { kind: 'marking'; value: string }
  | { kind: 'buyer'; value: string };

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function searchDocuments(db: Db, scope: SearchScope, match: DocumentMatch, limit: number): Promise<DocumentHit[]> {
  if (scope.inns !== 'all' && scope.inns.length === 0) return [];
  if (match.kind === 'item') {
    return withItemNameMatcher(db, `%${escapeLike(match.value)}%`, scope.inns, (trx, items) => searchIn(trx, scope, match, limit, items));
  }
  return searchIn(db, scope, match, limit);
}

/** `items`: the item match's matcher (withItemNameMatcher), looked up in `db`'s snapshot. */
async function searchIn(db: Db, scope: SearchScope, match: DocumentMatch, limit: number, items?: ItemNameMatcher): Promise<DocumentHit[]> {
  let q = db
    .selectFrom('documents')
    .select(['documents.fn', 'documents.fd', 'documents.form', 'documents.date_time', 'documents.total_sum'])
    .orderBy('documents.received_at', 'desc')
    .limit(limit);
  if (scope.inns !== 'all') q = q.where('documents.user_inn', 'in', [...scope.inns]);
  if (scope.placeLimit) q = q.where(scope.placeLimit.documents);
  const same = (table: string) =>
    sql<SqlBool>`${sql.ref(`${table}.fn`)} = documents.fn and ${sql.ref(`${table}.fd`)} = documents.fd and ${sql.ref(`${table}.received_at`)} = documents.received_at`;
  switch (match.kind) {
    case 'fiscalSign':
      q = q.where('documents.fiscal_sign', '=', match.value);
      break;
    case 'fd':
      q = q.where('documents.fd', '=', match.value);
      break;
    case 'amount':
      q = q.where('documents.total_sum', '=', match.value);
      break;
    case 'item': {
      if (items === undefined) throw new Error('searchIn: the item match needs its matcher (withItemNameMatcher)');
      q = q.where(itemNameMatches('documents', items));
      break;
    }
    case 'marking': {
      const v = match.value;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('marking_codes')
            .select(sql`1`.as('x'))
            .where((e) => e.and([same('marking_codes'), /^\d{14}$/.test(v) ? e('marking_codes.gtin', '=', v) : e('marking_codes.code', '=', v)])),
        ),
      );
      break;
    }
    case 'buyer':
      q = q.where('documents.buyer_contact', '=', match.value);
      break;
  }
  return q.execute();
}

export async function searchOrganizationsByInn(db: Db, scope: SearchScope, inn: string): Promise<Array<{ id: number; inn: string; name: string | null }>> {
  if (scope.organizationIds !== 'all' && scope.organizationIds.length === 0) return [];
  let q = db.selectFrom('organizations').select(['id', 'inn', 'name']).where('inn', '=', inn);
  if (scope.organizationIds !== 'all') q = q.where('id', 'in', [...scope.organizationIds]);
  return q.execute();
}

export async function searchRegisters(db: Db, scope: SearchScope, registrationNumber: string): Promise<Array<{ id: number; registration_number: string }>> {
  if (scope.organizationIds !== 'all' && scope.organizationIds.length === 0) return [];
  let q = db.selectFrom('registers').select(['id', 'registration_number']).where('registration_number', '=', registrationNumber);
  if (scope.organizationIds !== 'all') q = q.where('organization_id', 'in', [...scope.organizationIds]);
  if (scope.placeLimit) q = q.where(scope.placeLimit.registers);
  return q.execute();
}

/** An FN, if its register (from its registration report or its shifts) is in scope. */
export async function searchFiscalDrive(db: Db, scope: SearchScope, fn: string): Promise<Array<{ fn: string }>> {
  if (scope.organizationIds !== 'all' && scope.organizationIds.length === 0) return [];
  let q = db
    .selectFrom('fiscal_drives as d')
    .leftJoin('registers as r', (join) =>
      join.on(sql`r.id`, '=', sql`coalesce(d.register_id, (select s.register_id from shifts s where s.fn = d.fn and s.register_id is not null order by s.shift_number desc limit 1))`),
    )
    .select('d.fn')
    .where('d.fn', '=', fn);
  if (scope.organizationIds !== 'all') {
    const ids = [...scope.organizationIds];
    // The organization of the register's documents, not a claim on the register (issue 13, item 5).
    q = q.where((eb) => eb.exists(eb.selectFrom('register_document_owners as ro').select('ro.register_id').whereRef('ro.register_id', '=', 'r.id').where('ro.organization_id', 'in', ids)));
  }
  if (scope.placeLimit) q = q.where(scope.placeLimit.fiscalDrives);
  return q.execute();
}

/** A register by its serial number (заводской номер), the number printed on the device. */
export async function searchRegistersBySerial(db: Db, scope: SearchScope, serial: string): Promise<Array<{ id: number; registration_number: string; serial_number: string | null }>> {
  if (scope.organizationIds !== 'all' && scope.organizationIds.length === 0) return [];
  let q = db.selectFrom('registers').select(['id', 'registration_number', 'serial_number']).where('serial_number', '=', serial);
  if (scope.organizationIds !== 'all') q = q.where('organization_id', 'in', [...scope.organizationIds]);
  return q.execute();
}

/** Outlets whose address or place of settlement contains the text (case-insensitive). */
export async function searchOutlets(db: Db, scope: SearchScope, text: string, limit: number): Promise<Array<{ id: number; address: string; place: string }>> {
  if (scope.organizationIds !== 'all' && scope.organizationIds.length === 0) return [];
  const pattern = `%${escapeLike(text)}%`;
  let q = db
    .selectFrom('outlets')
    .select(['id', 'address', 'place'])
    .where((eb) => eb.or([eb('address', 'ilike', pattern), eb('place', 'ilike', pattern)]))
    .orderBy('id')
    .limit(limit);
  if (scope.organizationIds !== 'all') q = q.where('organization_id', 'in', [...scope.organizationIds]);
  return q.execute();
}

export interface UserHit {
  user_id: number;
  email: string;
  full_name: string | null;
  organization_id: number;
  organization_name: string | null;
  role: string;
}

/**
 * Members (users) of the given organizations — those whose team the caller manages — by a part of their e-mail or
 * name, or by their phone exactly (as any of `phones`: sign-up stores it as typed, +7…, 7… or 8…); one hit per membership, so a user of two of the caller's organizations shows twice.
 */
export async function searchUsers(
  db: Db,
  organizationIds: 'all' | readonly number[],
  match: { text?: string | undefined; phones?: readonly string[] | undefined },
  limit: number,
): Promise<UserHit[]> {
  if (organizationIds !== 'all' && organizationIds.length === 0) return [];
  const pattern = match.text === undefined ? undefined : `%${escapeLike(match.text)}%`;
  if (pattern === undefined && !match.phones?.length) return [];
  let q = db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .leftJoin('user_profiles as p', 'p.user_id', 'u.id')
    .select(['u.id as user_id', 'u.email', 'p.full_name', 'm.organization_id', 'o.name as organization_name', 'm.role'])
    .where((eb) =>
      eb.or([
        ...(pattern === undefined ? [] : [eb('u.email', 'ilike', pattern), eb('p.full_name', 'ilike', pattern)]),
        ...(match.phones?.length ? [eb('p.phone', 'in', [...match.phones])] : []),
      ]),
    )
    .orderBy('u.email')
    .orderBy('m.organization_id')
    .limit(limit);
  if (organizationIds !== 'all') q = q.where('m.organization_id', 'in', [...organizationIds]);
  return q.execute();
}
