// E-receipt brands (migration 0046): one row per organization that set one up; none means DEFAULT_BRAND. And how
// automatic receipts to a phone go (migration 0047).
import { sql, type Kysely } from 'kysely';
import { DEFAULT_BRAND, type Banner, type Brand, type BrandInput, type BrandLogo, type LogoContentType } from '../domain/brand.js';
import { brandedServiceUntil } from './branded-service.repository.js';
import type { Database } from './database.js';
import type { PhoneChannel } from './tables/branding.js';

type Db = Kysely<Database>;

interface BrandRow {
  primary_color: string;
  accent_color: string;
  background_color: string;
  header_text: string;
  footer_text: string;
  banners: Banner[];
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

function brandOf(r: BrandRow): Brand {
  const logo: BrandLogo | null =
    r.logo && r.logo_content_type ? { data: r.logo, contentType: r.logo_content_type, width: r.logo_width ?? 1, height: r.logo_height ?? 1 } : null;
  return {
    primaryColor: r.primary_color,
    accentColor: r.accent_color,
    backgroundColor: r.background_color,
    headerText: r.header_text,
    footerText: r.footer_text,
    banners: r.banners,
    logo,
  };
}

export async function loadBrand(db: Db, organizationId: number | null): Promise<StoredBrand> {
  if (organizationId === null) return { brand: DEFAULT_BRAND, custom: false, updatedAt: null };
  const r = await db.selectFrom('receipt_brands').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
  return r ? { brand: brandOf(r), custom: true, updatedAt: r.updated_at } : { brand: DEFAULT_BRAND, custom: false, updatedAt: null };
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

/** Replaces the editable part; the logo stays as it was (the default brand's none on the first save). */
export async function saveBrand(db: Db, organizationId: number, input: BrandInput, updatedBy: string): Promise<StoredBrand> {
  await sql`
    insert into receipt_brands (organization_id, primary_color, accent_color, background_color, header_text, footer_text, banners, updated_by)
    values (${organizationId}, ${input.primaryColor}, ${input.accentColor}, ${input.backgroundColor}, ${input.headerText}, ${input.footerText},
            ${JSON.stringify(input.banners)}::jsonb, ${updatedBy})
    on conflict (organization_id) do update
       set primary_color = excluded.primary_color, accent_color = excluded.accent_color, background_color = excluded.background_color,
           header_text = excluded.header_text, footer_text = excluded.footer_text, banners = excluded.banners,
           updated_by = excluded.updated_by, updated_at = now()
  `.execute(db);
  return loadBrand(db, organizationId);
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

/** Back to the default brand (the logo goes too). */
export async function deleteBrand(db: Db, organizationId: number): Promise<void> {
  await db.deleteFrom('receipt_brands').where('organization_id', '=', organizationId).execute();
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
