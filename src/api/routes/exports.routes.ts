/**
 * Receipt exports and «Выгрузки» (issue 15):
 *   GET  /documents/export                       any Чеки filter as csv/xlsx, streamed now (memory stays flat)
 *   POST /organizations/{id}/exports             the same as a background job (export_jobs; the exports worker writes it)
 *   GET  /organizations/{id}/exports             the Выгрузки list: manual and scheduled exports, newest first
 *   GET  /exports/{id}, GET /exports/{id}/download   a job's status and progress; its file, streamed from export_chunks
 *   GET, PUT /organizations/{id}/export-settings the organization's Выгрузки settings (owners and admins replace them)
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { userEmail } from '../../db/api-access.repository.js';
import { innsOf } from '../../db/api-organizations.repository.js';
import { exportChunk, findExportJob, insertRequestedExportJob, listExportJobs } from '../../db/export-jobs.repository.js';
import { exportSettingsOf, replaceExportSettings } from '../../db/export-settings.repository.js';
import { foreignPlaces } from '../../db/team.repository.js';
import type { ExportJob } from '../../db/tables/exports.js';
import { contentTypeOf } from '../../exports/export-jobs.js';
import { exportExpiresAt } from '../../exports/export-retention.js';
import { receiptExportTable, type ReceiptFilter } from '../../exports/receipt-rows.js';
import { reportToCsv, reportToXlsx } from '../../reports/export.js';
import { principalOf } from '../auth/authenticate.js';
import { accessScope } from '../auth/access-scope.js';
import { authorizeOrganization, type Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso, queryBoolean } from '../schemas.js';
import { documentListQuery } from './documents.routes.js';

const filterQuery = documentListQuery.omit({ limit: true, cursor: true, organizationId: true });
type FilterQuery = z.infer<typeof filterQuery>;

function toFilter(inns: 'all' | string[], q: FilterQuery): ReceiptFilter {
  return {
    ...q,
    inns,
    receivedFrom: q.receivedFrom === undefined ? undefined : new Date(q.receivedFrom),
    receivedTo: q.receivedTo === undefined ? undefined : new Date(q.receivedTo),
  };
}

const exportJobOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  settingId: z.number().int().nullable().meta({ description: 'The Выгрузка setting that made it; null: asked for by hand' }),
  title: z.string(),
  content: z.enum(['receipts', 'receipt_items', 'shift_summary']),
  format: z.enum(['csv', 'xlsx']),
  status: z.enum(['queued', 'running', 'done', 'failed', 'expired']).meta({
    description: '`expired`: the file was deleted when its retention ended (expiredAt); make the export again',
  }),
  progress: z.object({
    done: z.number().int(),
    total: z.number().int().nullable(),
    percent: z.number().int().nullable().meta({ description: 'null while the total is unknown' }),
  }),
  fileName: z.string().nullable(),
  byteSize: z.number().int().nullable(),
  downloadUrl: z.string().nullable(),
  error: z.string().nullable(),
  emailStatus: z.enum(['none', 'pending', 'sent', 'failed']),
  createdAt: dateOut,
  finishedAt: dateOut.nullable(),
  expiresAt: dateOut.nullable().meta({
    description: 'When the file of a done export is deleted (OFD_EXPORT_RETENTION_DAYS after it was made; for an expired one, when it was due)',
  }),
});

function jobJson(j: ExportJob, retentionDays: number): z.infer<typeof exportJobOut> {
  const total = j.rows_total;
  return {
    id: j.id,
    organizationId: j.organization_id,
    settingId: j.setting_id,
    title: j.title,
    content: j.content,
    format: j.format,
    status: j.status,
    progress: { done: j.rows_done, total, percent: j.status === 'done' ? 100 : total ? Math.min(99, Math.floor((j.rows_done / total) * 100)) : null },
    fileName: j.file_name,
    byteSize: j.byte_size,
    downloadUrl: j.status === 'done' ? `/api/v1/exports/${j.id}/download` : null,
    error: j.error,
    emailStatus: j.email_status,
    createdAt: iso(j.created_at),
    finishedAt: j.finished_at === null ? null : iso(j.finished_at),
    expiresAt: (j.status === 'done' || j.status === 'expired') && j.finished_at !== null ? iso(exportExpiresAt(j.finished_at, retentionDays)) : null,
  };
}

const settingIn = z.object({
  schedule: z.enum(['shift_closed', 'daily', 'monthly']),
  registerIds: z.array(idSchema).max(1000).nullable().default(null).meta({ description: 'null: every register of the organization' }),
  content: z.enum(['receipt_items', 'shift_summary']),
  format: z.enum(['csv', 'xlsx']),
  emails: z.array(z.email()).max(20).default([]).meta({ description: 'Empty: the organization’s owners and admins' }),
  enabled: z.boolean().default(true),
});
const settingOut = settingIn.extend({ id: z.number().int() });

const limitedExport = () =>
  new ApiError('FORBIDDEN', 'an export covers the whole organization: a member limited to outlets or registers cannot export it; use the receipts list');

function exportLocals(ctx: ApiContext) {
  const loadJob = async (p: Principal, id: number) => {
    const job = await findExportJob(ctx.db, id);
    if (!job) throw notFound('export');
    authorizeOrganization(p, job.organization_id, 'reports:export', 'export');
    if ((await accessScope(ctx.db, p, 'reports:export')).limited.has(job.organization_id)) throw limitedExport();
    return job;
  };
  return { loadJob };
}
type ExportLocals = ReturnType<typeof exportLocals>;

const getDocumentsExportSchema = {
  tags: ['documents'],
  summary: 'The documents of a list filter as csv or xlsx, streamed (for large ones prefer POST /organizations/{id}/exports)',
  querystring: filterQuery.extend({
    organizationId: idSchema.optional(),
    format: z.enum(['csv', 'xlsx']),
    items: queryBoolean.optional().meta({ description: 'One row per item (1059) instead of per document' }),
  }),
  response: { ...errorResponses(400, 401, 403, 404, 429) },
};

function getDocumentsExportRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/documents/export',
    { schema: getDocumentsExportSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const { organizationId, format, items, ...q } = request.query;
      // Exporting is its own permission (the viewer's lists are not exports), and an export covers whole organizations:
      // a member limited to outlets or registers (issue 16) gets none of a limited organization.
      const access = await accessScope(ctx.db, p, 'reports:export');
      let inns: 'all' | string[];
      if (organizationId !== undefined) {
        authorizeOrganization(p, organizationId, 'reports:export', 'organization');
        if (access.limited.has(organizationId)) throw limitedExport();
        inns = await innsOf(ctx.db, [organizationId]);
      } else {
        if (access.full !== 'all' && access.full.length === 0) throw access.limited.size > 0 ? limitedExport() : new ApiError('FORBIDDEN', 'your role does not export documents');
        inns = access.full === 'all' ? 'all' : await innsOf(ctx.db, [...access.full]);
      }
      const table = receiptExportTable(ctx.db, toFilter(inns, q), { items: items === true });
      void reply.header('content-type', contentTypeOf(format)).header('content-disposition', `attachment; filename="receipts.${format}"`);
      return reply.send((format === 'csv' ? reportToCsv(table) : reportToXlsx(table)) as never);
    },
  );
}

const postOrganizationsByIdExportsSchema = {
  tags: ['exports'],
  summary: 'Export the documents of a list filter in the background; poll GET /exports/{id}, e-mailed when ready',
  params: z.object({ id: idSchema }),
  body: z.object({
    format: z.enum(['csv', 'xlsx']),
    content: z.enum(['receipts', 'receipt_items']).default('receipts'),
    // The GET /documents query parameters, as an object (values as in the query string, or JSON numbers/booleans).
    filters: z.preprocess(
      (v) => (v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : String(x)])) : v),
      filterQuery,
    ).default({}),
    email: z.boolean().default(true).meta({ description: 'E-mail the caller (a user) when the file is ready' }),
  }),
  response: { 202: exportJobOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function postOrganizationsByIdExportsRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/organizations/:id/exports',
    { schema: postOrganizationsByIdExportsSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const organizationId = request.params.id;
      authorizeOrganization(p, organizationId, 'reports:export', 'organization');
      if ((await accessScope(ctx.db, p, 'reports:export')).limited.has(organizationId)) throw limitedExport();
      const b = request.body;
      let emails: string[] = [];
      if (b.email && p.kind === 'user') {
        const email = await userEmail(ctx.db, p.userId);
        if (email !== undefined) emails = [email];
      }
      const job = await insertRequestedExportJob(ctx.db, {
        organizationId,
        content: b.content,
        format: b.format,
        // Stored as given (JSON): the worker validates it again with the same schema.
        filtersJson: JSON.stringify(b.filters),
        title: b.content === 'receipt_items' ? 'Чеки с предметами расчёта' : 'Чеки',
        emails,
        requestedBy: p.kind === 'user' ? p.userId : null,
      });
      return reply.status(202).send(jobJson(job, ctx.exportRetentionDays));
    },
  );
}

const getOrganizationsByIdExportsSchema = {
  tags: ['exports'],
  summary: 'Выгрузки: the organization’s exports, newest first',
  params: z.object({ id: idSchema }),
  querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), beforeId: idSchema.optional() }),
  response: { 200: z.object({ items: z.array(exportJobOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdExportsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/exports',
    { schema: getOrganizationsByIdExportsSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'documents:read', 'organization');
      const jobs = await listExportJobs(ctx.db, request.params.id, request.query.limit, request.query.beforeId);
      return { items: jobs.map((j) => jobJson(j, ctx.exportRetentionDays)) };
    },
  );
}

const getExportsByIdSchema = {
  tags: ['exports'],
  summary: 'An export’s status and progress',
  params: z.object({ id: idSchema }),
  response: { 200: exportJobOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getExportsByIdRoute(app: ApiApp, ctx: ApiContext, { loadJob }: ExportLocals): void {
  app.get(
    '/exports/:id',
    { schema: getExportsByIdSchema },
    async (request) => jobJson(await loadJob(principalOf(request), request.params.id), ctx.exportRetentionDays),
  );
}

const getExportsByIdDownloadSchema = {
  tags: ['exports'],
  summary: 'The file of a finished export, streamed',
  params: z.object({ id: idSchema }),
  response: { ...errorResponses(400, 401, 403, 404, 409, 410, 429) },
};

function getExportsByIdDownloadRoute(app: ApiApp, ctx: ApiContext, { loadJob }: ExportLocals): void {
  app.get(
    '/exports/:id/download',
    { schema: getExportsByIdDownloadSchema },
    async (request, reply) => {
      const job = await loadJob(principalOf(request), request.params.id);
      if (job.status === 'expired') {
        throw new ApiError(
          'EXPORT_EXPIRED',
          `the file of this export was deleted when its retention ended (${ctx.exportRetentionDays} days after it was made): make the export again (POST /api/v1/organizations/${job.organization_id}/exports, or «Выгрузки» in the cabinet)`,
        );
      }
      if (job.status !== 'done') throw notFound('finished export');
      const db = ctx.db;
      // One chunk (1 MiB) in memory at a time.
      const chunks = Readable.from(
        (async function* () {
          for (let seq = 0; ; seq++) {
            const data = await exportChunk(db, job.id, seq);
            if (!data) return;
            yield data;
          }
        })(),
      );
      void reply
        .header('content-type', contentTypeOf(job.format))
        .header('content-length', String(job.byte_size ?? 0))
        .header('content-disposition', `attachment; filename="${job.file_name ?? `export-${job.id}.${job.format}`}"`);
      return reply.send(chunks as never);
    },
  );
}

const getOrganizationsByIdExportSettingsSchema = {
  tags: ['exports'],
  summary: 'Выгрузки settings of the organization',
  params: z.object({ id: idSchema }),
  response: { 200: z.object({ items: z.array(settingOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdExportSettingsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/export-settings',
    { schema: getOrganizationsByIdExportSettingsSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'organization:read', 'organization');
      return { items: await exportSettingsOf(ctx.db, request.params.id) };
    },
  );
}

const putOrganizationsByIdExportSettingsSchema = {
  tags: ['exports'],
  summary: 'Replace the organization’s Выгрузки settings (owners, admins, the operator)',
  params: z.object({ id: idSchema }),
  body: z.object({ items: z.array(settingIn).max(50) }),
  response: { 200: z.object({ items: z.array(settingOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function putOrganizationsByIdExportSettingsRoute(app: ApiApp, ctx: ApiContext): void {
  app.put(
    '/organizations/:id/export-settings',
    { schema: putOrganizationsByIdExportSettingsSchema },
    async (request) => {
      const organizationId = request.params.id;
      authorizeOrganization(principalOf(request), organizationId, 'organization:write', 'organization');
      const wanted = request.body.items;
      const ids = wanted.flatMap((s) => s.registerIds ?? []);
      if (ids.length > 0) {
        if ((await foreignPlaces(ctx.db, organizationId, [], ids)).registerIndexes.length > 0) throw notFound('register');
      }
      await replaceExportSettings(ctx.db, organizationId, wanted);
      return { items: await exportSettingsOf(ctx.db, organizationId) };
    },
  );
}

export function exportRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = exportLocals(ctx);
    getDocumentsExportRoute(app, ctx);
    postOrganizationsByIdExportsRoute(app, ctx);
    getOrganizationsByIdExportsRoute(app, ctx);
    getExportsByIdRoute(app, ctx, locals);
    getExportsByIdDownloadRoute(app, ctx, locals);
    getOrganizationsByIdExportSettingsRoute(app, ctx);
    putOrganizationsByIdExportSettingsRoute(app, ctx);
  };
}
