/**
 * Shifts: the list (open and closed, with the counters of the closing report and the totals of the receipts actually
 * received), one shift, and its Z-report (the closeShift document's counters, and where received receipts disagree).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findShift, listShifts, MISSING_FDS_LISTED, missingFdsOfShift, type ShiftRow } from '../../db/api-shifts.repository.js';
import { findStoredDocument } from '../../db/api-documents.repository.js';
import { storedFnsJson } from '../../db/fns-json.js';
import { principalOf } from '../auth/authenticate.js';
import { accessScope, authorizePlace, placeLimitOf, registerScopeSql, scopeOrganizationIds } from '../auth/access-scope.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, keysetPage } from '../cursor.js';
import { errorResponses, notFound } from '../errors.js';
import { cursorSchema, fnSchema, idSchema, limitSchema, localDateTimeSchema, pageSchema, queryBoolean } from '../schemas.js';

const shiftOut = z.object({
  fn: z.string(),
  shiftNumber: z.number().int(),
  registerId: z.number().int().nullable(),
  organizationId: z.number().int().nullable(),
  openedAt: z.string().nullable(),
  openFd: z.number().int().nullable(),
  closedAt: z.string().nullable(),
  closeFd: z.number().int().nullable(),
  closed: z.boolean(),
  report: z
    .object({
      receiptsQuantity: z.number().int().nullable().meta({ description: '1118 from the closing report' }),
      documentsQuantity: z.number().int().nullable().meta({ description: '1111 from the closing report' }),
      notTransmittedCount: z.number().int().nullable(),
    })
    .meta({ description: 'From the closeShift report; nulls while the shift is open' }),
  received: z
    .object({
      receipts: z.number().int(),
      sellTotalSum: z.number().int(),
      sellReturnTotalSum: z.number().int(),
      buyTotalSum: z.number().int(),
      buyReturnTotalSum: z.number().int(),
    })
    .meta({ description: 'Totals of the receipts this operator received for the shift, kopecks' }),
});

function shiftJson(s: ShiftRow): z.infer<typeof shiftOut> {
  return {
    fn: s.fn,
    shiftNumber: s.shift_number,
    registerId: s.effective_register_id,
    organizationId: s.organization_id,
    openedAt: s.opened_at,
    openFd: s.open_fd,
    closedAt: s.closed_at,
    closeFd: s.close_fd,
    closed: s.close_fd !== null,
    report: { receiptsQuantity: s.receipts_quantity, documentsQuantity: s.documents_quantity, notTransmittedCount: s.not_transmitted_count },
    received: {
      receipts: s.received_receipts,
      sellTotalSum: s.sell_total_sum,
      sellReturnTotalSum: s.sell_return_total_sum,
      buyTotalSum: s.buy_total_sum,
      buyReturnTotalSum: s.buy_return_total_sum,
    },
  };
}

const shiftParams = z.object({ fn: fnSchema, shiftNumber: z.coerce.number().int().min(0).max(0xffff_ffff) });

function shiftLocals(ctx: ApiContext) {
  const loadShift = async (request: Parameters<typeof principalOf>[0], fn: string, shiftNumber: number) => {
    const p = principalOf(request);
    const s = await findShift(ctx.db, fn, shiftNumber);
    if (!s) throw notFound('shift');
    await authorizePlace(ctx.db, p, s.organization_id, { registerId: s.effective_register_id }, 'shifts:read', 'shift');
    return s;
  };
  return { loadShift };
}
type ShiftLocals = ReturnType<typeof shiftLocals>;

const getShiftsSchema = {
  tags: ['shifts'],
  summary: 'Shifts, by FN and newest first',
  querystring: z.object({
    organizationId: idSchema.optional(),
    registerId: idSchema.optional(),
    fn: fnSchema.optional(),
    closed: queryBoolean.optional(),
    openedFrom: localDateTimeSchema.optional(),
    openedTo: localDateTimeSchema.optional(),
    limit: limitSchema,
    cursor: cursorSchema.optional(),
  }),
  response: { 200: pageSchema(shiftOut), ...errorResponses(400, 401, 403, 429) },
};

function getShiftsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/shifts',
    { schema: getShiftsSchema },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      let after;
      if (q.cursor !== undefined) {
        const [fn, shiftNumber] = decodeCursor('shifts', q.cursor, ['fn', 'uint32']);
        after = { fn: String(fn), shiftNumber: Number(shiftNumber) };
      }
      const access = await accessScope(ctx.db, p, 'shifts:read');
      const rows = await listShifts(ctx.db, {
        scope: scopeOrganizationIds(access),
        placeLimit: placeLimitOf(access, (s) => registerScopeSql('ro.organization_id', 'ro.register_id', s)),
        organizationId: q.organizationId,
        registerId: q.registerId,
        fn: q.fn,
        closed: q.closed,
        openedFrom: q.openedFrom,
        openedTo: q.openedTo,
        after,
        limit: q.limit + 1,
      });
      return keysetPage('shifts', rows, q.limit, shiftJson, (s) => [s.fn, s.shift_number]);
    },
  );
}

const getShiftsByFnByShiftNumberSchema = {
  tags: ['shifts'],
  summary: 'One shift',
  params: shiftParams,
  response: { 200: shiftOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getShiftsByFnByShiftNumberRoute(app: ApiApp, { loadShift }: ShiftLocals): void {
  app.get(
    '/shifts/:fn/:shiftNumber',
    { schema: getShiftsByFnByShiftNumberSchema },
    async (request) => shiftJson(await loadShift(request, request.params.fn, request.params.shiftNumber)),
  );
}

const getShiftsByFnByShiftNumberZReportSchema = {
  tags: ['shifts'],
  summary: 'The Z-report of a closed shift: the closing counters, and how the received receipts compare',
  params: shiftParams,
  response: {
    200: z.object({
      fn: z.string(),
      shiftNumber: z.number().int(),
      closeFd: z.number().int(),
      closedAt: z.string().nullable(),
      receiptsQuantity: z.number().int().nullable(),
      documentsQuantity: z.number().int().nullable(),
      notTransmittedCount: z.number().int().nullable(),
      counters: z.record(z.string(), z.unknown()).nullable().meta({ description: '1194 shiftSumReports and 1157 fiscalDriveSumReports, FNS JSON' }),
      received: shiftOut.shape.received,
      missingReceipts: z.number().int().nullable().meta({ description: 'Receipts the report counts that were not received' }),
      missingFds: z
        .array(z.number().int())
        .meta({ description: `FD numbers between the opening and closing reports that never arrived (the first ${MISSING_FDS_LISTED})` }),
      document: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The closeShift report, FNS JSON' }),
    }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

function getShiftsByFnByShiftNumberZReportRoute(app: ApiApp, ctx: ApiContext, { loadShift }: ShiftLocals): void {
  app.get(
    '/shifts/:fn/:shiftNumber/z-report',
    { schema: getShiftsByFnByShiftNumberZReportSchema },
    async (request) => {
      const s = await loadShift(request, request.params.fn, request.params.shiftNumber);
      if (s.close_fd === null) throw notFound('Z-report (the shift is not closed)');
      const closeShift = await findStoredDocument(ctx.db, s.fn, s.close_fd);
      const received = shiftJson(s).received;
      return {
        fn: s.fn,
        shiftNumber: s.shift_number,
        closeFd: s.close_fd,
        closedAt: s.closed_at,
        receiptsQuantity: s.receipts_quantity,
        documentsQuantity: s.documents_quantity,
        notTransmittedCount: s.not_transmitted_count,
        counters: s.closing_counters,
        received,
        missingReceipts: s.receipts_quantity === null ? null : Math.max(0, s.receipts_quantity - s.received_receipts),
        missingFds: s.open_fd === null ? [] : await missingFdsOfShift(ctx.db, s.fn, s.open_fd, s.close_fd),
        document: closeShift ? storedFnsJson(closeShift) : null,
      };
    },
  );
}

export function shiftRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = shiftLocals(ctx);
    getShiftsRoute(app, ctx);
    getShiftsByFnByShiftNumberRoute(app, locals);
    getShiftsByFnByShiftNumberZReportRoute(app, ctx, locals);
  };
}
