/**
 * Tariffs and the OFD service a register has paid (issue 17): the operator's catalogue (terms of 1, 12, 15, 36 months
 * per register, prices, promotional prices for a date range), paying a term for a register from the organization's
 * balance, applying an activation code, and the register's periods. The register's `ofdService.until` follows from them.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { applyActivationCode, payTariff } from '../../billing/register-service.js';
import { priceOn } from '../../billing/service-terms.js';
import { findRegister } from '../../db/api-registry.repository.js';
import { balanceOf } from '../../db/ledger.repository.js';
import { createTariff, listTariffs, periodsOf, updateTariff, type ServicePeriod, type Tariff } from '../../db/service-periods.repository.js';
import { moscowDate } from '../../domain/ofd-service.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, isOperator, requireOperator, type Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso, kopecksSchema, queryBoolean } from '../schemas.js';

const daySchema = z
  .string()
  .regex(/^2[01]\d{2}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD, years 2000–2199')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');
const moneySchema = z.number().int().min(0).max(100_000_000_00).meta({ description: 'kopecks' });
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{8,100}$/, 'expected 8–100 letters, digits or _ . : -')
  .meta({ description: 'Chosen by the client, unique per purchase: a retry with the same key answers the first result and charges nothing more' });

const tariffOut = z.object({
  id: z.number().int(),
  code: z.string(),
  name: z.string(),
  months: z.number().int(),
  price: kopecksSchema.meta({ description: 'List price per register, kopecks' }),
  promo: z.object({ price: kopecksSchema, from: z.string(), until: z.string() }).nullable(),
  priceToday: kopecksSchema.meta({ description: 'What a purchase today costs (the promotional price inside its dates)' }),
  active: z.boolean(),
});
const tariffJson = (t: Tariff, today: string): z.infer<typeof tariffOut> => ({
  id: t.id,
  code: t.code,
  name: t.name,
  months: t.months,
  price: t.price,
  promo: t.promo_price === null ? null : { price: t.promo_price, from: t.promo_from!, until: t.promo_until! },
  priceToday: priceOn(t, today),
  active: t.active,
});

const promoIn = z.object({ price: moneySchema, from: daySchema, until: daySchema }).refine((p) => p.until >= p.from, { message: 'until is before from', path: ['until'] });
const tariffEditable = { name: z.string().trim().min(1).max(200), price: moneySchema, promo: promoIn.nullable().default(null), active: z.boolean().default(true) };
const promoColumns = (promo: z.infer<typeof promoIn> | null) => ({
  promo_price: promo?.price ?? null,
  promo_from: promo?.from ?? null,
  promo_until: promo?.until ?? null,
});

export const periodOut = z.object({
  id: z.number().int(),
  registerId: z.number().int(),
  source: z.enum(['tariff', 'activation_code', 'operator']),
  tariffId: z.number().int().nullable(),
  activationCode: z.string().nullable(),
  startsOn: z.string(),
  endsOn: z.string(),
  price: kopecksSchema,
  transactionId: z.number().int().nullable().meta({ description: 'The ledger movement that paid it' }),
  createdAt: dateOut,
});
export const periodJson = (p: ServicePeriod): z.infer<typeof periodOut> => ({
  id: p.id,
  registerId: p.register_id,
  source: p.source,
  tariffId: p.tariff_id,
  activationCode: p.activation_code,
  startsOn: p.starts_on,
  endsOn: p.ends_on,
  price: p.price,
  transactionId: p.transaction_id,
  createdAt: iso(p.created_at),
});
const purchaseOut = z.object({ period: periodOut, replayed: z.boolean(), balance: kopecksSchema.meta({ description: 'The organization’s balance after it' }) });

function tariffLocals(ctx: ApiContext) {
  const loadRegister = async (p: Principal, id: number, permission: 'registry:read' | 'billing:write') => {
    const r = await findRegister(ctx.db, id);
    if (!r) throw notFound('register');
    authorizeOrganization(p, r.organization_id, permission, 'register');
    return r;
  };
  return { loadRegister };
}
type TariffLocals = ReturnType<typeof tariffLocals>;

const getTariffsSchema = {
  tags: ['billing'],
  summary: 'The tariff catalogue (terms of OFD service per register)',
  querystring: z.object({ all: queryBoolean.optional().meta({ description: 'Operator: withdrawn tariffs too' }) }),
  response: { 200: z.object({ items: z.array(tariffOut) }), ...errorResponses(400, 401, 429) },
};

function getTariffsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/tariffs',
    { schema: getTariffsSchema },
    async (request) => {
      const p = principalOf(request);
      const all = request.query.all === true && isOperator(p);
      const today = moscowDate(new Date());
      return { items: (await listTariffs(ctx.db, !all)).map((t) => tariffJson(t, today)) };
    },
  );
}

const postTariffsSchema = {
  tags: ['billing'],
  summary: 'Add a tariff (operator only)',
  body: z.strictObject({ code: z.string().regex(/^[a-z0-9_-]{1,40}$/), months: z.number().int().min(1).max(60), ...tariffEditable }),
  response: { 201: tariffOut, ...errorResponses(400, 401, 403, 409, 429) },
};

function postTariffsRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/tariffs',
    { schema: postTariffsSchema },
    async (request, reply) => {
      requireOperator(principalOf(request));
      const b = request.body;
      const t = await createTariff(ctx.db, { code: b.code, name: b.name, months: b.months, price: b.price, active: b.active, ...promoColumns(b.promo) });
      if (!t) throw new ApiError('TARIFF_EXISTS', `tariff ${b.code} exists`);
      reply.code(201);
      return tariffJson(t, moscowDate(new Date()));
    },
  );
}

const putTariffsByIdSchema = {
  tags: ['billing'],
  summary: 'Change a tariff’s name, price, promotion or availability (operator only; its term never changes)',
  params: z.object({ id: idSchema }),
  body: z.strictObject(tariffEditable),
  response: { 200: tariffOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function putTariffsByIdRoute(app: ApiApp, ctx: ApiContext): void {
  app.put(
    '/tariffs/:id',
    { schema: putTariffsByIdSchema },
    async (request) => {
      requireOperator(principalOf(request));
      const b = request.body;
      const t = await updateTariff(ctx.db, request.params.id, { name: b.name, price: b.price, active: b.active, ...promoColumns(b.promo) });
      if (!t) throw notFound('tariff');
      return tariffJson(t, moscowDate(new Date()));
    },
  );
}

const getRegistersByIdServicePeriodsSchema = {
  tags: ['billing'],
  summary: 'The register’s paid and granted periods of OFD service, oldest first',
  params: z.object({ id: idSchema }),
  response: { 200: z.object({ items: z.array(periodOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getRegistersByIdServicePeriodsRoute(app: ApiApp, ctx: ApiContext, { loadRegister }: TariffLocals): void {
  app.get(
    '/registers/:id/service-periods',
    { schema: getRegistersByIdServicePeriodsSchema },
    async (request) => {
      const r = await loadRegister(principalOf(request), request.params.id, 'registry:read');
      return { items: (await periodsOf(ctx.db, r.id)).map(periodJson) };
    },
  );
}

const postRegistersByIdServicePaymentsSchema = {
  tags: ['billing'],
  summary: 'Pay a term of a tariff for the register from the organization’s balance',
  params: z.object({ id: idSchema }),
  body: z.strictObject({ tariffId: idSchema, idempotencyKey: idempotencyKeySchema }),
  response: { 200: purchaseOut, 201: purchaseOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function postRegistersByIdServicePaymentsRoute(app: ApiApp, ctx: ApiContext, { loadRegister }: TariffLocals): void {
  app.post(
    '/registers/:id/service-payments',
    { schema: postRegistersByIdServicePaymentsSchema },
    async (request, reply) => {
      const r = await loadRegister(principalOf(request), request.params.id, 'billing:write');
      const { period, replayed } = await payTariff(ctx.db, { register: r, tariffId: request.body.tariffId, requestKey: request.body.idempotencyKey, now: new Date() });
      reply.code(replayed ? 200 : 201);
      return { period: periodJson(period), replayed, balance: await balanceOf(ctx.db, r.organization_id!, 'balance') };
    },
  );
}

const postRegistersByIdActivationSchema = {
  tags: ['billing'],
  summary: 'Apply an activation code of the organization to the register: its term of service starts',
  params: z.object({ id: idSchema }),
  body: z.strictObject({ code: z.string().trim().toUpperCase().regex(/^[A-Z0-9-]{8,40}$/, 'not an activation code') }),
  response: { 200: purchaseOut, 201: purchaseOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function postRegistersByIdActivationRoute(app: ApiApp, ctx: ApiContext, { loadRegister }: TariffLocals): void {
  app.post(
    '/registers/:id/activation',
    { schema: postRegistersByIdActivationSchema },
    async (request, reply) => {
      const r = await loadRegister(principalOf(request), request.params.id, 'billing:write');
      const applied = await applyActivationCode(ctx.db, { register: r, code: request.body.code, now: new Date() });
      if (!applied) throw notFound('activation code');
      reply.code(applied.replayed ? 200 : 201);
      return { period: periodJson(applied.period), replayed: applied.replayed, balance: await balanceOf(ctx.db, r.organization_id!, 'balance') };
    },
  );
}

export function tariffRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = tariffLocals(ctx);
    getTariffsRoute(app, ctx);
    postTariffsRoute(app, ctx);
    putTariffsByIdRoute(app, ctx);
    getRegistersByIdServicePeriodsRoute(app, ctx, locals);
    postRegistersByIdServicePaymentsRoute(app, ctx, locals);
    postRegistersByIdActivationRoute(app, ctx, locals);
  };
}
