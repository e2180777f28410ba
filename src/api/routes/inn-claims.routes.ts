/**
 * INN claims (issue 16): an INN registered by another account — or known only from documents — is not shared
 * silently. A second claimant files a claim; the organization's owner approves it (choosing the role), or the operator
 * does (the only way for an organization without an owner). Until then the claimant sees nothing of that INN.
 * Also the organization's action log («Журнал действий»), readable by owners and the operator.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit } from '../../db/audit-log.repository.js';
import { organizationIdByInn } from '../../db/api-organizations.repository.js';
import { decideClaim, fileClaim, findClaim, hasOwner, listClaims, type ClaimView } from '../../db/onboarding.repository.js';
import { membershipRoles } from '../../db/tables/api-access.js';
import { innClaimStatuses } from '../../db/tables/onboarding.js';
import { AUDIT_ACTIONS, userAgentOf } from '../audit.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, type Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso, limitSchema } from '../schemas.js';
import { innSchema } from './organization-views.js';

const claimOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  inn: z.string(),
  organizationName: z.string().nullable(),
  claimantUserId: z.number().int(),
  claimantEmail: z.string(),
  status: z.enum(innClaimStatuses),
  comment: z.string().nullable(),
  decidedByOperator: z.boolean(),
  decidedAt: dateOut.nullable(),
  createdAt: dateOut,
});

function claimJson(c: ClaimView): z.infer<typeof claimOut> {
  return {
    id: c.id,
    organizationId: c.organization_id,
    inn: c.inn,
    organizationName: c.organization_name,
    claimantUserId: c.claimant_user_id,
    claimantEmail: c.claimant_email,
    status: c.status,
    comment: c.comment,
    decidedByOperator: c.decided_by_operator,
    decidedAt: iso(c.decided_at),
    createdAt: iso(c.created_at),
  };
}

const isOwner = (p: Principal, organizationId: number) => p.kind === 'user' && p.memberships.get(organizationId) === 'owner';

function actor(p: Principal) {
  return {
    actorKind: p.kind,
    actorUserId: p.kind === 'user' ? p.userId : null,
    actorEmail: p.kind === 'user' ? p.email : null,
    actorApiKeyId: p.kind === 'apiKey' ? p.keyId : null,
  };
}

const auditOut = z.object({
  id: z.number().int(),
  at: dateOut,
  action: z.string(),
  actionTitle: z.string(),
  actor: z.object({ kind: z.string(), userId: z.number().int().nullable(), email: z.string().nullable(), apiKeyId: z.number().int().nullable() }),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

const postInnClaimsSchema = {
  tags: ['onboarding'],
  summary: 'Ask for access to an organization registered by another account (or created from documents)',
  body: z.object({ inn: innSchema, comment: z.string().max(2000).optional() }),
  response: { 201: claimOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function postInnClaimsRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/inn-claims',
    { schema: postInnClaimsSchema },
    async (request, reply) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'only a signed-in user files a claim');
      const organizationId = await organizationIdByInn(ctx.db, request.body.inn);
      if (organizationId === null) throw notFound('organization (register it with POST /organizations/register)');
      if (p.memberships.has(organizationId)) throw new ApiError('CLAIM_EXISTS', 'you are a member of this organization already');
      const claim = await fileClaim(ctx.db, organizationId, p.userId, request.body.comment ?? null, {
        organizationId,
        ...actor(p),
        action: 'claim.filed',
        target: null,
        details: { email: p.email },
        ip: request.ip,
        userAgent: userAgentOf(request),
      });
      if (!claim) throw new ApiError('CLAIM_EXISTS', 'you have an open claim on this organization already');
      return reply.code(201).send(claimJson(claim));
    },
  );
}

const getInnClaimsSchema = {
  tags: ['onboarding'],
  summary: "Claims: a user's own and those on organizations it owns; the operator's: all",
  querystring: z.object({ status: z.enum(innClaimStatuses).optional(), limit: limitSchema }),
  response: { 200: z.object({ items: z.array(claimOut) }), ...errorResponses(400, 401, 403, 429) },
};

function getInnClaimsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/inn-claims',
    { schema: getInnClaimsSchema },
    async (request) => {
      const p = principalOf(request);
      const { status, limit } = request.query;
      if (p.kind === 'operator') return { items: (await listClaims(ctx.db, { status, limit })).map(claimJson) };
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'claims are for signed-in users');
      const owned = [...p.memberships].filter(([, role]) => role === 'owner').map(([id]) => id);
      const mine = await listClaims(ctx.db, { claimantUserId: p.userId, status, limit });
      const onMine = await listClaims(ctx.db, { organizationIds: owned, status, limit });
      const all = [...new Map([...mine, ...onMine].map((c) => [c.id, c])).values()].sort((a, b) => b.id - a.id).slice(0, limit);
      return { items: all.map(claimJson) };
    },
  );
}

const getOrganizationsByIdAuditLogSchema = {
  tags: ['onboarding'],
  summary: '«Журнал действий»: who did what to the organization, newest first (owners and the operator)',
  params: z.object({ id: idSchema }),
  querystring: z.object({ action: z.string().max(100).optional(), beforeId: idSchema.optional(), limit: limitSchema }),
  response: { 200: z.object({ items: z.array(auditOut), nextBeforeId: z.number().int().nullable() }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdAuditLogRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/audit-log',
    { schema: getOrganizationsByIdAuditLogSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'audit:read', 'organization');
      const { action, beforeId, limit } = request.query;
      const rows = await listAudit(ctx.db, { organizationId: request.params.id, action, beforeId, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: iso(r.created_at),
          action: r.action,
          actionTitle: (AUDIT_ACTIONS as Record<string, string>)[r.action] ?? r.action,
          actor: { kind: r.actor_kind, userId: r.actor_user_id, email: r.actor_email, apiKeyId: r.actor_api_key_id },
          target: r.target,
          details: r.details,
          ip: r.ip,
          userAgent: r.user_agent,
        })),
        nextBeforeId: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  );
}

export function innClaimRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    postInnClaimsRoute(app, ctx);
    getInnClaimsRoute(app, ctx);
    for (const decision of ['approve', 'reject'] as const) {
      app.post(
        `/inn-claims/:claimId/${decision}`,
        {
          schema: {
            tags: ['onboarding'],
            summary:
              decision === 'approve'
                ? "Approve a claim (the organization's owner, or the operator): the claimant becomes a member with `role` (default owner)"
                : 'Reject a claim (the owner or the operator)',
            params: z.object({ claimId: idSchema }),
            body: z.object({ role: z.enum(membershipRoles).default('owner') }).nullish(),
            response: { 200: claimOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
          },
        },
        async (request) => {
          const p = principalOf(request);
          const claim = await findClaim(ctx.db, request.params.claimId);
          // The claimant and strangers get 404: only the owner and the operator decide.
          if (!claim || !(p.kind === 'operator' || isOwner(p, claim.organization_id))) throw notFound('claim');
          if (p.kind !== 'operator' && !(await hasOwner(ctx.db, claim.organization_id))) throw notFound('claim');
          const role = request.body?.role ?? 'owner';
          const done = await decideClaim(
            ctx.db,
            { claimId: claim.id, approve: decision === 'approve', role, decidedByUserId: p.kind === 'user' ? p.userId : null, byOperator: p.kind === 'operator' },
            {
              organizationId: claim.organization_id,
              ...actor(p),
              action: decision === 'approve' ? 'claim.approved' : 'claim.rejected',
              target: `claim:${claim.id}`,
              details: { claimant: claim.claimant_email, ...(decision === 'approve' ? { role } : {}) },
              ip: request.ip,
              userAgent: userAgentOf(request),
            },
          );
          if (!done) throw new ApiError('CLAIM_EXISTS', `the claim is ${claim.status} already`);
          return claimJson((await findClaim(ctx.db, claim.id))!);
        },
      );
    }
    getOrganizationsByIdAuditLogRoute(app, ctx);
  };
}
