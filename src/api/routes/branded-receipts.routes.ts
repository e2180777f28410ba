/**
 * The branded e-receipt service in the Маркет (issue 17): its offers (months, price), an organization's paid periods,
 * the purchase paid from the balance, and the caller's organizations whose service ends soon or has just ended (the
 * cabinet's banner; the same 30-day window and 7 days after the end as the `branding.expiring` e-mails). While no
 * period is in force, buyers get the default brand (brandFor).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { buyBrandedReceipts } from '../../billing/branded-receipts.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { brandedServiceEnding, brandedServiceOffers, brandedServicePeriods, brandedServiceUntil, type BrandedServicePeriod } from '../../db/branded-service.repository.js';
import { BRANDED_ENDED_NOTICE_DAYS, moscowDate, moscowDayStart, PAID_PERIOD_THRESHOLDS_DAYS, periodStanding } from '../../domain/ofd-service.js';
import { accessScope, isEmptyScope, scopeOrganizationIds } from '../auth/access-scope.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso, kopecksSchema } from '../schemas.js';
import { balancesJson, balancesOut } from './billing.routes.js';
import { idempotencyKeySchema } from './tariffs.routes.js';

const offerOut = z.object({ code: z.string(), name: z.string(), months: z.number().int(), price: kopecksSchema });
const periodOut = z.object({
  productCode: z.string(),
  months: z.number().int(),
  startsAt: dateOut,
  endsAt: dateOut,
  transactionId: z.number().int(),
});
const periodJson = (p: BrandedServicePeriod): z.infer<typeof periodOut> => ({
  productCode: p.productCode,
  months: p.months,
  startsAt: iso(p.startsAt),
  endsAt: iso(p.endsAt),
  transactionId: p.transactionId,
});
const statusOut = z.object({
  organizationId: z.number().int(),
  active: z.boolean().meta({ description: 'Buyers get the organization’s brand now; false: the default e-receipt' }),
  activeUntil: dateOut.nullable().meta({ description: 'When the paid service ends (periods bought in advance included)' }),
  periods: z.array(periodOut).meta({ description: 'The periods bought, newest first' }),
});
const purchaseOut = z.object({
  transactionId: z.number().int(),
  replayed: z.boolean(),
  period: periodOut,
  activeUntil: dateOut.nullable(),
  accounts: balancesOut,
});

async function loadOrganization(ctx: ApiContext, request: Parameters<typeof principalOf>[0], id: number, permission: 'organization:read' | 'billing:write') {
  authorizeOrganization(principalOf(request), id, permission, 'organization');
  if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
}

const getMarketBrandedReceiptsSchema = {
  tags: ['billing'],
  summary: 'The Маркет’s branded e-receipt service: its periods and prices',
  response: { 200: z.object({ items: z.array(offerOut) }), ...errorResponses(401, 429) },
};

function getMarketBrandedReceiptsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get('/market/branded-receipts', { schema: getMarketBrandedReceiptsSchema }, async () => ({
    items: (await brandedServiceOffers(ctx.db)).map(({ code, name, months, price }) => ({ code, name, months, price })),
  }));
}

const getOrganizationsByIdBrandedReceiptsSchema = {
  tags: ['billing'],
  summary: 'Whether the organization’s branded e-receipts reach buyers now, until when, and the periods bought',
  params: z.object({ id: idSchema }),
  response: { 200: statusOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdBrandedReceiptsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get('/organizations/:id/branded-receipts', { schema: getOrganizationsByIdBrandedReceiptsSchema }, async (request) => {
    const id = request.params.id;
    await loadOrganization(ctx, request, id, 'organization:read');
    const until = await brandedServiceUntil(ctx.db, id, new Date());
    return { organizationId: id, active: until !== null, activeUntil: iso(until), periods: (await brandedServicePeriods(ctx.db, id)).map(periodJson) };
  });
}

const postOrganizationsByIdBrandedReceiptsPurchasesSchema = {
  tags: ['billing'],
  summary: 'Buy the branded e-receipt service from the balance; the period starts where the current one ends',
  params: z.object({ id: idSchema }),
  body: z.strictObject({
    product: z.string().regex(/^[a-z0-9_-]{1,40}$/).meta({ description: 'An offer’s code from GET /market/branded-receipts' }),
    idempotencyKey: idempotencyKeySchema,
  }),
  response: { 200: purchaseOut, 201: purchaseOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function postOrganizationsByIdBrandedReceiptsPurchasesRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/organizations/:id/branded-receipts/purchases',
    { schema: postOrganizationsByIdBrandedReceiptsPurchasesSchema },
    async (request, reply) => {
      const id = request.params.id;
      await loadOrganization(ctx, request, id, 'billing:write');
      const now = new Date();
      const r = await buyBrandedReceipts(ctx.db, { organizationId: id, productCode: request.body.product, requestKey: request.body.idempotencyKey, now });
      reply.code(r.replayed ? 200 : 201);
      const until = await brandedServiceUntil(ctx.db, id, now);
      return { transactionId: r.transactionId, replayed: r.replayed, period: periodJson(r.period), activeUntil: iso(until), accounts: await balancesJson(ctx, id) };
    },
  );
}

const ENDING_LIMIT = 200;
const DAY_MS = 86_400_000;
const WINDOW_DAYS = PAID_PERIOD_THRESHOLDS_DAYS[0];

const endingOut = z.object({
  organizationId: z.number().int(),
  organizationName: z.string(),
  endsAt: dateOut.meta({ description: 'When the paid service ends (the latest period bought)' }),
  lastDay: z.string().meta({ description: 'Its last day, Moscow date YYYY-MM-DD' }),
  daysLeft: z.number().int().meta({ description: 'Whole days from today (Moscow) to the last day: 0 on it, negative after' }),
  ended: z.boolean().meta({ description: 'The service is over: buyers get the standard e-receipt' }),
});

const getBrandedReceiptsEndingSchema = {
  tags: ['billing'],
  summary: `The caller's organizations whose branded e-receipt service ends within ${WINDOW_DAYS} days or ended in the last ${BRANDED_ENDED_NOTICE_DAYS}, soonest first`,
  querystring: z.object({ organizationId: idSchema.optional() }),
  response: { 200: z.object({ items: z.array(endingOut), total: z.number().int().meta({ description: `All such organizations; items holds the first ${ENDING_LIMIT}` }) }), ...errorResponses(400, 401, 429) },
};

function getBrandedReceiptsEndingRoute(app: ApiApp, ctx: ApiContext): void {
  app.get('/branded-receipts/ending', { schema: getBrandedReceiptsEndingSchema }, async (request) => {
    const access = await accessScope(ctx.db, principalOf(request), 'organization:read');
    if (isEmptyScope(access)) return { items: [], total: 0 };
    const now = new Date();
    // A last day within the window: the end is at most the start of the day after it.
    const to = moscowDayStart(moscowDate(now), WINDOW_DAYS + 1);
    const from = new Date(now.getTime() - BRANDED_ENDED_NOTICE_DAYS * DAY_MS);
    const rows = await brandedServiceEnding(ctx.db, { scope: scopeOrganizationIds(access), organizationId: request.query.organizationId, from, to, limit: ENDING_LIMIT });
    return {
      items: rows.map((r) => {
        const { lastDay, daysLeft, ended } = periodStanding(r.ends_at, now);
        return { organizationId: r.organization_id, organizationName: r.name, endsAt: iso(r.ends_at), lastDay, daysLeft, ended };
      }),
      total: rows[0]?.total ?? 0,
    };
  });
}

export function brandedReceiptsRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getMarketBrandedReceiptsRoute(app, ctx);
    getBrandedReceiptsEndingRoute(app, ctx);
    getOrganizationsByIdBrandedReceiptsRoute(app, ctx);
    postOrganizationsByIdBrandedReceiptsPurchasesRoute(app, ctx);
  };
}
