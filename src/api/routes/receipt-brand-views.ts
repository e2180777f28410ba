// E-receipt brands as the API shows them, and the loader that authorizes the organization they belong to.
import { z } from 'zod';
import type { Brand } from '../../domain/brand.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import type { BannerImageInfo } from '../../db/receipt-banner-images.repository.js';
import type { StoredBrand } from '../../db/receipt-brands.repository.js';
import { authorizeOrganization, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { dateOut, iso } from '../schemas.js';

export const bannerImageOut = z
  .object({ id: z.string(), contentType: z.string(), width: z.number().int(), height: z.number().int(), bytes: z.number().int() })
  .meta({ id: 'BannerImage' });

const bannerOut = z.object({
  title: z.string(),
  text: z.string(),
  url: z.string(),
  alt: z.string(),
  imageId: z.string().nullable().meta({ description: 'Send it back in PUT …/receipt-brand to keep the picture' }),
  image: bannerImageOut.nullable(),
});

export const brandOut = z
  .object({
    organizationId: z.number().int(),
    custom: z.boolean().meta({ description: 'false: the organization has not set up a brand; the default applies' }),
    primaryColor: z.string(),
    accentColor: z.string(),
    backgroundColor: z.string(),
    headerText: z.string(),
    footerText: z.string(),
    banners: z.array(bannerOut),
    logo: z.object({ contentType: z.string(), width: z.number().int(), height: z.number().int(), bytes: z.number().int() }).nullable(),
    updatedAt: dateOut.nullable(),
  })
  .meta({ id: 'ReceiptBrand' });

function bannersJson(b: Brand): z.infer<typeof bannerOut>[] {
  return b.banners.map((x) => {
    const image: BannerImageInfo | null = x.image
      ? { id: x.image.id, contentType: x.image.contentType, width: x.image.width, height: x.image.height, bytes: x.image.data.length }
      : null;
    return { title: x.title, text: x.text, url: x.url, alt: x.alt, imageId: image?.id ?? null, image };
  });
}

export function brandJson(organizationId: number, s: StoredBrand): z.infer<typeof brandOut> {
  const b = s.brand;
  return {
    organizationId,
    custom: s.custom,
    primaryColor: b.primaryColor,
    accentColor: b.accentColor,
    backgroundColor: b.backgroundColor,
    headerText: b.headerText,
    footerText: b.footerText,
    banners: bannersJson(b),
    logo: b.logo ? { contentType: b.logo.contentType, width: b.logo.width, height: b.logo.height, bytes: b.logo.data.length } : null,
    updatedAt: iso(s.updatedAt),
  };
}

export const actor = (p: Principal) => (p.kind === 'operator' ? 'operator' : p.kind === 'user' ? `user:${p.userId}` : `apiKey:${p.keyId}`);

/** The organization, once the caller may read it and, for `organization:write`, change it. */
export async function brandOrganization(ctx: ApiContext, p: Principal, id: number, permission: 'organization:read' | 'organization:write') {
  authorizeOrganization(p, id, 'organization:read', 'organization');
  authorizeOrganization(p, id, permission, 'organization');
  const org = await findOrganization(ctx.db, id);
  if (!org) throw notFound('organization');
  return org;
}

/** A PUT or preview naming a picture the organization does not have (never uploaded, pruned, or another's). */
export function unknownBannerImage(index: number): ApiError {
  const message = 'no such picture: upload it (POST …/receipt-brand/banner-images) and send the id it gets';
  return new ApiError('VALIDATION_FAILED', `body.banners.${index}.imageId: ${message}`, [{ path: `body.banners.${index}.imageId`, message, issue: 'unknown_image' }]);
}
