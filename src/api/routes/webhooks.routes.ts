/**
 * Webhooks (issue 6): per-organization subscriptions (CRUD), their delivery log and replay. Bodies are JSON
 * `{ id, type, organizationId, createdAt, data }`, signed with the subscription's secret (shown once, at creation):
 * `X-OFD-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; also `X-OFD-Event` and `X-OFD-Delivery`.
 * A delivery is retried with exponential backoff until a 2xx answer or its last attempt.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newWebhookSecret } from '../../adapters/webhooks/webhook-signature.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import {
  createSubscription,
  deleteSubscription,
  findSubscription,
  listSubscriptions,
  listWebhookDeliveries,
  replayWebhookDelivery,
  updateSubscription,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENTS,
  type WebhookDeliveryRow,
  type WebhookSubscriptionRow,
} from '../../db/webhooks.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, type Permission, type Principal } from '../auth/principal.js';
import { isLimited } from '../auth/access-scope.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { checkWebhookUrl } from '../../adapters/webhooks/target-policy.js';
import { dateOut, idSchema, iso } from '../schemas.js';

const urlSchema = z
  .string()
  .max(2000)
  .regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL')
  .meta({ description: 'Where events are POSTed' });
const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .meta({ description: 'document.received, shift.closed, fns.status_changed; conditions (issue 7): register.silent, fn.expiring, fn.fill, documents.unsent, flk.failed, fns.rejected, ofd.expiring' });

const subscriptionOut = z
  .object({
    id: z.number().int(),
    organizationId: z.number().int(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    createdAt: dateOut,
    updatedAt: dateOut,
  })
  .meta({ id: 'WebhookSubscription' });

const deliveryOut = z
  .object({
    id: z.number().int(),
    event: z.string(),
    eventId: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    nextAttemptAt: dateOut,
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    deliveredAt: dateOut.nullable(),
    replays: z.number().int(),
    createdAt: dateOut,
    payload: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WebhookDelivery' });

function subscriptionJson(s: WebhookSubscriptionRow): z.infer<typeof subscriptionOut> {
  return {
    id: s.id,
    organizationId: s.organization_id,
    url: s.url,
    events: s.events,
    description: s.description,
    active: s.active,
    createdAt: iso(s.created_at),
    updatedAt: iso(s.updated_at),
  };
}

function deliveryJson(d: WebhookDeliveryRow): z.infer<typeof deliveryOut> {
  return {
    id: d.id,
    event: d.event,
    eventId: d.event_id,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.next_attempt_at),
    lastStatusCode: d.last_status_code,
    lastError: d.last_error,
    deliveredAt: iso(d.delivered_at),
    replays: d.replays,
    createdAt: iso(d.created_at),
    payload: d.payload,
  };
}

const orgParams = z.object({ id: idSchema });
const hookParams = z.object({ id: idSchema, webhookId: idSchema });

function webhookLocals(ctx: ApiContext) {
  const assertPublicTarget = async (url: string): Promise<void> => {
    const check = await checkWebhookUrl({ allowHosts: ctx.webhookAllowHosts }, url);
    if (!check.ok) throw new ApiError('VALIDATION_FAILED', `body.url: ${check.reason}`, [{ path: 'body.url', message: check.reason, issue: 'custom' }]);
  };
  async function authorize(p: Principal, organizationId: number, permission: Permission): Promise<void> {
    authorizeOrganization(p, organizationId, permission, 'organization');
    // Organization-wide logs name every register: not for a member limited to some (issue 16).
    if (await isLimited(ctx.db, p, organizationId)) throw new ApiError('FORBIDDEN', 'a member limited to outlets or registers does not read organization-wide settings and logs');
    if (!(await findOrganization(ctx.db, organizationId))) throw notFound('organization');
  }
  async function loadHook(p: Principal, organizationId: number, webhookId: number, permission: Permission): Promise<WebhookSubscriptionRow> {
    await authorize(p, organizationId, permission);
    const s = await findSubscription(ctx.db, organizationId, webhookId);
    if (!s) throw notFound('webhook');
    return s;
  }
  return { assertPublicTarget, authorize, loadHook };
}
type WebhookLocals = ReturnType<typeof webhookLocals>;

const getOrganizationsByIdWebhooksSchema = {
  tags: ['webhooks'],
  summary: "The organization's webhook subscriptions",
  params: orgParams,
  response: { 200: z.object({ items: z.array(subscriptionOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdWebhooksRoute(app: ApiApp, ctx: ApiContext, { authorize }: WebhookLocals): void {
  app.get(
    '/organizations/:id/webhooks',
    { schema: getOrganizationsByIdWebhooksSchema },
    async (request) => {
      await authorize(principalOf(request), request.params.id, 'organization:read');
      return { items: (await listSubscriptions(ctx.db, request.params.id)).map(subscriptionJson) };
    },
  );
}

const postOrganizationsByIdWebhooksSchema = {
  tags: ['webhooks'],
  summary: 'Subscribe a URL to events; the signing secret is in this answer only',
  params: orgParams,
  body: z.object({ url: urlSchema, events: eventsSchema, description: z.string().max(500).optional() }),
  response: {
    201: subscriptionOut.extend({ secret: z.string().meta({ description: 'HMAC-SHA256 key of X-OFD-Signature. Shown once.' }) }),
    ...errorResponses(400, 401, 403, 404, 429),
  },
};

function postOrganizationsByIdWebhooksRoute(app: ApiApp, ctx: ApiContext, { authorize, assertPublicTarget }: WebhookLocals): void {
  app.post(
    '/organizations/:id/webhooks',
    { schema: postOrganizationsByIdWebhooksSchema },
    async (request, reply) => {
      await authorize(principalOf(request), request.params.id, 'organization:write');
      await assertPublicTarget(request.body.url);
      const secret = newWebhookSecret();
      const row = await createSubscription(ctx.db, {
        organizationId: request.params.id,
        url: request.body.url,
        events: [...new Set(request.body.events)],
        secret,
        description: request.body.description ?? null,
      });
      return reply.code(201).send({ ...subscriptionJson(row), secret });
    },
  );
}

const getOrganizationsByIdWebhooksByWebhookIdSchema = {
  tags: ['webhooks'],
  summary: 'One webhook subscription',
  params: hookParams,
  response: { 200: subscriptionOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdWebhooksByWebhookIdRoute(app: ApiApp, { loadHook }: WebhookLocals): void {
  app.get(
    '/organizations/:id/webhooks/:webhookId',
    { schema: getOrganizationsByIdWebhooksByWebhookIdSchema },
    async (request) => subscriptionJson(await loadHook(principalOf(request), request.params.id, request.params.webhookId, 'organization:read')),
  );
}

const patchOrganizationsByIdWebhooksByWebhookIdSchema = {
  tags: ['webhooks'],
  summary: 'Change the URL, the events, or pause (active: false) a subscription',
  params: hookParams,
  body: z.object({ url: urlSchema.optional(), events: eventsSchema.optional(), active: z.boolean().optional(), description: z.string().max(500).nullable().optional() }),
  response: { 200: subscriptionOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function patchOrganizationsByIdWebhooksByWebhookIdRoute(app: ApiApp, ctx: ApiContext, { loadHook, assertPublicTarget }: WebhookLocals): void {
  app.patch(
    '/organizations/:id/webhooks/:webhookId',
    { schema: patchOrganizationsByIdWebhooksByWebhookIdSchema },
    async (request) => {
      const { id, webhookId } = request.params;
      await loadHook(principalOf(request), id, webhookId, 'organization:write');
      if (request.body.url !== undefined) await assertPublicTarget(request.body.url);
      const row = await updateSubscription(ctx.db, id, webhookId, {
        url: request.body.url,
        events: request.body.events ? [...new Set(request.body.events)] : undefined,
        active: request.body.active,
        description: request.body.description,
      });
      if (!row) throw notFound('webhook');
      return subscriptionJson(row);
    },
  );
}

const deleteOrganizationsByIdWebhooksByWebhookIdSchema = {
  tags: ['webhooks'],
  summary: 'Delete a subscription (and its delivery log)',
  params: hookParams,
  response: { 200: subscriptionOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function deleteOrganizationsByIdWebhooksByWebhookIdRoute(app: ApiApp, ctx: ApiContext, { loadHook }: WebhookLocals): void {
  app.delete(
    '/organizations/:id/webhooks/:webhookId',
    { schema: deleteOrganizationsByIdWebhooksByWebhookIdSchema },
    async (request) => {
      const { id, webhookId } = request.params;
      const row = await loadHook(principalOf(request), id, webhookId, 'organization:write');
      if (!(await deleteSubscription(ctx.db, id, webhookId))) throw notFound('webhook');
      return subscriptionJson(row);
    },
  );
}

const getOrganizationsByIdWebhooksByWebhookIdDeliveriesSchema = {
  tags: ['webhooks'],
  summary: 'The delivery log of a subscription, newest first',
  params: hookParams,
  querystring: z.object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    beforeId: idSchema.optional().meta({ description: 'Deliveries older than this id (the last id of the previous page)' }),
  }),
  response: { 200: z.object({ items: z.array(deliveryOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdWebhooksByWebhookIdDeliveriesRoute(app: ApiApp, ctx: ApiContext, { loadHook }: WebhookLocals): void {
  app.get(
    '/organizations/:id/webhooks/:webhookId/deliveries',
    { schema: getOrganizationsByIdWebhooksByWebhookIdDeliveriesSchema },
    async (request) => {
      const { id, webhookId } = request.params;
      await loadHook(principalOf(request), id, webhookId, 'organization:read');
      return { items: (await listWebhookDeliveries(ctx.db, webhookId, request.query.limit, request.query.beforeId)).map(deliveryJson) };
    },
  );
}

const postOrganizationsByIdWebhooksByWebhookIdDeliveriesByDeliveryIdReplaySchema = {
  tags: ['webhooks'],
  summary: 'Send a delivery again (a fresh set of attempts, from now)',
  params: hookParams.extend({ deliveryId: idSchema }),
  response: { 202: deliveryOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function postOrganizationsByIdWebhooksByWebhookIdDeliveriesByDeliveryIdReplayRoute(app: ApiApp, ctx: ApiContext, { loadHook }: WebhookLocals): void {
  app.post(
    '/organizations/:id/webhooks/:webhookId/deliveries/:deliveryId/replay',
    { schema: postOrganizationsByIdWebhooksByWebhookIdDeliveriesByDeliveryIdReplaySchema },
    async (request, reply) => {
      const { id, webhookId, deliveryId } = request.params;
      await loadHook(principalOf(request), id, webhookId, 'organization:write');
      const row = await replayWebhookDelivery(ctx.db, webhookId, deliveryId);
      if (!row) throw notFound('webhook delivery');
      return reply.code(202).send(deliveryJson(row));
    },
  );
}

export function webhookRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = webhookLocals(ctx);
    getOrganizationsByIdWebhooksRoute(app, ctx, locals);
    postOrganizationsByIdWebhooksRoute(app, ctx, locals);
    getOrganizationsByIdWebhooksByWebhookIdRoute(app, locals);
    patchOrganizationsByIdWebhooksByWebhookIdRoute(app, ctx, locals);
    deleteOrganizationsByIdWebhooksByWebhookIdRoute(app, ctx, locals);
    getOrganizationsByIdWebhooksByWebhookIdDeliveriesRoute(app, ctx, locals);
    postOrganizationsByIdWebhooksByWebhookIdDeliveriesByDeliveryIdReplayRoute(app, ctx, locals);
  };
}
