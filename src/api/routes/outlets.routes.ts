// Outlets (places of settlement that group registers): list, create, read, rename.
import { z } from 'zod';
import { createOutlet, listOutlets, renameOutlet } from '../../db/api-registry.repository.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization } from '../auth/principal.js';
import { accessScope, outletScopeSql, placeLimitOf, scopeOrganizationIds } from '../auth/access-scope.js';
import { outletOut, outletJson, type RegistryLocals } from './registry-views.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { cursorSchema, idSchema, limitSchema, pageSchema } from '../schemas.js';

const getOutletsSchema = {
  tags: ['registry'],
  summary: 'Outlets (places of settlement)',
  querystring: z.object({ organizationId: idSchema.optional(), limit: limitSchema, cursor: cursorSchema.optional() }),
  response: { 200: pageSchema(outletOut), ...errorResponses(400, 401, 403, 429) },
};

export function getOutletsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/outlets',
    { schema: getOutletsSchema },
    async (request) => {
      const p = principalOf(request);
      const { organizationId, limit, cursor } = request.query;
      const afterId = cursor === undefined ? undefined : Number(decodeCursor('outlets', cursor, ['id'])[0]);
      const access = await accessScope(ctx.db, p, 'registry:read');
      const placeLimit = placeLimitOf(access, (s) => outletScopeSql('organization_id', 'id', s));
      const rows = await listOutlets(ctx.db, { scope: scopeOrganizationIds(access), placeLimit, organizationId, afterId, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: page.map(outletJson), nextCursor: rows.length > limit ? encodeCursor('outlets', [page.at(-1)!.id]) : null };
    },
  );
}

const postOutletsSchema = {
  tags: ['registry'],
  summary: 'Add an outlet',
  body: z.object({ organizationId: idSchema, address: z.string().max(1000).default(''), place: z.string().max(1000).default('') }),
  response: { 201: outletOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

export function postOutletsRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/outlets',
    { schema: postOutletsSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const { organizationId, address, place } = request.body;
      authorizeOrganization(p, organizationId, 'registry:write', 'organization');
      if (!(await findOrganization(ctx.db, organizationId))) throw notFound('organization');
      if (address.trim() === '' && place.trim() === '') {
        throw new ApiError('VALIDATION_FAILED', 'an outlet needs an address or a place', [
          { path: 'body.address', message: 'an outlet needs an address or a place', issue: 'custom' },
        ]);
      }
      const o = await createOutlet(ctx.db, organizationId, address.trim(), place.trim());
      if (!o) throw new ApiError('OUTLET_EXISTS', 'the organization already has this outlet');
      return reply.code(201).send(outletJson(o));
    },
  );
}

const getOutletsByIdSchema = {
  tags: ['registry'],
  summary: 'One outlet',
  params: z.object({ id: idSchema }),
  response: { 200: outletOut, ...errorResponses(400, 401, 403, 404, 429) },
};

export function getOutletsByIdRoute(app: ApiApp, { loadOutlet }: RegistryLocals): void {
  app.get(
    '/outlets/:id',
    { schema: getOutletsByIdSchema },
    async (request) => outletJson(await loadOutlet(principalOf(request), request.params.id, 'registry:read')),
  );
}

const patchOutletsByIdSchema = {
  tags: ['registry'],
  summary: 'Rename an outlet: its address and place of settlement',
  params: z.object({ id: idSchema }),
  body: z.object({ address: z.string().max(1000).optional(), place: z.string().max(1000).optional() }),
  response: { 200: outletOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

export function patchOutletsByIdRoute(app: ApiApp, ctx: ApiContext, { loadOutlet }: RegistryLocals): void {
  app.patch(
    '/outlets/:id',
    { schema: patchOutletsByIdSchema },
    async (request) => {
      const o = await loadOutlet(principalOf(request), request.params.id, 'registry:write');
      const address = (request.body.address ?? o.address).trim();
      const place = (request.body.place ?? o.place).trim();
      if (address === '' && place === '') {
        throw new ApiError('VALIDATION_FAILED', 'an outlet needs an address or a place', [
          { path: 'body.address', message: 'an outlet needs an address or a place', issue: 'custom' },
        ]);
      }
      const renamed = await renameOutlet(ctx.db, o.id, address, place);
      if (renamed === 'exists') throw new ApiError('OUTLET_EXISTS', 'the organization already has this outlet');
      if (!renamed) throw notFound('outlet');
      return outletJson(renamed);
    },
  );
}
