/**
 * «Оформление чеков» (issue 17): an organization's e-receipt brand — colours, header and footer text, banners with
 * links, a logo — read by members, changed by owners and admins (`organization:write`), and previewed on a sample
 * receipt before it is saved. No brand set up: the default one applies (`custom: false`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { brandInputSchema, DEFAULT_BRAND, LOGO_CONTENT_TYPES, LOGO_MAX_BYTES, type Brand, type BrandInput } from '../../domain/brand.js';
import { brandedReceiptPage } from '../../branding/branded-receipt.js';
import { checkLogo, isLogoProblem } from '../../branding/logo.js';
import { bannerImagesOf } from '../../db/receipt-banner-images.repository.js';
import { deleteBrand, loadBrand, phoneChannelOf, saveBrand, saveLogo, setPhoneChannel } from '../../db/receipt-brands.repository.js';
import { audit } from '../audit.js';
import { principalOf } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { fnsQrString } from '../../domain/receipt-view.js';
import { dateOut, idSchema, iso } from '../schemas.js';
import { actor, brandJson, brandOrganization, brandOut, unknownBannerImage } from './receipt-brand-views.js';

const settingsOut = z
  .object({
    organizationId: z.number().int(),
    phoneChannel: z.enum(['sms', 'viber']).meta({
      description: 'How receipts whose buyer gave a phone (1008) go: sms, or viber — Viber first, by SMS when Viber does not deliver (paid like an SMS)',
    }),
    updatedAt: dateOut.nullable(),
  })
  .meta({ id: 'ReceiptSettings' });

const previewBody = z
  .object({ brand: brandInputSchema.optional().meta({ description: 'The draft to show; default: the stored brand' }) })
  .strict();

/** A receipt to preview a brand on: the organization's own name and INN, a few lines, a valid QR string. */
export function sampleReceipt(org: { name: string | null; inn: string }): { formName: string; doc: Record<string, unknown>; qr: string } {
  const items = [
    { name: 'Кофе капучино 0,3 л', price: 21000, quantity: 2, sum: 42000 },
    { name: 'Круассан миндальный', price: 18500, quantity: 1, sum: 18500 },
  ];
  const q = { dateTime: '2026-12-01T09:41:00', totalSum: 60500, fn: '9999078900000001', fd: 128, fiscalSign: 1234567890, operationType: 1 };
  return {
    formName: 'receipt',
    doc: {
      user: org.name ?? 'Организация',
      userInn: org.inn,
      retailPlaceAddress: 'г. Москва, ул. Примерная, д. 1',
      retailPlace: 'Кофейня',
      operationType: 1,
      dateTime: q.dateTime,
      shiftNumber: 7,
      requestNumber: 42,
      operator: 'Кассир Иванова',
      items,
      totalSum: q.totalSum,
      cashTotalSum: 0,
      ecashTotalSum: q.totalSum,
      kktRegId: '0000000000000001',
      fiscalDriveNumber: q.fn,
      fiscalDocumentNumber: q.fd,
      fiscalSign: q.fiscalSign,
    },
    qr: fnsQrString(q),
  };
}

const organizationParams = z.object({ id: idSchema });
const brandResponses = { 200: brandOut, ...errorResponses(400, 401, 403, 404, 429) };

function receiptBrandLocals(ctx: ApiContext) {
  return { organization: (p: Principal, id: number, permission: 'organization:read' | 'organization:write') => brandOrganization(ctx, p, id, permission) };
}
type ReceiptBrandLocals = ReturnType<typeof receiptBrandLocals>;

const getOrganizationsByIdReceiptSettingsSchema = {
  tags: ['organizations'],
  summary: 'How automatic e-receipts to a phone go (SMS, or Viber first)',
  params: organizationParams,
  response: { 200: settingsOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdReceiptSettingsRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.get(
    '/organizations/:id/receipt-settings',
    { schema: getOrganizationsByIdReceiptSettingsSchema },
    async (request) => {
      const id = request.params.id;
      await organization(principalOf(request), id, 'organization:read');
      const s = await phoneChannelOf(ctx.db, id);
      return { organizationId: id, phoneChannel: s.phoneChannel, updatedAt: iso(s.updatedAt) };
    },
  );
}

const putOrganizationsByIdReceiptSettingsSchema = {
  tags: ['organizations'],
  summary: 'Choose how automatic e-receipts to a phone go (owners, admins)',
  params: organizationParams,
  body: z.object({ phoneChannel: z.enum(['sms', 'viber']) }).strict(),
  response: { 200: settingsOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function putOrganizationsByIdReceiptSettingsRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.put(
    '/organizations/:id/receipt-settings',
    { schema: putOrganizationsByIdReceiptSettingsSchema },
    async (request) => {
      const id = request.params.id;
      const p = principalOf(request);
      await organization(p, id, 'organization:write');
      await setPhoneChannel(ctx.db, id, request.body.phoneChannel, actor(p));
      await audit(ctx.db, request, p, id, 'receipt_brand.updated', `organization:${id}`, { phoneChannel: request.body.phoneChannel });
      const s = await phoneChannelOf(ctx.db, id);
      return { organizationId: id, phoneChannel: s.phoneChannel, updatedAt: iso(s.updatedAt) };
    },
  );
}

const getOrganizationsByIdReceiptBrandSchema = {
  tags: ['organizations'],
  summary: 'The e-receipt brand (colours, texts, banners with their pictures, logo) of an organization',
  params: organizationParams,
  response: brandResponses,
};

function getOrganizationsByIdReceiptBrandRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.get(
    '/organizations/:id/receipt-brand',
    { schema: getOrganizationsByIdReceiptBrandSchema },
    async (request) => {
      const id = request.params.id;
      await organization(principalOf(request), id, 'organization:read');
      return brandJson(id, await loadBrand(ctx.db, id));
    },
  );
}

const putOrganizationsByIdReceiptBrandSchema = {
  tags: ['organizations'],
  summary:
    'Set the e-receipt brand (owners, admins); the logo is kept (it has its own upload). A banner keeps or gets a picture by its `imageId`; pictures no banner names any more are deleted',
  params: organizationParams,
  body: brandInputSchema,
  response: brandResponses,
};

function putOrganizationsByIdReceiptBrandRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.put(
    '/organizations/:id/receipt-brand',
    { schema: putOrganizationsByIdReceiptBrandSchema },
    async (request) => {
      const id = request.params.id;
      const p = principalOf(request);
      await organization(p, id, 'organization:write');
      const saved = await saveBrand(ctx.db, id, request.body, actor(p));
      if ('missingImage' in saved) throw unknownBannerImage(saved.missingImage);
      await audit(ctx.db, request, p, id, 'receipt_brand.updated', `organization:${id}`, { banners: request.body.banners.length });
      return brandJson(id, saved);
    },
  );
}

const deleteOrganizationsByIdReceiptBrandSchema = {
  tags: ['organizations'],
  summary: 'Back to the default e-receipt brand (the logo and the banners’ pictures are removed too)',
  params: organizationParams,
  response: brandResponses,
};

function deleteOrganizationsByIdReceiptBrandRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.delete(
    '/organizations/:id/receipt-brand',
    { schema: deleteOrganizationsByIdReceiptBrandSchema },
    async (request) => {
      const id = request.params.id;
      const p = principalOf(request);
      await organization(p, id, 'organization:write');
      await deleteBrand(ctx.db, id);
      await audit(ctx.db, request, p, id, 'receipt_brand.reset', `organization:${id}`);
      return brandJson(id, await loadBrand(ctx.db, id));
    },
  );
}

const putOrganizationsByIdReceiptBrandLogoSchema = {
  tags: ['organizations'],
  summary: `Upload the logo: the image itself as the body (${LOGO_CONTENT_TYPES.join(', ')}), at most ${LOGO_MAX_BYTES / 1024} KB and 1200×600 px`,
  params: organizationParams,
  response: { 200: brandOut, ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
};

function putOrganizationsByIdReceiptBrandLogoRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.put(
    '/organizations/:id/receipt-brand/logo',
    { schema: putOrganizationsByIdReceiptBrandLogoSchema },
    async (request) => {
      const id = request.params.id;
      const p = principalOf(request);
      await organization(p, id, 'organization:write');
      if (!Buffer.isBuffer(request.body)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `send the logo as ${LOGO_CONTENT_TYPES.join(', ')}`);
      const declared = String(request.headers['content-type'] ?? '');
      // An octet-stream upload is typed by its bytes alone.
      const accepted = checkLogo(request.body, declared.startsWith('application/octet-stream') ? undefined : declared);
      if (isLogoProblem(accepted)) {
        throw new ApiError('VALIDATION_FAILED', `body: ${accepted.message}`, [{ path: 'body', message: accepted.message, issue: accepted.issue }]);
      }
      const saved = await saveLogo(ctx.db, id, accepted, actor(p));
      await audit(ctx.db, request, p, id, 'receipt_brand.updated', `organization:${id}`, { logo: `${accepted.contentType} ${accepted.width}×${accepted.height}` });
      return brandJson(id, saved);
    },
  );
}

const deleteOrganizationsByIdReceiptBrandLogoSchema = {
  tags: ['organizations'],
  summary: 'Remove the logo',
  params: organizationParams,
  response: brandResponses,
};

function deleteOrganizationsByIdReceiptBrandLogoRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.delete(
    '/organizations/:id/receipt-brand/logo',
    { schema: deleteOrganizationsByIdReceiptBrandLogoSchema },
    async (request) => {
      const id = request.params.id;
      const p = principalOf(request);
      await organization(p, id, 'organization:write');
      const saved = await saveLogo(ctx.db, id, null, actor(p));
      await audit(ctx.db, request, p, id, 'receipt_brand.updated', `organization:${id}`, { logo: null });
      return brandJson(id, saved);
    },
  );
}

const getOrganizationsByIdReceiptBrandLogoSchema = {
  tags: ['organizations'],
  summary: 'The logo image',
  params: organizationParams,
  response: errorResponses(400, 401, 403, 404, 429),
};

function getOrganizationsByIdReceiptBrandLogoRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.get(
    '/organizations/:id/receipt-brand/logo',
    { schema: getOrganizationsByIdReceiptBrandLogoSchema },
    async (request, reply) => {
      const id = request.params.id;
      await organization(principalOf(request), id, 'organization:read');
      const logo = (await loadBrand(ctx.db, id)).brand.logo;
      if (!logo) throw notFound('logo');
      return reply.type(logo.contentType).header('x-content-type-options', 'nosniff').send(logo.data as never);
    },
  );
}

/** A draft's banners with their pictures: saved ones or fresh uploads, the organization's own only. */
async function draftBanners(ctx: ApiContext, organizationId: number, draft: BrandInput): Promise<Brand['banners']> {
  const images = await bannerImagesOf(ctx.db, organizationId, draft.banners.flatMap((b) => (b.imageId ? [b.imageId] : [])));
  return draft.banners.map((b, i) => {
    const image = b.imageId === null ? null : images.get(b.imageId);
    if (image === undefined) throw unknownBannerImage(i);
    return { title: b.title, text: b.text, url: b.url, alt: b.alt, image };
  });
}

const postOrganizationsByIdReceiptBrandPreviewSchema = {
  tags: ['organizations'],
  summary: 'A sample receipt (HTML, as e-mailed and on the buyer’s page) in the stored brand or a draft of one',
  params: organizationParams,
  body: previewBody,
  response: errorResponses(400, 401, 403, 404, 429),
};

function postOrganizationsByIdReceiptBrandPreviewRoute(app: ApiApp, ctx: ApiContext, { organization }: ReceiptBrandLocals): void {
  app.post(
    '/organizations/:id/receipt-brand/preview',
    { schema: postOrganizationsByIdReceiptBrandPreviewSchema },
    async (request, reply) => {
      const id = request.params.id;
      const org = await organization(principalOf(request), id, 'organization:read');
      const stored = (await loadBrand(ctx.db, id)).brand;
      const draft = request.body.brand;
      const brand: Brand = draft ? { ...DEFAULT_BRAND, ...draft, banners: await draftBanners(ctx, id, draft), logo: stored.logo } : stored;
      const html = await brandedReceiptPage(sampleReceipt({ name: org.name, inn: org.inn }), brand);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html as never);
    },
  );
}

export function receiptBrandRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = receiptBrandLocals(ctx);
    app.addContentTypeParser([...LOGO_CONTENT_TYPES, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: 4 * LOGO_MAX_BYTES }, (_r, body, done) => done(null, body));
    getOrganizationsByIdReceiptSettingsRoute(app, ctx, locals);
    putOrganizationsByIdReceiptSettingsRoute(app, ctx, locals);
    getOrganizationsByIdReceiptBrandRoute(app, ctx, locals);
    putOrganizationsByIdReceiptBrandRoute(app, ctx, locals);
    deleteOrganizationsByIdReceiptBrandRoute(app, ctx, locals);
    putOrganizationsByIdReceiptBrandLogoRoute(app, ctx, locals);
    deleteOrganizationsByIdReceiptBrandLogoRoute(app, ctx, locals);
    getOrganizationsByIdReceiptBrandLogoRoute(app, ctx, locals);
    postOrganizationsByIdReceiptBrandPreviewRoute(app, ctx, locals);
  };
}
