/**
 * The money ledger's vocabulary (issue 17): account codes, postings and the errors. Pure: the database side is
 * src/db/ledger.repository.ts and migration 0035 (which also holds the chart of accounts as data).
 *
 * Sign convention: an entry's amount is added to its account's balance. A customer's `balance` is the money it has with
 * the operator (kopecks); the operator's accounts carry the other side of every movement and may go negative
 * (a top-up by card takes from `clearing.card` and adds to the customer's `balance`; a purchase takes from `balance`
 * and adds to a `revenue.*` account). The entries of every transaction sum to zero per unit.
 *
 * Overdraft rules (min_balance in ledger_account_kinds): a customer's `balance`, `sms` and `activation_codes` never go
 * below 0 — a movement that would is rejected whole (INSUFFICIENT_FUNDS) — while `sms_postpaid` (SMS sent on credit,
 * billed at the end of the month), `debt` (what a postpaid bill could not take from the balance, migration 0038) and
 * the operator's accounts are unbounded.
 */
import { codeTable, CodedError, type CodeOf } from '../domain/errors.js';
import { createHash } from 'node:crypto';

export const ORGANIZATION_ACCOUNTS = ['balance', 'sms', 'sms_postpaid', 'activation_codes', 'debt'] as const;
export const OPERATOR_ACCOUNTS = [
  'revenue.ofd',
  'revenue.sms',
  'revenue.codes',
  'revenue.services',
  'clearing.card',
  'clearing.bank',
  'adjustments',
  'sms.issued',
  'sms.sent',
  'codes.issued',
  'codes.applied',
] as const;
export type OrganizationAccount = (typeof ORGANIZATION_ACCOUNTS)[number];
export type OperatorAccount = (typeof OPERATOR_ACCOUNTS)[number];

/** Why money moved: shown in the account history, one of these. */
export const LEDGER_REASONS = [
  'top_up.card',
  'refund.card',
  'top_up.bank',
  'top_up.operator',
  'tariff',
  'sms_package',
  'sms_sent',
  'viber_sent',
  'sms_postpaid_bill',
  'debt_settlement',
  'activation_codes',
  'activation_code_applied',
  'service',
  'branded_receipts',
  'opening_balance',
] as const;
export type LedgerReason = (typeof LEDGER_REASONS)[number];

export type LedgerEntry =
  | { readonly organizationId: number; readonly code: OrganizationAccount; readonly amount: number }
  | { readonly organizationId: null; readonly code: OperatorAccount; readonly amount: number };

export interface LedgerPosting {
  /** Unique per movement: the external event's id (`card:<paymentId>:captured`) or a deterministic internal key. */
  readonly idempotencyKey: string;
  readonly reason: LedgerReason;
  /** What it is about: `payment:<id>`, `register:<id>`, `purchase:<id>`… */
  readonly reference: string;
  /** The organization whose history shows it. */
  readonly organizationId: number | null;
  readonly entries: readonly LedgerEntry[];
}

export type LedgerResult =
  | { readonly status: 'applied' | 'duplicate'; readonly transactionId: number }
  | { readonly status: 'rejected'; readonly code: 'INSUFFICIENT_FUNDS' }
  /** The key was used before by a different posting: nothing moved. */
  | { readonly status: 'conflict'; readonly transactionId: number };

/**
 * - LEDGER_BAD_ENTRY        An entry's amount is not a non-zero safe integer, or a posting has fewer than two entries.
 * - LEDGER_UNBALANCED       A posting's entries do not sum to zero per unit (a programming error; refused before the
 *                           database).
 * - INSUFFICIENT_FUNDS      The movement would take a bounded account below its minimum.
 * - IDEMPOTENCY_KEY_REUSED  The idempotency key was used before for a different movement.
 */
export const LedgerErrorCodes = codeTable('LEDGER_BAD_ENTRY', 'LEDGER_UNBALANCED', 'INSUFFICIENT_FUNDS', 'IDEMPOTENCY_KEY_REUSED');
export type LedgerErrorCode = CodeOf<typeof LedgerErrorCodes>;

export class LedgerError extends CodedError<LedgerErrorCode> {
  override readonly name = 'LedgerError';
}

export const UNIT_OF: Readonly<Record<OrganizationAccount | OperatorAccount, 'RUB' | 'SMS' | 'CODE'>> = {
  balance: 'RUB',
  sms: 'SMS',
  sms_postpaid: 'SMS',
  activation_codes: 'CODE',
  debt: 'RUB',
  'revenue.ofd': 'RUB',
  'revenue.sms': 'RUB',
  'revenue.codes': 'RUB',
  'revenue.services': 'RUB',
  'clearing.card': 'RUB',
  'clearing.bank': 'RUB',
  adjustments: 'RUB',
  'sms.issued': 'SMS',
  'sms.sent': 'SMS',
  'codes.issued': 'CODE',
  'codes.applied': 'CODE',
};

/** Refuses a posting that could never be right, before it reaches the database. */
export function checkPosting(p: LedgerPosting): void {
  if (p.entries.length < 2) throw new LedgerError('LEDGER_BAD_ENTRY', `${p.idempotencyKey}: a movement needs two entries at least`);
  const sums = new Map<string, number>();
  for (const e of p.entries) {
    if (!Number.isSafeInteger(e.amount) || e.amount === 0) {
      throw new LedgerError('LEDGER_BAD_ENTRY', `${p.idempotencyKey}: amount ${e.amount} is not a non-zero integer`);
    }
    const unit = UNIT_OF[e.code];
    sums.set(unit, (sums.get(unit) ?? 0) + e.amount);
  }
  for (const [unit, sum] of sums) {
    if (sum !== 0) throw new LedgerError('LEDGER_UNBALANCED', `${p.idempotencyKey}: ${unit} entries sum to ${sum}, not 0`);
  }
}

/** What makes two postings with one key the same request (the key itself aside). */
export function postingHash(p: LedgerPosting): string {
  const entries = [...p.entries].map((e) => `${e.organizationId ?? '-'}:${e.code}:${e.amount}`).sort();
  return createHash('sha256').update(JSON.stringify([p.reason, p.reference, p.organizationId, entries])).digest('hex').slice(0, 32);
}

/** A movement of `amount` from one account to another (the usual two-entry transaction). */
export function transfer(from: Omit<LedgerEntry, 'amount'>, to: Omit<LedgerEntry, 'amount'>, amount: number): LedgerEntry[] {
  return [{ ...from, amount: -amount } as LedgerEntry, { ...to, amount } as LedgerEntry];
}

export const orgAccount = (organizationId: number, code: OrganizationAccount) => ({ organizationId, code }) as const;
export const operatorAccount = (code: OperatorAccount) => ({ organizationId: null, code }) as const;
