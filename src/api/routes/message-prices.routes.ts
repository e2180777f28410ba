/**
 * What one e-receipt costs by channel (issue 17; catalogue data, migration 0058): e-mail free, an SMS and a Viber
 * message each their units of the SMS package, or their postpaid price when sent on credit.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MESSAGE_CHANNELS, messagePrices } from '../../db/message-charges.repository.js';
import type { ApiContext } from '../context.js';
import { errorResponses } from '../errors.js';
import { kopecksSchema } from '../schemas.js';

const messagePriceOut = z
  .object({
    channel: z.enum(MESSAGE_CHANNELS),
    title: z.string(),
    units: z.number().int().meta({ description: 'SMS-package units one message takes (0: free)' }),
    postpaidPrice: kopecksSchema.meta({ description: 'Kopecks per unit sent on credit (postpaid SMS), billed at the end of the month' }),
  })
  .meta({ id: 'MessagePrice' });

export function messagePriceRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/market/message-prices',
      {
        schema: {
          tags: ['billing'],
          summary: 'What one e-receipt costs by channel: e-mail, SMS, Viber (a Viber message that falls back to SMS is charged as the SMS)',
          response: { 200: z.object({ items: z.array(messagePriceOut) }), ...errorResponses(401, 429) },
        },
      },
      async () => ({ items: await messagePrices(ctx.db) }),
    );
  };
}
