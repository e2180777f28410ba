/**
 * The OFD service of a register, bought and derived (issue 17): a tariff paid from the balance, an activation code
 * applied, or a grant by the operator each add a period; the register's service end (ofd_services) is the latest
 * paid day, rewritten in the same transaction. Every purchase is one ledger movement; a request key makes a retried
 * purchase answer the first one.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import { postOne } from '../db/ledger.repository.js';
import {
  activationCodesOf,
  findTariff,
  insertActivationCodes,
  insertPeriod,
  latestPaidDay,
  lockActivationCode,
  lockRegisterService,
  markActivationCodeApplied,
  periodByRequestKey,
  deleteOperatorPeriods,
  type ActivationCode,
  type ServicePeriod,
  type Tariff,
} from '../db/service-periods.repository.js';
import { moscowDate } from '../domain/ofd-service.js';
import { BillingError } from './errors.js';
import { operatorAccount, orgAccount, transfer } from '../domain/ledger.js';
import { nextTerm, priceOn } from './service-terms.js';
import { inBillingTransaction } from './transactions.js';

export interface RegisterRef {
  readonly id: number;
  readonly organization_id: number | null;
}

async function activeTariff(tx: Transaction<Database>, tariffId: number): Promise<Tariff> {
  const t = await findTariff(tx, tariffId);
  if (!t || !t.active) throw new BillingError('TARIFF_UNAVAILABLE', `tariff ${tariffId} is not on sale`);
  return t;
}

function organizationOf(register: RegisterRef): number {
  if (register.organization_id === null) {
    throw new BillingError('REGISTER_WITHOUT_ORGANIZATION', `register ${register.id} belongs to no organization yet`);
  }
  return register.organization_id;
}

/** Pays one term of a tariff for a register from the organization's balance. */
export async function payTariff(
  db: Kysely<Database>,
  a: { register: RegisterRef; tariffId: number; requestKey: string; now: Date },
): Promise<{ period: ServicePeriod; replayed: boolean }> {
  const organizationId = organizationOf(a.register);
  const requestKey = `org:${organizationId}:tariff:${a.requestKey}`;
  return inBillingTransaction(db, async (tx) => {
    await lockRegisterService(tx, a.register.id);
    const prior = await periodByRequestKey(tx, requestKey);
    if (prior) {
      if (prior.register_id !== a.register.id || prior.tariff_id !== a.tariffId) {
        throw new BillingError('IDEMPOTENCY_KEY_REUSED', 'this idempotency key paid for another register or tariff');
      }
      return { period: prior, replayed: true };
    }
    const tariff = await activeTariff(tx, a.tariffId);
    const today = moscowDate(a.now);
    const price = priceOn(tariff, today);
    const term = nextTerm(await latestPaidDay(tx, a.register.id), today, tariff.months);
    let transactionId: number | null = null;
    if (price > 0) {
      const posted = await postOne(tx, {
        idempotencyKey: requestKey,
        reason: 'tariff',
        reference: `register:${a.register.id}`,
        organizationId,
        entries: transfer(orgAccount(organizationId, 'balance'), operatorAccount('revenue.ofd'), price),
      });
      transactionId = posted.transactionId;
    }
    const period = await insertPeriod(tx, {
      registerId: a.register.id,
      organizationId,
      source: 'tariff',
      tariffId: tariff.id,
      activationCode: null,
      ...term,
      price,
      transactionId,
      requestKey,
    });
    return { period, replayed: false };
  });
}

/**
 * The operator's grant (`PUT /registers/{id}/ofd-service`): a period from today to `until`, or, with null, the
 * removal of the operator's grants. Paid periods stay; the service end is the latest of all.
 */
export async function grantOperatorPeriod(db: Kysely<Database>, register: RegisterRef, until: string | null, now: Date): Promise<void> {
  await inBillingTransaction(db, async (tx) => {
    await lockRegisterService(tx, register.id);
    // A new grant replaces the operator's earlier ones (as the typed date used to); paid periods are untouched.
    await deleteOperatorPeriods(tx, register.id);
    if (until === null) return;
    const today = moscowDate(now);
    await insertPeriod(tx, {
      registerId: register.id,
      organizationId: register.organization_id,
      source: 'operator',
      tariffId: null,
      activationCode: null,
      startsOn: until < today ? until : today,
      endsOn: until,
      price: 0,
      transactionId: null,
      requestKey: null,
    });
  });
}

function newActivationCode(): string {
  const raw = randomBytes(10).toString('hex').toUpperCase();
  return `OFD-${raw.slice(0, 5)}-${raw.slice(5, 10)}-${raw.slice(10, 15)}-${raw.slice(15, 20)}`;
}

/** Buys `quantity` activation codes of a tariff's term at its price each. */
export async function buyActivationCodes(
  db: Kysely<Database>,
  a: { organizationId: number; tariffId: number; quantity: number; requestKey: string; now: Date },
): Promise<{ codes: ActivationCode[]; transactionId: number; replayed: boolean }> {
  const purchaseKey = `org:${a.organizationId}:codes:${a.requestKey}`;
  return inBillingTransaction(db, async (tx) => {
    const tariff = await activeTariff(tx, a.tariffId);
    const price = priceOn(tariff, moscowDate(a.now)) * a.quantity;
    const posted = await postOne(tx, {
      idempotencyKey: purchaseKey,
      reason: 'activation_codes',
      reference: `tariff:${tariff.id}`,
      organizationId: a.organizationId,
      entries: [
        ...(price > 0 ? transfer(orgAccount(a.organizationId, 'balance'), operatorAccount('revenue.codes'), price) : []),
        ...transfer(operatorAccount('codes.issued'), orgAccount(a.organizationId, 'activation_codes'), a.quantity),
      ],
    });
    if (!posted.replayed) {
      const codes = Array.from({ length: a.quantity }, newActivationCode);
      await insertActivationCodes(tx, codes, { organizationId: a.organizationId, tariffId: tariff.id, months: tariff.months, purchaseKey, transactionId: posted.transactionId });
    }
    return { codes: await activationCodesOf(tx, a.organizationId, purchaseKey), transactionId: posted.transactionId, replayed: posted.replayed };
  });
}

/**
 * Applies an activation code of the register's organization: its term starts (after what is already paid). A code
 * applied before answers its period again when it was this register, ACTIVATION_CODE_USED otherwise.
 */
export async function applyActivationCode(
  db: Kysely<Database>,
  a: { register: RegisterRef; code: string; now: Date },
): Promise<{ period: ServicePeriod; replayed: boolean } | undefined> {
  const organizationId = organizationOf(a.register);
  const requestKey = `code:${a.code}`;
  return inBillingTransaction(db, async (tx) => {
    await lockRegisterService(tx, a.register.id);
    const code = await lockActivationCode(tx, a.code);
    if (!code || code.organization_id !== organizationId) return undefined;
    if (code.applied_register_id !== null) {
      const prior = await periodByRequestKey(tx, requestKey);
      if (prior && code.applied_register_id === a.register.id) return { period: prior, replayed: true };
      throw new BillingError('ACTIVATION_CODE_USED', 'the activation code was applied to another register');
    }
    const posted = await postOne(tx, {
      idempotencyKey: requestKey,
      reason: 'activation_code_applied',
      reference: `register:${a.register.id}`,
      organizationId,
      entries: transfer(orgAccount(organizationId, 'activation_codes'), operatorAccount('codes.applied'), 1),
    });
    await markActivationCodeApplied(tx, code.code, a.register.id);
    const term = nextTerm(await latestPaidDay(tx, a.register.id), moscowDate(a.now), code.months);
    const period = await insertPeriod(tx, {
      registerId: a.register.id,
      organizationId,
      source: 'activation_code',
      tariffId: code.tariff_id,
      activationCode: code.code,
      ...term,
      price: 0,
      transactionId: posted.transactionId,
      requestKey,
    });
    return { period, replayed: false };
  });
}
