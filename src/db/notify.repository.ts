// E-receipt deliveries and SMS packages (migration 0010_notify): what the notify worker and the API read and write.
import { randomUUID } from 'node:crypto';
import { operatorAccount, orgAccount, transfer } from '../domain/ledger.js';
import { balanceOf, postOne } from './ledger.repository.js';
import { chargeMessage, refundMessage, type SmsAccount } from './message-charges.repository.js';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { JsonObject } from './column-types.js';
import type { Database } from './database.js';
import { storedFnsJson } from './fns-json.js';
import { readStoredCopy } from './stored-copy.js';
import type { ReceiptDeliveryLogRow } from './tables/api-security.js';
import type { NotifyDeliveriesTable, NotifyDeliveryRow, NotifyDeliveryStatus, ReceiptChannel } from './tables/notify.js';
import { recordDeadLetters, type DeadLetterInput } from './dead-letters.repository.js';
import { loadRawContexts } from './raw-contexts.js';

export { NOTIFY_DELIVERY_STATUSES, RECEIPT_CHANNELS, type NotifyDeliveryStatus, type ReceiptChannel } from './tables/notify.js';

export type { NotifyDeliveryRow } from './tables/notify.js';

/** What an e-receipt is built from: the stored document and the organization that owns it. */
export interface ReceiptSource {
  fn: string;
  fd: number;
  form: number;
  fns_json: JsonObject;
  date_time: string | null;
  total_sum: number | null;
  fiscal_sign: number | null;
  operation_type: number | null;
  user_inn: string | null;
  organization_id: number | null;
}

type Db = Kysely<Database>;
const MAX_ERROR = 2000;

/**
 * The stored receipt of an e-receipt job. Its received_at (the partition key) is the job's hint, or read from
 * document_keys first (stored-copy.ts), and passed as a value: a join through document_keys would leave the planner
 * every partition of documents to plan for, which measured 0.85 ms of planning per e-receipt in the loadtest — more
 * than the rest of the job's SQL together.
 */
export async function loadReceiptSource(db: Db, fn: string, fd: number, receivedAt?: Date): Promise<ReceiptSource | undefined> {
  const row = await readStoredCopy(db, fn, fd, receivedAt, async (at) => {
    const { rows } = await sql<Omit<ReceiptSource, 'fns_json'> & { raw_container: Buffer; raw_codec: number | null; flk_codes: string[]; reprocessed_at: Date | null }>`
      select d.fn, d.fd, d.form, d.raw_container, d.raw_codec, d.flk_codes, d.reprocessed_at, d.date_time, d.total_sum, d.fiscal_sign, d.operation_type, d.user_inn, o.id as organization_id
        from documents d
        left join organizations o on o.inn = d.user_inn
       where d.fn = ${fn} and d.fd = ${fd} and d.received_at = ${at}
    `.execute(db);
    return rows[0];
  });
  if (!row) return undefined;
  await loadRawContexts(db, [row]);
  // The FNS JSON is derived from the raw bytes (not stored, migration 0053).
  const { raw_container, raw_codec, flk_codes, reprocessed_at, ...source } = row;
  return { ...source, fns_json: storedFnsJson({ raw_container, raw_codec, flk_codes, reprocessed_at }) };
}

export async function findDelivery(db: Db, fn: string, fd: number, channel: ReceiptChannel): Promise<NotifyDeliveryRow | undefined> {
  return db.selectFrom('notify_deliveries').selectAll().where('fn', '=', fn).where('fd', '=', fd).where('channel', '=', channel).executeTakeFirst();
}

export async function listDeliveries(db: Db, fn: string, fd: number): Promise<NotifyDeliveryRow[]> {
  return db.selectFrom('notify_deliveries').selectAll().where('fn', '=', fn).where('fd', '=', fd).orderBy('channel').execute();
}

export interface DeliveryKey {
  readonly fn: string;
  readonly fd: number;
  readonly channel: ReceiptChannel;
}

type DeliveryTarget = DeliveryKey & { readonly recipient: string; readonly organizationId: number | null };

/** The columns a delivery row (or its log entry) takes from the key and the recipient. */
function deliveryKeyColumns(key: DeliveryTarget): Pick<Insertable<NotifyDeliveriesTable>, 'fn' | 'fd' | 'channel' | 'recipient' | 'organization_id'> {
  return { fn: key.fn, fd: key.fd, channel: key.channel, recipient: key.recipient, organization_id: key.organizationId };
}

/**
 * Marks an attempt as started (status sending, attempts + 1), creating the row on the first one. `chargeKey`: the
 * ledger key of what this send charged (a Viber message: the runs that wait for its report refund it by this key).
 */
export async function startDeliveryAttempt(
  db: Db,
  key: DeliveryKey & { readonly recipient: string; readonly organizationId: number | null },
  chargeKey: string | null = null,
): Promise<NotifyDeliveryRow> {
  return db
    .insertInto('notify_deliveries')
    .values({ ...deliveryKeyColumns(key), status: 'sending', attempts: 1, charge_key: chargeKey })
    .onConflict((oc) =>
      oc.columns(['fn', 'fd', 'channel']).doUpdateSet((eb) => ({
        status: 'sending',
        recipient: eb.ref('excluded.recipient'),
        organization_id: eb.ref('excluded.organization_id'),
        attempts: sql<number>`notify_deliveries.attempts + 1`,
        charge_key: eb.ref('excluded.charge_key'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records the outcome of a delivery (creating the row when no attempt was started, e.g. no_recipient). */
export async function recordDeliveryOutcome(
  db: Db,
  key: DeliveryKey & { readonly recipient: string; readonly organizationId: number | null },
  outcome: { readonly status: NotifyDeliveryStatus; readonly errorCode?: string; readonly error?: string },
): Promise<void> {
  const delivered = outcome.status === 'delivered';
  await db
    .insertInto('notify_deliveries')
    .values({
      ...deliveryKeyColumns(key),
      status: outcome.status,
      last_error_code: outcome.errorCode ?? null,
      last_error: outcome.error?.slice(0, MAX_ERROR) ?? null,
      delivered_at: delivered ? sql<Date>`now()` : null,
    })
    .onConflict((oc) =>
      oc.columns(['fn', 'fd', 'channel']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        last_error_code: eb.ref('excluded.last_error_code'),
        last_error: eb.ref('excluded.last_error'),
        delivered_at: sql<Date | null>`coalesce(excluded.delivered_at, notify_deliveries.delivered_at)`,
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}

/** A resend asked through the API: the row becomes pending (attempts start over); the notify worker enqueues it. */
/**
 * A send asked through the API: appended to receipt_delivery_log with the current row's state it replaces (history is
 * never overwritten), then the current row is set pending for the notify worker — in one transaction.
 */
export async function requestResend(
  db: Db,
  key: DeliveryKey & { readonly recipient: string; readonly organizationId: number | null; readonly requestedBy: string },
): Promise<NotifyDeliveryRow> {
  return db.transaction().execute(async (trx) => {
    await sql`
      insert into receipt_delivery_log (fn, fd, channel, event, recipient, status, attempts, delivered_at, last_error_code, organization_id)
      select fn, fd, channel, 'superseded', recipient, status, attempts, delivered_at, last_error_code, organization_id
        from notify_deliveries where fn = ${key.fn} and fd = ${key.fd} and channel = ${key.channel}
         for update
    `.execute(trx);
    await trx
      .insertInto('receipt_delivery_log')
      .values({ ...deliveryKeyColumns(key), event: 'requested', requested_by: key.requestedBy })
      .execute();
    return upsertResend(trx, key);
  });
}

/** The API's send history of a document, oldest first. */
export async function deliveryHistory(db: Db, fn: string, fd: number): Promise<ReceiptDeliveryLogRow[]> {
  return db.selectFrom('receipt_delivery_log').selectAll().where('fn', '=', fn).where('fd', '=', fd).orderBy('id').limit(1000).execute();
}

async function upsertResend(
  db: Db,
  key: DeliveryKey & { readonly recipient: string; readonly organizationId: number | null },
): Promise<NotifyDeliveryRow> {
  return db
    .insertInto('notify_deliveries')
    .values({ ...deliveryKeyColumns(key), status: 'pending', resends: 1 })
    .onConflict((oc) =>
      oc.columns(['fn', 'fd', 'channel']).doUpdateSet((eb) => ({
        status: 'pending',
        recipient: eb.ref('excluded.recipient'),
        attempts: 0,
        resends: sql<number>`notify_deliveries.resends + 1`,
        last_error_code: null,
        last_error: null,
        updated_at: sql<Date>`now()`,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Takes up to `limit` pending resends, marking them queued; the caller enqueues them (and puts them back on failure). */
export async function takePendingResends(db: Db, limit: number): Promise<NotifyDeliveryRow[]> {
  const { rows } = await sql<NotifyDeliveryRow>`
    update notify_deliveries n set status = 'queued', updated_at = now()
      from (select fn, fd, channel from notify_deliveries where status = 'pending' order by updated_at limit ${limit} for update skip locked) p
     where n.fn = p.fn and n.fd = p.fd and n.channel = p.channel
    returning n.*
  `.execute(db);
  return rows;
}

export async function returnToPending(db: Db, keys: readonly DeliveryKey[]): Promise<void> {
  for (const k of keys) {
    await db
      .updateTable('notify_deliveries')
      .set({ status: 'pending' })
      .where('fn', '=', k.fn)
      .where('fd', '=', k.fd)
      .where('channel', '=', k.channel)
      .where('status', '=', 'queued')
      .execute();
  }
}

// ---- SMS packages ---------------------------------------------------------------------------------------------------
// Since issue 17 the package is the ledger's `sms` account (sms_balances, migration 0010, is no longer written; its
// balances were carried over by migration 0038). Postpaid SMS go to `sms_postpaid`, billed at the end of the month.

export async function getSmsBalance(db: Db, organizationId: number): Promise<number> {
  return balanceOf(db, organizationId, 'sms');
}

/** The operator adds SMS to a package; a replay of `idempotencyKey` adds nothing. */
export async function topUpSmsBalance(db: Db, organizationId: number, amount: number, idempotencyKey: string = randomUUID()): Promise<number> {
  await postOne(db, {
    idempotencyKey: `sms-grant:${organizationId}:${idempotencyKey}`,
    reason: 'top_up.operator',
    reference: 'sms-package',
    organizationId,
    entries: transfer(operatorAccount('sms.issued'), orgAccount(organizationId, 'sms'), amount),
  });
  return getSmsBalance(db, organizationId);
}

export type { SmsAccount } from './message-charges.repository.js';

/**
 * Takes one SMS for a send (`key` names the attempt: a replayed attempt is not charged twice): from the package, else,
 * when the organization has postpaid SMS on, on credit; null when neither. (The notify processor charges through
 * message-charges.repository.ts, by channel.)
 */
export async function takeSmsCredit(db: Db, organizationId: number, key: string): Promise<SmsAccount | null> {
  const taken = await chargeMessage(db, { organizationId, channel: 'sms', key, reference: key });
  return taken === 'free' ? null : taken;
}

/** Gives back the SMS of a send that failed, to the account it was taken from. */
export async function refundSmsCredit(db: Db, organizationId: number, key: string, _account?: SmsAccount): Promise<void> {
  await refundMessage(db, organizationId, key);
}

/** A delivery row a stalled job may have left unsettled: its channel, its statuses to fail, and (when known) its request. */
export interface StalledDeliveryRow {
  readonly channel: ReceiptChannel;
  readonly statuses: readonly NotifyDeliveryStatus[];
  /** The row's resends count when it must be this job's request; undefined: any. */
  readonly resends?: number;
}

/**
 * A delivery whose job BullMQ gave up for stalling (workers/notify/notify-stalled.ts): the rows it names that are still
 * in one of their statuses become 'failed' with `errorCode`, and its dead letter is written, in one transaction. A
 * Viber message sent and waiting for its report ('sending' with a charge_key) stays as it is: a replay then waits for
 * that report instead of sending the receipt again (receipts.processor.ts, route). What the attempt charged stays
 * charged: whether the message went out before the worker died is not known here; a replay of the letter charges
 * nothing more (the same charge key).
 */
export async function failStalledDelivery(
  db: Kysely<Database>,
  key: { readonly fn: string; readonly fd: number; readonly rows: readonly StalledDeliveryRow[] },
  failure: { readonly errorCode: string; readonly error: string; readonly deadLetter: DeadLetterInput },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const row of key.rows) {
      let update = trx
        .updateTable('notify_deliveries')
        .set({ status: 'failed', last_error_code: failure.errorCode, last_error: failure.error.slice(0, MAX_ERROR), updated_at: sql<Date>`now()` })
        .where('fn', '=', key.fn)
        .where('fd', '=', key.fd)
        .where('channel', '=', row.channel)
        .where('status', 'in', row.statuses)
        .where((eb) => eb.not(eb.and([eb('channel', '=', 'viber'), eb('status', '=', 'sending'), eb('charge_key', 'is not', null)])));
      if (row.resends !== undefined) update = update.where('resends', '=', row.resends);
      await update.execute();
    }
    await recordDeadLetters(trx, [failure.deadLetter]);
  });
}
