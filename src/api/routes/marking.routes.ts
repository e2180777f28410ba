/**
 * Marked goods sold, code by code (the cabinet's Чеки → Маркировка): the check result at sale and the CRPT stage of
 * each code, filtered by stage and result, newest arrivals first, cursor-paged.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { innsOf } from '../../db/api-organizations.repository.js';
import { listMarkingCodes, MARKING_RESULTS, MARKING_STAGES, type MarkingRow } from '../../db/api-marking.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, visibleOrganizations } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, keysetPage } from '../cursor.js';
import { errorResponses } from '../errors.js';
import { cursorSchema, dateOut, idSchema, iso, limitSchema, localDateTimeSchema, pageSchema } from '../schemas.js';

const markingCodeOut = z.object({
  fn: z.string(),
  fd: z.number().int(),
  itemIndex: z.number().int(),
  code: z.string(),
  gtin: z.string().nullable(),
  itemName: z.string().nullable(),
  dateTime: z.string().nullable().meta({ description: "1012, the register's local time" }),
  receivedAt: dateOut,
  registerId: z.number().int().nullable(),
  totalSum: z.number().int().nullable().meta({ description: "The receipt's total, kopecks" }),
  checkResult: z.number().int().nullable().meta({ description: '2106 as sent by the register' }),
  result: z.enum(MARKING_RESULTS).meta({ description: 'The check at sale: ok, failed (the FN or the ОИСМ said no), not_checked' }),
  stage: z.enum(MARKING_STAGES).meta({ description: 'not_sent → checked → delivered (to CRPT) → crpt_answered' }),
  crptStatus: z.string().nullable(),
});

function resultOf(v: number | null): (typeof MARKING_RESULTS)[number] {
  if (v === null || (v & 5) === 0) return 'not_checked';
  return ((v & 1) === 1 && (v & 2) === 0) || ((v & 4) === 4 && (v & 8) === 0) ? 'failed' : 'ok';
}

function markingJson(r: MarkingRow): z.infer<typeof markingCodeOut> {
  return {
    fn: r.fn,
    fd: r.fd,
    itemIndex: r.item_index,
    code: r.code,
    gtin: r.gtin,
    itemName: r.item_name,
    dateTime: r.date_time,
    receivedAt: iso(r.received_at),
    registerId: r.register_id,
    totalSum: r.total_sum,
    checkResult: r.check_result,
    result: resultOf(r.check_result),
    stage: (r.stage ?? 'not_sent') as (typeof MARKING_STAGES)[number],
    crptStatus: r.crpt_status,
  };
}

const getMarkingCodesSchema = {
  tags: ['documents'],
  summary: 'Marking codes of sold goods with their check result and CRPT stage',
  querystring: z.object({
    organizationId: idSchema.optional(),
    registerId: idSchema.optional(),
    stage: z.enum(MARKING_STAGES).optional(),
    result: z.enum(MARKING_RESULTS).optional(),
    dateFrom: localDateTimeSchema.optional(),
    dateTo: localDateTimeSchema.optional(),
    limit: limitSchema,
    cursor: cursorSchema.optional(),
  }),
  response: { 200: pageSchema(markingCodeOut), ...errorResponses(400, 401, 403, 404, 429) },
};

function getMarkingCodesRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/marking-codes',
    { schema: getMarkingCodesSchema },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      let inns: 'all' | string[];
      if (q.organizationId !== undefined) {
        authorizeOrganization(p, q.organizationId, 'documents:read', 'organization');
        inns = await innsOf(ctx.db, [q.organizationId]);
      } else {
        const scope = visibleOrganizations(p, 'documents:read');
        inns = scope === 'all' ? 'all' : await innsOf(ctx.db, scope);
      }
      let after;
      if (q.cursor !== undefined) {
        const [receivedAt, fn, fd, itemIndex] = decodeCursor('marking', q.cursor, ['instant', 'fn', 'uint32', 'uint32']);
        after = { receivedAt: new Date(String(receivedAt)), fn: String(fn), fd: Number(fd), itemIndex: Number(itemIndex) };
        if (Number.isNaN(after.receivedAt.getTime())) after = undefined;
      }
      const rows = await listMarkingCodes(ctx.db, { inns, registerId: q.registerId, stage: q.stage, result: q.result, dateFrom: q.dateFrom, dateTo: q.dateTo, after, limit: q.limit + 1 });
      return keysetPage('marking', rows, q.limit, markingJson, (m) => [m.received_at.toISOString(), m.fn, m.fd, m.item_index]);
    },
  );
}

export function markingRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getMarkingCodesRoute(app, ctx);
  };
}
