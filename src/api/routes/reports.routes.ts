/**
 * Reports (issue 7): `GET /reports/{name}` over the caller's scope (the operator: everything), narrowed by organization,
 * outlet, register and a period of local days; as JSON, CSV (UTF-8 with a BOM) or xlsx, the exports streamed.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findOutlet, findRegister } from '../../db/api-registry.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization } from '../auth/principal.js';
import { accessScope, authorizePlace, placeLimitOf, scopeOrganizationIds } from '../auth/access-scope.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { idSchema, localDaySchema } from '../schemas.js';
import { CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, reportToCsv, reportToXlsx } from '../../reports/export.js';
import { REPORT_NAMES, addToTotals, runReport, type ReportRow } from '../../reports/reports.js';

const daySchema = localDaySchema;
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const getReportsByNameSchema = {
  tags: ['reports'],
  summary: 'A report over the caller’s organizations, as JSON, CSV or xlsx',
  description:
    'Reports: z-report, shifts, payment-types, tax-systems, vat, outlets, hours, abc-xyz, fn-schedule, unsent. ' +
    'Money is integer kopecks in JSON and rubles with two decimals in the exports (csv: `;`-separated, decimal comma). ' +
    'Money totals of payment-types, tax-systems and vat are net: returns of sales and purchases subtract. ' +
    '`from` and `to` are local days, both inclusive.',
  params: z.object({ name: z.enum(REPORT_NAMES) }),
  querystring: z.object({
    organizationId: idSchema.optional(),
    outletId: idSchema.optional(),
    registerId: idSchema.optional(),
    from: daySchema.optional(),
    to: daySchema.optional(),
    format: z.enum(['json', 'csv', 'xlsx']).default('json'),
  }),
  response: {
    200: z.object({
      report: z.string(),
      columns: z.array(z.object({ key: z.string(), title: z.string(), kind: z.string(), total: z.boolean().optional() })),
      items: z.array(z.record(z.string(), cell)),
      totals: z.record(z.string(), z.number()),
      extra: z.record(z.string(), z.unknown()).optional(),
      warnings: z.array(z.string()).meta({ description: 'About the figures, e.g. a period too short for XYZ; also below the table in the exports' }),
    }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

function getReportsByNameRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/reports/:name',
    { schema: getReportsByNameSchema },
    async (request, reply) => {
      const p = principalOf(request);
      const q = request.query;
      const access = await accessScope(ctx.db, p, 'documents:read');
      const scope = scopeOrganizationIds(access);
      if (q.organizationId !== undefined) authorizeOrganization(p, q.organizationId, 'documents:read', 'organization');
      if (q.outletId !== undefined) {
        const o = await findOutlet(ctx.db, q.outletId);
        if (!o) throw notFound('outlet');
        await authorizePlace(ctx.db, p, o.organization_id, { outletId: q.outletId }, 'documents:read', 'outlet');
      }
      if (q.registerId !== undefined) {
        const r = await findRegister(ctx.db, q.registerId);
        if (!r) throw notFound('register');
        await authorizePlace(ctx.db, p, r.organization_id, { registerId: q.registerId }, 'documents:read', 'register');
      }
      // Exports are the accountant's (issue 16): every organization the export reaches must allow them.
      if (q.format !== 'json') {
        const reached = q.organizationId !== undefined ? [q.organizationId] : scope === 'all' ? [] : scope;
        for (const id of reached) authorizeOrganization(p, id, 'reports:export', 'organization');
      }
      const report = await runReport(ctx.db, request.params.name, {
        scope,
        limitedRegisters: placeLimitOf(access, (s) => new Map([...s.limited].map(([id, l]) => [id, l.registerIds]))),
        organizationId: q.organizationId,
        outletId: q.outletId,
        registerId: q.registerId,
        from: q.from,
        to: q.to,
      });
      if (q.format === 'csv' || q.format === 'xlsx') {
        const file = `${report.name}.${q.format}`;
        void reply
          .header('content-type', q.format === 'csv' ? CSV_CONTENT_TYPE : XLSX_CONTENT_TYPE)
          .header('content-disposition', `attachment; filename="${file}"`);
        // A stream is sent as is (fastify does not serialise streams); the cast only quiets the JSON response type.
        return reply.send((q.format === 'csv' ? reportToCsv(report) : reportToXlsx(report)) as never);
      }
      const items: ReportRow[] = [];
      const totals: Record<string, number> = {};
      for await (const row of report.rows) {
        items.push(row);
        addToTotals(totals, report, row);
      }
      return {
        report: report.name,
        columns: report.columns.map((c) => ({ ...c })),
        items,
        totals,
        ...(report.extra ? { extra: report.extra() } : {}),
        warnings: [...(report.warnings?.() ?? [])],
      };
    },
  );
}

export function reportRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getReportsByNameRoute(app, ctx);
  };
}
