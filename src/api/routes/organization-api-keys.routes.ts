// An organization's API keys: issue, list, revoke.
import { z } from 'zod';
import { findApiKey, insertApiKey, listApiKeys, revokeApiKey } from '../../db/api-access.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { API_KEY_SCOPES, DEFAULT_API_KEY_SCOPES } from '../auth/principal.js';
import { newApiKey } from '../auth/secrets.js';
import { apiKeyOut, apiKeyJson, orgParams, type OrganizationLocals } from './organization-views.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { idSchema } from '../schemas.js';

const postOrganizationsByIdApiKeysSchema = {
  tags: ['organizations'],
  summary: 'Create an API key; the key is in this answer only (it is stored hashed)',
  params: orgParams,
  body: z.object({
    name: z.string().min(1).max(200),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).optional().meta({ description: `Default: ${DEFAULT_API_KEY_SCOPES.join(', ')}` }),
  }),
  response: {
    201: apiKeyOut.extend({ key: z.string().meta({ description: 'Authorization: Bearer <key>. Shown once.' }) }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

export function postOrganizationsByIdApiKeysRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
  app.post(
    '/organizations/:id/api-keys',
    { schema: postOrganizationsByIdApiKeysSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const id = request.params.id;
      await loadOrganization(p, id, 'api_keys:manage');
      const secret = newApiKey();
      const row = await insertApiKey(ctx.db, {
        organizationId: id,
        name: request.body.name,
        prefix: secret.prefix,
        keyHash: secret.hash,
        scopes: [...new Set(request.body.scopes ?? DEFAULT_API_KEY_SCOPES)],
        createdByUserId: p.kind === 'user' ? p.userId : null,
      });
      return reply.code(201).send({ ...apiKeyJson(row), key: secret.key });
    },
  );
}

const getOrganizationsByIdApiKeysSchema = {
  tags: ['organizations'],
  summary: "The organization's API keys (never the keys themselves)",
  params: orgParams,
  response: { 200: z.object({ items: z.array(apiKeyOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

export function getOrganizationsByIdApiKeysRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
  app.get(
    '/organizations/:id/api-keys',
    { schema: getOrganizationsByIdApiKeysSchema },
    async (request) => {
      const p = principalOf(request);
      await loadOrganization(p, request.params.id, 'api_keys:manage');
      return { items: (await listApiKeys(ctx.db, request.params.id)).map(apiKeyJson) };
    },
  );
}

const deleteOrganizationsByIdApiKeysByKeyIdSchema = {
  tags: ['organizations'],
  summary: 'Revoke an API key (at once, for good)',
  params: z.object({ id: idSchema, keyId: idSchema }),
  response: { 200: apiKeyOut, ...errorResponses(400, 401, 403, 404, 429) },
};

export function deleteOrganizationsByIdApiKeysByKeyIdRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
  app.delete(
    '/organizations/:id/api-keys/:keyId',
    { schema: deleteOrganizationsByIdApiKeysByKeyIdSchema },
    async (request) => {
      const p = principalOf(request);
      const { id, keyId } = request.params;
      await loadOrganization(p, id, 'api_keys:manage');
      if (!(await findApiKey(ctx.db, id, keyId))) throw notFound('API key');
      const row = await revokeApiKey(ctx.db, id, keyId);
      if (!row) throw notFound('API key');
      return apiKeyJson(row);
    },
  );
}
