// E-receipt brands (migration 0046): one row per organization that set one up; none means DEFAULT_BRAND. Their banners'
// pictures (migration 0060). And how automatic receipts to a phone go (migration 0047).
import { sql, type Kysely } from 'kysely';
import { DEFAULT_BRAND, type BannerImage, type Brand, type BrandInput, type BrandLogo, type LogoContentType } from '../domain/brand.js';
import { brandedServiceUntil } from './branded-service.repository.js';
import type { Database } from './database.js';
import { addBannerImage, bannerImagesOf, deleteBannerImages, deletePicturesDropped } from './receipt-banner-images.repository.js';
import type { PhoneChannel, ReceiptBrandBanner } from './tables/branding.js';

type Db = Kysely<Database>;

interface BrandRow {
  primary_color: string;
  accent_color: string;
  background_color: string;
  header_text: string;
  footer_text: string;
  banners: ReceiptBrandBanner[];
  logo: Buffer | null;
  logo_content_type: LogoContentType | null;
  logo_width: number | null;
  logo_height: number | null;
  updated_at: Date;
}

export interface StoredBrand {
  readonly brand: Brand;
  /** False: the organization has not set one up (the default applies). */
  readonly custom: boolean;
  readonly updatedAt: Date | null;
}

const imageIdsOf = (banners: readonly ReceiptBrandBanner[]): string[] => banners.flatMap((b) => (b.imageId ? [b.imageId] : []));

function brandOf(r: BrandRow, images: ReadonlyMap<string, BannerImage>): Brand {
  const logo: BrandLogo | null =
    r.logo && r.logo_content_type ? { data: r.logo, contentType: r.logo_content_type, width: r.logo_width ?? 1, height: r.logo_height ?? 1 } : null;
  return {
    primaryColor: r.primary_color,
    accentColor: r.accent_color,
    backgroundColor: r.background_color,
    headerText: r.header_text,
    footerText: r.footer_text,
    // A banner keeps its link and texts if its picture is gone (it cannot be: it is deleted in the save that drops it).
    banners: r.banners.map((b) => ({ title: b.title, text: b.text, url: b.url, alt: b.alt ?? '', image: (b.imageId && images.get(b.imageId)) || null })),
    logo,
  };
}

export async function loadBrand(db: Db, organizationId: number | null): Promise<StoredBrand> {
  if (organizationId === null) return { brand: DEFAULT_BRAND, custom: false, updatedAt: null };
  const r = await db.selectFrom('receipt_brands').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
  if (!r) return { brand: DEFAULT_BRAND, custom: false, updatedAt: null };
  const images = await bannerImagesOf(db, organizationId, imageIdsOf(r.banners));
  return { brand: brandOf(r, images), custom: true, updatedAt: r.updated_at };
}

/**
 * The brand buyers get from an organization at `now` — the one place that decides, for every sender (e-mail, the
 * public receipt page): its saved brand while the branded e-receipt service is paid (migration 0059), else the
 * default. `load` lets a caller keep saved brands cached (the notify worker's BrandCache).
 */
export async function brandFor(
  db: Db,
  organizationId: number | null,
  now: Date,
  load: (organizationId: number) => Promise<Brand> = async (id) => (await loadBrand(db, id)).brand,
): Promise<Brand> {
  if (organizationId === null || (await brandedServiceUntil(db, organizationId, now)) === null) return DEFAULT_BRAND;
  return load(organizationId);
}

/** When the organization's brand last changed (null: none set up): cheap, no logo bytes. */
export async function brandStamp(db: Db, organizationId: number): Promise<Date | null> {
  const r = await db.selectFrom('receipt_brands').select('updated_at').where('organization_id', '=', organizationId).executeTakeFirst();
  return r?.updated_at ?? null;
}

/** The stored banners, locked until the transaction ends (none: no brand yet). */
async function lockedBanners(db: Db, organizationId: number): Promise<ReceiptBrandBanner[] | undefined> {
  const r = await db.selectFrom('receipt_brands').select('banners').where('organization_id', '=', organizationId).forUpdate().executeTakeFirst();
  return r?.banners;
}

async function writeBanners(db: Db, organizationId: number, banners: readonly ReceiptBrandBanner[], updatedBy: string): Promise<void> {
  await sql`
    update receipt_brands set banners = ${JSON.stringify(banners)}::jsonb, updated_by = ${updatedBy}, updated_at = now()
     where organization_id = ${organizationId}
  `.execute(db);
}

/**
 * Replaces the editable part; the logo stays as it was (the default brand's none on the first save). A banner's
 * `imageId` must name one of the organization's pictures (else `missingImage` is that banner's index and nothing is
 * saved); pictures the old banners named and the new ones do not are deleted with the save.
 */
export async function saveBrand(db: Db, organizationId: number, input: BrandInput, updatedBy: string): Promise<StoredBrand | { missingImage: number }> {
  return db.transaction().execute(async (tx) => {
    const before = (await lockedBanners(tx, organizationId)) ?? [];
    const banners: ReceiptBrandBanner[] = input.banners.map((b) => ({ title: b.title, text: b.text, url: b.url, alt: b.alt, imageId: b.imageId }));
    const found = await bannerImagesOf(tx, organizationId, imageIdsOf(banners));
    const missingImage = banners.findIndex((b) => b.imageId && !found.has(b.imageId));
    if (missingImage >= 0) return { missingImage };
    await sql`
      insert into receipt_brands (organization_id, primary_color, accent_color, background_color, header_text, footer_text, banners, updated_by)
      values (${organizationId}, ${input.primaryColor}, ${input.accentColor}, ${input.backgroundColor}, ${input.headerText}, ${input.footerText},
              ${JSON.stringify(banners)}::jsonb, ${updatedBy})
      on conflict (organization_id) do update
         set primary_color = excluded.primary_color, accent_color = excluded.accent_color, background_color = excluded.background_color,
             header_text = excluded.header_text, footer_text = excluded.footer_text, banners = excluded.banners,
             updated_by = excluded.updated_by, updated_at = now()
    `.execute(tx);
    await deletePicturesDropped(tx, organizationId, before, banners);
    return loadBrand(tx, organizationId);
  });
}

export type BannerImageChange = StoredBrand | 'no_banner' | 'needs_title';

/** Puts a checked picture on the stored banner `index` (0-based), replacing (and deleting) the one it had. */
export async function setBannerImage(db: Db, organizationId: number, index: number, image: BrandLogo, updatedBy: string): Promise<BannerImageChange> {
  return db.transaction().execute(async (tx) => {
    const before = await lockedBanners(tx, organizationId);
    if (!before || index >= before.length) return 'no_banner';
    const added = await addBannerImage(tx, organizationId, image, updatedBy);
    const after = before.map((b, i) => (i === index ? { ...b, imageId: added.id } : b));
    await writeBanners(tx, organizationId, after, updatedBy);
    await deletePicturesDropped(tx, organizationId, before, after);
    return loadBrand(tx, organizationId);
  });
}

/** Takes the picture off the stored banner `index`; a banner without a title keeps it (it would show nothing). */
export async function removeBannerImage(db: Db, organizationId: number, index: number, updatedBy: string): Promise<BannerImageChange> {
  return db.transaction().execute(async (tx) => {
    const before = await lockedBanners(tx, organizationId);
    const banner = before?.[index];
    if (!before || !banner) return 'no_banner';
    if (banner.imageId && banner.title === '') return 'needs_title';
    const after = before.map((b, i) => (i === index ? { ...b, imageId: null } : b));
    await writeBanners(tx, organizationId, after, updatedBy);
    await deletePicturesDropped(tx, organizationId, before, after);
    return loadBrand(tx, organizationId);
  });
}

/** Sets (or with null removes) the logo; the first upload starts from the default brand's colours and texts. */
export async function saveLogo(db: Db, organizationId: number, logo: BrandLogo | null, updatedBy: string): Promise<StoredBrand> {
  const d = DEFAULT_BRAND;
  await sql`
    insert into receipt_brands (organization_id, primary_color, accent_color, background_color, header_text, footer_text, banners,
                                logo, logo_content_type, logo_width, logo_height, updated_by)
    values (${organizationId}, ${d.primaryColor}, ${d.accentColor}, ${d.backgroundColor}, ${d.headerText}, ${d.footerText}, '[]'::jsonb,
            ${logo?.data ?? null}, ${logo?.contentType ?? null}, ${logo?.width ?? null}, ${logo?.height ?? null}, ${updatedBy})
    on conflict (organization_id) do update
       set logo = excluded.logo, logo_content_type = excluded.logo_content_type, logo_width = excluded.logo_width,
           logo_height = excluded.logo_height, updated_by = excluded.updated_by, updated_at = now()
  `.execute(db);
  return loadBrand(db, organizationId);
}

/** Back to the default brand (the logo and the banners' pictures go too). */
export async function deleteBrand(db: Db, organizationId: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('receipt_brands').where('organization_id', '=', organizationId).execute();
    await deleteBannerImages(tx, organizationId);
  });
}

// ---- how receipts to a phone go (migration 0047) ------------------------------------------------------------------

export type { PhoneChannel } from './tables/branding.js';

export async function phoneChannelOf(db: Db, organizationId: number | null): Promise<{ phoneChannel: PhoneChannel; updatedAt: Date | null }> {
  if (organizationId === null) return { phoneChannel: 'sms', updatedAt: null };
  const r = await db
    .selectFrom('organization_receipt_settings')
    .select(['phone_channel', 'updated_at'])
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return r ? { phoneChannel: r.phone_channel, updatedAt: r.updated_at } : { phoneChannel: 'sms', updatedAt: null };
}

export async function setPhoneChannel(db: Db, organizationId: number, phoneChannel: PhoneChannel, updatedBy: string): Promise<void> {
  await db
    .insertInto('organization_receipt_settings')
    .values({ organization_id: organizationId, phone_channel: phoneChannel, updated_by: updatedBy })
    .onConflict((oc) =>
      oc.column('organization_id').doUpdateSet((eb) => ({
        phone_channel: eb.ref('excluded.phone_channel'),
        updated_by: eb.ref('excluded.updated_by'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}
