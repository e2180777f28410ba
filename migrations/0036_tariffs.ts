// Tariffs and paid service periods (issue 17): the OFD service end of a register follows from what was paid.
//
// tariffs: the operator's catalogue — a service term in months per register, its price in kopecks, an optional
//   promotional price for a date range (Moscow calendar days, inclusive). Seeded with 1, 12, 15 and 36 months.
// register_service_periods: one row per paid (or granted) period of a register: by a tariff paid from the balance
//   (transaction_id: the ledger movement), by an applied activation code, or granted by the operator
//   (`PUT /registers/{id}/ofd-service`). ofd_services.service_until (migration 0013) is from now on a cache of the
//   latest ends_on, rewritten in the same transaction as every period; existing rows become operator grants.
// activation_codes: codes bought in the Маркет for a tariff term, applied to one register each.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tariffs (
      id bigint generated always as identity primary key,
      code text not null unique check (code ~ '^[a-z0-9_-]{1,40}$'),
      name text not null check (length(name) between 1 and 200),
      months integer not null check (months between 1 and 60),
      price bigint not null check (price >= 0),
      promo_price bigint check (promo_price >= 0),
      promo_from date,
      promo_until date,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint tariffs_promo check (
        (promo_price is null and promo_from is null and promo_until is null)
        or (promo_price is not null and promo_from is not null and promo_until is not null and promo_until >= promo_from))
    )
  `.execute(db);
  await sql`
    insert into tariffs (code, name, months, price) values
      ('ofd-1m', 'ОФД на 1 месяц', 1, 40000),
      ('ofd-12m', 'ОФД на 12 месяцев', 12, 300000),
      ('ofd-15m', 'ОФД на 15 месяцев (для ФН на 15 месяцев)', 15, 360000),
      ('ofd-36m', 'ОФД на 36 месяцев (для ФН на 36 месяцев)', 36, 750000)
  `.execute(db);

  await sql`
    create table activation_codes (
      code text primary key check (code ~ '^[A-Z0-9-]{8,40}$'),
      organization_id bigint not null references organizations (id) on delete restrict,
      tariff_id bigint not null references tariffs (id),
      months integer not null check (months between 1 and 60),
      purchase_key text not null,
      transaction_id bigint not null references ledger_transactions (id),
      applied_register_id bigint references registers (id) on delete set null,
      applied_at timestamptz,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index activation_codes_organization_idx on activation_codes (organization_id, created_at)`.execute(db);
  await sql`create index activation_codes_purchase_idx on activation_codes (purchase_key)`.execute(db);

  await sql`
    create table register_service_periods (
      id bigint generated always as identity primary key,
      register_id bigint not null references registers (id) on delete cascade,
      organization_id bigint references organizations (id) on delete restrict,
      source text not null check (source in ('tariff', 'activation_code', 'operator')),
      tariff_id bigint references tariffs (id),
      activation_code text references activation_codes (code),
      starts_on date not null,
      ends_on date not null,
      price bigint not null default 0 check (price >= 0),
      transaction_id bigint references ledger_transactions (id),
      request_key text unique,
      created_at timestamptz not null default now(),
      constraint register_service_periods_dates check (ends_on >= starts_on)
    )
  `.execute(db);
  await sql`create index register_service_periods_register_idx on register_service_periods (register_id, ends_on)`.execute(db);
  await sql`
    insert into register_service_periods (register_id, organization_id, source, starts_on, ends_on)
    select s.register_id, g.organization_id, 'operator', least(s.created_at::date, s.service_until), s.service_until
      from ofd_services s join registers g on g.id = s.register_id
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists register_service_periods`.execute(db);
  await sql`drop table if exists activation_codes`.execute(db);
  await sql`drop table if exists tariffs`.execute(db);
}
