// The ledger in PostgreSQL (migration 0035): postings go through ledger_post_batch() (one round trip per batch, every
// account locked in id order, an overdraft rejecting one transaction alone); balances and history are read here.
import { sql, type Kysely } from 'kysely';
import {
  checkPosting,
  LedgerError,
  postingHash,
  type LedgerPosting,
  type LedgerReason,
  type LedgerResult,
} from '../domain/ledger.js';
import type { Database } from './database.js';

type Db = Kysely<Database>;

// Deadlock and serialization failures: the whole statement rolled back, so running it again is safe.
const RETRYABLE_SQLSTATE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/**
 * Posts a batch; one result per posting, in order. Inside a caller's transaction (`db.isTransaction`) the caller owns
 * retries; on a plain pool a deadlock is retried here (the statement is atomic: nothing of it stayed).
 */
export async function postLedger(db: Db, postings: readonly LedgerPosting[]): Promise<LedgerResult[]> {
  if (postings.length === 0) return [];
  for (const p of postings) checkPosting(p);
  const ops = postings.map((p) => ({
    key: p.idempotencyKey,
    hash: postingHash(p),
    reason: p.reason,
    reference: p.reference,
    organizationId: p.organizationId,
    entries: p.entries,
  }));
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await sql<{ r: LedgerResult[] }>`select ledger_post_batch(${JSON.stringify(ops)}::jsonb) as r`.execute(db);
      return rows[0]!.r;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (db.isTransaction || attempt >= MAX_ATTEMPTS || code === undefined || !RETRYABLE_SQLSTATE.has(code)) throw e;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
    }
  }
}

/** Posts one movement; throws INSUFFICIENT_FUNDS or IDEMPOTENCY_KEY_REUSED. A replay answers the first transaction. */
export async function postOne(db: Db, posting: LedgerPosting): Promise<{ transactionId: number; replayed: boolean }> {
  const [r] = await postLedger(db, [posting]);
  if (!r) throw new Error('ledger_post_batch returned nothing');
  if (r.status === 'rejected') throw new LedgerError('INSUFFICIENT_FUNDS', `${posting.idempotencyKey}: not enough on the account`);
  if (r.status === 'conflict') {
    throw new LedgerError('IDEMPOTENCY_KEY_REUSED', `idempotency key ${posting.idempotencyKey} was used for another movement`);
  }
  return { transactionId: r.transactionId, replayed: r.status === 'duplicate' };
}

export interface AccountBalance {
  code: string;
  unit: 'RUB' | 'SMS' | 'CODE';
  balance: number;
}

/** The organization's accounts (only those used so far); missing ones are 0. */
export async function organizationBalances(db: Db, organizationId: number): Promise<Map<string, AccountBalance>> {
  const { rows } = await sql<AccountBalance>`
    select code, unit, balance from ledger_accounts where organization_id = ${organizationId} order by code
  `.execute(db);
  return new Map(rows.map((r) => [r.code, r]));
}

export async function balanceOf(db: Db, organizationId: number, code: string): Promise<number> {
  const { rows } = await sql<{ balance: number }>`
    select balance from ledger_accounts where organization_id = ${organizationId} and code = ${code}
  `.execute(db);
  return rows[0]?.balance ?? 0;
}

export interface HistoryLine {
  transactionId: number;
  postedAt: Date;
  reason: LedgerReason;
  reference: string;
  /** This organization's entries of the transaction: account code → amount. */
  entries: Array<{ code: string; unit: string; amount: number }>;
}

/** The organization's movements, newest first, paged by transaction id. */
export async function organizationHistory(
  db: Db,
  organizationId: number,
  opts: { limit: number; beforeId?: number; from?: Date; to?: Date },
): Promise<HistoryLine[]> {
  const { rows } = await sql<{ id: number; posted_at: Date; reason: LedgerReason; reference: string; entries: HistoryLine['entries'] }>`
    select t.id, t.posted_at, t.reason, t.reference,
           jsonb_agg(jsonb_build_object('code', a.code, 'unit', a.unit, 'amount', e.amount) order by a.code) as entries
      from ledger_transactions t
      join ledger_entries e on e.transaction_id = t.id
      join ledger_accounts a on a.id = e.account_id and a.organization_id = ${organizationId}
     where t.organization_id = ${organizationId}
       and (${opts.beforeId ?? null}::bigint is null or t.id < ${opts.beforeId ?? null}::bigint)
       and (${opts.from ?? null}::timestamptz is null or t.posted_at >= ${opts.from ?? null}::timestamptz)
       and (${opts.to ?? null}::timestamptz is null or t.posted_at < ${opts.to ?? null}::timestamptz)
     group by t.id
     order by t.id desc
     limit ${opts.limit}
  `.execute(db);
  return rows.map((r) => ({ transactionId: r.id, postedAt: r.posted_at, reason: r.reason, reference: r.reference, entries: r.entries }));
}

export interface LedgerDiscrepancy {
  kind: 'cached_balance' | 'unbalanced_transaction' | 'below_minimum';
  id: number;
  detail: string;
}

/** The ledger's own audit: cached balances equal their entries' sums, every transaction balances per unit. */
export async function verifyLedger(db: Db): Promise<LedgerDiscrepancy[]> {
  const { rows: cached } = await sql<{ id: number; balance: number; sum: number }>`
    select a.id, a.balance, coalesce(sum(e.amount), 0)::bigint as sum
      from ledger_accounts a left join ledger_entries e on e.account_id = a.id
     group by a.id having a.balance <> coalesce(sum(e.amount), 0)
  `.execute(db);
  const { rows: unbalanced } = await sql<{ id: number; unit: string; sum: number }>`
    select e.transaction_id as id, a.unit, sum(e.amount)::bigint as sum
      from ledger_entries e join ledger_accounts a on a.id = e.account_id
     group by e.transaction_id, a.unit having sum(e.amount) <> 0
  `.execute(db);
  const { rows: below } = await sql<{ id: number; balance: number }>`
    select id, balance from ledger_accounts where min_balance is not null and balance < min_balance
  `.execute(db);
  return [
    ...cached.map((r) => ({ kind: 'cached_balance' as const, id: r.id, detail: `cached ${r.balance}, entries ${r.sum}` })),
    ...unbalanced.map((r) => ({ kind: 'unbalanced_transaction' as const, id: r.id, detail: `${r.unit} sums to ${r.sum}` })),
    ...below.map((r) => ({ kind: 'below_minimum' as const, id: r.id, detail: `balance ${r.balance}` })),
  ];
}

/**
 * Serialises an organization's postpaid SMS bill and its debt settlements (a transaction-scoped advisory lock): the two
 * never interleave.
 */
export async function lockPostpaidBilling(db: Db, organizationId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('sms-postpaid', ${organizationId}))`.execute(db);
}

/** Whether a transaction with this idempotency key was posted already (a replayed bill or purchase). */
export async function isPosted(db: Db, idempotencyKey: string): Promise<boolean> {
  const row = await db.selectFrom('ledger_transactions').select('id').where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
  return row !== undefined;
}

/** Turns an organization's postpaid SMS on or off. */
export async function setSmsPostpaid(db: Db, organizationId: number, enabled: boolean): Promise<void> {
  await db
    .insertInto('organization_billing')
    .values({ organization_id: organizationId, sms_postpaid: enabled })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ sms_postpaid: enabled, updated_at: sql<Date>`now()` }))
    .execute();
}
