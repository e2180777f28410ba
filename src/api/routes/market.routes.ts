/**
 * The Маркет (issue 17): the catalogue, purchases paid from the balance (SMS packages, activation codes for a tariff's
 * term), the organization's activation codes, and postpaid SMS switched on or off.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { buySmsPackage, listProducts, setSmsPostpaid, smsPostpaidEnabled } from '../../billing/market.js';
import { buyActivationCodes } from '../../billing/register-service.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { activationCodesOf, type ActivationCode } from '../../db/service-periods.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso, kopecksSchema } from '../schemas.js';
import { balancesJson, balancesOut } from './billing.routes.js';
import { idempotencyKeySchema } from './tariffs.routes.js';

const productOut = z.object({
  code: z.string(),
  kind: z.enum(['sms_package', 'sms_postpaid']),
  name: z.string(),
  units: z.number().int().meta({ description: 'SMS in the package (1 for the postpaid price)' }),
  price: kopecksSchema,
});

const codeOut = z.object({
  code: z.string(),
  tariffId: z.number().int(),
  months: z.number().int(),
  appliedRegisterId: z.number().int().nullable(),
  appliedAt: dateOut.nullable(),
  createdAt: dateOut,
});
const codeJson = (c: ActivationCode): z.infer<typeof codeOut> => ({
  code: c.code,
  tariffId: c.tariff_id,
  months: c.months,
  appliedRegisterId: c.applied_register_id,
  appliedAt: iso(c.applied_at),
  createdAt: iso(c.created_at),
});

const purchaseIn = z.discriminatedUnion('product', [
  z.strictObject({
    product: z.enum(['sms-100', 'sms-250', 'sms-500', 'sms-1000']),
    quantity: z.number().int().min(1).max(100).default(1),
    idempotencyKey: idempotencyKeySchema,
  }),
  z.strictObject({
    product: z.literal('activation-codes'),
    tariffId: idSchema,
    quantity: z.number().int().min(1).max(1000),
    idempotencyKey: idempotencyKeySchema,
  }),
]);
const purchaseOut = z.object({
  transactionId: z.number().int(),
  replayed: z.boolean(),
  accounts: balancesOut,
  codes: z.array(codeOut).optional().meta({ description: 'The activation codes bought' }),
});

function marketLocals(ctx: ApiContext) {
  const loadOrganization = async (request: Parameters<typeof principalOf>[0], id: number, permission: 'billing:read' | 'billing:write') => {
    authorizeOrganization(principalOf(request), id, permission, 'organization');
    if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
  };
  const postpaidOut = z.object({ organizationId: z.number().int(), enabled: z.boolean() });
  return { loadOrganization, postpaidOut };
}
type MarketLocals = ReturnType<typeof marketLocals>;

const getMarketProductsSchema = {
  tags: ['billing'],
  summary: 'The Маркет: SMS packages and the postpaid SMS price (activation codes are priced by the tariffs)',
  response: { 200: z.object({ items: z.array(productOut) }), ...errorResponses(401, 429) },
};

function getMarketProductsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/market/products',
    { schema: getMarketProductsSchema },
    async () => ({ items: (await listProducts(ctx.db)).map(({ code, kind, name, units, price }) => ({ code, kind, name, units, price })) }),
  );
}

const postOrganizationsByIdMarketPurchasesSchema = {
  tags: ['billing'],
  summary: 'Buy from the Маркет, paid from the balance: SMS packages, or activation codes for a tariff’s term',
  params: z.object({ id: idSchema }),
  body: purchaseIn,
  response: { 200: purchaseOut, 201: purchaseOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function postOrganizationsByIdMarketPurchasesRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: MarketLocals): void {
  app.post(
    '/organizations/:id/market/purchases',
    { schema: postOrganizationsByIdMarketPurchasesSchema },
    async (request, reply) => {
      const id = request.params.id;
      await loadOrganization(request, id, 'billing:write');
      const b = request.body;
      if (b.product === 'activation-codes') {
        const r = await buyActivationCodes(ctx.db, { organizationId: id, tariffId: b.tariffId, quantity: b.quantity, requestKey: b.idempotencyKey, now: new Date() });
        reply.code(r.replayed ? 200 : 201);
        return { transactionId: r.transactionId, replayed: r.replayed, accounts: await balancesJson(ctx, id), codes: r.codes.map(codeJson) };
      }
      const r = await buySmsPackage(ctx.db, { organizationId: id, productCode: b.product, quantity: b.quantity, requestKey: b.idempotencyKey });
      reply.code(r.replayed ? 200 : 201);
      return { transactionId: r.transactionId, replayed: r.replayed, accounts: await balancesJson(ctx, id) };
    },
  );
}

const getOrganizationsByIdActivationCodesSchema = {
  tags: ['billing'],
  summary: 'The organization’s activation codes, newest first',
  params: z.object({ id: idSchema }),
  response: { 200: z.object({ items: z.array(codeOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdActivationCodesRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: MarketLocals): void {
  app.get(
    '/organizations/:id/activation-codes',
    { schema: getOrganizationsByIdActivationCodesSchema },
    async (request) => {
      await loadOrganization(request, request.params.id, 'billing:read');
      return { items: (await activationCodesOf(ctx.db, request.params.id)).map(codeJson) };
    },
  );
}

function getOrganizationsByIdSmsPostpaidRoute(app: ApiApp, ctx: ApiContext, { postpaidOut, loadOrganization }: MarketLocals): void {
  app.get(
    '/organizations/:id/sms-postpaid',
    {
      schema: {
        tags: ['billing'],
        summary: 'Whether SMS are sent on credit once the package is empty (billed at the end of the month)',
        params: z.object({ id: idSchema }),
        response: { 200: postpaidOut, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      await loadOrganization(request, request.params.id, 'billing:read');
      return { organizationId: request.params.id, enabled: await smsPostpaidEnabled(ctx.db, request.params.id) };
    },
  );
}

function putOrganizationsByIdSmsPostpaidRoute(app: ApiApp, ctx: ApiContext, { postpaidOut, loadOrganization }: MarketLocals): void {
  app.put(
    '/organizations/:id/sms-postpaid',
    {
      schema: {
        tags: ['billing'],
        summary: 'Turn postpaid SMS on or off',
        params: z.object({ id: idSchema }),
        body: z.strictObject({ enabled: z.boolean() }),
        response: { 200: postpaidOut, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      await loadOrganization(request, request.params.id, 'billing:write');
      await setSmsPostpaid(ctx.db, request.params.id, request.body.enabled);
      return { organizationId: request.params.id, enabled: request.body.enabled };
    },
  );
}

export function marketRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = marketLocals(ctx);
    getMarketProductsRoute(app, ctx);
    postOrganizationsByIdMarketPurchasesRoute(app, ctx, locals);
    getOrganizationsByIdActivationCodesRoute(app, ctx, locals);
    getOrganizationsByIdSmsPostpaidRoute(app, ctx, locals);
    putOrganizationsByIdSmsPostpaidRoute(app, ctx, locals);
  };
}
