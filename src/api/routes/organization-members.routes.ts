// An organization's members: list, add, remove.
import { z } from 'zod';
import { countOwners, deleteMembership, findUserByEmail, listMembers, upsertMembership } from '../../db/api-access.repository.js';
import { membershipRoles } from '../../db/tables/api-access.js';
import { principalOf } from '../auth/authenticate.js';
import { memberOut, memberJson, orgParams, type OrganizationLocals } from './organization-views.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { idSchema } from '../schemas.js';

const getOrganizationsByIdMembersSchema = {
  tags: ['organizations'],
  summary: 'Users with access to the organization and their roles',
  params: orgParams,
  response: { 200: z.object({ items: z.array(memberOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

export function getOrganizationsByIdMembersRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
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

export function postOrganizationsByIdMembersRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
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

export function deleteOrganizationsByIdMembersByUserIdRoute(app: ApiApp, ctx: ApiContext, { loadOrganization }: OrganizationLocals): void {
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
