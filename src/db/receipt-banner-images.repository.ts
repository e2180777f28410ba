// The pictures of e-receipt banners (migration 0060). A banner names its picture by `imageId` in receipt_brands.banners;
// a picture no banner names is a fresh upload shown in the cabinet's preview until the brand is saved, pruned later.
import { sql, type Kysely } from 'kysely';
import type { BannerImage, BrandLogo } from '../domain/brand.js';
import type { Database } from './database.js';
import type { ReceiptBrandBanner } from './tables/branding.js';

type Db = Kysely<Database>;

/** Fresh uploads no banner names stay this long, and at most this many per organization (the newest). */
const UNNAMED_KEEP = sql`interval '1 day'`;
const UNNAMED_MAX = 12;

export interface BannerImageInfo {
  readonly id: string;
  readonly contentType: BannerImage['contentType'];
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

/** The organization's pictures among `ids` (another organization's never). */
export async function bannerImagesOf(db: Db, organizationId: number, ids: readonly string[]): Promise<Map<string, BannerImage>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('receipt_brand_banner_images')
    .select(['id', 'content_type', 'data', 'width', 'height'])
    .where('organization_id', '=', organizationId)
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, { id: r.id, contentType: r.content_type, data: r.data, width: r.width, height: r.height }]));
}

export async function bannerImage(db: Db, organizationId: number, id: string): Promise<BannerImage | undefined> {
  return (await bannerImagesOf(db, organizationId, [id])).get(id);
}

/** Drops fresh uploads no banner names once they are a day old, or beyond the newest UNNAMED_MAX of them. */
async function pruneUnnamed(db: Db, organizationId: number): Promise<void> {
  await sql`
    with unnamed as (
      select i.id, i.created_at, row_number() over (order by i.created_at desc, i.id) as n
        from receipt_brand_banner_images i
       where i.organization_id = ${organizationId}
         and not exists (select 1 from receipt_brands b, jsonb_array_elements(b.banners) e
                          where b.organization_id = i.organization_id and e ->> 'imageId' = i.id::text)
    )
    delete from receipt_brand_banner_images
     where id in (select id from unnamed where created_at < now() - ${UNNAMED_KEEP} or n > ${UNNAMED_MAX})
  `.execute(db);
}

/** Stores a checked picture no banner names yet (the brand's save names it). */
export async function addBannerImage(db: Db, organizationId: number, image: BrandLogo, createdBy: string): Promise<BannerImageInfo> {
  await pruneUnnamed(db, organizationId);
  const r = await db
    .insertInto('receipt_brand_banner_images')
    .values({ organization_id: organizationId, content_type: image.contentType, data: image.data, width: image.width, height: image.height, created_by: createdBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: r.id, contentType: image.contentType, width: image.width, height: image.height, bytes: image.data.length };
}

/** Deletes the pictures `before` named that `after` does not (run in the transaction that writes `after`). */
export async function deletePicturesDropped(db: Db, organizationId: number, before: readonly ReceiptBrandBanner[], after: readonly ReceiptBrandBanner[]): Promise<void> {
  const kept = new Set(after.map((b) => b.imageId ?? null));
  const dropped = before.map((b) => b.imageId ?? null).filter((id): id is string => id !== null && !kept.has(id));
  if (dropped.length === 0) return;
  await db.deleteFrom('receipt_brand_banner_images').where('organization_id', '=', organizationId).where('id', 'in', dropped).execute();
}

export async function deleteBannerImages(db: Db, organizationId: number): Promise<void> {
  await db.deleteFrom('receipt_brand_banner_images').where('organization_id', '=', organizationId).execute();
}
