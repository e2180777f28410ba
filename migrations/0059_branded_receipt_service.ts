// The branded e-receipt service in the Маркет (issue 17): an organization's brand (migration 0046) reaches buyers only
// while the service is paid.
//
// market_products gets the kind `branded_receipts`: `units` is the period in months, `price` kopecks for it
//   (1 month 490 ₽, 12 months 4 900 ₽), catalogue data like the SMS packages.
// branded_receipt_periods: one row per purchase, [starts_at, ends_at) of the service, bought by one ledger
//   transaction (unique: a replayed purchase finds its period). A purchase starts where the latest period ends, or now.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table market_products drop constraint market_products_kind_check`.execute(db);
  await sql`
    alter table market_products add constraint market_products_kind_check
      check (kind in ('sms_package', 'sms_postpaid', 'branded_receipts'))
  `.execute(db);
  await sql`
    insert into market_products (code, kind, name, units, price, sort) values
      ('branded-1m', 'branded_receipts', 'Брендированные чеки, 1 месяц', 1, 49000, 10),
      ('branded-12m', 'branded_receipts', 'Брендированные чеки, 12 месяцев', 12, 490000, 11)
  `.execute(db);
  await sql`
    create table branded_receipt_periods (
      id bigserial primary key,
      organization_id bigint not null references organizations (id) on delete cascade,
      product_code text not null,
      months integer not null check (months > 0),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      transaction_id bigint not null unique references ledger_transactions (id),
      created_at timestamptz not null default now(),
      check (ends_at > starts_at)
    )
  `.execute(db);
  await sql`create index branded_receipt_periods_org_end on branded_receipt_periods (organization_id, ends_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists branded_receipt_periods`.execute(db);
  await sql`delete from market_products where kind = 'branded_receipts'`.execute(db);
  await sql`alter table market_products drop constraint market_products_kind_check`.execute(db);
  await sql`alter table market_products add constraint market_products_kind_check check (kind in ('sms_package', 'sms_postpaid'))`.execute(db);
}
