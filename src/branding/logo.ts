/**
 * What an uploaded logo or banner picture really is, from its bytes (never from the declared type alone): PNG, JPEG or
 * GIF, and its size in pixels. SVG is refused on purpose: it may carry scripts and many mail clients do not show it.
 */
import {
  BANNER_IMAGE_MAX_BYTES,
  BANNER_IMAGE_MAX_HEIGHT,
  BANNER_IMAGE_MAX_WIDTH,
  LOGO_MAX_BYTES,
  LOGO_MAX_HEIGHT,
  LOGO_MAX_WIDTH,
  type BrandLogo,
  type LogoContentType,
} from '../domain/brand.js';

export interface ImageInfo {
  readonly contentType: LogoContentType;
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function png(b: Buffer): ImageInfo | undefined {
  // The signature, then the IHDR chunk first: length 13, type, width, height (big-endian).
  if (b.length < 24 || !b.subarray(0, 8).equals(PNG_SIGNATURE) || b.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { contentType: 'image/png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function gif(b: Buffer): ImageInfo | undefined {
  const sig = b.toString('latin1', 0, 6);
  if (b.length < 10 || (sig !== 'GIF87a' && sig !== 'GIF89a')) return undefined;
  return { contentType: 'image/gif', width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
}

/** JPEG: walks the segments to the first start-of-frame marker, which holds the size. */
function jpeg(b: Buffer): ImageInfo | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    const length = b.readUInt16BE(i + 2);
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) return { contentType: 'image/jpeg', height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    if (length < 2) return undefined;
    i += 2 + length;
  }
  return undefined;
}

export function sniffImage(bytes: Buffer): ImageInfo | undefined {
  return png(bytes) ?? jpeg(bytes) ?? gif(bytes);
}

export type LogoProblem = { readonly issue: 'too_big' | 'invalid_format' | 'type_mismatch' | 'too_large_dimensions'; readonly message: string };

interface ImageLimits {
  readonly maxBytes: number;
  readonly maxWidth: number;
  readonly maxHeight: number;
}

/** The image to store, or why it is refused. `declaredType` is the upload's content type (none: typed by its bytes). */
function checkImage(bytes: Buffer, declaredType: string | undefined, limits: ImageLimits): BrandLogo | LogoProblem {
  if (bytes.length > limits.maxBytes) return { issue: 'too_big', message: `at most ${limits.maxBytes / 1024} KB, got ${Math.ceil(bytes.length / 1024)} KB` };
  const info = sniffImage(bytes);
  if (!info) return { issue: 'invalid_format', message: 'not a PNG, JPEG or GIF image' };
  if (declaredType !== undefined && info.contentType !== declaredType.split(';')[0]!.trim().toLowerCase()) {
    return { issue: 'type_mismatch', message: `the file is ${info.contentType}, sent as ${declaredType}` };
  }
  if (info.width < 1 || info.height < 1 || info.width > limits.maxWidth || info.height > limits.maxHeight) {
    return { issue: 'too_large_dimensions', message: `at most ${limits.maxWidth}×${limits.maxHeight} pixels, got ${info.width}×${info.height}` };
  }
  return { contentType: info.contentType, data: bytes, width: info.width, height: info.height };
}

/** The logo to store, or why it is refused. `declaredType` is the upload's content type (none: typed by its bytes). */
export function checkLogo(bytes: Buffer, declaredType?: string): BrandLogo | LogoProblem {
  return checkImage(bytes, declaredType, { maxBytes: LOGO_MAX_BYTES, maxWidth: LOGO_MAX_WIDTH, maxHeight: LOGO_MAX_HEIGHT });
}

/** A banner's picture to store, or why it is refused: the logo's checks with the banner's limits. */
export function checkBannerImage(bytes: Buffer, declaredType?: string): BrandLogo | LogoProblem {
  return checkImage(bytes, declaredType, { maxBytes: BANNER_IMAGE_MAX_BYTES, maxWidth: BANNER_IMAGE_MAX_WIDTH, maxHeight: BANNER_IMAGE_MAX_HEIGHT });
}

export function isLogoProblem(x: BrandLogo | LogoProblem): x is LogoProblem {
  return 'issue' in x;
}

/** The size to show a logo at in a receipt: at most 200×60 CSS pixels, proportions kept. */
export function logoDisplaySize(logo: Pick<BrandLogo, 'width' | 'height'>): { width: number; height: number } {
  const scale = Math.min(1, 200 / logo.width, 60 / logo.height);
  return { width: Math.max(1, Math.round(logo.width * scale)), height: Math.max(1, Math.round(logo.height * scale)) };
}

/** The receipt's column is 600 px with 24-px margins: a banner picture fills at most those 552 px, never enlarged. */
export const BANNER_COLUMN_WIDTH = 552;

export function bannerDisplaySize(image: Pick<BrandLogo, 'width' | 'height'>): { width: number; height: number } {
  const scale = Math.min(1, BANNER_COLUMN_WIDTH / image.width);
  return { width: Math.max(1, Math.round(image.width * scale)), height: Math.max(1, Math.round(image.height * scale)) };
}
