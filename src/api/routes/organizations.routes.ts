/**
 * Organizations (created by the operator, idempotent by INN), their members and their API keys.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isValidInn } from '../../domain/inn.js';
import {
  countOwners,
  deleteMembership,
  findApiKey,
  findUserByEmail,
  insertApiKey,
  listApiKeys,
  listMembers,
  revokeApiKey,
  upsertMembership,
  type MemberRow,
} from '../../db/api-access.repository.js';
import {
  createOrGetOrganization,
  findOrganization,
  listOrganizations,
  updateOrganization,
  type OrganizationDetails,
} from '../../db/api-organizations.repository.js';
import { membershipRoles, type ApiKey } from '../../db/tables/api-access.js';
import type { OrganizationView } from '../../db/api-organizations.repository.js';
import { principalOf } from '../auth/authenticate.js';
import {
  API_KEY_SCOPES,
  authorizeOrganization,
  DEFAULT_API_KEY_SCOPES,
  requireOperator,
  visibleOrganizations,
  type Principal,
} from '../auth/principal.js';
import { newApiKey } from '../auth/secrets.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { cursorSchema, dateOut, idSchema, iso, limitSchema, pageSchema } from '../schemas.js';

export const innSchema = z
  .string()
  .refine(isValidInn, 'expected an INN of 10 or 12 digits with valid check digits')
  .meta({ description: 'ИНН, check digits verified' });

const detailsIn = {
  name: z.string().min(1).max(500).nullable().optional(),
  kpp: z.string().regex(/^\d{4}[0-9A-Z]{2}\d{3}$/, 'expected a 9-character KPP').nullable().optional(),
  ogrn: z.string().regex(/^(\d{13}|\d{15})$/, 'expected an OGRN of 13 digits or an OGRNIP of 15').nullable().optional(),
  legalAddress: z.string().max(1000).nullable().optional(),
  postalAddress: z.string().max(1000).nullable().optional(),
  vatPayer: z.boolean().nullable().optional(),
  edoOperator: z.string().max(500).nullable().optional().meta({ description: 'E-document (ЭДО) operator' }),
};

type DetailsIn = { [K in keyof typeof detailsIn]?: z.infer<(typeof detailsIn)[K]> };

function toDetails(b: DetailsIn): OrganizationDetails {
  return {
    name: b.name,
    kpp: b.kpp,
    ogrn: b.ogrn,
    legal_address: b.legalAddress,
    postal_address: b.postalAddress,
    vat_payer: b.vatPayer,
    edo_operator: b.edoOperator,
  };
}

export const organizationOut = z.object({
  id: z.number().int(),
  inn: z.string(),
  name: z.string().nullable(),
  kpp: z.string().nullable(),
  ogrn: z.string().nullable(),
  legalAddress: z.string().nullable(),
  postalAddress: z.string().nullable(),
  vatPayer: z.boolean().nullable(),
  edoOperator: z.string().nullable(),
  role: z.enum(membershipRoles).nullable().meta({ description: "The caller's role; null for the operator and API keys" }),
  createdAt: dateOut,
});

function organizationJson(o: OrganizationView, p: Principal): z.infer<typeof organizationOut> {
  return {
    id: o.id,
    inn: o.inn,
    name: o.name,
    kpp: o.kpp,
    ogrn: o.ogrn,
    legalAddress: o.legal_address,
    postalAddress: o.postal_address,
    vatPayer: o.vat_payer,
    edoOperator: o.edo_operator,
    role: p.kind === 'user' ? (p.memberships.get(o.id) ?? null) : null,
    createdAt: iso(o.created_at),
  };
}

const memberOut = z.object({ userId: z.number().int(), email: z.string(), role: z.enum(membershipRoles), createdAt: dateOut });

function memberJson(m: MemberRow): z.infer<typeof memberOut> {
  return { ...m, createdAt: iso(m.createdAt) };
}

const apiKeyOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  name: z.string(),
  prefix: z.string().meta({ description: 'The public start of the key, `ofd_<prefix>_…`' }),
  scopes: z.array(z.string()),
  createdAt: dateOut,
  lastUsedAt: dateOut.nullable(),
  revokedAt: dateOut.nullable(),
});

function apiKeyJson(k: ApiKey): z.infer<typeof apiKeyOut> {
  return {
    id: k.id,
    organizationId: k.organization_id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    createdAt: iso(k.created_at),
    lastUsedAt: iso(k.last_used_at),
    revokedAt: iso(k.revoked_at),
  };
}

const orgParams = z.object({ id: idSchema });

function organizationLocals(ctx: ApiContext) {
  const loadOrganization = async (p: Principal, id: number, permission: Parameters<typeof authorizeOrganization>[2]) => {
    authorizeOrganization(p, id, permission, 'organization');
    const o = await findOrganization(ctx.db, id);
    if (!o) throw notFound('organization');
    return o;
  };
  return { loadOrganization };
}
type OrganizationLocals = ReturnType<typeof organizationLocals>;

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
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((o) => organizationJson(o, p)),
        nextCursor: rows.length > limit && last ? encodeCursor('organizations', [last.id]) : null,
      };
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

const getOrganizationsByIdMembersSchema = {
  tags: ['organizations'],
  summary: 'Users with access to the organization and their roles',
  params: orgParams,
  response: { 200: z.object({ items: z.array(memberOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdMembersRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
  app.get(
    '/organizations/:id/members',
    { schema: getOrganizationsByIdMembersSchema },
    async (request) => {
      const p = principalOf(request);
      await loadOrganization(p, request.params.id, 'members:manage');
      return { items: (await listMembers(ctx.db, request.params.id)).map(memberJson) };
    },
  );
}

const postOrganizationsByIdMembersSchema = {
  tags: ['organizations'],
  summary: 'Give a registered user a role (or change it). Only owners and the operator grant or change "owner"',
  params: orgParams,
  body: z.object({ email: z.email().transform((s) => s.toLowerCase()), role: z.enum(membershipRoles) }),
  response: { 200: memberOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function postOrganizationsByIdMembersRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
  app.post(
    '/organizations/:id/members',
    { schema: postOrganizationsByIdMembersSchema },
    async (request) => {
      const p = principalOf(request);
      const id = request.params.id;
      await loadOrganization(p, id, 'members:manage');
      const user = await findUserByEmail(ctx.db, request.body.email);
      if (!user) throw notFound('user');
      const members = await listMembers(ctx.db, id);
      const current = members.find((m) => m.userId === user.id);
      const callerIsOwner = p.kind === 'operator' || (p.kind === 'user' && p.memberships.get(id) === 'owner');
      if ((request.body.role === 'owner' || current?.role === 'owner') && !callerIsOwner) {
        throw new ApiError('FORBIDDEN', 'only an owner grants or changes the owner role');
      }
      if (current?.role === 'owner' && request.body.role !== 'owner' && (await countOwners(ctx.db, id)) <= 1) {
        throw new ApiError('LAST_OWNER', 'the organization would have no owner left');
      }
      await upsertMembership(ctx.db, id, user.id, request.body.role);
      const updated = (await listMembers(ctx.db, id)).find((m) => m.userId === user.id);
      if (!updated) throw notFound('member');
      return memberJson(updated);
    },
  );
}

const deleteOrganizationsByIdMembersByUserIdSchema = {
  tags: ['organizations'],
  summary: "Remove a user's access",
  params: z.object({ id: idSchema, userId: idSchema }),
  response: { 204: z.null(), ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function deleteOrganizationsByIdMembersByUserIdRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
  app.delete(
    '/organizations/:id/members/:userId',
    { schema: deleteOrganizationsByIdMembersByUserIdSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const { id, userId } = request.params;
      await loadOrganization(p, id, 'members:manage');
      const member = (await listMembers(ctx.db, id)).find((m) => m.userId === userId);
      if (!member) throw notFound('member');
      const callerIsOwner = p.kind === 'operator' || (p.kind === 'user' && p.memberships.get(id) === 'owner');
      if (member.role === 'owner' && !callerIsOwner) throw new ApiError('FORBIDDEN', 'only an owner removes an owner');
      if (member.role === 'owner' && (await countOwners(ctx.db, id)) <= 1) throw new ApiError('LAST_OWNER', 'the organization would have no owner left');
      await deleteMembership(ctx.db, id, userId);
      return reply.code(204).send(null);
    },
  );
}

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

function postOrganizationsByIdApiKeysRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
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

function getOrganizationsByIdApiKeysRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
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

function deleteOrganizationsByIdApiKeysByKeyIdRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
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
