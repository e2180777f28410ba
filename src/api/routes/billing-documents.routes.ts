/**
 * «Документы» (issue 17): invoices for bank transfer (PDF with the operator's requisites), monthly acts (PDF), their
 * list, and the operator's import of bank statements that pays invoices by the number in the payment purpose.
 */
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeStatement, parse1C, parseCsv, StatementError } from '../../billing/bank-statements.js';
import { actLines, actMonths, importStatement, invoiceById, invoicesOf, issueInvoice, monthBounds, unmatchedStatementLines, type Invoice } from '../../billing/invoices.js';
import { renderActPdf, renderInvoicePdf } from '../../billing/pdf.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, requireOperator } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso, kopecksSchema } from '../schemas.js';
import { idempotencyKeySchema } from './tariffs.routes.js';

const invoiceOut = z.object({
  id: z.number().int(),
  number: z.string().meta({ description: 'Write it in the payment purpose' }),
  amount: kopecksSchema,
  status: z.enum(['issued', 'paid']),
  issuedOn: z.string(),
  paidAt: dateOut.nullable(),
  pdfUrl: z.string(),
});
const invoiceJson = (i: Invoice): z.infer<typeof invoiceOut> => ({
  id: i.id,
  number: i.number,
  amount: i.amount,
  status: i.status,
  issuedOn: i.issued_on,
  paidAt: iso(i.paid_at),
  pdfUrl: `/api/v1/organizations/${i.organization_id}/invoices/${i.id}/pdf`,
});
const monthSchema = z.string().regex(/^2[01]\d{2}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM');
const documentOut = z.object({
  kind: z.enum(['invoice', 'act']),
  number: z.string(),
  date: z.string(),
  amount: kopecksSchema,
  status: z.string().meta({ description: 'invoice: issued | paid; act: issued' }),
  pdfUrl: z.string(),
});

function billingDocumentLocals(ctx: ApiContext) {
  const organization = async (request: Parameters<typeof principalOf>[0], id: number, permission: 'billing:read' | 'billing:write') => {
    authorizeOrganization(principalOf(request), id, permission, 'organization');
    const org = await findOrganization(ctx.db, id);
    if (!org) throw notFound('organization');
    return { name: org.name ?? org.inn, inn: org.inn };
  };
  return { organization };
}
type BillingDocumentLocals = ReturnType<typeof billingDocumentLocals>;

const postOrganizationsByIdInvoicesSchema = {
  tags: ['billing'],
  summary: 'Issue an invoice for a top-up by bank transfer',
  params: z.object({ id: idSchema }),
  body: z.strictObject({ amount: z.number().int().min(100).max(100_000_000_00), idempotencyKey: idempotencyKeySchema }),
  response: { 200: invoiceOut, 201: invoiceOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function postOrganizationsByIdInvoicesRoute(app: ApiApp, ctx: ApiContext, { organization }: BillingDocumentLocals): void {
  app.post(
    '/organizations/:id/invoices',
    { schema: postOrganizationsByIdInvoicesSchema },
    async (request, reply) => {
      await organization(request, request.params.id, 'billing:write');
      const { invoice, replayed } = await issueInvoice(ctx.db, { organizationId: request.params.id, amount: request.body.amount, requestKey: request.body.idempotencyKey, now: new Date() });
      reply.code(replayed ? 200 : 201);
      return invoiceJson(invoice);
    },
  );
}

function getOrganizationsByIdInvoicesByInvoiceIdPdfRoute(app: ApiApp, ctx: ApiContext, { organization }: BillingDocumentLocals): void {
  app.get(
    '/organizations/:id/invoices/:invoiceId/pdf',
    { schema: { tags: ['billing'], summary: 'The invoice as PDF', params: z.object({ id: idSchema, invoiceId: idSchema }), response: errorResponses(400, 401, 403, 404, 429) } },
    async (request, reply) => {
      const buyer = await organization(request, request.params.id, 'billing:read');
      const inv = await invoiceById(ctx.db, request.params.invoiceId);
      if (!inv || inv.organization_id !== request.params.id) throw notFound('invoice');
      const pdf = await renderInvoicePdf(ctx.pdfFont, ctx.requisites, { number: inv.number, issuedOn: inv.issued_on, amount: inv.amount, buyer });
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${inv.number}.pdf"`).send(pdf as never);
    },
  );
}

function getOrganizationsByIdActsByMonthPdfRoute(app: ApiApp, ctx: ApiContext, { organization }: BillingDocumentLocals): void {
  app.get(
    '/organizations/:id/acts/:month/pdf',
    { schema: { tags: ['billing'], summary: 'The act of services rendered in a month (Moscow), as PDF', params: z.object({ id: idSchema, month: monthSchema }), response: errorResponses(400, 401, 403, 404, 429) } },
    async (request, reply) => {
      const customer = await organization(request, request.params.id, 'billing:read');
      const lines = await actLines(ctx.db, request.params.id, request.params.month);
      if (lines.length === 0) throw notFound('act');
      const number = `${request.params.id}-${request.params.month}`;
      const pdf = await renderActPdf(ctx.pdfFont, ctx.requisites, { number, month: request.params.month, issuedOn: monthBounds(request.params.month).lastDay, customer, lines });
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="act-${number}.pdf"`).send(pdf as never);
    },
  );
}

const getOrganizationsByIdBillingDocumentsSchema = {
  tags: ['billing'],
  summary: '«Документы»: invoices and monthly acts, newest first',
  params: z.object({ id: idSchema }),
  response: { 200: z.object({ items: z.array(documentOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdBillingDocumentsRoute(app: ApiApp, ctx: ApiContext, { organization }: BillingDocumentLocals): void {
  app.get(
    '/organizations/:id/billing-documents',
    { schema: getOrganizationsByIdBillingDocumentsSchema },
    async (request) => {
      const id = request.params.id;
      await organization(request, id, 'billing:read');
      const invoices = (await invoicesOf(ctx.db, id)).map((i) => ({ kind: 'invoice' as const, number: i.number, date: i.issued_on, amount: i.amount, status: i.status, pdfUrl: invoiceJson(i).pdfUrl }));
      const acts = (await actMonths(ctx.db, id)).map((m) => ({
        kind: 'act' as const,
        number: `${id}-${m.month}`,
        date: monthBounds(m.month).lastDay,
        amount: m.amount,
        status: 'issued',
        pdfUrl: `/api/v1/organizations/${id}/acts/${m.month}/pdf`,
      }));
      return { items: [...invoices, ...acts].sort((a, b) => b.date.localeCompare(a.date)) };
    },
  );
}

const getBillingBankStatementsUnmatchedSchema = {
  tags: ['billing'],
  summary: 'Imported payments that named no known invoice (operator only)',
  response: {
    200: z.object({ items: z.array(z.object({ id: z.number().int(), paidOn: z.string().nullable(), documentNumber: z.string(), amount: kopecksSchema, payerInn: z.string().nullable(), purpose: z.string() })) }),
    ...errorResponses(401, 403, 429),
  },
};

function getBillingBankStatementsUnmatchedRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/billing/bank-statements/unmatched',
    { schema: getBillingBankStatementsUnmatchedSchema },
    async (request) => {
      requireOperator(principalOf(request));
      const rows = await unmatchedStatementLines(ctx.db);
      return { items: rows.map((r) => ({ id: r.id, paidOn: r.paid_on, documentNumber: r.document_number, amount: r.amount, payerInn: r.payer_inn, purpose: r.purpose })) };
    },
  );
}

const importedPaymentOut = z.object({
  documentNumber: z.string(),
  paidOn: z.string().nullable(),
  amount: kopecksSchema,
  payerInn: z.string().nullable(),
  payerName: z.string().nullable(),
  purpose: z.string(),
  outcome: z.enum(['matched', 'unmatched', 'duplicate']).meta({ description: 'matched: credited against the invoice; unmatched: listed for the operator; duplicate: imported before' }),
  invoiceNumber: z.string().nullable(),
  organization: z.object({ id: z.number().int(), name: z.string(), inn: z.string() }).nullable().meta({ description: 'Whose invoice it paid (matched only)' }),
});
const postBillingBankStatementsSchema = {
  tags: ['billing'],
  summary: 'Import a bank statement (operator only): 1C `1CClientBankExchange` or CSV; pays invoices named in the purpose',
  querystring: z.object({ format: z.enum(['1c', 'csv']) }),
  response: {
    200: z.object({ lines: z.number().int(), matched: z.number().int(), unmatched: z.number().int(), duplicates: z.number().int(), payments: z.array(importedPaymentOut) }),
    ...errorResponses(400, 401, 403, 415, 429),
  },
};

/** Organizations by id, each looked up once (a statement pays a handful of them). */
async function organizationsById(ctx: ApiContext, ids: ReadonlyArray<number | null>) {
  const unique = [...new Set(ids.filter((id): id is number => id !== null))];
  const found = await Promise.all(unique.map(async (id) => [id, await findOrganization(ctx.db, id)] as const));
  return new Map(found.flatMap(([id, o]) => (o ? [[id, { id, name: o.name ?? o.inn, inn: o.inn }] as const] : [])));
}

/** In a plugin of its own: the statement arrives as raw bytes (any encoding), not JSON. */
function postBillingBankStatementsRoute(ops: ApiApp, ctx: ApiContext): void {
  ops.addContentTypeParser(['text/plain', 'text/csv', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: 10 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  ops.post('/billing/bank-statements', { schema: postBillingBankStatementsSchema }, async (request) => {
    requireOperator(principalOf(request));
    if (!Buffer.isBuffer(request.body)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the statement file as text/plain, text/csv or application/octet-stream');
    const text = decodeStatement(request.body);
    let lines;
    try {
      lines = request.query.format === '1c' ? parse1C(text, ctx.requisites.account) : parseCsv(text);
    } catch (e) {
      if (e instanceof StatementError) throw new ApiError('VALIDATION_FAILED', e.message, [{ path: `body.line${e.line}`, message: e.message, issue: 'custom' }]);
      throw e;
    }
    const result = await importStatement(ctx.db, lines);
    const orgs = await organizationsById(ctx, result.payments.map((p) => p.organizationId));
    const payments = result.payments.map(({ organizationId, ...p }) => ({ ...p, organization: organizationId === null ? null : (orgs.get(organizationId) ?? null) }));
    return { ...result, payments };
  });
}

export function billingDocumentRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = billingDocumentLocals(ctx);
    postOrganizationsByIdInvoicesRoute(app, ctx, locals);
    getOrganizationsByIdInvoicesByInvoiceIdPdfRoute(app, ctx, locals);
    getOrganizationsByIdActsByMonthPdfRoute(app, ctx, locals);
    getOrganizationsByIdBillingDocumentsRoute(app, ctx, locals);
    await app.register(async (ops) => postBillingBankStatementsRoute(ops.withTypeProvider<ZodTypeProvider>(), ctx));
    getBillingBankStatementsUnmatchedRoute(app, ctx);
  };
}
