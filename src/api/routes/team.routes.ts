/**
 * The team (issue 16): invitations by e-mail with a role — the invitee need not have an account: the link opens the
 * cabinet, which signs them up or in, then `POST /invitations/accept` joins — that expire and can be revoked; and
 * memberships limited to chosen outlets or registers (accountant and viewer roles), honoured by every list, report,
 * search and export through auth/access-scope.ts. Sending invitations is rate-limited per inviting user.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findUserByEmail, listMembers } from '../../db/api-access.repository.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import {
  acceptInvitation,
  createInvitation,
  findInvitation,
  findInvitationByToken,
  foreignPlaces,
  listInvitations,
  listMembershipLimits,
  revokeInvitation,
  setMembershipLimit,
} from '../../db/team.repository.js';
import { membershipRoles, type MembershipRole } from '../../db/tables/api-access.js';
import type { Invitation } from '../../db/tables/onboarding.js';
import { userAgentOf } from '../audit.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, type Principal } from '../auth/principal.js';
import { newToken, sha256Hex } from '../auth/secrets.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound, type FieldIssue } from '../errors.js';
import { dateOut, idSchema, iso } from '../schemas.js';

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
/** Roles that may be limited to outlets or registers: the organization-wide ones manage the organization as a whole. */
const LIMITABLE_ROLES: ReadonlySet<MembershipRole> = new Set(['accountant', 'viewer']);

const ROLE_TITLES: Record<MembershipRole, string> = { owner: 'владелец', admin: 'администратор', accountant: 'бухгалтер', viewer: 'наблюдатель' };

const invitationOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  email: z.string(),
  role: z.enum(membershipRoles),
  outletIds: z.array(z.number().int()),
  registerIds: z.array(z.number().int()),
  status: z.enum(INVITATION_STATUSES),
  expiresAt: dateOut,
  acceptedAt: dateOut.nullable(),
  revokedAt: dateOut.nullable(),
  createdAt: dateOut,
});

function statusOf(i: Invitation, now = new Date()): (typeof INVITATION_STATUSES)[number] {
  if (i.accepted_at !== null) return 'accepted';
  if (i.revoked_at !== null) return 'revoked';
  return i.expires_at <= now ? 'expired' : 'pending';
}

function invitationJson(i: Invitation): z.infer<typeof invitationOut> {
  return {
    id: i.id,
    organizationId: i.organization_id,
    email: i.email,
    role: i.role,
    outletIds: i.outlet_ids.map(Number),
    registerIds: i.register_ids.map(Number),
    status: statusOf(i),
    expiresAt: iso(i.expires_at),
    acceptedAt: iso(i.accepted_at),
    revokedAt: iso(i.revoked_at),
    createdAt: iso(i.created_at),
  };
}

const idList = z.array(idSchema).max(1000).default([]);
const placesBody = { outletIds: idList, registerIds: idList };

function actor(p: Principal, request: FastifyRequest) {
  return {
    actorKind: p.kind,
    actorUserId: p.kind === 'user' ? p.userId : null,
    actorEmail: p.kind === 'user' ? p.email : null,
    actorApiKeyId: p.kind === 'apiKey' ? p.keyId : null,
    ip: request.ip,
    userAgent: userAgentOf(request),
  };
}

function teamLocals(ctx: ApiContext) {
  const callerIsOwner = (p: Principal, id: number) => p.kind === 'operator' || (p.kind === 'user' && p.memberships.get(id) === 'owner');
  const checkPlaces = async (organizationId: number, role: MembershipRole, outletIds: number[], registerIds: number[]) => {
    const issues: FieldIssue[] = [];
    if ((outletIds.length > 0 || registerIds.length > 0) && !LIMITABLE_ROLES.has(role)) {
      issues.push({ path: 'body.role', message: 'only the accountant and viewer roles can be limited to outlets or registers', issue: 'custom' });
    }
    const foreign = await foreignPlaces(ctx.db, organizationId, outletIds, registerIds);
    for (const i of foreign.outletIndexes) issues.push({ path: `body.outletIds.${i}`, message: 'not an outlet of this organization', issue: 'custom' });
    for (const i of foreign.registerIndexes) issues.push({ path: `body.registerIds.${i}`, message: 'not a register of this organization', issue: 'custom' });
    if (issues.length > 0) throw new ApiError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
  };
  return { callerIsOwner, checkPlaces };
}
type TeamLocals = ReturnType<typeof teamLocals>;

const postOrganizationsByIdInvitationsSchema = {
  tags: ['team'],
  summary: 'Invite by e-mail with a role (optionally limited to outlets or registers); the link is valid 7 days',
  params: z.object({ id: idSchema }),
  body: z.object({ email: z.email().max(254).transform((s) => s.toLowerCase()), role: z.enum(membershipRoles), ...placesBody }),
  response: { 201: invitationOut.extend({ emailSent: z.boolean() }), ...errorResponses(400, 401, 403, 404, 429) },
};

function postOrganizationsByIdInvitationsRoute(app: ApiApp, ctx: ApiContext, { callerIsOwner, checkPlaces }: TeamLocals): void {
  app.post(
    '/organizations/:id/invitations',
    {
      config: {
        rateLimit: {
          max: ctx.onboarding.invitationRateLimit.max,
          timeWindow: ctx.onboarding.invitationRateLimit.timeWindowMs,
          keyGenerator: (r: FastifyRequest) => `invite:${r.principal?.kind === 'user' ? r.principal.userId : r.ip}`,
        },
      },
      schema: postOrganizationsByIdInvitationsSchema,
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = request.params.id;
      authorizeOrganization(p, id, 'members:manage', 'organization');
      const org = await findOrganization(ctx.db, id);
      if (!org) throw notFound('organization');
      const b = request.body;
      if (b.role === 'owner' && !callerIsOwner(p, id)) throw new ApiError('FORBIDDEN', 'only an owner invites an owner');
      await checkPlaces(id, b.role, b.outletIds, b.registerIds);
      const token = newToken();
      const inv = await createInvitation(
        ctx.db,
        { organizationId: id, email: b.email, role: b.role, outletIds: b.outletIds, registerIds: b.registerIds, tokenHash: sha256Hex(token), invitedByUserId: p.kind === 'user' ? p.userId : null, ttlMs: ctx.onboarding.invitationTtlMs },
        { organizationId: id, ...actor(p, request), action: 'invitation.sent', target: null, details: { email: b.email, role: b.role } },
      );
      // Links come from the configured origin only (OFD_PUBLIC_URL), never from a request's Host header (issue 13, item 8).
      const link = `${ctx.publicUrl}/invitations/${token}`;
      const orgName = org.name ?? `ИНН ${org.inn}`;
      let emailSent = ctx.email !== undefined;
      try {
        await ctx.email?.send({
          to: b.email,
          subject: `Приглашение в личный кабинет ОФД: ${orgName}`,
          text: `Вас пригласили в личный кабинет ОФД организации «${orgName}» (ИНН ${org.inn}) с ролью «${ROLE_TITLES[b.role]}».\n\nЧтобы присоединиться, перейдите по ссылке (действует 7 дней) и войдите или зарегистрируйтесь с этим адресом:\n\n${link}\n\nЕсли вы не ждали приглашения, ничего не делайте.\n`,
        });
      } catch (e) {
        emailSent = false;
        request.log.error({ err: e }, 'invitation e-mail not sent');
      }
      return reply.code(201).send({ ...invitationJson(inv), emailSent });
    },
  );
}

const getOrganizationsByIdInvitationsSchema = {
  tags: ['team'],
  summary: 'Invitations of the organization, newest first, with their status',
  params: z.object({ id: idSchema }),
  response: { 200: z.object({ items: z.array(invitationOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdInvitationsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/invitations',
    { schema: getOrganizationsByIdInvitationsSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'members:manage', 'organization');
      return { items: (await listInvitations(ctx.db, request.params.id)).map(invitationJson) };
    },
  );
}

const deleteOrganizationsByIdInvitationsByInvitationIdSchema = {
  tags: ['team'],
  summary: 'Revoke a pending invitation: its link stops working at once',
  params: z.object({ id: idSchema, invitationId: idSchema }),
  response: { 200: invitationOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function deleteOrganizationsByIdInvitationsByInvitationIdRoute(app: ApiApp, ctx: ApiContext, { callerIsOwner }: TeamLocals): void {
  app.delete(
    '/organizations/:id/invitations/:invitationId',
    { schema: deleteOrganizationsByIdInvitationsByInvitationIdSchema },
    async (request) => {
      const p = principalOf(request);
      const { id, invitationId } = request.params;
      authorizeOrganization(p, id, 'members:manage', 'organization');
      const existing = await findInvitation(ctx.db, id, invitationId);
      if (!existing) throw notFound('invitation');
      if (existing.role === 'owner' && !callerIsOwner(p, id)) throw new ApiError('FORBIDDEN', 'only an owner revokes an owner invitation');
      const row = await revokeInvitation(ctx.db, id, invitationId, {
        organizationId: id,
        ...actor(p, request),
        action: 'invitation.revoked',
        target: `invitation:${invitationId}`,
        details: { email: existing.email },
      });
      if (!row) throw new ApiError('INVITATION_INVALID', `the invitation is ${statusOf(existing)} already`);
      return invitationJson(row);
    },
  );
}

const getInvitationsByTokenSchema = {
  tags: ['team'],
  security: [],
  summary: 'What an invitation link offers (for the accept page): the organization, the role, whether the e-mail has an account',
  params: z.object({ token: z.string().min(20).max(200) }),
  response: {
    200: z.object({
      organizationName: z.string().nullable(),
      inn: z.string(),
      email: z.string(),
      role: z.enum(membershipRoles),
      status: z.enum(INVITATION_STATUSES),
      expiresAt: dateOut,
      accountExists: z.boolean(),
    }),
    ...errorResponses(400, 404, 429),
  },
};

function getInvitationsByTokenRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/invitations/:token',
    {
      config: { public: true, rateLimit: { max: ctx.authRateLimit.max, timeWindow: ctx.authRateLimit.timeWindowMs, keyGenerator: (r: FastifyRequest) => `auth:${r.ip}` } },
      schema: getInvitationsByTokenSchema,
    },
    async (request) => {
      const inv = await findInvitationByToken(ctx.db, sha256Hex(request.params.token));
      if (!inv) throw new ApiError('INVITATION_INVALID', 'the invitation link is unknown');
      const org = await findOrganization(ctx.db, inv.organization_id);
      return {
        organizationName: org?.name ?? null,
        inn: org?.inn ?? '',
        email: inv.email,
        role: inv.role,
        status: statusOf(inv),
        expiresAt: iso(inv.expires_at),
        accountExists: (await findUserByEmail(ctx.db, inv.email)) !== undefined,
      };
    },
  );
}

const postInvitationsAcceptSchema = {
  tags: ['team'],
  summary: 'Join the organization with the invitation token (signed in with the invited e-mail)',
  body: z.object({ token: z.string().min(20).max(200) }),
  response: { 200: z.object({ organizationId: z.number().int(), role: z.enum(membershipRoles) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function postInvitationsAcceptRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/invitations/accept',
    { schema: postInvitationsAcceptSchema },
    async (request) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw new ApiError('FORBIDDEN', 'sign in to accept an invitation');
      const hash = sha256Hex(request.body.token);
      const inv = await findInvitationByToken(ctx.db, hash);
      if (!inv || statusOf(inv) !== 'pending') throw new ApiError('INVITATION_INVALID', 'the invitation is unknown, revoked, used or expired');
      if (inv.email !== p.email) throw new ApiError('INVITATION_EMAIL_MISMATCH', `the invitation was sent to another e-mail`);
      const { ip, userAgent, ...who } = actor(p, request);
      const used = await acceptInvitation(ctx.db, hash, p.userId, { ...who, ip, userAgent, action: 'invitation.accepted', target: null, details: {} });
      if (!used) throw new ApiError('INVITATION_INVALID', 'the invitation is unknown, revoked, used or expired');
      return { organizationId: used.organization_id, role: used.role };
    },
  );
}

const getOrganizationsByIdMemberLimitsSchema = {
  tags: ['team'],
  summary: 'Members limited to outlets or registers (the others reach the whole organization)',
  params: z.object({ id: idSchema }),
  response: {
    200: z.object({ items: z.array(z.object({ userId: z.number().int(), outletIds: z.array(z.number().int()), registerIds: z.array(z.number().int()) })) }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

function getOrganizationsByIdMemberLimitsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/member-limits',
    { schema: getOrganizationsByIdMemberLimitsSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'members:manage', 'organization');
      return { items: await listMembershipLimits(ctx.db, request.params.id) };
    },
  );
}

const putOrganizationsByIdMembersByUserIdLimitsSchema = {
  tags: ['team'],
  summary: "Limit a member (accountant, viewer) to outlets and registers; both empty: the whole organization",
  params: z.object({ id: idSchema, userId: idSchema }),
  body: z.object(placesBody),
  response: { 200: z.object({ userId: z.number().int(), outletIds: z.array(z.number().int()), registerIds: z.array(z.number().int()) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function putOrganizationsByIdMembersByUserIdLimitsRoute(app: ApiApp, ctx: ApiContext, { checkPlaces }: TeamLocals): void {
  app.put(
    '/organizations/:id/members/:userId/limits',
    { schema: putOrganizationsByIdMembersByUserIdLimitsSchema },
    async (request) => {
      const p = principalOf(request);
      const { id, userId } = request.params;
      authorizeOrganization(p, id, 'members:manage', 'organization');
      const member = (await listMembers(ctx.db, id)).find((m) => m.userId === userId);
      if (!member) throw notFound('member');
      const { outletIds, registerIds } = request.body;
      await checkPlaces(id, member.role, outletIds, registerIds);
      await setMembershipLimit(ctx.db, id, userId, outletIds, registerIds, {
        organizationId: id,
        ...actor(p, request),
        action: 'member.limits_changed',
        target: `user:${userId}`,
        details: { email: member.email, outletIds, registerIds },
      });
      return { userId, outletIds, registerIds };
    },
  );
}

export function teamRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = teamLocals(ctx);
    postOrganizationsByIdInvitationsRoute(app, ctx, locals);
    getOrganizationsByIdInvitationsRoute(app, ctx);
    deleteOrganizationsByIdInvitationsByInvitationIdRoute(app, ctx, locals);
    getInvitationsByTokenRoute(app, ctx);
    postInvitationsAcceptRoute(app, ctx);
    getOrganizationsByIdMemberLimitsRoute(app, ctx);
    putOrganizationsByIdMembersByUserIdLimitsRoute(app, ctx, locals);
  };
}
