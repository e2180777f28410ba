/**
 * Invoices for bank transfer, the statements that pay them, and the monthly acts (issue 17).
 *
 * An imported statement line is recorded once (its bank document's key); when its purpose names one of our invoices,
 * its amount is credited to that invoice's organization under the ledger key `bank:<line key>` in the same
 * transaction, and the invoice is paid. Lines without a known invoice stay unmatched for the operator.
 * An act lists, for one Moscow month, what the organization was charged for (its ledger movements into revenue).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { postOne } from '../db/ledger.repository.js';
import { moscowDate } from '../domain/ofd-service.js';
import { invoiceNumberIn, type StatementLine } from './bank-statements.js';
import { settleDebt } from './debt.js';
import { operatorAccount, orgAccount, transfer } from '../domain/ledger.js';
import { inBillingTransaction } from './transactions.js';
import type { ActLine } from './pdf.js';

type Db = Kysely<Database>;

export interface Invoice {
  id: number;
  organization_id: number;
  number: string;
  amount: number;
  status: 'issued' | 'paid';
  issued_on: string;
  paid_at: Date | null;
  created_at: Date;
}

const INVOICE_COLUMNS = sql`id, organization_id, number, amount, status, issued_on, paid_at, created_at`;

export async function issueInvoice(db: Db, a: { organizationId: number; amount: number; requestKey: string; now: Date }): Promise<{ invoice: Invoice; replayed: boolean }> {
  const requestKey = `org:${a.organizationId}:invoice:${a.requestKey}`;
  const today = moscowDate(a.now);
  const { rows } = await sql<Invoice>`
    insert into invoices (organization_id, number, amount, request_key, issued_on)
    values (${a.organizationId}, ${`OFD-${today.slice(0, 4)}-`} || lpad(nextval('invoice_numbers')::text, 6, '0'), ${a.amount}, ${requestKey}, ${today}::date)
    on conflict (request_key) do nothing
    returning ${INVOICE_COLUMNS}
  `.execute(db);
  if (rows[0]) return { invoice: rows[0], replayed: false };
  const { rows: prior } = await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where request_key = ${requestKey}`.execute(db);
  return { invoice: prior[0]!, replayed: true };
}

export async function invoicesOf(db: Db, organizationId: number): Promise<Invoice[]> {
  const { rows } = await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where organization_id = ${organizationId} order by id desc`.execute(db);
  return rows;
}

export async function invoiceById(db: Db, id: number): Promise<Invoice | undefined> {
  const { rows } = await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where id = ${id}`.execute(db);
  return rows[0];
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
      const { rows: inserted } = await sql<{ id: number }>`
        insert into bank_statement_lines (line_key, paid_on, document_number, amount, payer_inn, payer_name, purpose)
        values (${line.key}, ${line.paidOn}::date, ${line.documentNumber}, ${line.amount}, ${line.payerInn}, ${line.payerName}, ${line.purpose})
        on conflict (line_key) do nothing returning id
      `.execute(tx);
      if (!inserted[0]) return 'duplicate' as const;
      const number = invoiceNumberIn(line.purpose);
      const { rows: found } = number ? await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where number = ${number} for update`.execute(tx) : { rows: [] };
      const invoice = found[0];
      if (!invoice) return 'unmatched' as const;
      const posted = await postOne(tx, {
        idempotencyKey: `bank:${line.key}`,
        reason: 'top_up.bank',
        reference: `invoice:${invoice.number}`,
        organizationId: invoice.organization_id,
        entries: transfer(operatorAccount('clearing.bank'), orgAccount(invoice.organization_id, 'balance'), line.amount),
      });
      await sql`update bank_statement_lines set invoice_id = ${invoice.id}, transaction_id = ${posted.transactionId} where id = ${inserted[0].id}`.execute(tx);
      if (!posted.replayed) await settleDebt(tx, invoice.organization_id, { key: `bank:${line.key}`, reference: `invoice:${invoice.number}` });
      // Paid once the money received against it covers it (a payment may come in parts).
      await sql`
        update invoices set status = 'paid', paid_at = now()
         where id = ${invoice.id} and status = 'issued'
           and (select coalesce(sum(amount), 0) from bank_statement_lines where invoice_id = ${invoice.id}) >= amount
      `.execute(tx);
      return 'matched' as const;
    });
    if (outcome === 'matched') matched++;
    else if (outcome === 'unmatched') unmatched++;
    else duplicates++;
  }
  return { lines: lines.length, matched, unmatched, duplicates };
}

export async function unmatchedStatementLines(db: Db): Promise<Array<{ id: number; paid_on: string | null; document_number: string; amount: number; payer_inn: string | null; purpose: string }>> {
  const { rows } = await sql<{ id: number; paid_on: string | null; document_number: string; amount: number; payer_inn: string | null; purpose: string }>`
    select id, paid_on, document_number, amount, payer_inn, purpose from bank_statement_lines where invoice_id is null order by id desc limit 500
  `.execute(db);
  return rows;
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
  const { rows } = await sql<{ reason: string; amount: number }>`
    select t.reason, sum(e.amount)::bigint as amount
      from ledger_transactions t
      join ledger_entries e on e.transaction_id = t.id
      join ledger_accounts a on a.id = e.account_id and a.organization_id is null and a.code like 'revenue.%'
     where t.organization_id = ${organizationId} and t.posted_at >= ${from} and t.posted_at < ${to}
     group by t.reason order by t.reason
  `.execute(db);
  return rows.filter((r) => r.amount !== 0).map((r) => ({ title: ACT_TITLES[r.reason] ?? r.reason, amount: r.amount }));
}

/** Months (Moscow, `YYYY-MM`) in which the organization was charged, newest first: one act each. */
export async function actMonths(db: Db, organizationId: number): Promise<Array<{ month: string; amount: number }>> {
  const { rows } = await sql<{ month: string; amount: number }>`
    select to_char(t.posted_at at time zone 'Europe/Moscow', 'YYYY-MM') as month, sum(e.amount)::bigint as amount
      from ledger_transactions t
      join ledger_entries e on e.transaction_id = t.id
      join ledger_accounts a on a.id = e.account_id and a.organization_id is null and a.code like 'revenue.%'
     where t.organization_id = ${organizationId}
     group by 1 having sum(e.amount) <> 0 order by 1 desc
  `.execute(db);
  return rows;
}
