/**
 * Outlets (places of settlement that group registers), registers (learned from documents or added by hand) with their
 * FN history, connection status and OFD service end (set by the operator), and fiscal drives with their expiry forecast
 * and missing documents.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createOutlet,
  createRegister,
  drivesOfRegisters,
  findFiscalDrive,
  findOutlet,
  findRegister,
  gapsOf,
  listFiscalDrives,
  listOutlets,
  listRegisters,
  renameOutlet,
  documentOwnerOfRegister,
  listRegisterConflicts,
  setRegisterOutlet,
  type FiscalDriveState,
} from '../../db/api-registry.repository.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { ofdServicesOf } from '../../db/ofd-services.repository.js';
import { grantOperatorPeriod } from '../../billing/register-service.js';
import type { Outlet, Register } from '../../db/tables/registry.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, requireOperator, type Principal } from '../auth/principal.js';
import { accessScope, authorizePlace, outletScopeSql, placeLimitOf, registerScopeSql, scopeOrganizationIds } from '../auth/access-scope.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { ATTENTION_REASONS, CONNECTION_STATUSES, currentDrive, fnAttention, fnForecast, registerConnection } from '../registry-status.js';
import { FN_END_REASONS } from '../../domain/fn-end-date.js';
import { ofdServiceJson, ofdServiceOut } from '../register-service-view.js';
import { cursorSchema, dateOut, fnSchema, idSchema, iso, limitSchema, pageSchema } from '../schemas.js';

const outletOut = z.object({ id: z.number().int(), organizationId: z.number().int(), address: z.string(), place: z.string(), createdAt: dateOut });
const outletJson = (o: Outlet): z.infer<typeof outletOut> => ({
  id: o.id,
  organizationId: o.organization_id,
  address: o.address,
  place: o.place,
  createdAt: iso(o.created_at),
});

/** The FN's end date and its reason: src/domain/fn-end-date.ts, the same the fn-schedule report and fn.expiring name. */
const forecastOut = z
  .object({
    expiresOn: z.string().nullable().meta({ description: 'registration + validityMonths' }),
    keyResourceEndsOn: z.string().nullable().meta({ description: 'the key resource (1213) the FN last reported runs out' }),
    fullOn: z.string().nullable().meta({ description: 'the archive fills at its rate so far' }),
    validityMonths: z.number().int(),
    validityBasis: z.enum(['registration', 'assumed']).meta({ description: 'registration: from the registration report (1213); assumed: the shortest, 13' }),
    replaceBy: z.string().nullable().meta({ description: 'the earliest of the dates (today when the FN signals replacement)' }),
    reason: z.enum(FN_END_REASONS).nullable(),
    reasonText: z.string().nullable(),
    daysLeft: z.number().int().nullable().meta({ description: 'days from today (Moscow) to replaceBy' }),
  })
  .meta({ description: 'When to replace the FN, and why' });

const fiscalDriveOut = z.object({
  fn: z.string(),
  registerId: z.number().int().nullable(),
  ffdVersion: z.number().int().nullable().meta({ description: '1190 documentFdVersion' }),
  registeredAt: z.string().nullable(),
  registrationFd: z.number().int().nullable(),
  firstFd: z.number().int().nullable(),
  lastFd: z.number().int().nullable(),
  lastReceivedAt: dateOut.nullable(),
  closedAt: z.string().nullable(),
  closedFd: z.number().int().nullable(),
  signs: z.object({ replaceRequired: z.boolean().nullable(), exhausted: z.boolean().nullable(), memoryExceeded: z.boolean().nullable() }),
  notTransmitted: z.object({ count: z.number().int().nullable(), since: z.string().nullable() }),
  missing: z.object({ ranges: z.number().int(), documents: z.number().int() }).meta({ description: 'FD numbers not received (gaps)' }),
  forecast: forecastOut,
  attention: z.array(z.enum(ATTENTION_REASONS)),
});

function fiscalDriveJson(d: FiscalDriveState, now: Date): z.infer<typeof fiscalDriveOut> {
  return {
    fn: d.fn,
    registerId: d.effective_register_id,
    ffdVersion: d.ffd_version,
    registeredAt: d.registered_at,
    registrationFd: d.registration_fd,
    firstFd: d.first_fd,
    lastFd: d.last_fd,
    lastReceivedAt: iso(d.last_received_at),
    closedAt: d.closed_at,
    closedFd: d.closed_fd,
    signs: { replaceRequired: d.replace_required_sign, exhausted: d.exhaustion_sign, memoryExceeded: d.memory_exceeded_sign },
    notTransmitted: { count: d.not_transmitted_count, since: d.not_transmitted_since },
    missing: { ranges: d.gap_count, documents: d.missing_fds },
    forecast: fnForecast(d, now),
    attention: fnAttention(d, now),
  };
}

const registerOut = z.object({
  id: z.number().int(),
  registrationNumber: z.string().meta({ description: '1037 kktRegId' }),
  serialNumber: z.string().nullable(),
  organizationId: z.number().int().nullable(),
  outletId: z.number().int().nullable(),
  ffdVersion: z.number().int().nullable(),
  kktVersion: z.string().nullable(),
  registrationStatus: z.enum(['unknown', 'active', 'fn_closed', 'deregistered']),
  registeredAt: z.string().nullable(),
  connection: z.object({
    status: z.enum(CONNECTION_STATUSES),
    attention: z.array(z.enum(ATTENTION_REASONS)),
    lastReceivedAt: dateOut.nullable(),
    currentFn: z.string().nullable(),
  }),
  fnReplacement: forecastOut.nullable().meta({ description: 'When to replace the FN in use (null: none known or it is closed)' }),
  ofdService: ofdServiceOut,
  claim: z.enum(['confirmed', 'unconfirmed', 'conflict']).meta({
    description:
      "confirmed: the register's documents carry its organization's INN; unconfirmed: none arrived yet; conflict: they carry " +
      "another organization's INN — its shifts, fiscal drives and reports are not shown to the claimant, the operator settles it",
  }),
  createdAt: dateOut,
});

const conflictOut = z.object({
  registerId: z.number().int(),
  registrationNumber: z.string(),
  claimedOrganizationId: z.number().int(),
  documentOrganizationId: z.number().int(),
  documentInn: z.string(),
});

/** A contract's calendar date; the years are bounded so PostgreSQL's `date` never refuses what passed here. */
const serviceDaySchema = z
  .string()
  .regex(/^2[01]\d{2}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD, years 2000–2199')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

const registerDetailOut = registerOut.extend({ fiscalDrives: z.array(fiscalDriveOut).meta({ description: 'FN history, newest first' }) });

function registryLocals(ctx: ApiContext) {
  const documentOwnersOf = async (ids: readonly number[]): Promise<Map<number, number>> => {
    if (ids.length === 0) return new Map();
    const rows = await ctx.db.selectFrom('register_document_owners').select(['register_id', 'organization_id']).where('register_id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [r.register_id, r.organization_id]));
  };
  const registersJson = async (p: Principal, registers: Register[], withDrives: boolean) => {
    const ids = registers.map((r) => r.id);
    const owners = await documentOwnersOf(ids);
    // Document-derived state (FNs, connection) only for the organization whose INN the documents carry (item 5).
    const shown = registers.filter((r) => p.kind === 'operator' || (r.organization_id !== null && owners.get(r.id) === r.organization_id));
    const drives = await drivesOfRegisters(ctx.db, shown.map((r) => r.id));
    const services = await ofdServicesOf(ctx.db, ids);
    const now = new Date();
    return registers.map((r) => {
      const owner = owners.get(r.id);
      const claim = owner === undefined ? 'unconfirmed' : owner === r.organization_id ? 'confirmed' : 'conflict';
      const mine = drives.filter((d) => d.effective_register_id === r.id || d.register_id === r.id);
      const c = registerConnection(r, mine, now, ctx.registerSilentAfterMs);
      const current = currentDrive(mine);
      const serviceUntil = services.get(r.id) ?? null;
      const base: z.infer<typeof registerOut> = {
        id: r.id,
        registrationNumber: r.registration_number,
        serialNumber: r.serial_number,
        organizationId: r.organization_id,
        outletId: r.outlet_id,
        ffdVersion: r.ffd_version,
        kktVersion: r.kkt_version,
        registrationStatus: r.status,
        registeredAt: r.registered_at,
        connection: { ...c, lastReceivedAt: iso(c.lastReceivedAt) },
        fnReplacement: current && current.closed_at === null ? fnForecast(current, now) : null,
        ofdService: ofdServiceJson(serviceUntil, ctx.unpaidPolicy, now),
        claim,
        createdAt: iso(r.created_at),
      };
      if (!withDrives) return base;
      const history = [...mine].sort((a, b) => (b.registered_at ?? b.last_received_at?.toISOString() ?? '').localeCompare(a.registered_at ?? a.last_received_at?.toISOString() ?? ''));
      return { ...base, fiscalDrives: history.map((d) => fiscalDriveJson(d, now)) };
    });
  };
  const loadRegister = async (p: Principal, id: number, permission: 'registry:read' | 'registry:write') => {
    const r = await findRegister(ctx.db, id);
    if (!r) throw notFound('register');
    await authorizePlace(ctx.db, p, r.organization_id, { registerId: r.id }, permission, 'register');
    return r;
  };
  const loadOutlet = async (p: Principal, id: number, permission: 'registry:read' | 'registry:write') => {
    const o = await findOutlet(ctx.db, id);
    if (!o) throw notFound('outlet');
    await authorizePlace(ctx.db, p, o.organization_id, { outletId: o.id }, permission, 'outlet');
    return o;
  };
  return { documentOwnersOf, registersJson, loadRegister, loadOutlet };
}
type RegistryLocals = ReturnType<typeof registryLocals>;

const getOutletsSchema = {
  tags: ['registry'],
  summary: 'Outlets (places of settlement)',
  querystring: z.object({ organizationId: idSchema.optional(), limit: limitSchema, cursor: cursorSchema.optional() }),
  response: { 200: pageSchema(outletOut), ...errorResponses(400, 401, 403, 429) },
};

function getOutletsRoute(app: ApiApp, ctx: ApiContext): void {
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

function postOutletsRoute(app: ApiApp, ctx: ApiContext): void {
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

function getOutletsByIdRoute(app: ApiApp, { loadOutlet }: RegistryLocals): void {
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

function patchOutletsByIdRoute(app: ApiApp, ctx: ApiContext, { loadOutlet }: RegistryLocals): void {
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

function getRegistersRoute(app: ApiApp, ctx: ApiContext, { registersJson }: RegistryLocals): void {
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

function postRegistersRoute(app: ApiApp, ctx: ApiContext, { loadOutlet, registersJson }: RegistryLocals): void {
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

function getRegistersConflictsRoute(app: ApiApp, ctx: ApiContext): void {
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

function getRegistersByIdRoute(app: ApiApp, { loadRegister, registersJson }: RegistryLocals): void {
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

function patchRegistersByIdRoute(app: ApiApp, ctx: ApiContext, { loadRegister, loadOutlet, registersJson }: RegistryLocals): void {
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

function putRegistersByIdOfdServiceRoute(app: ApiApp, ctx: ApiContext, { loadRegister, registersJson }: RegistryLocals): void {
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

const getFiscalDrivesSchema = {
  tags: ['registry'],
  summary: 'Fiscal drives (ФН) with their expiry forecast and missing documents',
  querystring: z.object({ organizationId: idSchema.optional(), registerId: idSchema.optional(), limit: limitSchema, cursor: cursorSchema.optional() }),
  response: { 200: pageSchema(fiscalDriveOut), ...errorResponses(400, 401, 403, 429) },
};

function getFiscalDrivesRoute(app: ApiApp, ctx: ApiContext): void {
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

function getFiscalDrivesByFnRoute(app: ApiApp, ctx: ApiContext): void {
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

export function registryRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = registryLocals(ctx);
    getOutletsRoute(app, ctx);
    postOutletsRoute(app, ctx);
    getOutletsByIdRoute(app, locals);
    patchOutletsByIdRoute(app, ctx, locals);
    getRegistersRoute(app, ctx, locals);
    postRegistersRoute(app, ctx, locals);
    getRegistersConflictsRoute(app, ctx);
    getRegistersByIdRoute(app, locals);
    patchRegistersByIdRoute(app, ctx, locals);
    putRegistersByIdOfdServiceRoute(app, ctx, locals);
    getFiscalDrivesRoute(app, ctx);
    getFiscalDrivesByFnRoute(app, ctx);
  };
}
