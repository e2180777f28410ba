// Fiscal drives with their expiry forecast and missing documents.
import { z } from 'zod';
import { findFiscalDrive, gapsOf, listFiscalDrives, documentOwnerOfRegister } from '../../db/api-registry.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { accessScope, authorizePlace, placeLimitOf, registerScopeSql, scopeOrganizationIds } from '../auth/access-scope.js';
import { fiscalDriveOut, fiscalDriveJson } from './registry-views.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { errorResponses, notFound } from '../errors.js';
import { cursorSchema, fnSchema, idSchema, limitSchema, pageSchema } from '../schemas.js';

const getFiscalDrivesSchema = {
  tags: ['registry'],
  summary: 'Fiscal drives (ФН) with their expiry forecast and missing documents',
  querystring: z.object({ organizationId: idSchema.optional(), registerId: idSchema.optional(), limit: limitSchema, cursor: cursorSchema.optional() }),
  response: { 200: pageSchema(fiscalDriveOut), ...errorResponses(400, 401, 403, 429) },
};

export function getFiscalDrivesRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/fiscal-drives',
    { schema: getFiscalDrivesSchema },
    async (request) => {
      const p = principalOf(request);
      const { organizationId, registerId, limit, cursor } = request.query;
      const afterFn = cursor === undefined ? undefined : String(decodeCursor('fiscal-drives', cursor, ['fn'])[0]);
      const access = await accessScope(ctx.db, p, 'registry:read');
      // r is the register's document owner (issue 13, item 5); the register is the drive's effective one.
      const placeLimit = placeLimitOf(access, (s) => registerScopeSql('r.organization_id', 'f.effective_register_id', s));
      const rows = await listFiscalDrives(ctx.db, { scope: scopeOrganizationIds(access), placeLimit, organizationId, registerId, afterFn, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const now = new Date();
      return { items: page.map((d) => fiscalDriveJson(d, now)), nextCursor: rows.length > limit ? encodeCursor('fiscal-drives', [page.at(-1)!.fn]) : null };
    },
  );
}

const getFiscalDrivesByFnSchema = {
  tags: ['registry'],
  summary: 'One fiscal drive, with the FD ranges not received',
  params: z.object({ fn: fnSchema }),
  response: {
    200: fiscalDriveOut.extend({ gaps: z.array(z.object({ fromFd: z.number().int(), toFd: z.number().int() })) }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

export function getFiscalDrivesByFnRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/fiscal-drives/:fn',
    { schema: getFiscalDrivesByFnSchema },
    async (request) => {
      const p = principalOf(request);
      const d = await findFiscalDrive(ctx.db, request.params.fn);
      if (!d) throw notFound('fiscal drive');
      // The organization of the documents, not a claim on the register (issue 13, item 5); then the member's limit.
      const owner = d.effective_register_id === null ? undefined : await documentOwnerOfRegister(ctx.db, d.effective_register_id);
      await authorizePlace(ctx.db, p, owner ?? null, { registerId: d.effective_register_id }, 'registry:read', 'fiscal drive');
      const gaps = await gapsOf(ctx.db, d.fn);
      return { ...fiscalDriveJson(d, new Date()), gaps: gaps.map((g) => ({ fromFd: g.from_fd, toFd: g.to_fd })) };
    },
  );
}
