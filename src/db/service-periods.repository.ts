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

const TARIFF_COLUMNS = sql`id, code, name, months, price, promo_price, promo_from, promo_until, active`;

export async function listTariffs(db: Db, activeOnly: boolean): Promise<Tariff[]> {
  const { rows } = await sql<Tariff>`
    select ${TARIFF_COLUMNS} from tariffs where (not ${activeOnly} or active) order by months, id
  `.execute(db);
  return rows;
}

export async function findTariff(db: Db, id: number): Promise<Tariff | undefined> {
  const { rows } = await sql<Tariff>`select ${TARIFF_COLUMNS} from tariffs where id = ${id}`.execute(db);
  return rows[0];
}

export type TariffInput = Omit<Tariff, 'id'>;

/** Inserts a tariff; undefined when the code is taken. */
export async function createTariff(db: Db, t: TariffInput): Promise<Tariff | undefined> {
  const { rows } = await sql<Tariff>`
    insert into tariffs (code, name, months, price, promo_price, promo_from, promo_until, active)
    values (${t.code}, ${t.name}, ${t.months}, ${t.price}, ${t.promo_price}, ${t.promo_from}::date, ${t.promo_until}::date, ${t.active})
    on conflict (code) do nothing
    returning ${TARIFF_COLUMNS}
  `.execute(db);
  return rows[0];
}

/** Changes price, promotion, name or availability; the term (months) of a tariff never changes once sold. */
export async function updateTariff(db: Db, id: number, t: Omit<TariffInput, 'code' | 'months'>): Promise<Tariff | undefined> {
  const { rows } = await sql<Tariff>`
    update tariffs set name = ${t.name}, price = ${t.price}, promo_price = ${t.promo_price}, promo_from = ${t.promo_from}::date,
           promo_until = ${t.promo_until}::date, active = ${t.active}, updated_at = now()
     where id = ${id}
    returning ${TARIFF_COLUMNS}
  `.execute(db);
  return rows[0];
}

/** Serializes everything that adds periods to one register (renewals must chain, not overlap). */
export async function lockRegisterService(db: Db, registerId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('register-service', ${registerId}))`.execute(db);
}

export async function latestPaidDay(db: Db, registerId: number): Promise<string | null> {
  const { rows } = await sql<{ d: string | null }>`select max(ends_on) as d from register_service_periods where register_id = ${registerId}`.execute(db);
  return rows[0]?.d ?? null;
}

export async function periodByRequestKey(db: Db, requestKey: string): Promise<ServicePeriod | undefined> {
  const { rows } = await sql<ServicePeriod>`select * from register_service_periods where request_key = ${requestKey}`.execute(db);
  return rows[0];
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
  const { rows } = await sql<ServicePeriod>`
    insert into register_service_periods
      (register_id, organization_id, source, tariff_id, activation_code, starts_on, ends_on, price, transaction_id, request_key)
    values (${p.registerId}, ${p.organizationId}, ${p.source}, ${p.tariffId}, ${p.activationCode}, ${p.startsOn}::date,
            ${p.endsOn}::date, ${p.price}, ${p.transactionId}, ${p.requestKey})
    returning *
  `.execute(db);
  await refreshOfdService(db, p.registerId);
  return rows[0]!;
}

/** Removes the operator's grants of a register (what `PUT ofd-service` with null means now) and re-derives its end. */
export async function deleteOperatorPeriods(db: Db, registerId: number): Promise<void> {
  await sql`delete from register_service_periods where register_id = ${registerId} and source = 'operator'`.execute(db);
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
  const { rows } = await sql<ServicePeriod>`
    select * from register_service_periods where register_id = ${registerId} order by starts_on, id
  `.execute(db);
  return rows;
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
  const { rows } = await sql<ActivationCode>`
    select code, organization_id, tariff_id, months, transaction_id, applied_register_id, applied_at, created_at
      from activation_codes
     where organization_id = ${organizationId} and (${purchaseKey ?? null}::text is null or purchase_key = ${purchaseKey ?? null}::text)
     order by created_at desc, code
  `.execute(db);
  return rows;
}

/** The code, locked for the caller's transaction. */
export async function lockActivationCode(db: Db, code: string): Promise<ActivationCode | undefined> {
  const { rows } = await sql<ActivationCode>`
    select code, organization_id, tariff_id, months, transaction_id, applied_register_id, applied_at, created_at
      from activation_codes where code = ${code} for update
  `.execute(db);
  return rows[0];
}

export async function markActivationCodeApplied(db: Db, code: string, registerId: number): Promise<void> {
  await sql`update activation_codes set applied_register_id = ${registerId}, applied_at = now() where code = ${code}`.execute(db);
}
