/**
 * Invoices for bank transfer, the statements that pay them, and the monthly acts (issue 17).
 *
 * An imported statement line is recorded once (its bank document's key); when its purpose names one of our invoices,
 * its amount is credited to that invoice's organization under the ledger key `bank:<line key>` in the same
 * transaction, and the invoice is paid. Lines without a known invoice stay unmatched for the operator.
 * An act lists, for one Moscow month, what the organization was charged for (its ledger movements into revenue).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import {
  insertInvoice,
  insertStatementLine,
  invoiceById,
  invoiceByRequestKey,
  invoicesOf,
  lockInvoiceByNumber,
  markInvoicePaidIfCovered,
  matchStatementLine,
  revenueByReason,
  revenueMonths,
  unmatchedStatementLines,
  type Invoice,
} from '../db/invoices.repository.js';
import { postOne } from '../db/ledger.repository.js';
import { moscowDate } from '../domain/ofd-service.js';
import { invoiceNumberIn, type StatementLine } from './bank-statements.js';
import { settleDebt } from './debt.js';
import { operatorAccount, orgAccount, transfer } from '../domain/ledger.js';
import { inBillingTransaction } from './transactions.js';
import type { ActLine } from './pdf.js';

type Db = Kysely<Database>;

export type { Invoice };
export { invoiceById, invoicesOf, unmatchedStatementLines };

export async function issueInvoice(db: Db, a: { organizationId: number; amount: number; requestKey: string; now: Date }): Promise<{ invoice: Invoice; replayed: boolean }> {
  const requestKey = `org:${a.organizationId}:invoice:${a.requestKey}`;
  const today = moscowDate(a.now);
  const issued = await insertInvoice(db, { organizationId: a.organizationId, numberPrefix: `OFD-${today.slice(0, 4)}-`, amount: a.amount, requestKey, issuedOn: today });
  if (issued) return { invoice: issued, replayed: false };
  return { invoice: (await invoiceByRequestKey(db, requestKey))!, replayed: true };
}

/** One payment of an imported statement and what became of it. */
export interface ImportedPayment {
  readonly documentNumber: string;
  readonly paidOn: string | null;
  /** Kopecks. */
  readonly amount: number;
  readonly payerInn: string | null;
  readonly payerName: string | null;
  readonly purpose: string;
  /** matched: credited against the invoice; unmatched: kept for the operator; duplicate: imported before. */
  readonly outcome: 'matched' | 'unmatched' | 'duplicate';
  /** The invoice it paid (matched only). */
  readonly invoiceNumber: string | null;
  readonly organizationId: number | null;
}

export interface ImportResult {
  readonly lines: number;
  readonly matched: number;
  readonly unmatched: number;
  /** Lines already imported before (the same bank documents). */
  readonly duplicates: number;
  /** Each incoming payment in the file's order, so the operator sees which invoice each one paid. */
  readonly payments: readonly ImportedPayment[];
}

type Outcome = Pick<ImportedPayment, 'outcome' | 'invoiceNumber' | 'organizationId'>;

/** One statement line in its own transaction: recorded once, and credited when its purpose names a known invoice. */
async function importLine(db: Db, line: StatementLine): Promise<Outcome> {
  return inBillingTransaction(db, async (tx): Promise<Outcome> => {
    const lineId = await insertStatementLine(tx, line);
    if (lineId === undefined) return { outcome: 'duplicate', invoiceNumber: null, organizationId: null };
    const number = invoiceNumberIn(line.purpose);
    const invoice = number ? await lockInvoiceByNumber(tx, number) : undefined;
    if (!invoice) return { outcome: 'unmatched', invoiceNumber: null, organizationId: null };
    const posted = await postOne(tx, {
      idempotencyKey: `bank:${line.key}`,
      reason: 'top_up.bank',
      reference: `invoice:${invoice.number}`,
      organizationId: invoice.organization_id,
      entries: transfer(operatorAccount('clearing.bank'), orgAccount(invoice.organization_id, 'balance'), line.amount),
    });
    await matchStatementLine(tx, lineId, invoice.id, posted.transactionId);
    if (!posted.replayed) await settleDebt(tx, invoice.organization_id, { key: `bank:${line.key}`, reference: `invoice:${invoice.number}` });
    // Paid once the money received against it covers it (a payment may come in parts).
    await markInvoicePaidIfCovered(tx, invoice.id);
    return { outcome: 'matched', invoiceNumber: invoice.number, organizationId: invoice.organization_id };
  });
}

export async function importStatement(db: Db, lines: readonly StatementLine[]): Promise<ImportResult> {
  const payments: ImportedPayment[] = [];
  for (const line of lines) {
    const outcome = await importLine(db, line);
    const { documentNumber, paidOn, amount, payerInn, payerName, purpose } = line;
    payments.push({ documentNumber, paidOn, amount, payerInn, payerName, purpose, ...outcome });
  }
  const count = (o: ImportedPayment['outcome']) => payments.filter((p) => p.outcome === o).length;
  return { lines: lines.length, matched: count('matched'), unmatched: count('unmatched'), duplicates: count('duplicate'), payments };
}

const ACT_TITLES: Record<string, string> = {
  tariff: 'Услуги оператора фискальных данных (обработка и передача фискальных данных)',
  sms_package: 'Пакеты SMS для отправки электронных чеков',
  sms_postpaid_bill: 'Отправка SMS с электронными чеками (по факту)',
  activation_codes: 'Коды активации услуг оператора фискальных данных',
  service: 'Прочие услуги',
};

/** `YYYY-MM` of Moscow → its bounds as instants, and its last day. */
export function monthBounds(month: string): { from: Date; to: Date; lastDay: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const from = new Date(Date.UTC(y, m - 1, 1) - 3 * 3_600_000);
  const to = new Date(Date.UTC(y, m, 1) - 3 * 3_600_000);
  return { from, to, lastDay: new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10) };
}

/** What the organization was charged for in a Moscow month, by kind (revenue entries of its transactions). */
export async function actLines(db: Db, organizationId: number, month: string): Promise<ActLine[]> {
  const { from, to } = monthBounds(month);
  const rows = await revenueByReason(db, organizationId, from, to);
  return rows.filter((r) => r.amount !== 0).map((r) => ({ title: ACT_TITLES[r.reason] ?? r.reason, amount: r.amount }));
}

/** Months (Moscow, `YYYY-MM`) in which the organization was charged, newest first: one act each. */
export async function actMonths(db: Db, organizationId: number): Promise<Array<{ month: string; amount: number }>> {
  return revenueMonths(db, organizationId);
}
