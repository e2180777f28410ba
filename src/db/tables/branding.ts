// E-receipt brands (migration 0046): one row per organization that set one up; their banners' pictures (migration
// 0060); and how automatic receipts to a phone go (migration 0047).
import type { Defaulted, Int8, Jsonb, Timestamptz } from '../column-types.js';

export type PhoneChannel = 'sms' | 'viber';

/**
 * One banner of the e-receipt: a title, a line of text, an http(s) link and, since migration 0060, a picture
 * (`imageId` in receipt_brand_banner_images) with its alt text. Rows saved before 0060 lack the last two.
 */
export interface ReceiptBrandBanner {
  title: string;
  text: string;
  url: string;
  alt?: string;
  imageId?: string | null;
}

export interface ReceiptBrandsTable {
  organization_id: Int8;
  primary_color: string;
  accent_color: string;
  background_color: string;
  header_text: Defaulted<string>;
  footer_text: Defaulted<string>;
  banners: Defaulted<Jsonb<ReceiptBrandBanner[]>>;
  logo: Buffer | null;
  logo_content_type: 'image/png' | 'image/jpeg' | 'image/gif' | null;
  logo_width: number | null;
  logo_height: number | null;
  updated_by: string | null;
  updated_at: Defaulted<Timestamptz>;
}

export interface ReceiptBrandBannerImagesTable {
  id: Defaulted<string>;
  organization_id: Int8;
  content_type: 'image/png' | 'image/jpeg' | 'image/gif';
  data: Buffer;
  width: number;
  height: number;
  created_by: string | null;
  created_at: Defaulted<Timestamptz>;
}

export interface OrganizationReceiptSettingsTable {
  organization_id: Int8;
  phone_channel: Defaulted<PhoneChannel>;
  updated_by: string | null;
  updated_at: Defaulted<Timestamptz>;
}
