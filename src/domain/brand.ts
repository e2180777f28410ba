/**
 * The look of an organization's e-receipts (issue 17): colours, header and footer text, up to three banners with links,
 * and a logo. Validated here once, for the API and for anything that stores a brand; the renderers trust a Brand.
 */
import { z } from 'zod';

/** A banner's uploaded picture (migration 0060), checked like the logo. */
export interface BannerImage {
  readonly id: string;
  readonly contentType: LogoContentType;
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** A picture, a title with a line of text, or both — always with its link. */
export interface Banner {
  /** '' only when the banner has a picture. */
  readonly title: string;
  readonly text: string;
  /** http(s) only: the link a buyer follows from the e-mail or the receipt page. */
  readonly url: string;
  /** The picture's alt text ('': the title stands in). */
  readonly alt: string;
  readonly image: BannerImage | null;
}

export interface BrandLogo {
  readonly contentType: LogoContentType;
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface Brand {
  /** `#rrggbb`, lower case: the header bar and the totals line. */
  readonly primaryColor: string;
  /** `#rrggbb`: banners and links. */
  readonly accentColor: string;
  /** `#rrggbb`: around the receipt. */
  readonly backgroundColor: string;
  readonly headerText: string;
  readonly footerText: string;
  readonly banners: readonly Banner[];
  readonly logo: BrandLogo | null;
}

/** What every receipt looks like until its organization sets up its own: neutral, no logo, no banners. */
export const DEFAULT_BRAND: Brand = Object.freeze({
  primaryColor: '#1f3a5f',
  accentColor: '#1677ff',
  backgroundColor: '#f2f4f7',
  headerText: '',
  footerText: 'Спасибо за покупку!',
  banners: [],
  logo: null,
});

export const LOGO_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/gif'] as const;
export type LogoContentType = (typeof LOGO_CONTENT_TYPES)[number];
/** Mail clients download every image of a message: a logo stays small. */
export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_MAX_WIDTH = 1200;
export const LOGO_MAX_HEIGHT = 600;
/** A banner picture spans the receipt's 552-px column, twice that for sharp phone screens; a few of them per e-mail. */
export const BANNER_IMAGE_MAX_BYTES = 300 * 1024;
export const BANNER_IMAGE_MAX_WIDTH = 1200;
export const BANNER_IMAGE_MAX_HEIGHT = 1200;

const color = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'expected a colour #rrggbb')
  .transform((c) => c.toLowerCase());

/** Control characters other than line breaks would end up in e-mail HTML and SMS: refused. */
const plain = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => ![...s].some((c) => c !== '\n' && c !== '\r' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)), 'control characters are not allowed')
    .transform((s) => s.trim());

const linkUrl = z
  .string()
  .max(500)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'expected an http(s) link without credentials');

export const bannerSchema = z
  .object({
    title: plain(60).default('').meta({ description: "May be '' when the banner has a picture" }),
    text: plain(200).default(''),
    url: linkUrl,
    alt: plain(120).default('').meta({ description: "The picture's alt text for mail clients that hide images; '': the title" }),
    imageId: z
      .uuid()
      .nullable()
      .default(null)
      .meta({ description: 'The picture: an id from POST …/receipt-brand/banner-images, or the one the banner has (GET); null: none' }),
  })
  .superRefine((b, ctx) => {
    if (b.title === '' && b.imageId === null) ctx.addIssue({ code: 'custom', path: ['title'], message: 'required when the banner has no picture' });
  });

/** The editable part of a brand (the logo has its own upload). */
export const brandInputSchema = z
  .object({
    primaryColor: color,
    accentColor: color,
    backgroundColor: color,
    headerText: plain(200).default(''),
    footerText: plain(500).default(''),
    banners: z.array(bannerSchema).max(3, 'at most 3 banners').default([]),
  })
  .strict();
export type BrandInput = z.infer<typeof brandInputSchema>;

/** Black or white, whichever reads better on `background` (WCAG relative luminance). */
export function textColorOn(background: string): '#000000' | '#ffffff' {
  const channel = (i: number) => {
    const c = parseInt(background.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  // Contrast with white is 1.05 / (l + 0.05), with black (l + 0.05) / 0.05: equal at l ≈ 0.179.
  return l > 0.179 ? '#000000' : '#ffffff';
}
