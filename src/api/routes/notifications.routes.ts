/**
 * Condition notifications (issue 7) of an organization: its rules — the kinds switched off and the silence threshold —
 * read by its members and replaced by its owners and admins (or the operator), and the log of what fired, with the
 * outcome of the e-mails each firing sent. The conditions themselves are evaluated by the notify worker
 * (src/workers/notify-conditions.ts); webhooks of the same kinds are configured under /webhooks.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  DEFAULT_SILENT_HOURS,
  isNotificationKind,
  MAX_SILENT_HOURS,
  NOTIFICATION_KINDS,
  STATE_KINDS,
  type NotificationKind,
} from '../../domain/notification-kinds.js';
import { findOrganization } from '../../db/api-organizations.repository.js';
import {
  findNotificationRules,
  listNotificationEvents,
  replaceNotificationRules,
  type NotificationEventRow,
  type NotificationRulesRow,
} from '../../db/notifications.repository.js';
import { principalOf } from '../auth/authenticate.js';
import { authorizeOrganization, type Permission, type Principal } from '../auth/principal.js';
import { isLimited } from '../auth/access-scope.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, idSchema, iso } from '../schemas.js';

const KIND_LIST = NOTIFICATION_KINDS.join(', ');
const kindSchema = z.enum(NOTIFICATION_KINDS).meta({ description: `A condition kind: ${KIND_LIST}` });

const rulesOut = z
  .object({
    organizationId: z.number().int(),
    disabledKinds: z.array(kindSchema).meta({ description: 'Kinds that neither e-mail nor call webhooks' }),
    silentAfterHours: z
      .number()
      .int()
      .nullable()
      .meta({ description: `A register is silent after this many hours without documents (or 3 × its usual gap, if longer); null: ${DEFAULT_SILENT_HOURS}` }),
    updatedAt: dateOut.nullable().meta({ description: 'Null while the organization keeps the defaults' }),
  })
  .meta({ id: 'NotificationRules' });

const rulesIn = z.strictObject({
  disabledKinds: z.array(kindSchema).max(NOTIFICATION_KINDS.length * 4),
  silentAfterHours: z.number().int().min(1).max(MAX_SILENT_HOURS).nullable(),
});

const eventOut = z
  .object({
    id: z.number().int(),
    kind: kindSchema,
    subject: z.string().meta({ description: 'What it is about: register:<id>, fn:<FN> or document:<FN>:<FD>' }),
    threshold: z.string().nullable().meta({ description: 'Which threshold fired (30d, 3d, 90%); null for kinds with one' }),
    firedAt: dateOut,
    active: z
      .boolean()
      .nullable()
      .meta({ description: 'State kinds: whether the condition still holds (it fires again only after it clears); null for per-document kinds' }),
    data: z.record(z.string(), z.unknown()).meta({ description: 'The webhook event’s data' }),
    emails: z
      .object({ delivered: z.number().int(), pending: z.number().int(), failed: z.number().int() })
      .meta({ description: 'E-mails to owners and admins: delivered, still being tried, given up on' }),
  })
  .meta({ id: 'NotificationEvent' });

function rulesJson(organizationId: number, r: NotificationRulesRow | undefined): z.infer<typeof rulesOut> {
  const disabled = new Set(r?.disabled_kinds ?? []);
  return {
    organizationId,
    // Rows may hold kinds this version no longer knows: not shown, and dropped at the next replace.
    disabledKinds: NOTIFICATION_KINDS.filter((k) => disabled.has(k)),
    silentAfterHours: r?.silent_after_hours ?? null,
    updatedAt: r ? iso(r.updated_at) : null,
  };
}

function eventJson(e: NotificationEventRow & { kind: NotificationKind }): z.infer<typeof eventOut> {
  return {
    id: e.id,
    kind: e.kind,
    subject: e.subject,
    threshold: e.threshold === '' ? null : e.threshold,
    firedAt: iso(e.fired_at),
    active: STATE_KINDS.includes(e.kind) ? e.armed : null,
    data: e.data,
    emails: { delivered: e.emails_delivered, pending: e.emails_pending, failed: e.emails_failed },
  };
}

const orgParams = z.object({ id: idSchema });

function notificationLocals(ctx: ApiContext) {
  async function authorize(p: Principal, organizationId: number, permission: Permission): Promise<void> {
    authorizeOrganization(p, organizationId, permission, 'organization');
    // Organization-wide logs name every register: not for a member limited to some (issue 16).
    if (await isLimited(ctx.db, p, organizationId)) throw new ApiError('FORBIDDEN', 'a member limited to outlets or registers does not read organization-wide settings and logs');
    if (!(await findOrganization(ctx.db, organizationId))) throw notFound('organization');
  }
  return { authorize };
}
type NotificationLocals = ReturnType<typeof notificationLocals>;

const getOrganizationsByIdNotificationRulesSchema = {
  tags: ['notifications'],
  summary: 'The organization’s notification rules (defaults until replaced)',
  params: orgParams,
  response: { 200: rulesOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdNotificationRulesRoute(app: ApiApp, ctx: ApiContext, { authorize }: NotificationLocals): void {
  app.get(
    '/organizations/:id/notification-rules',
    { schema: getOrganizationsByIdNotificationRulesSchema },
    async (request) => {
      const id = request.params.id;
      await authorize(principalOf(request), id, 'organization:read');
      return rulesJson(id, await findNotificationRules(ctx.db, id));
    },
  );
}

const putOrganizationsByIdNotificationRulesSchema = {
  tags: ['notifications'],
  summary: 'Replace the organization’s notification rules (owners, admins, the operator)',
  description: `Both fields are required. Kinds: ${KIND_LIST}; any other is refused with VALIDATION_FAILED naming the item.`,
  params: orgParams,
  body: rulesIn,
  response: { 200: rulesOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function putOrganizationsByIdNotificationRulesRoute(app: ApiApp, ctx: ApiContext, { authorize }: NotificationLocals): void {
  app.put(
    '/organizations/:id/notification-rules',
    { schema: putOrganizationsByIdNotificationRulesSchema },
    async (request) => {
      const id = request.params.id;
      await authorize(principalOf(request), id, 'organization:write');
      const wanted = new Set(request.body.disabledKinds);
      const row = await replaceNotificationRules(ctx.db, id, {
        disabledKinds: NOTIFICATION_KINDS.filter((k) => wanted.has(k)),
        silentAfterHours: request.body.silentAfterHours,
      });
      return rulesJson(id, row);
    },
  );
}

const getOrganizationsByIdNotificationsSchema = {
  tags: ['notifications'],
  summary: 'What fired for the organization, newest first, with the outcome of its e-mails',
  params: orgParams,
  querystring: z.object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    beforeId: idSchema.optional().meta({ description: 'Firings older than this id (the last id of the previous page)' }),
    kind: kindSchema.optional(),
  }),
  response: { 200: z.object({ items: z.array(eventOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdNotificationsRoute(app: ApiApp, ctx: ApiContext, { authorize }: NotificationLocals): void {
  app.get(
    '/organizations/:id/notifications',
    { schema: getOrganizationsByIdNotificationsSchema },
    async (request) => {
      const id = request.params.id;
      await authorize(principalOf(request), id, 'organization:read');
      const rows = await listNotificationEvents(ctx.db, id, request.query);
      const known = rows.filter((r): r is NotificationEventRow & { kind: NotificationKind } => isNotificationKind(r.kind));
      return { items: known.map(eventJson) };
    },
  );
}

export function notificationRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = notificationLocals(ctx);
    getOrganizationsByIdNotificationRulesRoute(app, ctx, locals);
    putOrganizationsByIdNotificationRulesRoute(app, ctx, locals);
    getOrganizationsByIdNotificationsRoute(app, ctx, locals);
  };
}
