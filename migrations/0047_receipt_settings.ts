// How an organization's automatic e-receipts to a phone go (issue 17): by SMS, or by Viber first with the SMS
// fallback. One row per organization that chose; none means SMS (as before Viber existed).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table organization_receipt_settings (
      organization_id bigint primary key references organizations (id) on delete cascade,
      phone_channel text not null default 'sms' check (phone_channel in ('sms', 'viber')),
      updated_by text,
      updated_at timestamptz not null default now()
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists organization_receipt_settings`.execute(db);
}
