/**
 * Registers whose paid OFD service ends soon or has ended (issue 17), for the cabinet's banner: one small read over
 * the caller's whole fleet (the register list pages and computes connection state per register, far more than a
 * banner needs). The window and thresholds match the `ofd.expiring` notifications (30, 7, 1 days).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { registersWithServiceEnding } from '../../db/ofd-services.repository.js';
import { moscowDate } from '../../domain/ofd-service.js';
import { accessScope, isEmptyScope, placeLimitOf, registerScopeSql, scopeOrganizationIds } from '../auth/access-scope.js';
import { principalOf } from '../auth/authenticate.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses } from '../errors.js';
import { ofdServiceJson, ofdServiceOut } from '../register-service-view.js';
import { idSchema } from '../schemas.js';

const LIMIT = 200;

const endingOut = z.object({
  registerId: z.number().int(),
  registrationNumber: z.string(),
  organizationId: z.number().int().nullable(),
  ofdService: ofdServiceOut,
});

const getOfdServiceEndingSchema = {
  tags: ['billing'],
  summary: 'Registers whose paid OFD service ends within `withinDays` days or has ended, soonest first (deregistered ones left out)',
  querystring: z.object({
    withinDays: z.coerce.number().int().min(0).max(366).default(30).meta({ description: 'Days from today (Moscow); default 30, the first notification threshold' }),
    organizationId: idSchema.optional(),
  }),
  response: { 200: z.object({ items: z.array(endingOut), total: z.number().int().meta({ description: `All such registers; items holds the first ${LIMIT}` }) }), ...errorResponses(400, 401, 429) },
};

function getOfdServiceEndingRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/ofd-service/ending',
    { schema: getOfdServiceEndingSchema },
    async (request) => {
      const { withinDays, organizationId } = request.query;
      const access = await accessScope(ctx.db, principalOf(request), 'registry:read');
      if (isEmptyScope(access)) return { items: [], total: 0 };
      const scope = scopeOrganizationIds(access);
      const placeLimit = placeLimitOf(access, (s) => registerScopeSql('r.organization_id', 'r.id', s));
      const now = new Date();
      const lastDay = new Date(Date.parse(`${moscowDate(now)}T00:00:00Z`) + withinDays * 86_400_000).toISOString().slice(0, 10);
      const rows = await registersWithServiceEnding(ctx.db, { lastDay, scope, placeLimit, organizationId, limit: LIMIT });
      return {
        items: rows.map((r) => ({
          registerId: r.id,
          registrationNumber: r.registration_number,
          organizationId: r.organization_id,
          ofdService: ofdServiceJson(r.service_until, ctx.unpaidPolicy, now),
        })),
        total: rows[0]?.total ?? 0,
      };
    },
  );
}

export function serviceEndingRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getOfdServiceEndingRoute(app, ctx);
  };
}
