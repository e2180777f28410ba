/**
 * Fiscal documents: the filtered list (cursor pagination) and one document per the architecture contract (§4):
 * `GET /api/v1/documents/{fn}/{fd}` → `{ document: { <formName>: {…FNS JSON…} }, status: {…lifecycle…} }`, plus the
 * bytes as received (`raw`) and the lifecycle timeline (`status.timeline`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formCode, formName } from '../../../protocol/tags/index.js';
import { DOCUMENT_PAYMENTS, listDocuments, type DocumentSummaryRow } from '../../db/api-documents.repository.js';
import { innsOf } from '../../db/api-organizations.repository.js';
import { storedFnsJson } from '../../db/fns-json.js';
import { withMessageFiscalSigns } from '../../db/message-fiscal-sign.js';
import { fnsDeliveryStatuses } from '../../db/tables/fns-status.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization } from '../auth/principal.js';
import { accessScope, documentScopeSql, fullInns, placeLimitOf, scopeOrganizationIds } from '../auth/access-scope.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, keysetPage } from '../cursor.js';
import { errorResponses } from '../errors.js';
import { documentDetail, documentDetailOut, readableDocument, receiptQr } from '../document-read-model.js';
import { renderReceiptHtml } from '../../domain/receipt-view.js';
import { flkCodesOf, flkStatusOf, signStatusOf } from '../../db/document-outcome.js';
import {
  cursorSchema,
  dateOut,
  fdSchema,
  fnSchema,
  idSchema,
  instantSchema,
  iso,
  limitSchema,
  localDateTimeSchema,
  pageSchema,
  queryBoolean,
} from '../schemas.js';

const formParam = z
  .string()
  .transform((v, ctx) => {
    const code = /^\d{1,3}$/.test(v) ? Number(v) : formCode(v);
    if (code === undefined || formName(code) === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a form code (3) or name (receipt)' });
      return z.NEVER;
    }
    return code;
  })
  .meta({ description: 'Form code (3) or FNS name (receipt, closeShift, …)' });

const kopecksParam = z.coerce.number().int().min(0).max(2 ** 48);

export const documentListQuery = z.object({
  organizationId: idSchema.optional(),
  registerId: idSchema.optional(),
  fn: fnSchema.optional(),
  outletId: idSchema.optional(),
  dateFrom: localDateTimeSchema.optional().meta({ description: 'Document time (1012, local) from, inclusive' }),
  dateTo: localDateTimeSchema.optional().meta({ description: 'Document time (1012, local) to, inclusive' }),
  receivedFrom: instantSchema.optional().meta({ description: 'Arrival time from, inclusive (ISO 8601 with offset)' }),
  receivedTo: instantSchema.optional().meta({ description: 'Arrival time to, exclusive' }),
  form: formParam.optional(),
  operationType: z.coerce.number().int().min(1).max(4).optional().meta({ description: '1054: 1 sell, 2 sell return, 3 buy, 4 buy return' }),
  taxationType: z.coerce.number().int().min(1).max(32).optional().meta({ description: '1055 appliedTaxationType bit' }),
  amountMin: kopecksParam.optional().meta({ description: 'Total (1020) at least, kopecks' }),
  amountMax: kopecksParam.optional().meta({ description: 'Total (1020) at most, kopecks' }),
  payment: z.enum(DOCUMENT_PAYMENTS).optional().meta({ description: 'Paid at least partly by: cash (1031), ecash (1081), prepaid (1215), credit (1216), provision (1217)' }),
  fiscalSign: z.coerce.number().int().min(0).max(0xffff_ffff).optional().meta({ description: 'ФПД as printed' }),
  fd: fdSchema.optional(),
  flkStatus: z.enum(['passed', 'failed']).optional(),
  fnsStatus: z.enum([...fnsDeliveryStatuses, 'not_sent']).optional(),
  item: z.string().min(2).max(200).optional().meta({ description: 'Item name contains (case-insensitive)' }),
  marking: z.string().min(1).max(300).optional().meta({ description: 'A marking code, or a 14-digit GTIN' }),
  hasMarking: queryBoolean.optional(),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});

const documentSummaryOut = z.object({
  fn: z.string(),
  fd: z.number().int(),
  form: z.number().int(),
  formName: z.string().nullable(),
  ffdVersion: z.number().int().nullable(),
  dateTime: z.string().nullable().meta({ description: "1012, the register's local time" }),
  receivedAt: dateOut,
  kktRegId: z.string().nullable(),
  userInn: z.string().nullable(),
  registerId: z.number().int().nullable(),
  outletId: z.number().int().nullable(),
  shiftNumber: z.number().int().nullable(),
  requestNumber: z.number().int().nullable(),
  operationType: z.number().int().nullable(),
  totalSum: z.number().int().nullable(),
  cashTotalSum: z.number().int().nullable(),
  ecashTotalSum: z.number().int().nullable(),
  prepaidSum: z.number().int().nullable(),
  creditSum: z.number().int().nullable(),
  provisionSum: z.number().int().nullable(),
  fiscalSign: z.number().int().nullable(),
  messageFiscalSign: z.string().nullable(),
  signStatus: z.enum(['verified', 'unverified']),
  flk: z.object({ status: z.enum(['passed', 'failed']), codes: z.array(z.string()) }),
  fnsStatus: z.string().nullable().meta({ description: 'null: not sent to the FNS (yet)' }),
});

function summaryJson(d: DocumentSummaryRow): z.infer<typeof documentSummaryOut> {
  return {
    fn: d.fn,
    fd: d.fd,
    form: d.form,
    formName: formName(d.form) ?? null,
    ffdVersion: d.ffd_version,
    dateTime: d.date_time,
    receivedAt: iso(d.received_at),
    kktRegId: d.kkt_reg_id,
    userInn: d.user_inn,
    registerId: d.register_id,
    outletId: d.outlet_id,
    shiftNumber: d.shift_number,
    requestNumber: d.request_number,
    operationType: d.operation_type,
    totalSum: d.total_sum,
    cashTotalSum: d.cash_total_sum,
    ecashTotalSum: d.ecash_total_sum,
    prepaidSum: d.prepaid_sum,
    creditSum: d.credit_sum,
    provisionSum: d.provision_sum,
    fiscalSign: d.fiscal_sign,
    messageFiscalSign: d.message_fiscal_sign,
    signStatus: signStatusOf(d.sign_status),
    flk: { status: flkStatusOf(d.flk_status), codes: flkCodesOf(d.flk_codes) },
    fnsStatus: d.fns_status,
  };
}

const getDocumentsSchema = {
  tags: ['documents'],
  summary: 'Documents, newest arrivals first, with filters',
  querystring: documentListQuery,
  response: { 200: pageSchema(documentSummaryOut), ...errorResponses(400, 401, 403, 404, 429) },
};

function getDocumentsRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/documents',
    { schema: getDocumentsSchema },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      let inns: 'all' | string[];
      const access = await accessScope(ctx.db, p, 'documents:read');
      if (q.organizationId !== undefined) {
        authorizeOrganization(p, q.organizationId, 'documents:read', 'organization');
        inns = await innsOf(ctx.db, [q.organizationId]);
      } else {
        const scope = scopeOrganizationIds(access);
        inns = scope === 'all' ? 'all' : await innsOf(ctx.db, scope);
      }
      const full = await fullInns(ctx.db, access);
      const placeLimit = placeLimitOf(access, (s) => documentScopeSql('documents.user_inn', 'documents.register_id', s, full));
      let after;
      if (q.cursor !== undefined) {
        const [receivedAt, fn, fd] = decodeCursor('documents', q.cursor, ['instant', 'fn', 'uint32']);
        after = { receivedAt: new Date(String(receivedAt)), fn: String(fn), fd: Number(fd) };
        if (Number.isNaN(after.receivedAt.getTime())) after = undefined;
      }
      // The ФПС of rows stored without it is read from their containers (message-fiscal-sign.ts): the page only.
      const listed = await listDocuments(ctx.db, {
        inns,
        placeLimit,
        registerId: q.registerId,
        fn: q.fn,
        outletId: q.outletId,
        dateFrom: q.dateFrom,
        dateTo: q.dateTo,
        receivedFrom: q.receivedFrom === undefined ? undefined : new Date(q.receivedFrom),
        receivedTo: q.receivedTo === undefined ? undefined : new Date(q.receivedTo),
        form: q.form,
        operationType: q.operationType,
        taxationType: q.taxationType,
        amountMin: q.amountMin,
        amountMax: q.amountMax,
        payment: q.payment,
        fiscalSign: q.fiscalSign,
        fd: q.fd,
        flkStatus: q.flkStatus,
        fnsStatus: q.fnsStatus,
        item: q.item,
        marking: q.marking,
        hasMarking: q.hasMarking,
        after,
        limit: q.limit + 1,
      });
      // The row past the page only tells keysetPage there is a next one: its ФПС is not read.
      const rows = [...(await withMessageFiscalSigns(ctx.db, listed.slice(0, q.limit))), ...listed.slice(q.limit)];
      return keysetPage('documents', rows, q.limit, summaryJson, (d) => [d.received_at.toISOString(), d.fn, d.fd]);
    },
  );
}

const getDocumentsByFnByFdSchema = {
  tags: ['documents'],
  summary: 'One document: FNS JSON, lifecycle, raw bytes',
  params: z.object({ fn: fnSchema, fd: fdSchema }),
  response: { 200: documentDetailOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getDocumentsByFnByFdRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/documents/:fn/:fd',
    { schema: getDocumentsByFnByFdSchema },
    async (request) => {
      const row = await readableDocument(ctx, principalOf(request), request.params.fn, request.params.fd);
      return documentDetail(ctx, row);
    },
  );
}

const getDocumentsByFnByFdPrintSchema = {
  tags: ['documents'],
  summary: 'A printable page of the document, with the FNS QR string (t=…&s=…&fn=…&i=…&fp=…&n=…)',
  params: z.object({ fn: fnSchema, fd: fdSchema }),
  produces: ['text/html'],
  response: {
    200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } },
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

function getDocumentsByFnByFdPrintRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/documents/:fn/:fd/print',
    { schema: getDocumentsByFnByFdPrintSchema },
    async (request, reply) => {
      const row = await readableDocument(ctx, principalOf(request), request.params.fn, request.params.fd);
      const [name, body] = Object.entries(storedFnsJson(row))[0] ?? ['document', {}];
      const doc = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
      const qr = receiptQr(row);
      // The page carries data registers sent: no scripts, nothing loaded from anywhere.
      void reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      return reply.type('text/html; charset=utf-8').serializer((x: unknown) => String(x)).send(renderReceiptHtml(name, doc, qr));
    },
  );
}

export function documentRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getDocumentsRoute(app, ctx);
    getDocumentsByFnByFdRoute(app, ctx);
    getDocumentsByFnByFdPrintRoute(app, ctx);
  };
}
