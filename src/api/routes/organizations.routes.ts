/**
 * Organizations (created by the operator, idempotent by INN), their members and their API keys.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createOrGetOrganization, listOrganizations, updateOrganization } from '../../db/api-organizations.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { requireOperator, visibleOrganizations } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, keysetPage } from '../cursor.js';
import { errorResponses, notFound } from '../errors.js';
import { cursorSchema, limitSchema, pageSchema } from '../schemas.js';
import {
  detailsIn,
  innSchema,
  orgParams,
  organizationJson,
  organizationLocals,
  organizationOut,
  toDetails,
  type OrganizationLocals,
} from './organization-views.js';
import { getOrganizationsByIdMembersRoute, postOrganizationsByIdMembersRoute, deleteOrganizationsByIdMembersByUserIdRoute } from './organization-members.routes.js';
import { postOrganizationsByIdApiKeysRoute, getOrganizationsByIdApiKeysRoute, deleteOrganizationsByIdApiKeysByKeyIdRoute } from './organization-api-keys.routes.js';

const postOrganizationsSchema = {
  tags: ['organizations'],
  summary: 'Create an organization (operator only); an existing one with this INN is returned (200) instead',
  body: z.object({ inn: innSchema, ...detailsIn }),
  response: { 200: organizationOut, 201: organizationOut, ...errorResponses(400, 401, 403, 429) },
};

function postOrganizationsRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/organizations',
    { schema: postOrganizationsSchema },
    async (request, reply) => {
      const p = principalOf(request);
      requireOperator(p);
      const { inn, ...rest } = request.body;
      const { organization, created } = await createOrGetOrganization(ctx.db, inn, toDetails(rest));
      return reply.code(created ? 201 : 200).send(organizationJson(organization, p));
    },
  );
}

const getOrganizationsSchema = {
  tags: ['organizations'],
  summary: 'The organizations the caller can see',
  querystring: z.object({ inn: z.string().regex(/^\d{10}(\d{2})?$/).optional(), limit: limitSchema, cursor: cursorSchema.optional() }),
  response: { 200: pageSchema(organizationOut), ...errorResponses(400, 401, 403, 429) },
};

function getOrganizationsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations',
    { schema: getOrganizationsSchema },
    async (request) => {
      const p = principalOf(request);
      const { inn, limit, cursor } = request.query;
      const afterId = cursor === undefined ? undefined : Number(decodeCursor('organizations', cursor, ['id'])[0]);
      const rows = await listOrganizations(ctx.db, { scope: visibleOrganizations(p, 'organization:read'), inn, afterId, limit: limit + 1 });
      return keysetPage('organizations', rows, limit, (o) => organizationJson(o, p), (o) => [o.id]);
    },
  );
}

const getOrganizationsByIdSchema = {
  tags: ['organizations'],
  summary: 'One organization',
  params: orgParams,
  response: { 200: organizationOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdRoute(app: ApiApp, { loadOrganization }: OrganizationLocals): void {
  app.get(
    '/organizations/:id',
    { schema: getOrganizationsByIdSchema },
    async (request) => {
      const p = principalOf(request);
      return organizationJson(await loadOrganization(p, request.params.id, 'organization:read'), p);
    },
  );
}

const patchOrganizationsByIdSchema = {
  tags: ['organizations'],
  summary: 'Change the details (not the INN)',
  params: orgParams,
  body: z.object(detailsIn),
  response: { 200: organizationOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function patchOrganizationsByIdRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
  app.patch(
    '/organizations/:id',
    { schema: patchOrganizationsByIdSchema },
    async (request) => {
      const p = principalOf(request);
      await loadOrganization(p, request.params.id, 'organization:write');
      const o = await updateOrganization(ctx.db, request.params.id, toDetails(request.body));
      if (!o) throw notFound('organization');
      return organizationJson(o, p);
    },
  );
}

export function organizationRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = organizationLocals(ctx);
    postOrganizationsRoute(app, ctx);
    getOrganizationsRoute(app, ctx);
    getOrganizationsByIdRoute(app, locals);
    patchOrganizationsByIdRoute(app, ctx, locals);
    getOrganizationsByIdMembersRoute(app, ctx, locals);
    postOrganizationsByIdMembersRoute(app, ctx, locals);
    deleteOrganizationsByIdMembersByUserIdRoute(app, ctx, locals);
    postOrganizationsByIdApiKeysRoute(app, ctx, locals);
    getOrganizationsByIdApiKeysRoute(app, ctx, locals);
    deleteOrganizationsByIdApiKeysByKeyIdRoute(app, ctx, locals);
  };
}
