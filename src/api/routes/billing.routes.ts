/**
 * An organization's money (issue 17): balances derived from the ledger, the account history (JSON, or xlsx to
 * download), and the operator's manual top-up (a correction or a payment taken outside the card and bank flows).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LEDGER_REASONS } from '../../domain/ledger.js';
import { operatorTopUp } from '../../billing/debt.js';
import { inBillingTransaction } from '../../billing/transactions.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { organizationBalances, organizationHistory, type HistoryLine } from '../../db/ledger.repository.js';
import { XLSX_CONTENT_TYPE, reportToXlsx } from '../../reports/export.js';
import type { ReportResult, ReportRow } from '../../reports/reports.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, requireOperator } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { errorResponses, notFound } from '../errors.js';
import { cursorSchema, dateOut, idSchema, iso, kopecksSchema, limitSchema } from '../schemas.js';
import { idempotencyKeySchema } from './tariffs.routes.js';

export const balancesOut = z.object({
  organizationId: z.number().int(),
  balance: kopecksSchema.meta({ description: 'Money on the account, kopecks (never below 0)' }),
  sms: z.number().int().meta({ description: 'SMS left in the bought packages' }),
  smsPostpaid: z.number().int().meta({ description: 'SMS sent on credit this month, not billed yet (a count ≥ 0)' }),
  activationCodes: z.number().int().meta({ description: 'Activation codes bought and not applied' }),
  debt: kopecksSchema.meta({ description: 'What a postpaid SMS bill could not take from the balance, kopecks (≥ 0)' }),
});

/** Russian names of the reasons, for the history and its xlsx. */
export const REASON_TITLES: Record<(typeof LEDGER_REASONS)[number], string> = {
  'top_up.card': 'Пополнение картой',
  'refund.card': 'Возврат платежа по карте',
  'top_up.bank': 'Пополнение по счёту (банковский перевод)',
  'top_up.operator': 'Пополнение оператором',
  tariff: 'Оплата тарифа ОФД',
  sms_package: 'Покупка пакета SMS',
  sms_sent: 'Чек по SMS',
  viber_sent: 'Чек в Viber',
  sms_postpaid_bill: 'Оплата SMS по факту (постоплата)',
  debt_settlement: 'Погашение задолженности',
  activation_codes: 'Покупка кодов активации',
  activation_code_applied: 'Применение кода активации',
  service: 'Услуга',
  branded_receipts: 'Брендированные чеки',
  opening_balance: 'Начальный остаток',
};

const historyOut = z.object({
  transactionId: z.number().int(),
  postedAt: dateOut,
  reason: z.enum(LEDGER_REASONS),
  title: z.string(),
  reference: z.string(),
  amount: kopecksSchema.meta({ description: 'Change of the balance, kopecks (negative: charged)' }),
  sms: z.number().int().meta({ description: 'Change of the SMS package' }),
  activationCodes: z.number().int(),
});

function historyJson(h: HistoryLine): z.infer<typeof historyOut> {
  const of = (code: string) => h.entries.filter((e) => e.code === code).reduce((s, e) => s + e.amount, 0);
  return {
    transactionId: h.transactionId,
    postedAt: iso(h.postedAt),
    reason: h.reason,
    title: REASON_TITLES[h.reason],
    reference: h.reference,
    amount: of('balance'),
    sms: of('sms'),
    activationCodes: of('activation_codes'),
  };
}

function historyXlsx(lines: ReadonlyArray<z.infer<typeof historyOut>>): ReportResult {
  async function* rows(): AsyncIterable<ReportRow> {
    for (const l of lines) yield { postedAt: l.postedAt.replace('T', ' ').slice(0, 19), title: l.title, reference: l.reference, amount: l.amount, sms: l.sms, transactionId: l.transactionId };
  }
  return {
    name: 'account-history' as ReportResult['name'],
    columns: [
      { key: 'postedAt', title: 'Дата и время (UTC)', kind: 'text' },
      { key: 'title', title: 'Операция', kind: 'text' },
      { key: 'reference', title: 'Основание', kind: 'text' },
      { key: 'amount', title: 'Сумма, ₽', kind: 'money', total: true },
      { key: 'sms', title: 'SMS', kind: 'int', total: true },
      { key: 'transactionId', title: '№ операции', kind: 'int' },
    ],
    rows: rows(),
  };
}

const getOrganizationsByIdBalanceSchema = {
  tags: ['billing'],
  summary: 'The organization’s balance, SMS package and activation codes (derived from the ledger)',
  params: z.object({ id: idSchema }),
  response: { 200: balancesOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdBalanceRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/balance',
    { schema: getOrganizationsByIdBalanceSchema },
    async (request) => {
      const id = request.params.id;
      authorizeOrganization(principalOf(request), id, 'billing:read', 'organization');
      if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
      return balancesJson(ctx, id);
    },
  );
}

const getOrganizationsByIdAccountHistorySchema = {
  tags: ['billing'],
  summary: 'Every movement of the organization’s accounts, newest first (xlsx: the whole period at once)',
  params: z.object({ id: idSchema }),
  querystring: z.object({
    limit: limitSchema,
    cursor: cursorSchema.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    format: z.enum(['json', 'xlsx']).default('json'),
  }),
  response: { 200: z.object({ items: z.array(historyOut), nextCursor: z.string().nullable() }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdAccountHistoryRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/account-history',
    { schema: getOrganizationsByIdAccountHistorySchema },
    async (request, reply) => {
      const id = request.params.id;
      authorizeOrganization(principalOf(request), id, 'billing:read', 'organization');
      const q = request.query;
      const range = { from: q.from === undefined ? undefined : new Date(q.from), to: q.to === undefined ? undefined : new Date(q.to) };
      if (q.format === 'xlsx') {
        const all = await organizationHistory(ctx.db, id, { limit: 100_000, ...range });
        void reply.header('content-type', XLSX_CONTENT_TYPE).header('content-disposition', `attachment; filename="account-history-${id}.xlsx"`);
        return reply.send(reportToXlsx(historyXlsx(all.map(historyJson))) as never);
      }
      const beforeId = q.cursor === undefined ? undefined : Number(decodeCursor('account-history', q.cursor, ['id'])[0]);
      const rows = await organizationHistory(ctx.db, id, { limit: q.limit + 1, beforeId, ...range });
      const page = rows.slice(0, q.limit);
      return {
        items: page.map(historyJson),
        nextCursor: rows.length > q.limit ? encodeCursor('account-history', [page.at(-1)!.transactionId]) : null,
      };
    },
  );
}

const postOrganizationsByIdOperatorTopUpsSchema = {
  tags: ['billing'],
  summary: 'Credit the balance by hand (operator only): a payment taken outside the card and bank flows, or a correction',
  params: z.object({ id: idSchema }),
  body: z.strictObject({
    amount: z.number().int().min(1).max(100_000_000_00).meta({ description: 'kopecks' }),
    idempotencyKey: idempotencyKeySchema,
    comment: z.string().trim().min(1).max(200),
  }),
  response: { 200: balancesOut, 201: balancesOut, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

function postOrganizationsByIdOperatorTopUpsRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/organizations/:id/operator-top-ups',
    { schema: postOrganizationsByIdOperatorTopUpsSchema },
    async (request, reply) => {
      requireOperator(principalOf(request));
      const id = request.params.id;
      if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
      const { amount, idempotencyKey, comment } = request.body;
      const posted = await inBillingTransaction(ctx.db, (tx) => operatorTopUp(tx, { organizationId: id, amount, key: `operator:${id}:${idempotencyKey}`, comment }));
      reply.code(posted.replayed ? 200 : 201);
      return balancesJson(ctx, id);
    },
  );
}

export function billingRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getOrganizationsByIdBalanceRoute(app, ctx);
    getOrganizationsByIdAccountHistoryRoute(app, ctx);
    postOrganizationsByIdOperatorTopUpsRoute(app, ctx);
  };
}

export async function balancesJson(ctx: Pick<ApiContext, 'db'>, organizationId: number): Promise<z.infer<typeof balancesOut>> {
  const b = await organizationBalances(ctx.db, organizationId);
  return {
    organizationId,
    balance: b.get('balance')?.balance ?? 0,
    sms: b.get('sms')?.balance ?? 0,
    smsPostpaid: -(b.get('sms_postpaid')?.balance ?? 0),
    activationCodes: b.get('activation_codes')?.balance ?? 0,
    debt: -(b.get('debt')?.balance ?? 0),
  };
}
