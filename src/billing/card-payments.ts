/**
 * Top-ups by card through the payment provider port (issue 17).
 *
 * - A top-up is recorded (card_payments, our order id) before the provider is called, so a webhook that overtakes the
 *   provider's answer still finds it; a retried request with the same key asks the provider again with the same
 *   Idempotence-Key and never makes a second payment.
 * - A webhook carries the payment's whole state. Applying it is convergent: the balance is credited once, under the
 *   ledger key `card:<provider id>:captured`, as soon as any callback shows the payment succeeded (a refund callback
 *   that overtakes the success included); duplicates and late or stale callbacks change nothing.
 * - A refund is charged to the balance when asked (money already spent cannot go back to the card) and given back if
 *   the provider refuses it; one the provider did not answer stays pending until its callback or a retry settles it.
 */
import type { Kysely, Transaction } from 'kysely';
import { PaymentError, type PaymentProvider, type PaymentWebhook, type ProviderRefund } from '../adapters/payments/payment-provider.js';
import {
  addRefundedAmount,
  cardRefundById,
  findCardPayment as findPayment,
  insertCardRefund,
  isKnownProviderRefund,
  lockCardRefund as lockRefund,
  recordCardTopUp,
  recordProviderCardRefund,
  setCardPaymentStatus,
  setCardRefundStatus,
  setProviderPayment,
  type CardPayment,
  type CardRefund,
} from '../db/card-payments.repository.js';
import type { Database } from '../db/database.js';
import { balanceOf, postOne } from '../db/ledger.repository.js';
import { settleDebt } from './debt.js';
import { BillingError } from './errors.js';
import { operatorAccount, orgAccount, transfer } from '../domain/ledger.js';
import { inBillingTransaction } from './transactions.js';

export type { CardPayment, CardRefund };

type Db = Kysely<Database>;

export async function cardPaymentById(db: Db, id: number): Promise<CardPayment | undefined> {
  return findPayment(db, { id });
}

function providerFailed(e: unknown): never {
  if (e instanceof PaymentError) throw new BillingError('PAYMENT_PROVIDER_FAILED', e.message);
  throw e;
}

/** Starts a top-up: the payment to redirect the buyer to. A replay with the same key answers the same payment. */
export async function startCardTopUp(
  db: Db,
  provider: PaymentProvider,
  a: { organizationId: number; amount: number; requestKey: string; returnUrl: string },
): Promise<{ payment: CardPayment; replayed: boolean }> {
  const requestKey = `org:${a.organizationId}:card:${a.requestKey}`;
  await recordCardTopUp(db, { organizationId: a.organizationId, requestKey, amount: a.amount });
  const row = (await findPayment(db, { requestKey }))!;
  if (row.amount !== a.amount) throw new BillingError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key started a top-up of another amount');
  if (row.provider_payment_id !== null) return { payment: row, replayed: true };
  const created = await provider
    .createPayment({ orderId: row.order_id, amount: row.amount, description: 'Пополнение лицевого счёта ОФД', returnUrl: a.returnUrl })
    .catch(providerFailed);
  await setProviderPayment(db, row.id, created.id, created.confirmationUrl ?? null);
  return { payment: (await findPayment(db, { id: row.id }))!, replayed: false };
}

export type WebhookOutcome = 'applied' | 'unknown_payment' | 'mismatch';

/** Applies a verified webhook; any number of times, in any order. */
export async function applyPaymentWebhook(db: Db, hook: PaymentWebhook): Promise<WebhookOutcome> {
  return inBillingTransaction(db, async (tx) => {
    const row = await findPayment(tx, { orderId: hook.payment.orderId }, true);
    if (!row) return 'unknown_payment';
    if ((row.provider_payment_id !== null && row.provider_payment_id !== hook.payment.id) || row.amount !== hook.payment.amount) return 'mismatch';
    const succeeded = hook.payment.status === 'succeeded' || hook.payment.refundedAmount > 0 || hook.event === 'refund.succeeded';
    if (succeeded) {
      const key = `card:${hook.payment.id}:captured`;
      const reference = `card-payment:${row.id}`;
      const posted = await postOne(tx, {
        idempotencyKey: key,
        reason: 'top_up.card',
        reference,
        organizationId: row.organization_id,
        entries: transfer(operatorAccount('clearing.card'), orgAccount(row.organization_id, 'balance'), row.amount),
      });
      if (!posted.replayed) await settleDebt(tx, row.organization_id, { key, reference });
    }
    const status = succeeded ? 'succeeded' : hook.payment.status === 'declined' && row.status === 'pending' ? 'declined' : row.status;
    await setCardPaymentStatus(tx, row.id, status, hook.payment.id);
    if (hook.refund) await settleRefund(tx, row, hook.refund);
    if (hook.refund?.status === 'succeeded' && succeeded) await recordProviderRefund(tx, row, hook.refund);
    return 'applied';
  });
}

/** Marks a refund done, or failed with its money given back to the balance. Only a pending refund changes. */
async function settleRefund(tx: Transaction<Database>, payment: CardPayment, r: Pick<ProviderRefund, 'id' | 'reference' | 'status'>): Promise<void> {
  const refund = await lockRefund(tx, r.reference);
  if (!refund || refund.payment_id !== payment.id || refund.status !== 'pending') return;
  await setCardRefundStatus(tx, refund.id, r.status, r.id || null);
  if (r.status === 'failed') {
    await addRefundedAmount(tx, payment.id, -refund.amount);
    await postOne(tx, {
      idempotencyKey: `card-refund:${refund.reference}:reversed`,
      reason: 'refund.card',
      reference: `card-payment:${payment.id}`,
      organizationId: payment.organization_id,
      entries: transfer(operatorAccount('clearing.card'), orgAccount(payment.organization_id, 'balance'), refund.amount),
    });
  }
}

/**
 * A refund made at the provider (its dashboard, a dispute) that we never asked for: the money went back to the card,
 * so it is charged to the balance once (key `card-refund:provider:<refund id>`), and what the balance no longer holds
 * becomes debt — settled by the next top-up — rather than being lost. Our own refunds are known by their reference.
 */
async function recordProviderRefund(tx: Transaction<Database>, payment: CardPayment, r: ProviderRefund): Promise<void> {
  if (await lockRefund(tx, r.reference)) return;
  if (await isKnownProviderRefund(tx, r.id)) return;
  const reference = `provider-${r.id}`;
  await recordProviderCardRefund(tx, { paymentId: payment.id, reference, providerRefundId: r.id, amount: r.amount });
  await addRefundedAmount(tx, payment.id, r.amount);
  const org = payment.organization_id;
  const covered = Math.min(r.amount, Math.max(0, await balanceOf(tx, org, 'balance')));
  await postOne(tx, {
    idempotencyKey: `card-refund:provider:${r.id}`,
    reason: 'refund.card',
    reference: `card-payment:${payment.id}`,
    organizationId: org,
    entries: [
      ...(covered > 0 ? transfer(orgAccount(org, 'balance'), operatorAccount('clearing.card'), covered) : []),
      ...(r.amount - covered > 0 ? transfer(orgAccount(org, 'debt'), operatorAccount('clearing.card'), r.amount - covered) : []),
    ],
  });
}

/** Refunds part or all of a succeeded top-up to the card (the operator's decision). */
export async function refundCardPayment(
  db: Db,
  provider: PaymentProvider,
  a: { paymentId: number; amount: number; requestKey: string },
): Promise<CardRefund> {
  const reference = `refund-${a.paymentId}-${a.requestKey}`;
  const { payment, refund } = await inBillingTransaction(db, async (tx) => {
    const p = await findPayment(tx, { id: a.paymentId }, true);
    if (!p) throw new BillingError('PAYMENT_NOT_REFUNDABLE', 'no such card payment');
    const prior = await lockRefund(tx, reference);
    if (prior) {
      if (prior.amount !== a.amount) throw new BillingError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key refunded another amount');
      return { payment: p, refund: prior };
    }
    if (p.status !== 'succeeded' || p.provider_payment_id === null || a.amount > p.amount - p.refunded_amount) {
      throw new BillingError('PAYMENT_NOT_REFUNDABLE', `payment ${p.id} is ${p.status}; ${p.amount - p.refunded_amount} kopecks left to refund`);
    }
    const inserted = await insertCardRefund(tx, { paymentId: p.id, reference, amount: a.amount });
    await addRefundedAmount(tx, p.id, a.amount);
    await postOne(tx, {
      idempotencyKey: `card-refund:${reference}`,
      reason: 'refund.card',
      reference: `card-payment:${p.id}`,
      organizationId: p.organization_id,
      entries: transfer(orgAccount(p.organization_id, 'balance'), operatorAccount('clearing.card'), a.amount),
    });
    return { payment: p, refund: inserted };
  });
  if (refund.status !== 'pending') return refund;
  let answer: Pick<ProviderRefund, 'id' | 'reference' | 'status'>;
  try {
    answer = await provider.refund(payment.provider_payment_id!, { amount: refund.amount, reference });
  } catch (e) {
    if (!(e instanceof PaymentError) || e.retryable) return refund; // unanswered: its callback or a retry settles it
    answer = { id: '', reference, status: 'failed' };
  }
  await inBillingTransaction(db, async (tx) => {
    const p = (await findPayment(tx, { id: payment.id }, true))!;
    await settleRefund(tx, p, answer);
  });
  return (await cardRefundById(db, refund.id))!;
}
