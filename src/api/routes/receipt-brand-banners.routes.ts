/**
 * Banner pictures of the e-receipt brand (issue 17), checked like the logo (PNG, JPEG or GIF by their bytes, at most
 * 300 KB and 1200×1200 px) and sent as the raw body like it. Two ways to use them:
 * - the cabinet's: upload a picture (`POST …/banner-images`), show it in the live preview by its id, and save the brand
 *   with the banner naming it (`imageId`) — nothing changes for buyers before the save;
 * - a script's: put a picture on a saved banner, or take it off, in one call (`PUT`/`DELETE …/banners/{index}/image`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BANNER_IMAGE_MAX_BYTES, BANNER_IMAGE_MAX_HEIGHT, BANNER_IMAGE_MAX_WIDTH, LOGO_CONTENT_TYPES, type BrandLogo } from '../../domain/brand.js';
import { checkBannerImage, isLogoProblem } from '../../branding/logo.js';
import { addBannerImage, bannerImage } from '../../db/receipt-banner-images.repository.js';
import { removeBannerImage, setBannerImage, type BannerImageChange, type StoredBrand } from '../../db/receipt-brands.repository.js';
import { audit } from '../audit.js';
import { principalOf } from '../auth/authenticate.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import type { FastifyRequest } from 'fastify';
import { idSchema } from '../schemas.js';
import { actor, bannerImageOut, brandJson, brandOrganization, brandOut } from './receipt-brand-views.js';

const LIMITS = `${LOGO_CONTENT_TYPES.join(', ')}, at most ${BANNER_IMAGE_MAX_BYTES / 1024} KB and ${BANNER_IMAGE_MAX_WIDTH}×${BANNER_IMAGE_MAX_HEIGHT} px`;
const organizationParams = z.object({ id: idSchema });
const bannerParams = z.object({
  id: idSchema,
  index: z.coerce.number().int().min(0).max(2).meta({ description: 'The banner: 0, 1 or 2, its place in `banners`' }),
});

/** The body as a checked picture, or a 400/415 naming what is wrong with it; nothing is stored before this passes. */
function uploadedPicture(request: FastifyRequest): BrandLogo {
  if (!Buffer.isBuffer(request.body)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `send the picture as ${LOGO_CONTENT_TYPES.join(', ')}`);
  const declared = String(request.headers['content-type'] ?? '');
  // An octet-stream upload is typed by its bytes alone.
  const accepted = checkBannerImage(request.body, declared.startsWith('application/octet-stream') ? undefined : declared);
  if (isLogoProblem(accepted)) {
    throw new ApiError('VALIDATION_FAILED', `body: ${accepted.message}`, [{ path: 'body', message: accepted.message, issue: accepted.issue }]);
  }
  return accepted;
}

function changed(r: BannerImageChange, index: number): StoredBrand {
  if (r === 'no_banner') throw notFound('banner');
  if (r === 'needs_title') {
    const message = 'a banner without a title needs its picture: give it a title first, or remove the banner';
    throw new ApiError('VALIDATION_FAILED', `banners.${index}: ${message}`, [{ path: `params.index`, message, issue: 'needs_title' }]);
  }
  return r;
}

const postSchema = {
  tags: ['organizations'],
  summary: `Upload a banner picture (${LIMITS}) as the body; a banner shows it once the brand is saved with its id`,
  params: organizationParams,
  response: { 201: bannerImageOut, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
};

function postOrganizationsByIdReceiptBrandBannerImagesRoute(app: ApiApp, ctx: ApiContext): void {
  app.post('/organizations/:id/receipt-brand/banner-images', { schema: postSchema }, async (request, reply) => {
    const id = request.params.id;
    const p = principalOf(request);
    await brandOrganization(ctx, p, id, 'organization:write');
    const picture = uploadedPicture(request);
    const added = await addBannerImage(ctx.db, id, picture, actor(p));
    return reply.code(201).send(added);
  });
}

const getSchema = {
  tags: ['organizations'],
  summary: 'A banner picture (saved or freshly uploaded) of the organization',
  params: z.object({ id: idSchema, imageId: z.uuid() }),
  response: errorResponses(400, 401, 403, 404, 429),
};

function getOrganizationsByIdReceiptBrandBannerImagesByImageIdRoute(app: ApiApp, ctx: ApiContext): void {
  app.get('/organizations/:id/receipt-brand/banner-images/:imageId', { schema: getSchema }, async (request, reply) => {
    const id = request.params.id;
    await brandOrganization(ctx, principalOf(request), id, 'organization:read');
    const image = await bannerImage(ctx.db, id, request.params.imageId);
    if (!image) throw notFound('banner picture');
    // Ids are never reused: a picture under one never changes.
    return reply
      .type(image.contentType)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, max-age=86400, immutable')
      .send(image.data as never);
  });
}

const putSchema = {
  tags: ['organizations'],
  summary: `Put a picture (${LIMITS}, the body) on a saved banner, replacing the one it had (owners, admins)`,
  params: bannerParams,
  response: { 200: brandOut, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
};

function putOrganizationsByIdReceiptBrandBannersByIndexImageRoute(app: ApiApp, ctx: ApiContext): void {
  app.put('/organizations/:id/receipt-brand/banners/:index/image', { schema: putSchema }, async (request) => {
    const { id, index } = request.params;
    const p = principalOf(request);
    await brandOrganization(ctx, p, id, 'organization:write');
    const picture = uploadedPicture(request);
    const saved = changed(await setBannerImage(ctx.db, id, index, picture, actor(p)), index);
    await audit(ctx.db, request, p, id, 'receipt_brand.updated', `organization:${id}`, { banner: index, image: `${picture.contentType} ${picture.width}×${picture.height}` });
    return brandJson(id, saved);
  });
}

const deleteSchema = {
  tags: ['organizations'],
  summary: 'Take the picture off a saved banner (one without a title keeps it: remove the banner instead)',
  params: bannerParams,
  response: { 200: brandOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function deleteOrganizationsByIdReceiptBrandBannersByIndexImageRoute(app: ApiApp, ctx: ApiContext): void {
  app.delete('/organizations/:id/receipt-brand/banners/:index/image', { schema: deleteSchema }, async (request) => {
    const { id, index } = request.params;
    const p = principalOf(request);
    await brandOrganization(ctx, p, id, 'organization:write');
    const saved = changed(await removeBannerImage(ctx.db, id, index, actor(p)), index);
    await audit(ctx.db, request, p, id, 'receipt_brand.updated', `organization:${id}`, { banner: index, image: null });
    return brandJson(id, saved);
  });
}

export function receiptBrandBannerRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addContentTypeParser([...LOGO_CONTENT_TYPES, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: 4 * BANNER_IMAGE_MAX_BYTES }, (_r, body, done) => done(null, body));
    postOrganizationsByIdReceiptBrandBannerImagesRoute(app, ctx);
    getOrganizationsByIdReceiptBrandBannerImagesByImageIdRoute(app, ctx);
    putOrganizationsByIdReceiptBrandBannersByIndexImageRoute(app, ctx);
    deleteOrganizationsByIdReceiptBrandBannersByIndexImageRoute(app, ctx);
  };
}
