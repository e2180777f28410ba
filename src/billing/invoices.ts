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

export interface ImportResult {
  readonly lines: number;
  readonly matched: number;
  readonly unmatched: number;
  /** Lines already imported before (the same bank documents). */
  readonly duplicates: number;
}

/** Records a statement's incoming payments and credits those that name an invoice. Safe to import twice. */
export async function importStatement(db: Db, lines: readonly StatementLine[]): Promise<ImportResult> {
  let matched = 0;
  let unmatched = 0;
  let duplicates = 0;
  for (const line of lines) {
    const outcome = await inBillingTransaction(db, async (tx) => {
      const lineId = await insertStatementLine(tx, line);
      if (lineId === undefined) return 'duplicate' as const;
      const number = invoiceNumberIn(line.purpose);
      const invoice = number ? await lockInvoiceByNumber(tx, number) : undefined;
      if (!invoice) return 'unmatched' as const;
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
      return 'matched' as const;
    });
    if (outcome === 'matched') matched++;
    else if (outcome === 'unmatched') unmatched++;
    else duplicates++;
  }
  return { lines: lines.length, matched, unmatched, duplicates };
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
