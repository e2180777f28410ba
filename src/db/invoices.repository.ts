// Invoices for bank transfer, imported bank statement lines, and the ledger's revenue by month for the acts (issue 17).
// The rules (what pays what, act titles) live in billing/invoices.ts; these are its reads and writes.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

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

export interface UnmatchedStatementLine {
  id: number;
  paid_on: string | null;
  document_number: string;
  amount: number;
  payer_inn: string | null;
  purpose: string;
}

export interface StatementLineRow {
  key: string;
  paidOn: string | null;
  documentNumber: string;
  amount: number;
  payerInn: string | null;
  payerName: string | null;
  purpose: string;
}

const INVOICE_COLUMNS = sql`id, organization_id, number, amount, status, issued_on, paid_at, created_at`;

/** A new invoice numbered `<prefix>NNNNNN`; undefined when the request key issued one before. */
export async function insertInvoice(db: Db, a: { organizationId: number; numberPrefix: string; amount: number; requestKey: string; issuedOn: string }): Promise<Invoice | undefined> {
  const { rows } = await sql<Invoice>`
    insert into invoices (organization_id, number, amount, request_key, issued_on)
    values (${a.organizationId}, ${a.numberPrefix} || lpad(nextval('invoice_numbers')::text, 6, '0'), ${a.amount}, ${a.requestKey}, ${a.issuedOn}::date)
    on conflict (request_key) do nothing
    returning ${INVOICE_COLUMNS}
  `.execute(db);
  return rows[0];
}

export async function invoiceByRequestKey(db: Db, requestKey: string): Promise<Invoice | undefined> {
  const { rows } = await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where request_key = ${requestKey}`.execute(db);
  return rows[0];
}

export async function invoicesOf(db: Db, organizationId: number): Promise<Invoice[]> {
  const { rows } = await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where organization_id = ${organizationId} order by id desc`.execute(db);
  return rows;
}

export async function invoiceById(db: Db, id: number): Promise<Invoice | undefined> {
  const { rows } = await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where id = ${id}`.execute(db);
  return rows[0];
}

/** The invoice with this number, locked `for update`. */
export async function lockInvoiceByNumber(db: Db, number: string): Promise<Invoice | undefined> {
  const { rows } = await sql<Invoice>`select ${INVOICE_COLUMNS} from invoices where number = ${number} for update`.execute(db);
  return rows[0];
}

/** Records a statement line once (its bank document's key); its id, undefined when it was imported before. */
export async function insertStatementLine(db: Db, line: StatementLineRow): Promise<number | undefined> {
  const { rows } = await sql<{ id: number }>`
    insert into bank_statement_lines (line_key, paid_on, document_number, amount, payer_inn, payer_name, purpose)
    values (${line.key}, ${line.paidOn}::date, ${line.documentNumber}, ${line.amount}, ${line.payerInn}, ${line.payerName}, ${line.purpose})
    on conflict (line_key) do nothing returning id
  `.execute(db);
  return rows[0]?.id;
}

export async function matchStatementLine(db: Db, lineId: number, invoiceId: number, transactionId: number): Promise<void> {
  await sql`update bank_statement_lines set invoice_id = ${invoiceId}, transaction_id = ${transactionId} where id = ${lineId}`.execute(db);
}

/** Marks the invoice paid once the money received against it covers it (a payment may come in parts). */
export async function markInvoicePaidIfCovered(db: Db, invoiceId: number): Promise<void> {
  await sql`
    update invoices set status = 'paid', paid_at = now()
     where id = ${invoiceId} and status = 'issued'
       and (select coalesce(sum(amount), 0) from bank_statement_lines where invoice_id = ${invoiceId}) >= amount
  `.execute(db);
}

export async function unmatchedStatementLines(db: Db): Promise<UnmatchedStatementLine[]> {
  const { rows } = await sql<UnmatchedStatementLine>`
    select id, paid_on, document_number, amount, payer_inn, purpose from bank_statement_lines where invoice_id is null order by id desc limit 500
  `.execute(db);
  return rows;
}

/** The organization's revenue entries in [from, to), summed by transaction reason. */
export async function revenueByReason(db: Db, organizationId: number, from: Date, to: Date): Promise<Array<{ reason: string; amount: number }>> {
  const { rows } = await sql<{ reason: string; amount: number }>`
    select t.reason, sum(e.amount)::bigint as amount
      from ledger_transactions t
      join ledger_entries e on e.transaction_id = t.id
      join ledger_accounts a on a.id = e.account_id and a.organization_id is null and a.code like 'revenue.%'
     where t.organization_id = ${organizationId} and t.posted_at >= ${from} and t.posted_at < ${to}
     group by t.reason order by t.reason
  `.execute(db);
  return rows;
}

/** Moscow months (`YYYY-MM`) with the organization's nonzero revenue, newest first. */
export async function revenueMonths(db: Db, organizationId: number): Promise<Array<{ month: string; amount: number }>> {
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
