/**
 * The branded e-receipt service bought in the Маркет (issue 17): one ledger movement (balance → revenue.services,
 * reason `branded_receipts`) under the request key, and the service period it pays for, starting where the current
 * one ends. A retried purchase answers the first one and extends nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { brandedServiceOffers, brandedServicePeriodOf, extendBrandedService, type BrandedServicePeriod } from '../db/branded-service.repository.js';
import { postOne } from '../db/ledger.repository.js';
import { operatorAccount, orgAccount, transfer } from '../domain/ledger.js';
import { BillingError } from './errors.js';
import { inBillingTransaction } from './transactions.js';

export async function buyBrandedReceipts(
  db: Kysely<Database>,
  a: { organizationId: number; productCode: string; requestKey: string; now: Date },
): Promise<{ transactionId: number; replayed: boolean; price: number; period: BrandedServicePeriod }> {
  const offer = (await brandedServiceOffers(db)).find((o) => o.code === a.productCode);
  if (!offer) throw new BillingError('PRODUCT_UNAVAILABLE', `${a.productCode} is not a branded e-receipt offer on sale`);
  return inBillingTransaction(db, async (tx) => {
    const posted = await postOne(tx, {
      idempotencyKey: `org:${a.organizationId}:branded-receipts:${a.requestKey}`,
      reason: 'branded_receipts',
      reference: `product:${offer.code}`,
      organizationId: a.organizationId,
      entries: transfer(orgAccount(a.organizationId, 'balance'), operatorAccount('revenue.services'), offer.price),
    });
    const prior = posted.replayed ? await brandedServicePeriodOf(tx, posted.transactionId) : undefined;
    const period =
      prior ??
      (await extendBrandedService(tx, { organizationId: a.organizationId, productCode: offer.code, months: offer.months, transactionId: posted.transactionId, now: a.now }));
    return { ...posted, price: offer.price, period };
  });
}
