// The branded e-receipt service's paid periods (migration 0059): the catalogue's offers, the periods bought, and
// whether the service is active at an instant. The purchase itself (a ledger movement) is src/billing/branded-receipts.ts.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

export interface BrandedServiceOffer {
  readonly code: string;
  readonly name: string;
  readonly months: number;
  readonly price: number;
  readonly active: boolean;
}

export interface BrandedServicePeriod {
  readonly id: number;
  readonly productCode: string;
  readonly months: number;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly transactionId: number;
}

interface PeriodRow {
  id: string | number;
  product_code: string;
  months: number;
  starts_at: Date;
  ends_at: Date;
  transaction_id: string | number;
}

const periodOf = (r: PeriodRow): BrandedServicePeriod => ({
  id: Number(r.id),
  productCode: r.product_code,
  months: r.months,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  transactionId: Number(r.transaction_id),
});

/** The service's offers on sale (`all`: withdrawn ones too), in catalogue order. */
export async function brandedServiceOffers(db: Db, all = false): Promise<BrandedServiceOffer[]> {
  const { rows } = await sql<{ code: string; name: string; units: number; price: string | number; active: boolean }>`
    select code, name, units, price, active from market_products
     where kind = 'branded_receipts' and (active or ${all}) order by sort, code
  `.execute(db);
  return rows.map((r) => ({ code: r.code, name: r.name, months: r.units, price: Number(r.price), active: r.active }));
}

/** The organization's periods, newest first. */
export async function brandedServicePeriods(db: Db, organizationId: number): Promise<BrandedServicePeriod[]> {
  const { rows } = await sql<PeriodRow>`
    select id, product_code, months, starts_at, ends_at, transaction_id from branded_receipt_periods
     where organization_id = ${organizationId} order by ends_at desc, id desc
  `.execute(db);
  return rows.map(periodOf);
}

/** The end of the period in force at `now` (when later periods follow on, the last of them); null: not active. */
export async function brandedServiceUntil(db: Db, organizationId: number, now: Date): Promise<Date | null> {
  const { rows } = await sql<{ active: boolean; until: Date | null }>`
    select exists (select from branded_receipt_periods
                    where organization_id = ${organizationId} and starts_at <= ${now} and ends_at > ${now}) as active,
           max(ends_at) as until
      from branded_receipt_periods where organization_id = ${organizationId}
  `.execute(db);
  const r = rows[0];
  return r?.active && r.until ? r.until : null;
}

/**
 * The end of the organization's latest period, passed or not, and when that period was bought (its row's creation:
 * a renewal bought today for a period starting later says today); undefined when it never bought the service.
 */
export async function brandedServiceLatestEnd(db: Db, organizationId: number): Promise<{ endsAt: Date; boughtAt: Date } | undefined> {
  const { rows } = await sql<{ ends_at: Date; created_at: Date }>`
    select ends_at, created_at from branded_receipt_periods
     where organization_id = ${organizationId} order by ends_at desc, id desc limit 1
  `.execute(db);
  return rows[0] ? { endsAt: rows[0].ends_at, boughtAt: rows[0].created_at } : undefined;
}

export interface BrandedServiceEndingRow {
  organization_id: number;
  name: string;
  ends_at: Date;
  /** All such organizations, whatever the limit. */
  total: number;
}

/**
 * Organizations in `scope` whose latest branded-service end is in [from, to], soonest first: the service ends soon or
 * ended lately (the cabinet's banner).
 */
export async function brandedServiceEnding(
  db: Db,
  q: { scope: 'all' | readonly number[]; organizationId?: number | undefined; from: Date; to: Date; limit: number },
): Promise<BrandedServiceEndingRow[]> {
  const { rows } = await sql<BrandedServiceEndingRow>`
    select e.organization_id::int as organization_id, o.name, e.ends_at, count(*) over ()::int as total
      from (select organization_id, max(ends_at) as ends_at from branded_receipt_periods
             where true
               ${q.scope === 'all' ? sql`` : sql`and organization_id = any (${[...q.scope]}::bigint[])`}
               ${q.organizationId === undefined ? sql`` : sql`and organization_id = ${q.organizationId}`}
             group by organization_id) e
      join organizations o on o.id = e.organization_id
     where e.ends_at between ${q.from} and ${q.to}
     order by e.ends_at, e.organization_id
     limit ${q.limit}
  `.execute(db);
  return rows;
}

/** The period bought by a ledger transaction (a replayed purchase answers it). */
export async function brandedServicePeriodOf(db: Db, transactionId: number): Promise<BrandedServicePeriod | undefined> {
  const { rows } = await sql<PeriodRow>`
    select id, product_code, months, starts_at, ends_at, transaction_id from branded_receipt_periods where transaction_id = ${transactionId}
  `.execute(db);
  return rows[0] ? periodOf(rows[0]) : undefined;
}

/**
 * Adds a period of `months` bought by `transactionId`: it starts where the organization's latest period ends, or at
 * `now` when that is past. Call inside the purchase's transaction; concurrent purchases of one organization queue.
 */
export async function extendBrandedService(
  db: Db,
  a: { organizationId: number; productCode: string; months: number; transactionId: number; now: Date },
): Promise<BrandedServicePeriod> {
  await sql`select pg_advisory_xact_lock(hashtextextended('branded-receipts', ${a.organizationId}))`.execute(db);
  const { rows } = await sql<PeriodRow>`
    insert into branded_receipt_periods (organization_id, product_code, months, starts_at, ends_at, transaction_id)
    select ${a.organizationId}, ${a.productCode}, ${a.months}, s.start, s.start + make_interval(months => ${a.months}), ${a.transactionId}
      from (select greatest(${a.now}::timestamptz, coalesce(max(ends_at), ${a.now}::timestamptz)) as start
              from branded_receipt_periods where organization_id = ${a.organizationId}) s
    returning id, product_code, months, starts_at, ends_at, transaction_id
  `.execute(db);
  return periodOf(rows[0]!);
}
