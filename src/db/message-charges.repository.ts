/**
 * What an e-receipt costs by channel (issue 17; prices in message_prices, migration 0058): e-mail is free; an SMS or a
 * Viber message takes its channel's units from the SMS package, or, when the package is short and the organization has
 * postpaid SMS on, the same units on credit (`sms_postpaid`, billed at the end of the month at the channel's price).
 *
 * Each charge is one ledger movement under `sms:<key>` (the key names the attempt: a replayed attempt is charged once),
 * with the reason of its channel and the receipt as its reference; giving it back reverses exactly what it took.
 */
import { sql, type Kysely } from 'kysely';
import { operatorAccount, orgAccount, transfer, type LedgerPosting } from '../domain/ledger.js';
import type { Database } from './database.js';
import { postLedger, postOne } from './ledger.repository.js';

type Db = Kysely<Database>;

export const MESSAGE_CHANNELS = ['email', 'sms', 'viber'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];
export type SmsAccount = 'sms' | 'sms_postpaid';

export interface MessagePrice {
  channel: MessageChannel;
  title: string;
  /** Units of the SMS package one message takes (0: free). */
  units: number;
  /** Kopecks per unit sent on credit; the Маркет's `sms-postpaid` price where the catalogue row leaves it open. */
  postpaidPrice: number;
}

export async function messagePrices(db: Db): Promise<MessagePrice[]> {
  const { rows } = await sql<MessagePrice>`
    select m.channel, m.title, m.units,
           coalesce(m.postpaid_price, (select price from market_products where code = 'sms-postpaid'), 0)::bigint as "postpaidPrice"
      from message_prices m order by m.sort, m.channel
  `.execute(db);
  return rows.map((r) => ({ ...r, postpaidPrice: Number(r.postpaidPrice) }));
}

/** The ledger reason of a send by `channel`. */
export const sendReason = (channel: MessageChannel) => (channel === 'viber' ? ('viber_sent' as const) : ('sms_sent' as const));

/** What a send is about, in the account history: the receipt. */
export const receiptReference = (fn: string, fd: number) => `receipt:${fn}/${fd}`;

export interface MessageCharge {
  readonly organizationId: number;
  readonly channel: MessageChannel;
  /** Names the attempt: the same key is charged once. */
  readonly key: string;
  readonly reference: string;
}

/**
 * Charges one message: `'free'` for a channel that costs nothing, the account its units were taken from, or null when
 * the package is short and postpaid SMS are off.
 */
export async function chargeMessage(db: Db, c: MessageCharge): Promise<SmsAccount | 'free' | null> {
  const { rows } = await sql<{ units: number }>`select units from message_prices where channel = ${c.channel}`.execute(db);
  const units = rows[0]?.units ?? (c.channel === 'email' ? 0 : 1);
  if (units === 0) return 'free';
  const posting = (code: SmsAccount): LedgerPosting => ({
    idempotencyKey: `sms:${c.key}`,
    reason: sendReason(c.channel),
    reference: c.reference,
    organizationId: c.organizationId,
    entries: transfer(orgAccount(c.organizationId, code), operatorAccount('sms.sent'), units),
  });
  const [fromPackage] = await postLedger(db, [posting('sms')]);
  if (fromPackage?.status === 'applied' || fromPackage?.status === 'duplicate') return 'sms';
  const { rows: billing } = await sql<{ on: boolean }>`select sms_postpaid as on from organization_billing where organization_id = ${c.organizationId}`.execute(db);
  if (billing[0]?.on !== true) return null;
  const [onCredit] = await postLedger(db, [posting('sms_postpaid')]);
  return onCredit?.status === 'applied' || onCredit?.status === 'duplicate' ? 'sms_postpaid' : null;
}

/** Gives back what the charge under `key` took, to the account it came from (once; nothing when it took nothing). */
export async function refundMessage(db: Db, organizationId: number, key: string): Promise<void> {
  const { rows } = await sql<{ code: 'sms' | 'sms_postpaid'; amount: number; reason: 'sms_sent' | 'viber_sent'; reference: string }>`
    select a.code, e.amount, t.reason, t.reference
      from ledger_transactions t
      join ledger_entries e on e.transaction_id = t.id
      join ledger_accounts a on a.id = e.account_id
     where t.idempotency_key = ${`sms:${key}`} and a.organization_id = ${organizationId}
  `.execute(db);
  const taken = rows[0];
  if (!taken || Number(taken.amount) >= 0) return;
  await postOne(db, {
    idempotencyKey: `sms:${key}:refund`,
    reason: taken.reason,
    reference: taken.reference,
    organizationId,
    entries: transfer(operatorAccount('sms.sent'), orgAccount(organizationId, taken.code), -Number(taken.amount)),
  });
}
