// Card top-ups and their refunds (migration of issue 17): card_payments and card_refunds. The rules of applying a
// provider's answers live in billing/card-payments.ts; these are its reads and writes.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database>;

export interface CardPayment {
  id: number;
  organization_id: number;
  order_id: string;
  provider_payment_id: string | null;
  amount: number;
  status: 'pending' | 'succeeded' | 'declined';
  refunded_amount: number;
  confirmation_url: string | null;
  created_at: Date;
}

export interface CardRefund {
  id: number;
  payment_id: number;
  reference: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
}

/** One payment by its request key, our order id or its id; `lock`: `for update`. */
export async function findCardPayment(db: Db, where: { requestKey?: string; orderId?: string; id?: number }, lock = false): Promise<CardPayment | undefined> {
  const { rows } = await sql<CardPayment>`
    select id, organization_id, order_id, provider_payment_id, amount, status, refunded_amount, confirmation_url, created_at
      from card_payments
     where ${where.requestKey !== undefined ? sql`request_key = ${where.requestKey}` : where.orderId !== undefined ? sql`order_id = ${where.orderId}` : sql`id = ${where.id ?? 0}`}
     ${lock ? sql`for update` : sql``}
  `.execute(db);
  return rows[0];
}

/** Records a top-up under its request key (a new order id); a known key records nothing. */
export async function recordCardTopUp(db: Db, a: { organizationId: number; requestKey: string; amount: number }): Promise<void> {
  await sql`
    insert into card_payments (organization_id, order_id, request_key, amount)
    values (${a.organizationId}, ${`topup-${randomUUID()}`}, ${a.requestKey}, ${a.amount})
    on conflict (request_key) do nothing
  `.execute(db);
}

/** The provider's payment id (the first one kept) and where to send the buyer. */
export async function setProviderPayment(db: Db, id: number, providerPaymentId: string, confirmationUrl: string | null): Promise<void> {
  await sql`
    update card_payments set provider_payment_id = coalesce(provider_payment_id, ${providerPaymentId}),
           confirmation_url = ${confirmationUrl}, updated_at = now()
     where id = ${id}
  `.execute(db);
}

export async function setCardPaymentStatus(db: Db, id: number, status: CardPayment['status'], providerPaymentId: string): Promise<void> {
  await sql`
    update card_payments set status = ${status}, provider_payment_id = ${providerPaymentId}, updated_at = now() where id = ${id}
  `.execute(db);
}

/** Adds kopecks (negative: gives them back) to the payment's refunded amount. */
export async function addRefundedAmount(db: Db, paymentId: number, amount: number): Promise<void> {
  await sql`update card_payments set refunded_amount = refunded_amount + ${amount}, updated_at = now() where id = ${paymentId}`.execute(db);
}

/** A refund by its reference, locked `for update`. */
export async function lockCardRefund(db: Db, reference: string): Promise<CardRefund | undefined> {
  const { rows } = await sql<CardRefund>`select id, payment_id, reference, amount, status from card_refunds where reference = ${reference} for update`.execute(db);
  return rows[0];
}

export async function cardRefundById(db: Db, id: number): Promise<CardRefund | undefined> {
  const { rows } = await sql<CardRefund>`select id, payment_id, reference, amount, status from card_refunds where id = ${id}`.execute(db);
  return rows[0];
}

export async function setCardRefundStatus(db: Db, id: number, status: CardRefund['status'], providerRefundId: string | null): Promise<void> {
  await sql`update card_refunds set status = ${status}, provider_refund_id = ${providerRefundId}, updated_at = now() where id = ${id}`.execute(db);
}

export async function isKnownProviderRefund(db: Db, providerRefundId: string): Promise<boolean> {
  const { rows } = await sql<{ id: number }>`select id from card_refunds where provider_refund_id = ${providerRefundId}`.execute(db);
  return rows.length > 0;
}

/** A refund the provider made on its own (already succeeded). */
export async function recordProviderCardRefund(db: Db, a: { paymentId: number; reference: string; providerRefundId: string; amount: number }): Promise<void> {
  await sql`
    insert into card_refunds (payment_id, reference, provider_refund_id, amount, status)
    values (${a.paymentId}, ${a.reference}, ${a.providerRefundId}, ${a.amount}, 'succeeded')
  `.execute(db);
}

/** A refund we ask for (pending until the provider answers). */
export async function insertCardRefund(db: Db, a: { paymentId: number; reference: string; amount: number }): Promise<CardRefund> {
  const { rows } = await sql<CardRefund>`
    insert into card_refunds (payment_id, reference, amount) values (${a.paymentId}, ${a.reference}, ${a.amount})
    returning id, payment_id, reference, amount, status
  `.execute(db);
  return rows[0]!;
}
