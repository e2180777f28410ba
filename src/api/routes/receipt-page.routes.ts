/**
 * The buyer's receipt page (issue 17): `/check?t=…&s=…&fn=…&i=…&fp=…&n=…` — the receipt's own QR string as the query —
 * answers the receipt as a server-rendered HTML page, on the same lookup as `GET /api/v1/public/check` (every field
 * must match; any mismatch is the same 404 page). Nothing beyond the receipt is shown: no organization data other
 * than what the receipt prints and its e-receipt brand (logo, colours, texts, banners), no links into the cabinet.
 * Rate-limited per client address.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { storedFnsJson } from '../../db/fns-json.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses } from '../errors.js';
import { brandedReceiptPage } from '../../branding/branded-receipt.js';
import { organizationIdByInn } from '../../db/api-organizations.repository.js';
import { brandFor } from '../../db/receipt-brands.repository.js';
import { fnsQrString } from '../../domain/receipt-view.js';
import { findCheckedReceipt, publicCheckQuery } from './public.routes.js';

const NOT_FOUND_PAGE = `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Чек не найден</title></head>
<body><h1>Чек не найден</h1><p>Проверьте данные с QR-кода чека: дату, сумму, номера ФН и ФД и фискальный признак.</p></body></html>
`;

const getCheckSchema = {
  tags: ['documents'],
  security: [],
  summary: 'The buyer’s receipt page (HTML) by the fields of its QR code',
  querystring: publicCheckQuery,
  response: errorResponses(400, 429),
};

function getCheckRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/check',
    {
      config: {
        rateLimit: { max: ctx.authRateLimit.max, timeWindow: ctx.authRateLimit.timeWindowMs, keyGenerator: (r: FastifyRequest) => `check-page:${r.ip}` },
      },
      schema: getCheckSchema,
    },
    async (request, reply) => {
      const row = await findCheckedReceipt(ctx.db, request.query);
      // A page of one buyer's receipt: not to be cached by shared caches, nor indexed.
      void reply.header('cache-control', 'private, no-store').header('x-robots-tag', 'noindex').type('text/html; charset=utf-8');
      if (!row) return reply.code(404).send(NOT_FOUND_PAGE as never);
      const [formName, body] = Object.entries(storedFnsJson(row))[0] ?? ['receipt', {}];
      const qr =
        row.date_time !== null && row.total_sum !== null && row.fiscal_sign !== null && row.operation_type !== null
          ? fnsQrString({ dateTime: row.date_time, totalSum: row.total_sum, fn: row.fn, fd: row.fd, fiscalSign: row.fiscal_sign, operationType: row.operation_type })
          : null;
      const organizationId = row.user_inn === null ? null : await organizationIdByInn(ctx.db, row.user_inn);
      const brand = await brandFor(ctx.db, organizationId, new Date());
      return reply.send((await brandedReceiptPage({ formName, doc: (body ?? {}) as Record<string, unknown>, qr }, brand)) as never);
    },
  );
}

export function receiptPageRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getCheckRoute(app, ctx);
  };
}
