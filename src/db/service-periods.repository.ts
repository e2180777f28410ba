// Tariffs, paid service periods and activation codes (migration 0036). ofd_services (0013) is the cache of each
// register's latest paid day, rewritten here in the same transaction as every period.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

export interface Tariff {
  id: number;
  code: string;
  name: string;
  months: number;
  price: number;
  promo_price: number | null;
  promo_from: string | null;
  promo_until: string | null;
  active: boolean;
}

export interface ServicePeriod {
  id: number;
  register_id: number;
  organization_id: number | null;
  source: 'tariff' | 'activation_code' | 'operator';
  tariff_id: number | null;
  activation_code: string | null;
  starts_on: string;
  ends_on: string;
  price: number;
  transaction_id: number | null;
  created_at: Date;
}

const TARIFF_COLUMNS = ['id', 'code', 'name', 'months', 'price', 'promo_price', 'promo_from', 'promo_until', 'active'] as const;

export async function listTariffs(db: Db, activeOnly: boolean): Promise<Tariff[]> {
  let query = db.selectFrom('tariffs').select(TARIFF_COLUMNS);
  if (activeOnly) query = query.where('active', '=', true);
  return query.orderBy('months').orderBy('id').execute();
}

export async function findTariff(db: Db, id: number): Promise<Tariff | undefined> {
  return db.selectFrom('tariffs').select(TARIFF_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export type TariffInput = Omit<Tariff, 'id'>;

/** Inserts a tariff; undefined when the code is taken. */
export async function createTariff(db: Db, t: TariffInput): Promise<Tariff | undefined> {
  return db
    .insertInto('tariffs')
    .values({ ...t })
    .onConflict((oc) => oc.column('code').doNothing())
    .returning(TARIFF_COLUMNS)
    .executeTakeFirst();
}

/** Changes price, promotion, name or availability; the term (months) of a tariff never changes once sold. */
export async function updateTariff(db: Db, id: number, t: Omit<TariffInput, 'code' | 'months'>): Promise<Tariff | undefined> {
  return db
    .updateTable('tariffs')
    .set({
      name: t.name,
      price: t.price,
      promo_price: t.promo_price,
      promo_from: t.promo_from,
      promo_until: t.promo_until,
      active: t.active,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .returning(TARIFF_COLUMNS)
    .executeTakeFirst();
}

/** Serializes everything that adds periods to one register (renewals must chain, not overlap). */
export async function lockRegisterService(db: Db, registerId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('register-service', ${registerId}))`.execute(db);
}

export async function latestPaidDay(db: Db, registerId: number): Promise<string | null> {
  const r = await db
    .selectFrom('register_service_periods')
    .select((eb) => eb.fn.max('ends_on').as('d'))
    .where('register_id', '=', registerId)
    .executeTakeFirst();
  return r?.d ?? null;
}

export async function periodByRequestKey(db: Db, requestKey: string): Promise<ServicePeriod | undefined> {
  return db.selectFrom('register_service_periods').selectAll().where('request_key', '=', requestKey).executeTakeFirst();
}

export interface NewPeriod {
  registerId: number;
  organizationId: number | null;
  source: ServicePeriod['source'];
  tariffId: number | null;
  activationCode: string | null;
  startsOn: string;
  endsOn: string;
  price: number;
  transactionId: number | null;
  requestKey: string | null;
}

/** Records a period and rewrites the register's ofd_services row from all its periods. */
export async function insertPeriod(db: Db, p: NewPeriod): Promise<ServicePeriod> {
  const period = await db
    .insertInto('register_service_periods')
    .values({
      register_id: p.registerId,
      organization_id: p.organizationId,
      source: p.source,
      tariff_id: p.tariffId,
      activation_code: p.activationCode,
      starts_on: p.startsOn,
      ends_on: p.endsOn,
      price: p.price,
      transaction_id: p.transactionId,
      request_key: p.requestKey,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await refreshOfdService(db, p.registerId);
  return period;
}

/** Removes the operator's grants of a register (what `PUT ofd-service` with null means now) and re-derives its end. */
export async function deleteOperatorPeriods(db: Db, registerId: number): Promise<void> {
  await db.deleteFrom('register_service_periods').where('register_id', '=', registerId).where('source', '=', 'operator').execute();
  await refreshOfdService(db, registerId);
}

export async function refreshOfdService(db: Db, registerId: number): Promise<void> {
  await sql`
    with last as (select max(ends_on) as d from register_service_periods where register_id = ${registerId})
    , gone as (delete from ofd_services where register_id = ${registerId} and (select d from last) is null)
    insert into ofd_services (register_id, service_until)
    select ${registerId}, d from last where d is not null
    on conflict (register_id) do update set service_until = excluded.service_until, updated_at = now()
  `.execute(db);
}

export async function periodsOf(db: Db, registerId: number): Promise<ServicePeriod[]> {
  return db.selectFrom('register_service_periods').selectAll().where('register_id', '=', registerId).orderBy('starts_on').orderBy('id').execute();
}

export interface ActivationCode {
  code: string;
  organization_id: number;
  tariff_id: number;
  months: number;
  transaction_id: number;
  applied_register_id: number | null;
  applied_at: Date | null;
  created_at: Date;
}

const ACTIVATION_CODE_COLUMNS = [
  'code',
  'organization_id',
  'tariff_id',
  'months',
  'transaction_id',
  'applied_register_id',
  'applied_at',
  'created_at',
] as const;

export async function insertActivationCodes(
  db: Db,
  codes: readonly string[],
  c: { organizationId: number; tariffId: number; months: number; purchaseKey: string; transactionId: number },
): Promise<void> {
  await sql`
    insert into activation_codes (code, organization_id, tariff_id, months, purchase_key, transaction_id)
    select unnest(${[...codes]}::text[]), ${c.organizationId}, ${c.tariffId}, ${c.months}, ${c.purchaseKey}, ${c.transactionId}
  `.execute(db);
}

export async function activationCodesOf(db: Db, organizationId: number, purchaseKey?: string): Promise<ActivationCode[]> {
  let query = db.selectFrom('activation_codes').select(ACTIVATION_CODE_COLUMNS).where('organization_id', '=', organizationId);
  if (purchaseKey !== undefined) query = query.where('purchase_key', '=', purchaseKey);
  return query.orderBy('created_at', 'desc').orderBy('code').execute();
}

/** The code, locked for the caller's transaction. */
export async function lockActivationCode(db: Db, code: string): Promise<ActivationCode | undefined> {
  return db.selectFrom('activation_codes').select(ACTIVATION_CODE_COLUMNS).where('code', '=', code).forUpdate().executeTakeFirst();
}

export async function markActivationCodeApplied(db: Db, code: string, registerId: number): Promise<void> {
  await db.updateTable('activation_codes').set({ applied_register_id: registerId, applied_at: sql<Date>`now()` }).where('code', '=', code).execute();
}
