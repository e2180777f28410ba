// Image banners in branded e-receipts (issue 17): each of an organization's up to three banners may show an uploaded
// picture (PNG, JPEG or GIF, checked by its bytes, at most 300 KB and 1200×1200 px before it is stored).
//
// receipt_brand_banner_images: one row per uploaded picture. A banner (receipt_brands.banners, jsonb) names its picture
//   by `imageId`; a picture no banner names is a fresh upload the cabinet shows in its preview before the brand is
//   saved, and is pruned a day later (or once the organization has a dozen newer ones). Saving a brand deletes the
//   pictures its banners stopped naming, in the same transaction. The bytes live here, like the logo's: a few hundred
//   KB at most per picture.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table receipt_brand_banner_images (
      id uuid primary key default gen_random_uuid(),
      organization_id bigint not null references organizations (id) on delete cascade,
      content_type text not null check (content_type in ('image/png', 'image/jpeg', 'image/gif')),
      data bytea not null,
      width integer not null check (width > 0),
      height integer not null check (height > 0),
      created_by text,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index receipt_brand_banner_images_org on receipt_brand_banner_images (organization_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists receipt_brand_banner_images`.execute(db);
}
