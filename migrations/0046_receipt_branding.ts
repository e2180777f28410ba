// Branded e-receipts, short links and Viber (issue 17, «E-receipts a brand would send»).
//
// receipt_brands: one row per organization that set up its e-receipt look — colours, header and footer text, up to
//   three banners with links (jsonb, validated by the API), the logo (bytes kept here: a few hundred KB at most, checked
//   by type, magic bytes, size and dimensions before they are stored). No row: the default brand.
// short_links: the links SMS and Viber receipts carry (`{OFD_PUBLIC_URL}/r/{code}` → the buyer's receipt page). The code
//   is random (never derived from the receipt), the target is a path on the public URL (never a full URL: a stored row
//   cannot redirect elsewhere), opens are counted, a link expires and its organization may revoke it.
// notify_deliveries: a third channel, `viber`, and a status `fallback_sms` (Viber did not deliver; the receipt went by
//   SMS instead, in the row of channel `sms`).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table receipt_brands (
      organization_id bigint primary key references organizations (id) on delete cascade,
      primary_color text not null check (primary_color ~ '^#[0-9a-f]{6}$'),
      accent_color text not null check (accent_color ~ '^#[0-9a-f]{6}$'),
      background_color text not null check (background_color ~ '^#[0-9a-f]{6}$'),
      header_text text not null default '',
      footer_text text not null default '',
      banners jsonb not null default '[]'::jsonb check (jsonb_typeof(banners) = 'array' and jsonb_array_length(banners) <= 3),
      logo bytea,
      logo_content_type text check (logo_content_type in ('image/png', 'image/jpeg', 'image/gif')),
      logo_width integer,
      logo_height integer,
      updated_by text,
      updated_at timestamptz not null default now(),
      check ((logo is null) = (logo_content_type is null))
    )
  `.execute(db);

  await sql`
    create table short_links (
      code text collate "C" primary key,
      organization_id bigint references organizations (id) on delete cascade,
      fn text collate "C" not null,
      fd bigint not null,
      target text not null check (target like '/%' and target not like '//%'),
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      opens integer not null default 0,
      last_opened_at timestamptz
    )
  `.execute(db);
  await sql`create index short_links_document_idx on short_links (fn, fd, expires_at)`.execute(db);
  await sql`create index short_links_organization_idx on short_links (organization_id, created_at)`.execute(db);

  await sql`alter table notify_deliveries drop constraint notify_deliveries_channel_check`.execute(db);
  await sql`alter table notify_deliveries add constraint notify_deliveries_channel_check check (channel in ('email', 'sms', 'viber'))`.execute(db);
  await sql`alter table notify_deliveries drop constraint notify_deliveries_status_check`.execute(db);
  await sql`
    alter table notify_deliveries add constraint notify_deliveries_status_check
      check (status in ('pending', 'queued', 'sending', 'delivered', 'retrying', 'failed', 'no_balance', 'no_recipient', 'fallback_sms'))
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from notify_deliveries where channel = 'viber'`.execute(db);
  await sql`update notify_deliveries set status = 'failed' where status = 'fallback_sms'`.execute(db);
  await sql`alter table notify_deliveries drop constraint notify_deliveries_status_check`.execute(db);
  await sql`
    alter table notify_deliveries add constraint notify_deliveries_status_check
      check (status in ('pending', 'queued', 'sending', 'delivered', 'retrying', 'failed', 'no_balance', 'no_recipient'))
  `.execute(db);
  await sql`alter table notify_deliveries drop constraint notify_deliveries_channel_check`.execute(db);
  await sql`alter table notify_deliveries add constraint notify_deliveries_channel_check check (channel in ('email', 'sms'))`.execute(db);
  await sql`drop table if exists short_links`.execute(db);
  await sql`drop table if exists receipt_brands`.execute(db);
}
