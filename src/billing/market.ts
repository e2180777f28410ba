/**
 * The Маркет (issue 17): SMS packages bought from the balance, postpaid SMS switched on and billed at the end of the
 * month from the SMS actually sent, activation codes (register-service.ts). Every purchase is one ledger movement
 * under a request key, so a retried purchase answers the first one.
 *
 * Overdraft rule of the postpaid bill: it is taken from the balance as far as the balance covers it; the rest is
 * recorded as the organization's debt (the `debt` account, negative), never lost and never clamped.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { balanceOf, isPosted, lockPostpaidBilling, postOne } from '../db/ledger.repository.js';
export { setSmsPostpaid } from '../db/ledger.repository.js';
import {
  findProduct,
  lastPostpaidBillReference,
  organizationsOwingPostpaid,
  postpaidSendsByReason,
  postpaidUnitsBefore,
} from '../db/market.repository.js';
import { messagePrices, sendReason } from '../db/message-charges.repository.js';
export { listProducts, smsPostpaidEnabled, type MarketProduct } from '../db/market.repository.js';
import { BillingError } from './errors.js';
import { operatorAccount, orgAccount, transfer, type LedgerEntry } from '../domain/ledger.js';
import { inBillingTransaction } from './transactions.js';


type Db = Kysely<Database>;



/** Buys `quantity` SMS packages of a product from the balance. */
export async function buySmsPackage(
  db: Db,
  a: { organizationId: number; productCode: string; quantity: number; requestKey: string },
): Promise<{ transactionId: number; replayed: boolean; units: number; price: number }> {
  const p = await findProduct(db, a.productCode);
  if (!p || !p.active || p.kind !== 'sms_package') throw new BillingError('PRODUCT_UNAVAILABLE', `${a.productCode} is not an SMS package on sale`);
  const price = p.price * a.quantity;
  const units = p.units * a.quantity;
  const posted = await inBillingTransaction(db, (tx) =>
    postOne(tx, {
      idempotencyKey: `org:${a.organizationId}:market:${a.requestKey}`,
      reason: 'sms_package',
      reference: `product:${p.code}x${a.quantity}`,
      organizationId: a.organizationId,
      entries: [
        ...(price > 0 ? transfer(orgAccount(a.organizationId, 'balance'), operatorAccount('revenue.sms'), price) : []),
        ...transfer(operatorAccount('sms.issued'), orgAccount(a.organizationId, 'sms'), units),
      ],
    }),
  );
  return { ...posted, units, price };
}



/** The first instant of the Moscow calendar month of `now`, and that month's predecessor as `YYYY-MM`. */
export function moscowMonthStart(now: Date): { start: Date; previousMonth: string } {
  const msk = new Date(now.getTime() + 3 * 3_600_000);
  const start = new Date(Date.UTC(msk.getUTCFullYear(), msk.getUTCMonth(), 1) - 3 * 3_600_000);
  const prev = new Date(Date.UTC(msk.getUTCFullYear(), msk.getUTCMonth() - 1, 1));
  return { start, previousMonth: prev.toISOString().slice(0, 7) };
}

/**
 * Bills the SMS an organization sent on credit before this Moscow month began (one bill per month, under the key
 * `sms-postpaid:<org>:<YYYY-MM>`): the count comes from the ledger's `sms_postpaid` entries, the price from the
 * catalogue's sms-postpaid row. Returns the SMS billed (0: nothing to bill, or billed before).
 */
export async function billPostpaidSms(db: Db, organizationId: number, now: Date): Promise<{ count: number; amount: number; replayed: boolean }> {
  const { start, previousMonth } = moscowMonthStart(now);
  const unit = await findProduct(db, 'sms-postpaid');
  const key = `sms-postpaid:${organizationId}:${previousMonth}`;
  return inBillingTransaction(db, async (tx) => {
    // One bill per organization at a time; a month billed before answers as a replay (its balance split may differ now).
    await lockPostpaidBilling(tx, organizationId);
    if (await isPosted(tx, key)) return { count: 0, amount: 0, replayed: true };
    const { count, amount } = await postpaidOwed(tx, organizationId, start, unit?.price ?? 0);
    if (count <= 0) return { count: 0, amount: 0, replayed: false };
    const covered = Math.min(amount, Math.max(0, await balanceOf(tx, organizationId, 'balance')));
    const entries: LedgerEntry[] = [
      ...transfer(operatorAccount('sms.issued'), orgAccount(organizationId, 'sms_postpaid'), count),
      ...(covered > 0 ? transfer(orgAccount(organizationId, 'balance'), operatorAccount('revenue.sms'), covered) : []),
      ...(amount - covered > 0 ? transfer(orgAccount(organizationId, 'debt'), operatorAccount('revenue.sms'), amount - covered) : []),
    ];
    const posted = await postOne(tx, {
      idempotencyKey: key,
      reason: 'sms_postpaid_bill',
      reference: `month:${previousMonth}`,
      organizationId,
      entries,
    });
    return { count, amount, replayed: posted.replayed };
  });
}

/**
 * The units sent on credit before `start` (all of them, less what earlier bills took) and their price: the sends since
 * the last bill's month, each channel at its own price (message_prices: a Viber message at Viber's); anything else
 * (a send that committed after the previous bill was counted) at the Маркет's `sms-postpaid` price.
 */
async function postpaidOwed(db: Db, organizationId: number, start: Date, smsPrice: number): Promise<{ count: number; amount: number }> {
  const count = await postpaidUnitsBefore(db, organizationId, start);
  const lastMonth = /^month:(\d{4})-(\d{2})$/.exec((await lastPostpaidBillReference(db, organizationId)) ?? '');
  const since = lastMonth ? moscowMonthStart(new Date(Date.UTC(Number(lastMonth[1]), Number(lastMonth[2]), 15))).start : new Date(0);
  const rows = await postpaidSendsByReason(db, organizationId, since, start);
  const prices = new Map((await messagePrices(db)).filter((p) => p.channel !== 'email').map((p) => [sendReason(p.channel), p.postpaidPrice]));
  const priced = rows.reduce((s, r) => s + Number(r.owed), 0);
  const amount = rows.reduce((s, r) => s + Number(r.owed) * (prices.get(r.reason as 'viber_sent') ?? smsPrice), 0) + (count - priced) * smsPrice;
  return { count, amount };
}

/** Bills every organization with SMS sent on credit (the worker's monthly pass; safe to run any number of times). */
export async function billPostpaidSmsForAll(db: Db, now: Date): Promise<number> {
  let billed = 0;
  for (const id of await organizationsOwingPostpaid(db)) if ((await billPostpaidSms(db, id, now)).count > 0) billed++;
  return billed;
}
