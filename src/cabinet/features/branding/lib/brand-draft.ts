/**
 * The form's values → the brand the API takes, and back. The live preview shows only complete drafts: a colour being
 * typed or a banner without its link would be refused by the API, so the last complete draft stays on screen.
 */
import type { BannerPicture, Brand, BrandInput } from '../api/branding';

export interface BannerValues {
  title?: string;
  text?: string;
  url?: string;
  alt?: string;
  /** The banner's uploaded picture (saved, or fresh: shown in the preview, saved with the brand). */
  picture?: BannerPicture | null;
}

export interface BrandFormValues {
  primaryColor?: string;
  accentColor?: string;
  backgroundColor?: string;
  headerText?: string;
  footerText?: string;
  banners?: BannerValues[];
}

export const MAX_BANNERS = 3;
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/gif'];
export const LOGO_MAX_BYTES = 256 * 1024;
export const BANNER_IMAGE_MAX_BYTES = 300 * 1024;

const HEX = /^#[0-9a-fA-F]{6}$/;

export function isLink(s: string | undefined): boolean {
  if (!s) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export function formValuesOf(b: Brand): BrandFormValues {
  return {
    primaryColor: b.primaryColor,
    accentColor: b.accentColor,
    backgroundColor: b.backgroundColor,
    headerText: b.headerText,
    footerText: b.footerText,
    banners: b.banners.map((x) => ({ title: x.title, text: x.text, url: x.url, alt: x.alt, picture: x.image })),
  };
}

/** The draft to save or preview; undefined while the form holds something the API would refuse. */
export function draftOf(v: BrandFormValues): BrandInput | undefined {
  const colors = [v.primaryColor, v.accentColor, v.backgroundColor];
  if (!colors.every((c) => c !== undefined && HEX.test(c))) return undefined;
  // A banner is a picture, a title or both, always with its link; an untouched empty card is no banner.
  const banners = (v.banners ?? []).filter((b) => (b.title ?? '').trim() !== '' || (b.url ?? '').trim() !== '' || b.picture);
  if (banners.length > MAX_BANNERS || banners.some((b) => ((b.title ?? '').trim() === '' && !b.picture) || !isLink(b.url?.trim()))) return undefined;
  return {
    primaryColor: v.primaryColor!.toLowerCase(),
    accentColor: v.accentColor!.toLowerCase(),
    backgroundColor: v.backgroundColor!.toLowerCase(),
    headerText: (v.headerText ?? '').trim(),
    footerText: (v.footerText ?? '').trim(),
    banners: banners.map((b) => ({
      title: (b.title ?? '').trim(),
      text: (b.text ?? '').trim(),
      url: b.url!.trim(),
      alt: (b.alt ?? '').trim(),
      imageId: b.picture?.id ?? null,
    })),
  };
}

/** Why a logo file is refused before it is sent (the API checks its bytes again); undefined when it may go. */
export function logoFileProblem(file: { type: string; size: number }): string | undefined {
  if (!LOGO_TYPES.includes(file.type)) return 'Логотип — картинка PNG, JPEG или GIF';
  if (file.size > LOGO_MAX_BYTES) return `Логотип не больше ${LOGO_MAX_BYTES / 1024} КБ: письма с большими картинками медленно открываются`;
  return undefined;
}

/** Why a banner picture is refused before it is sent (the API checks its bytes and size in pixels again). */
export function bannerImageFileProblem(file: { type: string; size: number }): string | undefined {
  if (!LOGO_TYPES.includes(file.type)) return 'Картинка баннера — PNG, JPEG или GIF';
  if (file.size > BANNER_IMAGE_MAX_BYTES) return `Картинка баннера не больше ${BANNER_IMAGE_MAX_BYTES / 1024} КБ: письма с большими картинками медленно открываются`;
  return undefined;
}
