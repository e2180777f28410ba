// Registers (learned from documents or added by hand): list, add, conflicts, detail with FN history, move, OFD service end.
import { z } from 'zod';
import { createRegister, listRegisters, listRegisterConflicts, setRegisterOutlet } from '../../db/api-registry.repository.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { grantOperatorPeriod } from '../../billing/register-service.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, requireOperator } from '../auth/principal.js';
import { accessScope, placeLimitOf, registerScopeSql, scopeOrganizationIds } from '../auth/access-scope.js';
import { registerOut, conflictOut, serviceDaySchema, registerDetailOut, type RegistryLocals } from './registry-views.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { CONNECTION_STATUSES } from '../../domain/registry-status.js';
import { cursorSchema, idSchema, limitSchema, pageSchema } from '../schemas.js';

const getRegistersSchema = {
  tags: ['registry'],
  summary: 'Registers (ККТ) with their connection status',
  querystring: z.object({
    organizationId: idSchema.optional(),
    outletId: idSchema.optional(),
    status: z.enum(CONNECTION_STATUSES).optional().meta({ description: 'Filters the page it is applied to' }),
    limit: limitSchema,
    cursor: cursorSchema.optional(),
  }),
  response: { 200: pageSchema(registerOut), ...errorResponses(400, 401, 403, 429) },
};

export function getRegistersRoute(app: ApiApp, ctx: ApiContext, { registersJson }: RegistryLocals): void {
  app.get(
    '/registers',
    { schema: getRegistersSchema },
    async (request) => {
      const p = principalOf(request);
      const { organizationId, outletId, status, limit, cursor } = request.query;
      const afterId = cursor === undefined ? undefined : Number(decodeCursor('registers', cursor, ['id'])[0]);
      const access = await accessScope(ctx.db, p, 'registry:read');
      const placeLimit = placeLimitOf(access, (s) => registerScopeSql('organization_id', 'id', s));
      const rows = await listRegisters(ctx.db, { scope: scopeOrganizationIds(access), placeLimit, organizationId, outletId, afterId, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const items = (await registersJson(p, page, false)).filter((r) => status === undefined || r.connection.status === status);
      return { items, nextCursor: rows.length > limit ? encodeCursor('registers', [page.at(-1)!.id]) : null };
    },
  );
}

const postRegistersSchema = {
  tags: ['registry'],
  summary: 'Add a register by hand (its documents will attach to it by registration number)',
  body: z.object({
    organizationId: idSchema,
    registrationNumber: z.string().regex(/^\d{16}$/, 'expected the 16-digit registration number (1037)'),
    serialNumber: z.string().min(1).max(20).optional(),
    outletId: idSchema.optional(),
  }),
  response: { 201: registerDetailOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

export function postRegistersRoute(app: ApiApp, ctx: ApiContext, { loadOutlet, registersJson }: RegistryLocals): void {
  app.post(
    '/registers',
    { schema: postRegistersSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      authorizeOrganization(p, b.organizationId, 'registry:write', 'organization');
      if (!(await findOrganization(ctx.db, b.organizationId))) throw notFound('organization');
      if (b.outletId !== undefined) {
        const o = await loadOutlet(p, b.outletId, 'registry:write');
        if (o.organization_id !== b.organizationId) throw notFound('outlet');
      }
      const r = await createRegister(ctx.db, {
        organizationId: b.organizationId,
        registrationNumber: b.registrationNumber,
        serialNumber: b.serialNumber ?? null,
        outletId: b.outletId ?? null,
      });
      if (!r) throw new ApiError('REGISTER_EXISTS', 'a register with this registration number is already known');
      const [json] = await registersJson(p, [r], true);
      return reply.code(201).send(json as z.infer<typeof registerDetailOut>);
    },
  );
}

const getRegistersConflictsSchema = {
  tags: ['registry'],
  summary: "Registers claimed by one organization while their documents carry another's INN (operator only)",
  querystring: z.object({ limit: limitSchema, cursor: cursorSchema.optional() }),
  response: { 200: pageSchema(conflictOut), ...errorResponses(400, 401, 403, 429) },
};

export function getRegistersConflictsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/registers/conflicts',
    { schema: getRegistersConflictsSchema },
    async (request) => {
      requireOperator(principalOf(request));
      const { limit, cursor } = request.query;
      const afterId = cursor === undefined ? undefined : Number(decodeCursor('register-conflicts', cursor, ['id'])[0]);
      const rows = await listRegisterConflicts(ctx.db, afterId, limit + 1);
      const page = rows.slice(0, limit);
      return {
        items: page.map((c) => ({
          registerId: c.id,
          registrationNumber: c.registration_number,
          claimedOrganizationId: c.claimed_organization_id,
          documentOrganizationId: c.document_organization_id,
          documentInn: c.document_inn,
        })),
        nextCursor: rows.length > limit ? encodeCursor('register-conflicts', [page.at(-1)!.id]) : null,
      };
    },
  );
}

const getRegistersByIdSchema = {
  tags: ['registry'],
  summary: 'One register with its FN history',
  params: z.object({ id: idSchema }),
  response: { 200: registerDetailOut, ...errorResponses(400, 401, 403, 404, 429) },
};

export function getRegistersByIdRoute(app: ApiApp, { loadRegister, registersJson }: RegistryLocals): void {
  app.get(
    '/registers/:id',
    { schema: getRegistersByIdSchema },
    async (request) => {
      const p = principalOf(request);
      const r = await loadRegister(p, request.params.id, 'registry:read');
      const [json] = await registersJson(p, [r], true);
      return json as z.infer<typeof registerDetailOut>;
    },
  );
}

const patchRegistersByIdSchema = {
  tags: ['registry'],
  summary: 'Move a register to another outlet of its organization (or to none)',
  params: z.object({ id: idSchema }),
  body: z.object({ outletId: idSchema.nullable() }),
  response: { 200: registerDetailOut, ...errorResponses(400, 401, 403, 404, 429) },
};

export function patchRegistersByIdRoute(app: ApiApp, ctx: ApiContext, { loadRegister, loadOutlet, registersJson }: RegistryLocals): void {
  app.patch(
    '/registers/:id',
    { schema: patchRegistersByIdSchema },
    async (request) => {
      const p = principalOf(request);
      const r = await loadRegister(p, request.params.id, 'registry:write');
      const { outletId } = request.body;
      if (outletId !== null) {
        const o = await loadOutlet(p, outletId, 'registry:read');
        if (o.organization_id !== r.organization_id) throw notFound('outlet');
      }
      const updated = await setRegisterOutlet(ctx.db, r.id, outletId);
      if (!updated) throw notFound('register');
      const [json] = await registersJson(p, [updated], true);
      return json as z.infer<typeof registerDetailOut>;
    },
  );
}

const putRegistersByIdOfdServiceSchema = {
  tags: ['registry'],
  summary: 'Grant OFD service up to a day (operator only; replaces earlier grants, null removes them; paid periods stay)',
  params: z.object({ id: idSchema }),
  body: z.strictObject({ until: serviceDaySchema.nullable().meta({ description: 'YYYY-MM-DD, inclusive' }) }),
  response: { 200: registerDetailOut, ...errorResponses(400, 401, 403, 404, 429) },
};

export function putRegistersByIdOfdServiceRoute(app: ApiApp, ctx: ApiContext, { loadRegister, registersJson }: RegistryLocals): void {
  app.put(
    '/registers/:id/ofd-service',
    { schema: putRegistersByIdOfdServiceSchema },
    async (request) => {
      const p = principalOf(request);
      // A customer gets 404 for another tenant's register and 403 for its own: the contract is the operator's.
      const r = await loadRegister(p, request.params.id, 'registry:read');
      requireOperator(p);
      await grantOperatorPeriod(ctx.db, r, request.body.until, new Date());
      const [json] = await registersJson(p, [r], true);
      return json as z.infer<typeof registerDetailOut>;
    },
  );
}
