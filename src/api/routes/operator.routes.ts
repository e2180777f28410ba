/**
 * The operator's organization lookup (issue 17): the staff work with customers' money (manual top-ups, refunds) but are
 * members of no customer's organization, so the org-scoped lists never show them anyone. This finds an organization
 * by INN or name across all tenants, with just what a money action needs: the name, INN and balance. Operator only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { searchOrganizationsForOperator } from '../../db/api-organizations.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { requireOperator } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses } from '../errors.js';
import { kopecksSchema } from '../schemas.js';

export const OPERATOR_LOOKUP_LIMIT_MAX = 50;

const getOperatorOrganizationsSchema = {
  tags: ['billing'],
  summary: 'Find organizations by INN prefix or a part of the name (operator only), with their balances',
  querystring: z.object({
    q: z.string().trim().min(2).max(200).meta({ description: 'At least 2 characters: the start of an INN or any part of the name' }),
    limit: z.coerce.number().int().min(1).max(OPERATOR_LOOKUP_LIMIT_MAX).default(20),
  }),
  response: {
    200: z.object({
      items: z.array(
        z.object({
          id: z.number().int(),
          name: z.string().nullable(),
          inn: z.string(),
          balance: kopecksSchema.meta({ description: 'Money on the account, kopecks' }),
        }),
      ),
    }),
    ...errorResponses(400, 401, 403, 429),
  },
};

function getOperatorOrganizationsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get('/operator/organizations', { schema: getOperatorOrganizationsSchema }, async (request) => {
    requireOperator(principalOf(request));
    const rows = await searchOrganizationsForOperator(ctx.db, request.query.q, request.query.limit);
    return { items: rows.map((r) => ({ id: r.id, name: r.name, inn: r.inn, balance: r.balance })) };
  });
}

export function operatorRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getOperatorOrganizationsRoute(app, ctx);
  };
}
