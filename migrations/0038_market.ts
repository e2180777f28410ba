// The Маркет (issue 17): what an organization can buy, and its billing settings.
//
// market_products: catalogue data. sms_package rows: `units` SMS for `price` kopecks (99 ₽/100, 249 ₽/250,
//   499 ₽/500, 999 ₽/1000); the sms_postpaid row: the price of one SMS sent on credit, billed at the end of the month.
// ledger_account_kinds gets `debt`: what a postpaid bill could not take from the balance.
// organization_billing: per organization, whether SMS may be sent on credit once the package is empty.
// The SMS packages of migration 0010 (sms_balances) move into the ledger as opening balances; sms_balances is no
// longer written.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table market_products (
      code text primary key check (code ~ '^[a-z0-9_-]{1,40}$'),
      kind text not null check (kind in ('sms_package', 'sms_postpaid')),
      name text not null,
      units integer not null check (units > 0),
      price bigint not null check (price >= 0),
      active boolean not null default true,
      sort integer not null default 0
    )
  `.execute(db);
  await sql`
    insert into market_products (code, kind, name, units, price, sort) values
      ('sms-100', 'sms_package', 'Пакет 100 SMS', 100, 9900, 1),
      ('sms-250', 'sms_package', 'Пакет 250 SMS', 250, 24900, 2),
      ('sms-500', 'sms_package', 'Пакет 500 SMS', 500, 49900, 3),
      ('sms-1000', 'sms_package', 'Пакет 1000 SMS', 1000, 99900, 4),
      ('sms-postpaid', 'sms_postpaid', 'SMS по факту отправки (постоплата), за 1 SMS', 1, 150, 5)
  `.execute(db);
  await sql`
    create table organization_billing (
      organization_id bigint primary key references organizations (id) on delete cascade,
      sms_postpaid boolean not null default false,
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  // The postpaid bill's overdraft rule: what the balance does not cover is recorded as debt (negative, unbounded).
  await sql`
    insert into ledger_account_kinds (code, unit, owner, min_balance, title)
    values ('debt', 'RUB', 'organization', null, 'Задолженность')
  `.execute(db);
  await sql`
    select ledger_post_batch(coalesce((
      select jsonb_agg(jsonb_build_object(
               'key', 'opening:sms:' || organization_id, 'hash', 'migration-0038', 'reason', 'opening_balance',
               'reference', 'sms_balances', 'organizationId', organization_id,
               'entries', jsonb_build_array(
                 jsonb_build_object('organizationId', organization_id, 'code', 'sms', 'amount', balance),
                 jsonb_build_object('organizationId', null, 'code', 'sms.issued', 'amount', -balance))))
        from sms_balances where balance > 0), '[]'::jsonb))
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists organization_billing`.execute(db);
  await sql`drop table if exists market_products`.execute(db);
  await sql`delete from ledger_account_kinds k where code = 'debt' and not exists (select from ledger_accounts a where a.code = k.code)`.execute(db);
}
