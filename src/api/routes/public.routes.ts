/**
 * The public buyer check: anyone holding a printed receipt may fetch it by the fields of its FNS QR code — the query
 * string is the QR string itself (`t=…&s=…&fn=…&i=…&fp=…&n=…`). Every field must match the stored receipt (the fiscal
 * sign is the proof of possession); any mismatch is the same 404. Rate-limited per client address.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findStoredDocument } from '../../db/api-documents.repository.js';
import { storedFnsJson } from '../../db/fns-json.js';
import type { ApiApp, ApiContext } from '../context.js';
import { errorResponses, notFound } from '../errors.js';
import { qrTimeToLocal } from '../../domain/receipt-view.js';
import { fnSchema, fdSchema } from '../schemas.js';

export const publicCheckQuery = z.object({
  t: z.string().regex(/^\d{8}T\d{4}(\d{2})?$/, 'expected YYYYMMDDTHHMM').meta({ description: 'Date and time, YYYYMMDDTHHMM[SS]' }),
  s: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,2})?$/, 'expected rubles, e.g. 181.00')
    .transform((v) => {
      const [r, k = ''] = v.split('.');
      return Number(r) * 100 + Number(k.padEnd(2, '0'));
    })
    .meta({ description: 'Total in rubles, e.g. 181.00' }),
  fn: fnSchema,
  i: fdSchema,
  fp: z.coerce.number().int().min(0).max(0xffff_ffff).meta({ description: 'ФПД' }),
  n: z.coerce.number().int().min(1).max(4).optional().meta({ description: '1054 operation type' }),
});

/** The stored receipt a QR string names, when every field matches; undefined otherwise (one answer for every mismatch). */
export async function findCheckedReceipt(db: ApiContext['db'], q: z.infer<typeof publicCheckQuery>) {
  const row = await findStoredDocument(db, q.fn, q.i);
  const matches =
    row !== undefined &&
    row.fiscal_sign === q.fp &&
    row.total_sum === q.s &&
    row.date_time !== null &&
    row.date_time.slice(0, 16) === qrTimeToLocal(q.t) &&
    (q.n === undefined || row.operation_type === q.n);
  return matches ? row : undefined;
}

const getPublicCheckSchema = {
  tags: ['documents'],
  security: [],
  summary: 'Buyer check: a receipt by the fields of its QR code (no credentials; all fields must match)',
  querystring: publicCheckQuery,
  response: {
    200: z.object({
      document: z.record(z.string(), z.unknown()).meta({ description: '`{ "receipt": { …FNS JSON… } }`' }),
      receivedAt: z.string(),
    }),
    ...errorResponses(400, 404, 429),
  },
};

function getPublicCheckRoute(app: ApiApp, ctx: ApiContext): void {
  app.get(
    '/public/check',
    {
      config: {
        public: true,
        rateLimit: { max: ctx.authRateLimit.max, timeWindow: ctx.authRateLimit.timeWindowMs, keyGenerator: (r: FastifyRequest) => `check:${r.ip}` },
      },
      schema: getPublicCheckSchema,
    },
    async (request) => {
      const row = await findCheckedReceipt(ctx.db, request.query);
      if (!row) throw notFound('receipt');
      return { document: storedFnsJson(row), receivedAt: row.received_at.toISOString() };
    },
  );
}

export function publicRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    getPublicCheckRoute(app, ctx);
  };
}
