/**
 * The derive stage's SQL (issue 12, migration 0065): derive_queue holds one row per document the persist transaction
 * stored; `claimAndDerive` takes the oldest rows and, in the SAME statement, deletes them and adds their documents to
 * the shift totals and the report rollups. The caller's transaction then applies the state of the reports among them
 * and commits: a crash before the commit rolls all of it back and the rows are claimed again — each document is
 * derived exactly once.
 *
 * One derive transaction runs at a time (a transaction-level advisory lock, tried, never waited for): a second worker
 * finds it taken and comes back later, so two derive transactions never lock shift or rollup rows against each other.
 * `ofd reprocess` takes the same lock (waiting) for each of its batches, so it sees the queue as no derive will change it.
 */
import { unpackRawContainer, type PackedRawContainer } from './raw-container.js';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database.js';
import { CLAIMED_ROLLUPS_SQL } from './rollups.repository.js';

/** The advisory lock key of the derive stage ('ofd:derive' as two int4s would be; any constant unique to it). */
const DERIVE_LOCK = 0x0fd_de71;

/** Forms whose report state the derive stage applies: registration (1, 11), shift open/close (2, 5), archive (6). */
export const REPORT_FORMS_LIST = '(1, 2, 5, 6, 11)';

/** Takes the derive lock if no other derive transaction holds it; false otherwise (nothing was done). */
export async function tryDeriveLock(trx: Transaction<Database>): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${DERIVE_LOCK}) as locked`.execute(trx);
  return rows[0]?.locked === true;
}

/** Waits for the derive lock (ofd reprocess: its batch then sees no derive transaction in flight). */
export async function waitDeriveLock(trx: Transaction<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${DERIVE_LOCK})`.execute(trx);
}

export interface ClaimedReport {
  readonly fn: string;
  readonly fd: number;
  readonly received_at: Date;
  readonly form: number;
  /** The container as the register sent it (unpacked from the row). */
  readonly raw_container: Buffer;
}

export interface Claimed {
  /** Documents claimed (and deleted from the queue). */
  readonly documents: number;
  /** The newest enqueued_at claimed: derived data is complete up to about then. */
  readonly through: Date | null;
  /** The registration, shift and archive reports among them, in (fn, fd) order, with their bytes. */
  readonly reports: readonly ClaimedReport[];
}

/**
 * Shift totals as the persist transaction added them (derive.ts shiftContribution): receipts (forms 3, 4, 31, 41) with
 * a shift number, per (fn, shift), in key order; 1054 operationType 1–4 selects the sum a total_sum goes to.
 */
const SHIFT_TOTALS = `
  shifted as (
    insert into shifts (fn, shift_number, register_id, received_receipts, sell_total_sum, sell_return_total_sum,
      buy_total_sum, buy_return_total_sum)
    select d.fn, d.shift_number, (array_agg(d.register_id order by d.fd))[1], count(*)::integer,
      coalesce(sum(d.total_sum) filter (where d.operation_type = 1), 0), coalesce(sum(d.total_sum) filter (where d.operation_type = 2), 0),
      coalesce(sum(d.total_sum) filter (where d.operation_type = 3), 0), coalesce(sum(d.total_sum) filter (where d.operation_type = 4), 0)
    from docs d where d.form in (3, 4, 31, 41) and d.shift_number is not null
    group by d.fn, d.shift_number order by d.fn, d.shift_number
    on conflict (fn, shift_number) do update set
      received_receipts = shifts.received_receipts + excluded.received_receipts,
      sell_total_sum = shifts.sell_total_sum + excluded.sell_total_sum,
      sell_return_total_sum = shifts.sell_return_total_sum + excluded.sell_return_total_sum,
      buy_total_sum = shifts.buy_total_sum + excluded.buy_total_sum,
      buy_return_total_sum = shifts.buy_return_total_sum + excluded.buy_return_total_sum,
      register_id = coalesce(shifts.register_id, excluded.register_id),
      updated_at = now()
    returning 1
  )`;

/**
 * $1: how many rows to claim (by the primary key: `= any(array(…))`, not a join with the whole queue). `docs`: the
 * claimed documents' stored rows (full-key probes: one partition each). The
 * rollups' final select (`… as i`) goes on with what the caller needs: the count, the newest enqueued_at, the reports.
 */
export const CLAIM_AND_DERIVE = `
  with claimed as (
    delete from derive_queue where seq = any (array(select seq from derive_queue order by seq limit $1 for update skip locked))
    returning fn, fd, received_at, enqueued_at
  ),
  docs as materialized (
    select d.* from claimed c cross join lateral (
      select d.fn, d.fd, d.received_at, d.form, d.date_time, d.user_inn, d.outlet_id, d.register_id, d.shift_number,
        d.operation_type, d.taxation_type, d.total_sum, d.cash_total_sum, d.ecash_total_sum, d.prepaid_sum, d.credit_sum,
        d.provision_sum, d.nds20_sum, d.nds10_sum, d.nds0_base, d.nds_no_base, d.nds20_120_sum, d.nds10_110_sum,
        d.item_names, d.item_quantities, d.item_sums
      from documents d where d.fn = c.fn and d.fd = c.fd and d.received_at = c.received_at
      -- One row per key: a probe of the primary key of one partition, never a hash of every partition.
      limit 1
    ) d
  ),
  ${SHIFT_TOTALS},
  ${CLAIMED_ROLLUPS_SQL}, (select count(*) from shifted) as shifts,
    (select count(*)::integer from claimed) as documents, (select max(enqueued_at) from claimed) as through,
    (select coalesce(json_agg(json_build_array(fn, fd, received_at) order by fn, fd), '[]') from docs where form in ${REPORT_FORMS_LIST}) as reports`;

interface ClaimRow {
  documents: number;
  through: Date | null;
  reports: [string, number, string][];
}

/** Claims up to `limit` queued documents and applies shift totals and rollups (run it in the derive transaction). */
export async function claimAndDerive(trx: Transaction<Database>, limit: number): Promise<Claimed> {
  const { rows } = await trx.executeQuery<ClaimRow>(CompiledQuery.raw(CLAIM_AND_DERIVE, [limit]));
  const row = rows[0];
  if (!row || row.documents === 0) return { documents: 0, through: null, reports: [] };
  if (row.reports.length === 0) return { documents: row.documents, through: row.through, reports: [] };
  const reports = await sql<Omit<ClaimedReport, 'raw_container'> & { raw_container: PackedRawContainer; raw_codec: number | null }>`
    select d.fn, d.fd, d.received_at, d.form, d.raw_container, d.raw_codec from documents d
    join json_to_recordset(${JSON.stringify(row.reports.map(([fn, fd, receivedAt]) => ({ fn, fd, received_at: receivedAt })))}::json)
      as k(fn text, fd bigint, received_at timestamptz) on d.fn = k.fn and d.fd = k.fd and d.received_at = k.received_at
    order by d.fn collate "C", d.fd`.execute(trx);
  return {
    documents: row.documents,
    through: row.through,
    reports: reports.rows.map(({ raw_codec, raw_container, ...r }) => ({ ...r, fd: Number(r.fd), raw_container: unpackRawContainer(raw_container, raw_codec) })),
  };
}

export interface DeriveBacklog {
  /** enqueued_at of the oldest document not derived yet; null when none is pending. */
  readonly oldest: Date | null;
  /** Documents waiting (from the queue's sequence numbers: exact unless some in the middle were claimed already). */
  readonly pending: number;
  /** The database's clock, so lag is measured on one clock. */
  readonly now: Date;
}

/** How far behind the derive stage is: two index probes, cheap enough for every /health/ready and metrics scrape. */
export async function deriveBacklog(db: Kysely<Database>): Promise<DeriveBacklog> {
  const { rows } = await sql<{ oldest: Date | null; pending: string | null; now: Date }>`
    select (select enqueued_at from derive_queue order by seq limit 1) as oldest,
      (select max(seq) - min(seq) + 1 from derive_queue) as pending, now() as now`.execute(db);
  const r = rows[0]!;
  return { oldest: r.oldest, pending: Number(r.pending ?? 0), now: r.now };
}

/** The keys among `keys` still waiting for the derive stage (ofd reprocess leaves their rollups to it). */
export async function pendingDerive(trx: Transaction<Database>, keys: readonly { fn: string; fd: number }[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await sql<{ fn: string; fd: string }>`
    select q.fn, q.fd from derive_queue q join unnest(${keys.map((k) => k.fn)}::text[], ${keys.map((k) => String(k.fd))}::bigint[]) u(fn, fd)
      on q.fn = u.fn and q.fd = u.fd`.execute(trx);
  return new Set(rows.map((r) => `${r.fn}:${Number(r.fd)}`));
}

/** "Данные на …": derived data includes every document stored before this time (ISO 8601): the oldest pending one's, or now. */
export async function derivedThrough(db: Kysely<Database>): Promise<string> {
  const backlog = await deriveBacklog(db);
  return (backlog.oldest ?? backlog.now).toISOString();
}
