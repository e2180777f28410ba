/**
 * E-receipts (issue 6): the delivery status of a document's e-mail / SMS receipt, a resend, and the organization's SMS
 * package. A resend is recorded as a pending delivery; the notify worker picks it up within its poll interval.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normalizePhone } from '../../adapters/sms/sms-sender.js';
import { documentOwnerInn } from '../../db/api-documents.repository.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import {
  deliveryHistory,
  getSmsBalance,
  listDeliveries,
  loadReceiptSource,
  NOTIFY_DELIVERY_STATUSES,
  RECEIPT_CHANNELS,
  requestResend,
  topUpSmsBalance,
  type NotifyDeliveryRow,
  type ReceiptChannel,
} from '../../db/notify.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, requireOperator, type Permission, type Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { authorizeDocumentRead } from '../document-read-model.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, fdSchema, fnSchema, idSchema, iso } from '../schemas.js';

const deliveryOut = z
  .object({
    channel: z.enum(RECEIPT_CHANNELS),
    recipient: z.string(),
    status: z.enum(NOTIFY_DELIVERY_STATUSES).meta({
      description:
        'pending (resend asked), queued, sending, delivered, retrying, failed (out of attempts or refused), no_balance (SMS package empty), no_recipient, ' +
        'fallback_sms (Viber did not deliver — `lastErrorCode` says why — and the receipt went by SMS: see the sms row)',
    }),
    attempts: z.number().int(),
    resends: z.number().int(),
    lastErrorCode: z.string().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: dateOut.nullable(),
    updatedAt: dateOut,
  })
  .meta({ id: 'ReceiptDelivery' });

const historyOut = z.object({
  event: z.enum(['requested', 'superseded']).meta({ description: 'requested: a send asked through the API; superseded: the state it replaced' }),
  channel: z.enum(RECEIPT_CHANNELS),
  recipient: z.string(),
  status: z.string().nullable(),
  attempts: z.number().int().nullable(),
  deliveredAt: dateOut.nullable(),
  requestedBy: z.string().nullable().meta({ description: 'operator, user:<id> or apiKey:<id>' }),
  at: dateOut,
});

const balanceOut = z.object({ organizationId: z.number().int(), balance: z.number().int().meta({ description: 'SMS left in the package' }) });

function deliveryJson(r: NotifyDeliveryRow): z.infer<typeof deliveryOut> {
  return {
    channel: r.channel,
    recipient: r.recipient,
    status: r.status,
    attempts: r.attempts,
    resends: r.resends,
    lastErrorCode: r.last_error_code,
    lastError: r.last_error,
    deliveredAt: iso(r.delivered_at),
    updatedAt: iso(r.updated_at),
  };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function receiptDeliveryLocals(ctx: ApiContext) {
  async function authorizeDocument(p: Principal, fn: string, fd: number, permission: Permission = 'documents:read'): Promise<number | null> {
    const owner = await documentOwnerInn(ctx.db, fn, fd);
    if (!owner) throw notFound('document');
    // Reading follows the member's outlet limit (issue 16); sending is its own permission (issue 13 item 6).
    const organizationId = await authorizeDocumentRead(ctx, p, owner);
    authorizeOrganization(p, organizationId, permission, 'document');
    return organizationId;
  }
  async function spendSend(organizationId: number | null): Promise<void> {
    const { count, ttlMs } = await ctx.counters.hit(`receipt-sends:${organizationId ?? 'operator'}`, 3600_000);
    if (count > ctx.receiptSendsPerHour) {
      throw Object.assign(new ApiError('RECEIPT_SENDS_EXHAUSTED', `at most ${ctx.receiptSendsPerHour} e-receipts per hour per organization`), {
        retryAfterMs: ttlMs,
      });
    }
  }
  return { authorizeDocument, spendSend };
}
type ReceiptDeliveryLocals = ReturnType<typeof receiptDeliveryLocals>;

const getDocumentsByFnByFdDeliveriesSchema = {
  tags: ['documents'],
  summary: 'Delivery status of the e-receipt (e-mail, SMS, Viber) of a document',
  params: z.object({ fn: fnSchema, fd: fdSchema }),
  response: {
    200: z.object({
      items: z.array(deliveryOut),
      history: z.array(historyOut).meta({ description: 'Every send asked through the API and the state it replaced, oldest first' }),
    }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

function getDocumentsByFnByFdDeliveriesRoute(app: ApiApp, ctx: ApiContext, { authorizeDocument }: ReceiptDeliveryLocals): void {
  app.get(
    '/documents/:fn/:fd/deliveries',
    { schema: getDocumentsByFnByFdDeliveriesSchema },
    async (request) => {
      const { fn, fd } = request.params;
      await authorizeDocument(principalOf(request), fn, fd);
      const history = await deliveryHistory(ctx.db, fn, fd);
      return {
        items: (await listDeliveries(ctx.db, fn, fd)).map(deliveryJson),
        history: history.map((h) => ({
          event: h.event,
          channel: h.channel as ReceiptChannel,
          recipient: h.recipient,
          status: h.status,
          attempts: h.attempts,
          deliveredAt: iso(h.delivered_at),
          requestedBy: h.requested_by,
          at: iso(h.recorded_at),
        })),
      };
    },
  );
}

const postDocumentsByFnByFdDeliveriesSchema = {
  tags: ['documents'],
  summary:
    'Send the e-receipt again (to the buyer address of the document, 1008, or to another one). Needs receipts:send ' +
    '(accountants, admins, owners; API keys with that scope); limited per organization per hour; every send is kept in the history',
  params: z.object({ fn: fnSchema, fd: fdSchema }),
  body: z.object({
    channel: z
      .enum(RECEIPT_CHANNELS)
      .optional()
      .meta({ description: 'Default: from the recipient (an @ means e-mail, else SMS). viber: a Viber message, by SMS when Viber does not deliver; paid like an SMS' }),
    recipient: z.string().min(3).max(320).optional().meta({ description: 'E-mail or phone; default: the document’s 1008' }),
  }),
  response: { 202: deliveryOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function postDocumentsByFnByFdDeliveriesRoute(app: ApiApp, ctx: ApiContext, { authorizeDocument, spendSend }: ReceiptDeliveryLocals): void {
  app.post(
    '/documents/:fn/:fd/deliveries',
    { schema: postDocumentsByFnByFdDeliveriesSchema },
    async (request, reply) => {
      const { fn, fd } = request.params;
      const p = principalOf(request);
      const organizationId = await authorizeDocument(p, fn, fd, 'receipts:send');
      const doc = await loadReceiptSource(ctx.db, fn, fd);
      if (!doc) throw notFound('document');
      const [, body] = Object.entries(doc.fns_json)[0] ?? [];
      const stored = body !== null && typeof body === 'object' && !Array.isArray(body) ? body['buyerPhoneOrAddress'] : undefined;
      const recipient = (request.body.recipient ?? (typeof stored === 'string' ? stored : '')).trim();
      if (recipient === '') {
        throw new ApiError('VALIDATION_FAILED', 'body.recipient: the document carries no buyer e-mail or phone (1008); give one', [
          { path: 'body.recipient', message: 'required: the document has no 1008', issue: 'custom' },
        ]);
      }
      const channel = request.body.channel ?? (recipient.includes('@') ? 'email' : 'sms');
      const valid = channel === 'email' ? EMAIL.test(recipient) : normalizePhone(recipient) !== undefined;
      if (!valid) {
        throw new ApiError('VALIDATION_FAILED', `body.recipient: not ${channel === 'email' ? 'an e-mail address' : 'a phone number'}`, [
          { path: 'body.recipient', message: channel === 'email' ? 'expected an e-mail address' : 'expected a phone number', issue: 'invalid_format' },
        ]);
      }
      await spendSend(organizationId);
      const requestedBy = p.kind === 'operator' ? 'operator' : p.kind === 'user' ? `user:${p.userId}` : `apiKey:${p.keyId}`;
      const row = await requestResend(ctx.db, { fn, fd, channel, recipient, organizationId, requestedBy });
      return reply.code(202).send(deliveryJson(row));
    },
  );
}

const getOrganizationsByIdSmsBalanceSchema = {
  tags: ['organizations'],
  summary: 'SMS package: SMS receipts left',
  params: z.object({ id: idSchema }),
  response: { 200: balanceOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdSmsBalanceRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/sms-balance',
    { schema: getOrganizationsByIdSmsBalanceSchema },
    async (request) => {
      const id = request.params.id;
      authorizeOrganization(principalOf(request), id, 'organization:read', 'organization');
      if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
      return { organizationId: id, balance: await getSmsBalance(ctx.db, id) };
    },
  );
}

const postOrganizationsByIdSmsBalanceTopUpsSchema = {
  tags: ['organizations'],
  summary: 'Add SMS to the package (operator only)',
  params: z.object({ id: idSchema }),
  body: z.object({
    amount: z.number().int().min(1).max(1_000_000),
    idempotencyKey: z.string().regex(/^[A-Za-z0-9_.:-]{8,100}$/).optional().meta({ description: 'A retry with the same key adds nothing' }),
  }),
  response: { 200: balanceOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function postOrganizationsByIdSmsBalanceTopUpsRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/organizations/:id/sms-balance/top-ups',
    { schema: postOrganizationsByIdSmsBalanceTopUpsSchema },
    async (request) => {
      const p = principalOf(request);
      const id = request.params.id;
      // A customer sees 404 for another tenant and 403 for its own organization.
      authorizeOrganization(p, id, 'organization:read', 'organization');
      requireOperator(p);
      if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
      return { organizationId: id, balance: await topUpSmsBalance(ctx.db, id, request.body.amount, request.body.idempotencyKey) };
    },
  );
}

export function receiptDeliveryRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = receiptDeliveryLocals(ctx);
    getDocumentsByFnByFdDeliveriesRoute(app, ctx, locals);
    postDocumentsByFnByFdDeliveriesRoute(app, ctx, locals);
    getOrganizationsByIdSmsBalanceRoute(app, ctx);
    postOrganizationsByIdSmsBalanceTopUpsRoute(app, ctx);
  };
}
