/**
 * Registers before their РНМ (issue 16): added by KKT serial + FN (+ partner code), one or several at once, or many
 * from an xlsx file (template download; per-row validation with row and column; nothing imported while the file has
 * errors unless `mode=valid_rows`; the result kept as a report). Each shows its lifecycle; the persist worker links
 * it to its registration report (db/prepared-register-match.repository.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { drivesOfRegisters, findOutlet, registersByIds } from '../../db/api-registry.repository.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import {
  addPreparedWithAudit,
  findImport,
  findPrepared,
  listImports,
  listPrepared,
  runImport,
  setStage,
} from '../../db/prepared-registers.repository.js';
import type { PreparedRegister, RegisterImport } from '../../db/tables/onboarding.js';
import type { Register } from '../../db/tables/registry.js';
import { LIFECYCLE_TITLES, REGISTER_LIFECYCLE, registerLifecycle } from '../../domain/register-lifecycle.js';
import { parseRegisterFile, registerFileTemplate, RegisterFileUnreadable, FN_PATTERN, PARTNER_CODE_PATTERN, SERIAL_PATTERN } from '../../registry/register-file.js';
import { XLSX_CONTENT_TYPE } from '../../reports/export.js';
import { userAgentOf } from '../audit.js';
import { accessScope, authorizePlace, placeScopeSql } from '../auth/access-scope.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, type Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { registerConnection } from '../../domain/registry-status.js';
import { cursorSchema, dateOut, idSchema, iso, limitSchema, pageSchema } from '../schemas.js';

const preparedIn = z.object({
  serialNumber: z.string().trim().regex(SERIAL_PATTERN, 'expected the KKT serial number: 6–20 digits').meta({ description: '1013 kktNumber' }),
  fn: z.string().trim().regex(FN_PATTERN, 'expected the 16-digit FN number').meta({ description: '1041 fiscalDriveNumber' }),
  partnerCode: z.string().trim().regex(PARTNER_CODE_PATTERN, 'up to 50 letters, digits, _ and -').optional(),
});

const preparedOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  outletId: z.number().int().nullable(),
  serialNumber: z.string(),
  fn: z.string(),
  partnerCode: z.string().nullable(),
  lifecycle: z.enum(REGISTER_LIFECYCLE),
  lifecycleTitle: z.string(),
  conflict: z.string().nullable().meta({ description: 'Why it was not matched automatically: serial_claimed_elsewhere, inn_mismatch, fn_mismatch' }),
  register: z
    .object({ id: z.number().int(), registrationNumber: z.string(), kktVersion: z.string().nullable(), ffdVersion: z.number().int().nullable(), registeredAt: z.string().nullable() })
    .nullable()
    .meta({ description: 'What the registration report filled in; null until it arrived' }),
  matchedAt: dateOut.nullable(),
  createdAt: dateOut,
});

const importOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  fileName: z.string().nullable(),
  mode: z.enum(['all_or_nothing', 'valid_rows']),
  rowsTotal: z.number().int(),
  rowsInvalid: z.number().int(),
  rowsImported: z.number().int(),
  rowsExisting: z.number().int().meta({ description: 'Valid rows whose serial the organization had already' }),
  errors: z.array(z.object({ row: z.number().int(), column: z.string(), field: z.string(), message: z.string() })),
  createdAt: dateOut,
});

const importJson = (r: RegisterImport): z.infer<typeof importOut> => ({
  id: r.id,
  organizationId: r.organization_id,
  fileName: r.file_name,
  mode: r.mode,
  rowsTotal: r.rows_total,
  rowsInvalid: r.rows_invalid,
  rowsImported: r.rows_imported,
  rowsExisting: r.rows_existing,
  errors: r.errors,
  createdAt: iso(r.created_at),
});

const XLSX_BODY_LIMIT = 20 * 1024 * 1024;

function actor(p: Principal) {
  return {
    actorKind: p.kind,
    actorUserId: p.kind === 'user' ? p.userId : null,
    actorEmail: p.kind === 'user' ? p.email : null,
    actorApiKeyId: p.kind === 'apiKey' ? p.keyId : null,
  };
}

function preparedRegisterLocals(ctx: ApiContext) {
  const toJson = async (rows: PreparedRegister[]): Promise<Array<z.infer<typeof preparedOut>>> => {
    const registerIds = rows.flatMap((r) => (r.register_id === null ? [] : [r.register_id]));
    const registers = await registersByIds(ctx.db, registerIds);
    const byId = new Map<number, Register>(registers.map((r) => [r.id, r]));
    const drives = await drivesOfRegisters(ctx.db, registerIds);
    const now = new Date();
    return rows.map((p) => {
      const reg = p.register_id === null ? undefined : byId.get(p.register_id);
      const mine = reg ? drives.filter((d) => d.effective_register_id === reg.id || d.register_id === reg.id) : [];
      const c = reg ? registerConnection(reg, mine, now, ctx.registerSilentAfterMs) : undefined;
      const current = mine.find((d) => d.fn === c?.currentFn);
      const lifecycle = registerLifecycle({
        stage: p.stage,
        matched: reg !== undefined,
        registrationStatus: reg?.status ?? null,
        preparedFn: p.fn,
        currentFn: c?.currentFn ?? null,
        currentFnClosed: current?.closed_at != null,
        silent: c?.status === 'silent',
      });
      return {
        id: p.id,
        organizationId: p.organization_id,
        outletId: reg?.outlet_id ?? p.outlet_id,
        serialNumber: p.serial_number,
        fn: p.fn,
        partnerCode: p.partner_code,
        lifecycle,
        lifecycleTitle: LIFECYCLE_TITLES[lifecycle],
        conflict: p.conflict,
        register: reg
          ? { id: reg.id, registrationNumber: reg.registration_number, kktVersion: reg.kkt_version, ffdVersion: reg.ffd_version, registeredAt: reg.registered_at }
          : null,
        matchedAt: iso(p.matched_at),
        createdAt: iso(p.created_at),
      };
    });
  };
  const checkTarget = async (p: Principal, organizationId: number, outletId: number | undefined) => {
    authorizeOrganization(p, organizationId, 'registry:write', 'organization');
    if (!(await findOrganization(ctx.db, organizationId))) throw notFound('organization');
    if (outletId !== undefined) {
      const o = await findOutlet(ctx.db, outletId);
      if (!o || o.organization_id !== organizationId) throw notFound('outlet');
    }
  };
  return { toJson, checkTarget };
}
type PreparedRegisterLocals = ReturnType<typeof preparedRegisterLocals>;

const getPreparedRegistersSchema = {
  tags: ['registry'],
  summary: 'Registers added by serial and FN, with their lifecycle (added → … → deregistered)',
  querystring: z.object({
    organizationId: idSchema.optional(),
    outletId: idSchema.optional(),
    serialNumber: z.string().regex(SERIAL_PATTERN).optional(),
    limit: limitSchema,
    cursor: cursorSchema.optional(),
  }),
  response: { 200: pageSchema(preparedOut), ...errorResponses(400, 401, 403, 429) },
};

function getPreparedRegistersRoute(app: ApiApp, ctx: ApiContext, { toJson }: PreparedRegisterLocals): void {
  app.get(
    '/prepared-registers',
    { schema: getPreparedRegistersSchema },
    async (request) => {
      const p = principalOf(request);
      const { organizationId, outletId, serialNumber, limit, cursor } = request.query;
      const s = await accessScope(ctx.db, p, 'registry:read');
      const scope = placeScopeSql('p.organization_id', 'p.outlet_id', 'p.register_id', s);
      const afterId = cursor === undefined ? undefined : Number(decodeCursor('prepared-registers', cursor, ['id'])[0]);
      const rows = await listPrepared(ctx.db, { scope, organizationId, outletId, serialNumber, afterId, limit: limit + 1 });
      const page = rows.slice(0, limit);
      return { items: await toJson(page), nextCursor: rows.length > limit ? encodeCursor('prepared-registers', [page.at(-1)!.id]) : null };
    },
  );
}

const postPreparedRegistersSchema = {
  tags: ['registry'],
  summary: 'Add one or several registers by KKT serial and FN (before the РНМ); serials the organization has already are skipped',
  body: z.object({ organizationId: idSchema, outletId: idSchema.optional(), registers: z.array(preparedIn).min(1).max(100) }).superRefine((b, c) => {
    const seen = new Set<string>();
    b.registers.forEach((r, i) => {
      if (seen.has(r.serialNumber)) c.addIssue({ code: 'custom', path: ['registers', i, 'serialNumber'], message: 'this serial number is in the list twice' });
      seen.add(r.serialNumber);
    });
  }),
  response: { 201: z.object({ added: z.array(preparedOut), existing: z.array(z.string()) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function postPreparedRegistersRoute(app: ApiApp, ctx: ApiContext, { checkTarget, toJson }: PreparedRegisterLocals): void {
  app.post(
    '/prepared-registers',
    { schema: postPreparedRegistersSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const b = request.body;
      await checkTarget(p, b.organizationId, b.outletId);
      const rows = b.registers.map((r) => ({ serialNumber: r.serialNumber, fn: r.fn, partnerCode: r.partnerCode ?? null, outletId: b.outletId ?? null }));
      const { added, existing } = await addPreparedWithAudit(ctx.db, b.organizationId, rows, p.kind === 'user' ? p.userId : null, {
        organizationId: b.organizationId,
        ...actor(p),
        action: 'register.prepared',
        target: null,
        details: { serials: rows.map((r) => r.serialNumber).slice(0, 100) },
        ip: request.ip,
        userAgent: userAgentOf(request),
      });
      return reply.code(201).send({ added: await toJson(added), existing });
    },
  );
}

const patchPreparedRegistersByIdSchema = {
  tags: ['registry'],
  summary: 'Move a register to "awaiting registration in the FNS" (or back to "added")',
  params: z.object({ id: idSchema }),
  body: z.object({ stage: z.enum(['added', 'awaiting_registration']) }),
  response: { 200: preparedOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function patchPreparedRegistersByIdRoute(app: ApiApp, ctx: ApiContext, { toJson }: PreparedRegisterLocals): void {
  app.patch(
    '/prepared-registers/:id',
    { schema: patchPreparedRegistersByIdSchema },
    async (request) => {
      const p = principalOf(request);
      const existing = await findPrepared(ctx.db, request.params.id);
      if (!existing) throw notFound('register');
      await authorizePlace(ctx.db, p, existing.organization_id, { registerId: existing.register_id, outletId: existing.outlet_id }, 'registry:write', 'register');
      const row = await setStage(ctx.db, existing.id, request.body.stage, {
        organizationId: existing.organization_id,
        ...actor(p),
        action: 'register.stage_changed',
        target: `prepared-register:${existing.id}`,
        details: { serialNumber: existing.serial_number, stage: request.body.stage },
        ip: request.ip,
        userAgent: userAgentOf(request),
      });
      if (!row) throw notFound('register');
      return (await toJson([row]))[0]!;
    },
  );
}

function getPreparedRegistersImportTemplateRoute(app: ApiApp): void {
  app.get(
    '/prepared-registers/import-template',
    {
      schema: { tags: ['registry'], summary: 'The xlsx template of the register import', response: { 200: z.any(), ...errorResponses(401, 429) } },
    },
    async (request, reply) => {
      principalOf(request);
      void reply.header('content-type', XLSX_CONTENT_TYPE).header('content-disposition', 'attachment; filename="registers-template.xlsx"');
      return reply.send(await registerFileTemplate());
    },
  );
}

const postOrganizationsByIdRegisterImportsSchema = {
  tags: ['registry'],
  summary: `Import registers from an xlsx file (body: the file, content-type ${XLSX_CONTENT_TYPE}). With errors nothing is imported (422 IMPORT_INVALID, each error's row and column in details) unless mode=valid_rows`,
  params: z.object({ id: idSchema }),
  querystring: z.object({
    mode: z.enum(['all_or_nothing', 'valid_rows']).default('all_or_nothing'),
    outletId: idSchema.optional(),
    fileName: z.string().max(255).optional(),
  }),
  response: { 201: importOut, ...errorResponses(400, 401, 403, 404, 413, 415, 422, 429) },
};

function postOrganizationsByIdRegisterImportsRoute(app: ApiApp, ctx: ApiContext, { checkTarget }: PreparedRegisterLocals): void {
  app.post(
    '/organizations/:id/register-imports',
    {
      bodyLimit: XLSX_BODY_LIMIT,
      schema: postOrganizationsByIdRegisterImportsSchema,
    },
    async (request, reply) => {
      const p = principalOf(request);
      const id = request.params.id;
      const q = request.query;
      await checkTarget(p, id, q.outletId);
      const body = request.body as unknown;
      if (!Buffer.isBuffer(body)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `send the file as ${XLSX_CONTENT_TYPE}`);
      let parsed;
      try {
        parsed = await parseRegisterFile(body);
      } catch (e) {
        if (e instanceof RegisterFileUnreadable) throw new ApiError('VALIDATION_FAILED', `body: ${e.message}`, [{ path: 'body', message: e.message, issue: 'custom' }]);
        throw e;
      }
      const importAll = parsed.errors.length === 0 || q.mode === 'valid_rows';
      const report = await runImport(
        ctx.db,
        {
          organizationId: id,
          userId: p.kind === 'user' ? p.userId : null,
          fileName: q.fileName ?? null,
          mode: q.mode,
          rowsTotal: parsed.total,
          rowsInvalid: parsed.invalidRows,
          errors: parsed.errors,
          rows: importAll ? parsed.valid.map((r) => ({ serialNumber: r.serialNumber, fn: r.fn, partnerCode: r.partnerCode, outletId: q.outletId ?? null })) : [],
        },
        { organizationId: id, ...actor(p), action: 'registers.imported', target: null, details: { fileName: q.fileName ?? null, mode: q.mode }, ip: request.ip, userAgent: userAgentOf(request) },
      );
      if (!importAll) {
        throw new ApiError(
          'IMPORT_INVALID',
          `${parsed.invalidRows} of ${parsed.total} rows have errors; nothing was imported (report ${report.id})`,
          parsed.errors.slice(0, 1000).map((e) => ({ path: `file.rows.${e.row}.${e.column}`, message: e.message, issue: e.field })),
        );
      }
      return reply.code(201).send(importJson(report));
    },
  );
}

const getOrganizationsByIdRegisterImportsSchema = {
  tags: ['registry'],
  summary: 'Import reports, newest first (the last 100)',
  params: z.object({ id: idSchema }),
  response: { 200: z.object({ items: z.array(importOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdRegisterImportsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/register-imports',
    { schema: getOrganizationsByIdRegisterImportsSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'registry:write', 'organization');
      return { items: (await listImports(ctx.db, request.params.id)).map(importJson) };
    },
  );
}

const getOrganizationsByIdRegisterImportsByImportIdSchema = {
  tags: ['registry'],
  summary: 'One import report: rows read, invalid, imported, already there, and each error with its row and column',
  params: z.object({ id: idSchema, importId: idSchema }),
  response: { 200: importOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdRegisterImportsByImportIdRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/register-imports/:importId',
    { schema: getOrganizationsByIdRegisterImportsByImportIdSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'registry:write', 'organization');
      const r = await findImport(ctx.db, request.params.id, request.params.importId);
      if (!r) throw notFound('import');
      return importJson(r);
    },
  );
}

export function preparedRegisterRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = preparedRegisterLocals(ctx);
    app.addContentTypeParser(XLSX_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: XLSX_BODY_LIMIT }, (_request, body, done) => done(null, body));
    getPreparedRegistersRoute(app, ctx, locals);
    postPreparedRegistersRoute(app, ctx, locals);
    patchPreparedRegistersByIdRoute(app, ctx, locals);
    getPreparedRegistersImportTemplateRoute(app);
    postOrganizationsByIdRegisterImportsRoute(app, ctx, locals);
    getOrganizationsByIdRegisterImportsRoute(app, ctx);
    getOrganizationsByIdRegisterImportsByImportIdRoute(app, ctx);
  };
}
