/**
 * Report rollups: hourly and daily aggregates of settlement documents (receipts, BSO, corrections) per organization,
 * outlet, register, operation type (1054) and taxation system (1055), with the payment-method (1031, 1081, 1215–1217) and
 * VAT (1102–1107) totals; and daily net sales per item name (for ABC/XYZ).
 *
 * Two ways in, both set-based SQL that reads the stored `documents` / `receipt_items` rows:
 * - `applyRollups(trx, inserted)`: in the persist transaction, with the documents THAT transaction newly inserted
 *   (never duplicates: the persist path inserts a (fn, fd) once, so adding is idempotent with it). Rows are upserted in
 *   key order so concurrent batches do not deadlock on each other.
 * - `rebuildRollups(db, range)`: recompute a period of local days from the documents (backfill, repair, benchmarks).
 *   It locks the rollup tables against concurrent `applyRollups` for its duration, so nothing is counted twice or lost.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';

/** What the persist path knows of a document it has just inserted: its key (a DocumentJob fits). */
export interface InsertedDocumentKey {
  readonly fn: string;
  readonly fd: number;
}

/** Local days, `YYYY-MM-DD`; `to` exclusive. */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

/** Forms that carry a settlement: 3 receipt, 4 BSO, 31 correction receipt, 41 correction BSO. */
const SETTLEMENT_FORMS = sql.raw('(3, 4, 31, 41)');

const jsonInt = (field: string, type: 'int' | 'bigint') =>
  sql.raw(`coalesce((jsonb_path_query_first(d.fns_json, '$.*.${field}'))::${type}, 0)`);

function documentSource(where: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    select d.fn, d.fd, d.received_at, d.date_time, coalesce(o.id, 0) as organization_id, coalesce(d.outlet_id, 0) as outlet_id,
      coalesce(d.register_id, 0) as register_id, d.operation_type, ${jsonInt('appliedTaxationType', 'int')} as taxation_type,
      coalesce(d.total_sum, 0) as total_sum, coalesce(d.cash_total_sum, 0) as cash_sum, coalesce(d.ecash_total_sum, 0) as ecash_sum,
      coalesce(d.prepaid_sum, 0) as prepaid_sum, coalesce(d.credit_sum, 0) as credit_sum, coalesce(d.provision_sum, 0) as provision_sum,
      ${jsonInt('nds18', 'bigint')} as nds20_sum, ${jsonInt('nds10', 'bigint')} as nds10_sum, ${jsonInt('nds0', 'bigint')} as nds0_base,
      ${jsonInt('ndsNo', 'bigint')} as nds_no_base, ${jsonInt('nds18118', 'bigint')} as nds20_120_sum,
      ${jsonInt('nds10110', 'bigint')} as nds10_110_sum
    from documents d left join organizations o on o.inn = d.user_inn
    where d.form in ${SETTLEMENT_FORMS} and d.operation_type is not null and d.date_time is not null and ${where}`;
}

const MEASURES = [
  'receipts',
  'total_sum',
  'cash_sum',
  'ecash_sum',
  'prepaid_sum',
  'credit_sum',
  'provision_sum',
  'nds20_sum',
  'nds10_sum',
  'nds0_base',
  'nds_no_base',
  'nds20_120_sum',
  'nds10_110_sum',
] as const;

function rollupInsert(table: 'report_rollup_hourly' | 'report_rollup_daily', bucketExpr: string, upsert: boolean): RawBuilder<unknown> {
  const bucket = table === 'report_rollup_hourly' ? 'hour' : 'day';
  const dims = `${bucket}, organization_id, outlet_id, register_id, operation_type, taxation_type`;
  const sums = MEASURES.map((m) => (m === 'receipts' ? 'count(*)' : `sum(${m})`)).join(', ');
  const onConflict = upsert
    ? ` on conflict (${dims}) do update set ${MEASURES.map((m) => `${m} = ${table}.${m} + excluded.${m}`).join(', ')}`
    : '';
  return sql.raw(
    `insert into ${table} (${dims}, ${MEASURES.join(', ')})
     select ${bucketExpr}, organization_id, outlet_id, register_id, operation_type, taxation_type, ${sums}
     from src group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6${onConflict}`,
  );
}

function itemInsert(upsert: boolean): RawBuilder<unknown> {
  const onConflict = upsert
    ? sql.raw(
        ' on conflict (day, organization_id, outlet_id, register_id, name) do update set quantity = report_item_daily.quantity + excluded.quantity, sum = report_item_daily.sum + excluded.sum',
      )
    : sql.raw('');
  // Sales only: 1 sell adds, 2 sell return subtracts; purchases (3, 4) are not sales.
  return sql`
    insert into report_item_daily (day, organization_id, outlet_id, register_id, name, quantity, sum)
    select s.date_time::date, s.organization_id, s.outlet_id, s.register_id, coalesce(i.name, ''),
      sum(case when s.operation_type = 2 then -coalesce(i.quantity, 0) else coalesce(i.quantity, 0) end),
      sum(case when s.operation_type = 2 then -coalesce(i.sum, 0) else coalesce(i.sum, 0) end)
    from src s join receipt_items i on i.fn = s.fn and i.fd = s.fd and i.received_at = s.received_at
    where s.operation_type in (1, 2)
    group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5${onConflict}`;
}

/** One statement: the documents' measures (src), then the three upserts fed from it. */
async function aggregate(db: Kysely<Database>, where: RawBuilder<unknown>, upsert: boolean): Promise<void> {
  await sql`
    with src as materialized (${documentSource(where)}),
    h as (${rollupInsert('report_rollup_hourly', "date_trunc('hour', date_time)", upsert)} returning 1),
    dd as (${rollupInsert('report_rollup_daily', 'date_time::date', upsert)} returning 1),
    it as (${itemInsert(upsert)} returning 1)
    select (select count(*) from h) as h, (select count(*) from dd) as d, (select count(*) from it) as i`.execute(db);
}

/**
 * Adds the documents the current persist transaction has just inserted to the rollups. Call it in that transaction,
 * after the documents and their receipt_items are inserted, with ONLY the newly inserted ones (re-sent copies that were
 * not inserted must not be passed: they would be counted twice). Documents that are not settlements are ignored.
 */
export async function applyRollups(trx: Transaction<Database> | Kysely<Database>, inserted: readonly InsertedDocumentKey[]): Promise<void> {
  if (inserted.length === 0) return;
  const fns = inserted.map((d) => d.fn);
  const fds = inserted.map((d) => String(d.fd));
  // received_at from document_keys (one per (fn, fd)), so the partitioned documents are probed by their full key.
  await aggregate(
    trx,
    sql`(d.fn, d.fd, d.received_at) in (select k.fn, k.fd, k.received_at from document_keys k
      join unnest(${fns}::text[], ${fds}::bigint[]) u(fn, fd) on k.fn = u.fn and k.fd = u.fd)`,
    true,
  );
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Recomputes the rollups of the local days [from, to) from the stored documents, in one transaction. Concurrent
 * `applyRollups` calls wait for it (table locks), so the result is exact even while documents keep arriving.
 */
export async function rebuildRollups(db: Kysely<Database>, range: DayRange): Promise<void> {
  if (!DAY.test(range.from) || !DAY.test(range.to)) throw new RangeError('rebuildRollups: from/to must be YYYY-MM-DD');
  await db.transaction().execute(async (trx) => {
    await sql`lock table report_rollup_hourly, report_rollup_daily, report_item_daily in share row exclusive mode`.execute(trx);
    await sql`delete from report_rollup_hourly where hour >= ${range.from}::date and hour < ${range.to}::date`.execute(trx);
    await sql`delete from report_rollup_daily where day >= ${range.from}::date and day < ${range.to}::date`.execute(trx);
    await sql`delete from report_item_daily where day >= ${range.from}::date and day < ${range.to}::date`.execute(trx);
    await aggregate(trx, sql`d.date_time >= ${range.from}::date and d.date_time < ${range.to}::date`, false);
  });
}
