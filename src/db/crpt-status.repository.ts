// CRPT delivery state (migration 0008_crpt) and what the crpt worker reads to build a sale.
//
// The send lease works as fns_status's does: claimCrptSale() marks the sale 'sending' until lease_until, only when it was
// not delivered and no live lease is held; only the claimer sends; recordCrptDelivered / recordCrptFailure end it. A
// delivered sale is never sent again, so a re-delivered or replayed job completes without a request.
import { sql, type Kysely } from 'kysely';
import type { CrptCodeStatusTable, CrptSaleSource, CrptSalesTable } from './tables/crpt.js';
import type { Database } from './database.js';
import { storedFnsJson } from './fns-json.js';
import { recordDeadLetters, type DeadLetterInput } from './dead-letters.repository.js';
import type { Selectable } from 'kysely';
import { loadRawContexts } from './raw-contexts.js';
import { readStoredCopy } from './stored-copy.js';

export type CrptSaleRow = Selectable<CrptSalesTable>;
export type CrptCodeStatusRow = Selectable<CrptCodeStatusTable>;

export interface SaleKey {
  readonly source: CrptSaleSource;
  readonly fn: string;
  readonly fd: number;
}

export interface SaleCodeInput {
  readonly itemIndex: number;
  readonly code: string;
  readonly checkResult: number | null;
  readonly itemStatus: number | null;
}

export interface ReceiptSaleData {
  readonly operationType: number | null;
  /** 2107 of the receipt. */
  readonly receiptCheckResult: number | null;
  readonly codes: readonly SaleCodeInput[];
}

export type ClaimResult =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'delivered'; readonly row: CrptSaleRow }
  /** Parked ('dead'), and the claim was told not to revive it (a batch job's sale; only a replay sends it again). */
  | { readonly kind: 'dead'; readonly row: CrptSaleRow }
  | { readonly kind: 'in_flight'; readonly delayMs: number };

interface SaleRow {
  operation_type: number | null;
  raw_container: Buffer;
  raw_codec: number | null;
  flk_codes: string[] | null;
  reprocessed_at: Date | null;
  /** [item_index, code, check_result] of each code, in item order. */
  codes: [number, string, number | null][];
}

/**
 * The receipt and its marking codes in one statement. Every table is named with its partition key as a constant, so the
 * planner prunes to one partition of each (a join on received_at would plan every month's partition and prune at run
 * time — dearer than the round trip it saves).
 */
async function readSaleRow(db: Kysely<Database>, fn: string, fd: number, receivedAt: Date): Promise<SaleRow | undefined> {
  const { rows } = await sql<SaleRow>`
    select d.operation_type, d.raw_container, d.raw_codec, d.flk_codes, d.reprocessed_at,
           coalesce((select json_agg(json_build_array(m.item_index, m.code, m.check_result) order by m.item_index)
                       from marking_codes m
                      where m.fn = ${fn} and m.fd = ${fd} and m.received_at = ${receivedAt}::timestamptz), '[]'::json) as codes
      from documents d
     where d.fn = ${fn} and d.fd = ${fd} and d.received_at = ${receivedAt}::timestamptz
  `.execute(db);
  return rows[0];
}

/**
 * The marking codes of a stored receipt and its 2107, or undefined when the document is not stored. `receivedAt`: the
 * job's hint (stored-copy.ts), which saves the lookup of document_keys. A key whose document row is gone (its month
 * detached before its keys were deleted) counts as not stored: the job is a dead letter saying so, where it used to
 * complete as a sale without codes.
 */
export async function readReceiptSale(db: Kysely<Database>, fn: string, fd: number, receivedAt?: Date): Promise<ReceiptSaleData | undefined> {
  const doc = await readStoredCopy(db, fn, fd, receivedAt, (at) => readSaleRow(db, fn, fd, at));
  if (!doc) return undefined;
  await loadRawContexts(db, [doc]);
  let receiptCheckResult: number | null = null;
  for (const body of Object.values(storedFnsJson(doc))) {
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      const v = body['checkingLabeledProdResult'];
      if (typeof v === 'number') receiptCheckResult = v;
    }
  }
  // 1054 sell (1) / sell return (2) → the piece's planned status: 1 sold, 3 returned.
  const itemStatus = doc.operation_type === 2 ? 3 : doc.operation_type === 1 ? 1 : null;
  return {
    operationType: doc.operation_type,
    receiptCheckResult,
    codes: doc.codes.map(([itemIndex, code, checkResult]) => ({ itemIndex, code, checkResult, itemStatus })),
  };
}

/**
 * Claims the send lease of a sale and records its codes at stage 'checked' (first time only): one statement, so one
 * round trip and atomic without a transaction. Not claimed: the row as it stood when the statement began — or, when
 * another worker wrote it after that (the upsert waited for it and saw it; this statement's snapshot does not), as
 * read again.
 */
export async function claimCrptSale(
  db: Kysely<Database>,
  key: SaleKey,
  codes: readonly SaleCodeInput[],
  receiptCheckResult: number | null,
  leaseMs: number,
  owner: string,
  reviveDead = true,
): Promise<ClaimResult> {
  const { rows } = await sql<{ claimed: boolean; claimable: boolean | null } & Partial<CrptSaleRow>>`
    with claimed as (
      insert into crpt_sales (source, fn, fd, status, lease_until, lease_owner)
      values (${key.source}, ${key.fn}, ${key.fd}, 'sending', now() + ${leaseMs}::integer * interval '1 millisecond', ${owner})
      on conflict (source, fn, fd) do update
         set status = 'sending', lease_until = excluded.lease_until, lease_owner = excluded.lease_owner, updated_at = now()
       where crpt_sales.status <> 'delivered'
         and (${reviveDead}::boolean or crpt_sales.status <> 'dead')
         and (crpt_sales.lease_until is null or crpt_sales.lease_until < now())
      returning 1
    ), codes as (
      insert into crpt_code_status (source, fn, fd, item_index, code, check_result, receipt_check_result, stage)
      select ${key.source}, ${key.fn}, ${key.fd}, c.item_index, c.code, c.check_result, ${receiptCheckResult}::smallint, 'checked'
        from unnest(${codes.map((c) => c.itemIndex)}::integer[], ${codes.map((c) => c.code)}::text[], ${codes.map((c) => c.checkResult)}::smallint[])
             as c(item_index, code, check_result)
       where exists (select from claimed)
      on conflict (source, fn, fd, item_index) do nothing
    )
    select exists (select from claimed) as claimed, s.*,
           s.status <> 'delivered' and (${reviveDead}::boolean or s.status <> 'dead')
             and (s.lease_until is null or s.lease_until < now()) as claimable
      from (select) as one
      left join crpt_sales s on s.source = ${key.source} and s.fn = ${key.fn} and s.fd = ${key.fd}
  `.execute(db);
  const { claimed, claimable, ...seen } = rows[0]!;
  if (claimed) return { kind: 'claimed' };
  // Not in this statement's snapshot, or seen claimable yet refused: another worker committed meanwhile (the upsert
  // waited for it and saw its row). Read what it wrote, so a sale it delivered completes now.
  const row = seen.status && !claimable ? (seen as CrptSaleRow) : await findCrptSale(db, key);
  if (!row) throw new Error(`crpt sale (${key.source}, ${key.fn}, ${key.fd}) neither claimed nor stored`);
  if (row.status === 'delivered') return { kind: 'delivered', row };
  if (row.status === 'dead' && !reviveDead && (!row.lease_until || row.lease_until.getTime() < Date.now())) return { kind: 'dead', row };
  const left = row.lease_until ? row.lease_until.getTime() - Date.now() : 0;
  return { kind: 'in_flight', delayMs: Math.max(500, left) };
}

/**
 * CRPT answered: the sale is delivered, each of its codes 'delivered', or 'crpt_answered' with CRPT's status when the
 * answer names it (of a code named twice, the last status). One statement: one round trip, atomic.
 */
export async function recordCrptDelivered(
  db: Kysely<Database>,
  key: SaleKey,
  answer: { readonly duplicate: boolean; readonly codes: ReadonlyArray<{ readonly cis: string; readonly status: string }> },
): Promise<void> {
  await sql`
    with sale as (
      update crpt_sales
         set status = 'delivered', duplicate = ${answer.duplicate}, attempts = attempts + 1, lease_until = null, lease_owner = null,
             last_error_code = null, last_error = null, sent_at = coalesce(sent_at, now()), delivered_at = now(), updated_at = now()
       where source = ${key.source} and fn = ${key.fn} and fd = ${key.fd}
    ), answered as (
      select distinct on (a.cis) a.cis, a.status
        from unnest(${answer.codes.map((c) => c.cis)}::text[], ${answer.codes.map((c) => c.status)}::text[]) with ordinality as a(cis, status, n)
       order by a.cis, a.n desc
    )
    update crpt_code_status c
       set stage = case when exists (select from answered a where a.cis = c.code) then 'crpt_answered' else 'delivered' end,
           crpt_status = case when exists (select from answered a where a.cis = c.code) then (select a.status from answered a where a.cis = c.code) else c.crpt_status end,
           updated_at = now()
     where c.source = ${key.source} and c.fn = ${key.fn} and c.fd = ${key.fd}
  `.execute(db);
}

/** A failed attempt: 'retrying', or 'dead' with its dead letter in the same transaction. */
export async function recordCrptFailure(
  db: Kysely<Database>,
  key: SaleKey,
  failure: { readonly status: 'retrying' | 'dead'; readonly errorCode: string; readonly error: string; readonly sent: boolean; readonly deadLetter?: DeadLetterInput },
): Promise<void> {
  await db
    .transaction()
    .execute(async (tx) => {
      await sql`
        insert into crpt_sales (source, fn, fd, status, attempts, last_error_code, last_error, sent_at)
        values (${key.source}, ${key.fn}, ${key.fd}, ${failure.status}, ${failure.sent ? 1 : 0}, ${failure.errorCode}, ${failure.error},
                ${failure.sent ? sql`now()` : null})
        on conflict (source, fn, fd) do update
           set status = excluded.status, attempts = crpt_sales.attempts + ${failure.sent ? 1 : 0},
               last_error_code = excluded.last_error_code, last_error = excluded.last_error,
               sent_at = coalesce(crpt_sales.sent_at, excluded.sent_at), lease_until = null, lease_owner = null, updated_at = now()
         where crpt_sales.status <> 'delivered'
      `.execute(tx);
      if (failure.deadLetter) await recordDeadLetters(tx, [failure.deadLetter]);
    });
}

export function findCrptSale(db: Kysely<Database>, key: SaleKey): Promise<CrptSaleRow | undefined> {
  return db.selectFrom('crpt_sales').selectAll().where('source', '=', key.source).where('fn', '=', key.fn).where('fd', '=', key.fd).executeTakeFirst();
}

/** The stage of every code of a document (receipt and notification rows), for `ofd show` and the API. */
export function findCrptCodeStatuses(db: Kysely<Database>, fn: string, fd: number): Promise<CrptCodeStatusRow[]> {
  return db.selectFrom('crpt_code_status').selectAll().where('fn', '=', fn).where('fd', '=', fd).orderBy('source').orderBy('item_index').execute();
}

/**
 * A sale whose job BullMQ gave up for stalling (workers/crpt/crpt-stalled.ts), in one transaction with the row locked:
 * 'delivered' — CRPT answered, nothing written; 'leased' — a lease still runs (its worker may be alive and sending:
 * the sale stays its to record), only the letter is written, and `leaseEndsInMs` says when to look again
 * (markStalledSaleDead); 'dead' — the sale is dead (JOB_STALLED) with its letter. Times are PostgreSQL's.
 */
export async function parkStalledSale(
  db: Kysely<Database>,
  key: SaleKey,
  failure: { readonly errorCode: string; readonly error: string; readonly deadLetter: DeadLetterInput },
): Promise<{ readonly outcome: 'delivered' | 'dead' } | { readonly outcome: 'leased'; readonly leaseEndsInMs: number; readonly leaseOwner: string }> {
  return db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ status: string; lease_ms: number | null; lease_owner: string | null }>`
      select status, (extract(epoch from lease_until - now()) * 1000)::float8 as lease_ms, lease_owner from crpt_sales
       where source = ${key.source} and fn = ${key.fn} and fd = ${key.fd} for update`.execute(tx);
    const row = rows[0];
    if (row?.status === 'delivered') return { outcome: 'delivered' as const };
    if (row?.status === 'sending' && row.lease_ms !== null && row.lease_ms > 0) {
      await recordDeadLetters(tx, [failure.deadLetter]);
      return { outcome: 'leased' as const, leaseEndsInMs: row.lease_ms, leaseOwner: row.lease_owner ?? '' };
    }
    await sql`
      insert into crpt_sales (source, fn, fd, status, last_error_code, last_error)
      values (${key.source}, ${key.fn}, ${key.fd}, 'dead', ${failure.errorCode}, ${failure.error})
      on conflict (source, fn, fd) do update
         set status = 'dead', last_error_code = excluded.last_error_code, last_error = excluded.last_error,
             lease_until = null, lease_owner = null, updated_at = now()`.execute(tx);
    await recordDeadLetters(tx, [failure.deadLetter]);
    return { outcome: 'dead' as const };
  });
}

/**
 * After parkStalledSale's 'leased': the sale is dead if the lease it saw ended with nothing recorded — still 'sending'
 * under that same owner. A row under another owner is a replay's, which settles it itself. (A worker that was alive
 * and recorded 'retrying' leaves a row no job retries; its letter is there.)
 */
export async function markStalledSaleDead(db: Kysely<Database>, key: SaleKey, leaseOwner: string, failure: { readonly errorCode: string; readonly error: string }): Promise<boolean> {
  const r = await sql`
    update crpt_sales set status = 'dead', last_error_code = ${failure.errorCode}, last_error = ${failure.error},
           lease_until = null, lease_owner = null, updated_at = now()
     where source = ${key.source} and fn = ${key.fn} and fd = ${key.fd} and status = 'sending'
       and lease_owner = ${leaseOwner} and lease_until <= now()`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}
