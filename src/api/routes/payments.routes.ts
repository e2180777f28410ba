/**
 * Top-ups by card (issue 17): start one (the buyer is redirected to the provider's page), follow it, the provider's
 * signed callback, and the operator's refund. Without OFD_PAY_URL the routes answer PAYMENTS_NOT_CONFIGURED.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { webhookSignatureValid, type PaymentWebhook } from '../../adapters/payments/payment-provider.js';
import { applyPaymentWebhook, cardPaymentById, refundCardPayment, startCardTopUp, type CardPayment } from '../../billing/card-payments.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, requireOperator } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso, kopecksSchema } from '../schemas.js';
import { idempotencyKeySchema } from './tariffs.routes.js';

const cardPaymentOut = z.object({
  id: z.number().int(),
  organizationId: z.number().int(),
  amount: kopecksSchema,
  status: z.enum(['pending', 'succeeded', 'declined']),
  refundedAmount: kopecksSchema,
  confirmationUrl: z.string().nullable().meta({ description: 'The provider’s payment page: redirect the buyer there' }),
  createdAt: dateOut,
});
const cardPaymentJson = (p: CardPayment): z.infer<typeof cardPaymentOut> => ({
  id: p.id,
  organizationId: p.organization_id,
  amount: p.amount,
  status: p.status,
  refundedAmount: p.refunded_amount,
  confirmationUrl: p.confirmation_url,
  createdAt: iso(p.created_at),
});

const webhookSchema = z.object({
  eventId: z.string().min(1).max(100),
  event: z.enum(['payment.succeeded', 'payment.declined', 'refund.succeeded']),
  payment: z.object({
    id: z.string().min(1).max(100),
    status: z.enum(['pending', 'succeeded', 'declined']),
    amount: z.number().int().positive(),
    refundedAmount: z.number().int().min(0),
    orderId: z.string().min(1).max(100),
  }),
  refund: z
    .object({ id: z.string().max(100), paymentId: z.string().max(100), amount: z.number().int().positive(), reference: z.string().max(200), status: z.enum(['succeeded', 'failed']) })
    .optional(),
});

function paymentLocals(ctx: ApiContext) {
  const provider = () => {
    if (!ctx.payments) throw new ApiError('PAYMENTS_NOT_CONFIGURED', 'card payments are not configured (OFD_PAY_URL)');
    return ctx.payments;
  };
  return { provider };
}
type PaymentLocals = ReturnType<typeof paymentLocals>;

const postOrganizationsByIdCardTopUpsSchema = {
  tags: ['billing'],
  summary: 'Top up the balance by card: answers the provider’s page to redirect the buyer to',
  params: z.object({ id: idSchema }),
  body: z.strictObject({
    amount: z.number().int().min(100).max(1_000_000_00).meta({ description: 'kopecks, 1 ₽ to 1 000 000 ₽' }),
    idempotencyKey: idempotencyKeySchema,
    returnUrl: z.url({ protocol: /^https?$/ }).max(2000).optional().meta({ description: 'Where the provider sends the buyer back' }),
  }),
  response: { 200: cardPaymentOut, 201: cardPaymentOut, ...errorResponses(400, 401, 403, 404, 409, 429, 502, 503) },
};

function postOrganizationsByIdCardTopUpsRoute(app: ApiApp, ctx: ApiContext, { provider }: PaymentLocals): void {
  app.post(
    '/organizations/:id/card-top-ups',
    { schema: postOrganizationsByIdCardTopUpsSchema },
    async (request, reply) => {
      const id = request.params.id;
      authorizeOrganization(principalOf(request), id, 'billing:write', 'organization');
      const pay = provider();
      if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
      const returnUrl = request.body.returnUrl ?? `${ctx.publicUrl}/`;
      const { payment, replayed } = await startCardTopUp(ctx.db, pay, { organizationId: id, amount: request.body.amount, requestKey: request.body.idempotencyKey, returnUrl });
      reply.code(replayed ? 200 : 201);
      return cardPaymentJson(payment);
    },
  );
}

const getOrganizationsByIdCardTopUpsByPaymentIdSchema = {
  tags: ['billing'],
  summary: 'A card top-up and its status',
  params: z.object({ id: idSchema, paymentId: idSchema }),
  response: { 200: cardPaymentOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdCardTopUpsByPaymentIdRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/organizations/:id/card-top-ups/:paymentId',
    { schema: getOrganizationsByIdCardTopUpsByPaymentIdSchema },
    async (request) => {
      authorizeOrganization(principalOf(request), request.params.id, 'billing:read', 'organization');
      const p = await cardPaymentById(ctx.db, request.params.paymentId);
      if (!p || p.organization_id !== request.params.id) throw notFound('card payment');
      return cardPaymentJson(p);
    },
  );
}

const postCardPaymentsByPaymentIdRefundsSchema = {
  tags: ['billing'],
  summary: 'Refund part or all of a card top-up (operator only); charged to the balance at once',
  params: z.object({ paymentId: idSchema }),
  body: z.strictObject({ amount: z.number().int().min(1).max(1_000_000_00), idempotencyKey: idempotencyKeySchema }),
  response: {
    201: z.object({ id: z.number().int(), paymentId: z.number().int(), amount: kopecksSchema, status: z.enum(['pending', 'succeeded', 'failed']) }),
    ...errorResponses(400, 401, 403, 404, 409, 429, 503),
  },
};

function postCardPaymentsByPaymentIdRefundsRoute(app: ApiApp, ctx: ApiContext, { provider }: PaymentLocals): void {
  app.post(
    '/card-payments/:paymentId/refunds',
    { schema: postCardPaymentsByPaymentIdRefundsSchema },
    async (request, reply) => {
      requireOperator(principalOf(request));
      const r = await refundCardPayment(ctx.db, provider(), { paymentId: request.params.paymentId, amount: request.body.amount, requestKey: request.body.idempotencyKey });
      reply.code(201);
      return { id: r.id, paymentId: r.payment_id, amount: r.amount, status: r.status };
    },
  );
}

export function paymentRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = paymentLocals(ctx);
    postOrganizationsByIdCardTopUpsRoute(app, ctx, locals);
    getOrganizationsByIdCardTopUpsByPaymentIdRoute(app, ctx);
    postCardPaymentsByPaymentIdRefundsRoute(app, ctx, locals);
    await app.register(async (hooks) => {
      hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      hooks.post(
        '/billing/card-webhook',
        {
          config: { public: true },
          schema: {
            tags: ['billing'],
            summary: 'The payment provider’s callback, signed `X-Signature: sha256=<HMAC-SHA256 of the body>`',
            security: [],
            response: { 200: z.object({ outcome: z.enum(['applied', 'mismatch']) }), ...errorResponses(400, 401, 404, 429, 503) },
          },
        },
        async (request) => {
          const secret = ctx.paymentWebhookSecret;
          if (!secret) throw new ApiError('PAYMENTS_NOT_CONFIGURED', 'card payments are not configured (OFD_PAY_URL)');
          const raw = request.body as Buffer;
          const signature = request.headers['x-signature'];
          if (!webhookSignatureValid(secret, raw, typeof signature === 'string' ? signature : undefined)) {
            throw new ApiError('BAD_SIGNATURE', 'the callback’s signature does not match');
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw.toString('utf8'));
          } catch {
            throw new ApiError('BAD_REQUEST', 'the callback is not JSON');
          }
          const hook = webhookSchema.safeParse(parsed);
          if (!hook.success) {
            throw new ApiError('VALIDATION_FAILED', 'the callback does not match the schema', hook.error.issues.map((i) => ({ path: `body.${i.path.join('.')}`, message: i.message, issue: i.code })));
          }
          const outcome = await applyPaymentWebhook(ctx.db, hook.data as PaymentWebhook);
          // Unknown: answered 404 so the provider retries (our record may be a moment behind its callback).
          if (outcome === 'unknown_payment') throw notFound('card payment');
          if (outcome === 'mismatch') request.log.warn({ eventId: hook.data.eventId }, 'card webhook does not match the payment on record');
          return { outcome };
        },
      );
    });
  };
}
