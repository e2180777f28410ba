// Invoices for bank transfer and the bank statements that pay them (issue 17).
//
// invoices: a number printed on the PDF (OFD-<year>-<6 digits>, from a sequence) that the payer writes in the payment
//   purpose; status issued → paid once a statement line carrying the number is imported.
// bank_statement_lines: every incoming payment of an imported statement (1C `1CClientBankExchange` or CSV), keyed by
//   its bank document (date, number, amount, payer) so a statement imported twice credits nothing twice; matched to an
//   invoice by the number in its purpose, credited to the balance under the ledger key `bank:<line key>`.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create sequence invoice_numbers`.execute(db);
  await sql`
    create table invoices (
      id bigint generated always as identity primary key,
      organization_id bigint not null references organizations (id) on delete restrict,
      number text not null unique,
      amount bigint not null check (amount > 0),
      status text not null default 'issued' check (status in ('issued', 'paid')),
      request_key text not null unique,
      issued_on date not null,
      paid_at timestamptz,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index invoices_organization_idx on invoices (organization_id, id)`.execute(db);
  await sql`
    create table bank_statement_lines (
      id bigint generated always as identity primary key,
      line_key text not null unique,
      paid_on date,
      document_number text not null,
      amount bigint not null check (amount > 0),
      payer_inn text,
      payer_name text,
      purpose text not null,
      invoice_id bigint references invoices (id),
      transaction_id bigint references ledger_transactions (id),
      imported_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists bank_statement_lines`.execute(db);
  await sql`drop table if exists invoices`.execute(db);
  await sql`drop sequence if exists invoice_numbers`.execute(db);
}
