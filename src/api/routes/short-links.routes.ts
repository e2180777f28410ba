/**
 * Short links of SMS and Viber receipts (issue 17). `GET /r/{code}` (public, rate-limited per address) counts the
 * open and redirects to the receipt page on OFD_PUBLIC_URL — the stored target is a path, so a link can lead nowhere
 * else; an expired or revoked link is a 410 page, an unknown one a 404 page. Under /api/v1 an organization lists its
 * links with their opens and revokes one; another organization's code is a 404, as an unknown one; a member limited
 * to some outlets or registers gets neither (a link opens any outlet's receipt).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findOrganization } from '../../db/api-organizations.repository.js';
import { listShortLinks, openShortLink, revokeShortLink, SHORT_CODE_PATTERN, type ShortLinkRow } from '../../db/short-links.repository.js';
import { audit } from '../audit.js';
import { principalOf } from '../auth/authenticate.js';
import { isLimited } from '../auth/access-scope.js';
import { authorizeOrganization, type Principal } from '../auth/principal.js';
import type { ApiApp, ApiContext } from '../context.js';
import { ApiError, errorResponses, notFound } from '../errors.js';
import { dateOut, fdSchema, fnSchema, idSchema, iso } from '../schemas.js';

const codeSchema = z.string().regex(SHORT_CODE_PATTERN, 'expected a short-link code').meta({ description: 'The code of `/r/{code}`' });

const linkOut = z
  .object({
    code: z.string(),
    url: z.string().meta({ description: 'The short link as sent' }),
    fn: z.string(),
    fd: z.number().int(),
    createdAt: dateOut,
    expiresAt: dateOut,
    revokedAt: dateOut.nullable(),
    opens: z.number().int().meta({ description: 'How many times the link was followed while it worked' }),
    lastOpenedAt: dateOut.nullable(),
  })
  .meta({ id: 'ShortLink' });

const page = (title: string, text: string) =>
  `<!doctype html>\n<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>\n<body style="font-family:Arial,Helvetica,sans-serif;max-width:480px;margin:2em auto;padding:0 1em"><h1>${title}</h1><p>${text}</p></body></html>\n`;
const GONE_PAGE = page('Ссылка больше не действует', 'Срок действия ссылки на чек истёк или она отозвана продавцом. Чек можно проверить по QR-коду в приложении ФНС «Проверка чеков».');
const UNKNOWN_PAGE = page('Ссылка не найдена', 'Проверьте, что ссылка скопирована полностью.');

const getRByCodeSchema = {
  tags: ['documents'],
  security: [],
  summary: 'A receipt short link (from an SMS or Viber receipt): counts the open and redirects to the receipt page',
  params: z.object({ code: codeSchema }),
  response: errorResponses(400, 429),
};

function getRByCodeRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/r/:code',
    {
      config: {
        rateLimit: { max: ctx.authRateLimit.max, timeWindow: ctx.authRateLimit.timeWindowMs, keyGenerator: (r: FastifyRequest) => `short-link:${r.ip}` },
      },
      schema: getRByCodeSchema,
    },
    async (request, reply) => {
      const found = await openShortLink(ctx.db, request.params.code);
      void reply.header('cache-control', 'private, no-store').header('x-robots-tag', 'noindex').header('referrer-policy', 'no-referrer');
      if (found.kind === 'ok') return reply.redirect(`${ctx.publicUrl}${found.target}`, 302);
      return reply
        .code(found.kind === 'gone' ? 410 : 404)
        .type('text/html; charset=utf-8')
        .send((found.kind === 'gone' ? GONE_PAGE : UNKNOWN_PAGE) as never);
    },
  );
}

export function shortLinkPublicRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getRByCodeRoute(app, ctx);
  };
}

function shortLinkLocals(ctx: ApiContext) {
  async function refuseLimited(p: Principal, organizationId: number): Promise<void> {
    if (await isLimited(ctx.db, p, organizationId)) throw new ApiError('FORBIDDEN', 'a member limited to outlets or registers does not manage the organization’s receipt links');
  }
  const json = (r: ShortLinkRow): z.infer<typeof linkOut> => ({
    code: r.code,
    url: `${ctx.publicUrl}/r/${r.code}`,
    fn: r.fn,
    fd: Number(r.fd),
    createdAt: iso(r.created_at),
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    opens: r.opens,
    lastOpenedAt: iso(r.last_opened_at),
  });
  return { refuseLimited, json };
}
type ShortLinkLocals = ReturnType<typeof shortLinkLocals>;

const getOrganizationsByIdShortLinksSchema = {
  tags: ['documents'],
  summary: 'Short links of the organization’s SMS and Viber receipts, newest first, with their opens',
  params: z.object({ id: idSchema }),
  querystring: z.object({ fn: fnSchema.optional(), fd: fdSchema.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
  response: { 200: z.object({ items: z.array(linkOut) }), ...errorResponses(400, 401, 403, 404, 429) },
};

function getOrganizationsByIdShortLinksRoute(app: ApiApp, ctx: ApiContext, { refuseLimited, json }: ShortLinkLocals): void {
  app.get(
    '/organizations/:id/short-links',
    { schema: getOrganizationsByIdShortLinksSchema },
    async (request) => {
      const id = request.params.id;
      const p = principalOf(request);
      authorizeOrganization(p, id, 'documents:read', 'organization');
      if (!(await findOrganization(ctx.db, id))) throw notFound('organization');
      await refuseLimited(p, id);
      const q = request.query;
      return { items: (await listShortLinks(ctx.db, id, q.limit, q.fn, q.fd)).map(json) };
    },
  );
}

const deleteOrganizationsByIdShortLinksByCodeSchema = {
  tags: ['documents'],
  summary: 'Revoke a short link (it answers 410 from then on); needs receipts:send',
  params: z.object({ id: idSchema, code: codeSchema }),
  response: { 200: linkOut, ...errorResponses(400, 401, 403, 404, 429) },
};

function deleteOrganizationsByIdShortLinksByCodeRoute(app: ApiApp, ctx: ApiContext, { refuseLimited, json }: ShortLinkLocals): void {
  app.delete(
    '/organizations/:id/short-links/:code',
    { schema: deleteOrganizationsByIdShortLinksByCodeSchema },
    async (request) => {
      const { id, code } = request.params;
      const p = principalOf(request);
      authorizeOrganization(p, id, 'documents:read', 'organization');
      authorizeOrganization(p, id, 'receipts:send', 'organization');
      await refuseLimited(p, id);
      const row = await revokeShortLink(ctx.db, id, code);
      if (!row) throw notFound('short link');
      await audit(ctx.db, request, p, id, 'short_link.revoked', `short-link:${code}`, { fn: row.fn, fd: Number(row.fd) });
      return json(row);
    },
  );
}

export function shortLinkRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    const locals = shortLinkLocals(ctx);
    getOrganizationsByIdShortLinksRoute(app, ctx, locals);
    deleteOrganizationsByIdShortLinksByCodeRoute(app, ctx, locals);
  };
}
