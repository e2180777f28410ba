/**
 * Debt paid off by the next top-up (issue 17). What a postpaid SMS bill (or a refund made at the card provider) could
 * not take from the balance is the organization's debt; money that comes in afterwards — by card, by bank transfer, or
 * credited by the operator — pays it off first, as its own movement («Погашение задолженности») with the top-up as its
 * reference. One settlement per top-up (key `debt:<top-up key>`), made only when the top-up itself was first posted, so
 * a replayed callback or statement line settles nothing again.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { balanceOf, lockPostpaidBilling, postOne } from '../db/ledger.repository.js';
import { operatorAccount, orgAccount, transfer } from '../domain/ledger.js';

/** Pays the organization's debt from its balance as far as the balance goes; the kopecks paid (0: no debt). */
export async function settleDebt(tx: Transaction<Database>, organizationId: number, topUp: { key: string; reference: string }): Promise<number> {
  // The same lock as the postpaid bill's: a bill and a settlement of one organization never interleave.
  await lockPostpaidBilling(tx, organizationId);
  const debt = -(await balanceOf(tx, organizationId, 'debt'));
  if (debt <= 0) return 0;
  const amount = Math.min(debt, await balanceOf(tx, organizationId, 'balance'));
  if (amount <= 0) return 0;
  await postOne(tx, {
    idempotencyKey: `debt:${topUp.key}`,
    reason: 'debt_settlement',
    reference: topUp.reference,
    organizationId,
    entries: transfer(orgAccount(organizationId, 'balance'), orgAccount(organizationId, 'debt'), amount),
  });
  return amount;
}

/** The operator credits the balance by hand (a payment taken outside the card and bank flows, or a correction). */
export async function operatorTopUp(
  tx: Transaction<Database>,
  a: { organizationId: number; amount: number; key: string; comment: string },
): Promise<{ transactionId: number; replayed: boolean }> {
  const posted = await postOne(tx, {
    idempotencyKey: a.key,
    reason: 'top_up.operator',
    reference: a.comment,
    organizationId: a.organizationId,
    entries: transfer(operatorAccount('adjustments'), orgAccount(a.organizationId, 'balance'), a.amount),
  });
  if (!posted.replayed) await settleDebt(tx, a.organizationId, { key: a.key, reference: a.comment });
  return posted;
}
