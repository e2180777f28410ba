// Every /api/v1 route module, mounted by buildApp under the prefix.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiContext } from '../context.js';
import { authRoutes } from './auth.routes.js';
import { documentRoutes } from './documents.routes.js';
import { kktApplicationRoutes } from './kkt-applications.routes.js';
import { markingRoutes } from './marking.routes.js';
import { exportRoutes } from './exports.routes.js';
import { notificationRoutes } from './notifications.routes.js';
import { organizationRoutes } from './organizations.routes.js';
import { publicRoutes } from './public.routes.js';
import { registryRoutes } from './registry.routes.js';
import { reportRoutes } from './reports.routes.js';
import { searchRoutes } from './search.routes.js';
import { sessionRoutes } from './session.routes.js';
import { signatureSignInRoutes } from './signature-sign-in.routes.js';
import { shiftRoutes } from './shifts.routes.js';
import { receiptDeliveryRoutes } from './receipts-delivery.routes.js';
import { webhookRoutes } from './webhooks.routes.js';
import { onboardingApiRoutes } from './onboarding-index.js';
import { billingRoutes } from './billing.routes.js';
import { billingDocumentRoutes } from './billing-documents.routes.js';
import { marketRoutes } from './market.routes.js';
import { paymentRoutes } from './payments.routes.js';
import { tariffRoutes } from './tariffs.routes.js';
import { serviceEndingRoutes } from './service-ending.routes.js';
import { receiptBrandRoutes } from './receipt-brand.routes.js';
import { shortLinkRoutes } from './short-links.routes.js';

export function apiRoutes(ctx: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(authRoutes(ctx));
    await app.register(sessionRoutes(ctx));
    await app.register(signatureSignInRoutes(ctx));
    await app.register(organizationRoutes(ctx));
    await app.register(registryRoutes(ctx));
    await app.register(documentRoutes(ctx));
    await app.register(shiftRoutes(ctx));
    await app.register(searchRoutes(ctx));
    await app.register(markingRoutes(ctx));
    await app.register(publicRoutes(ctx));
    await app.register(receiptDeliveryRoutes(ctx));
    await app.register(webhookRoutes(ctx));
    await app.register(notificationRoutes(ctx));
    await app.register(reportRoutes(ctx));
    await app.register(kktApplicationRoutes(ctx));
    await app.register(onboardingApiRoutes(ctx));
    await app.register(exportRoutes(ctx));
    await app.register(billingRoutes(ctx));
    await app.register(tariffRoutes(ctx));
    await app.register(paymentRoutes(ctx));
    await app.register(marketRoutes(ctx));
    await app.register(billingDocumentRoutes(ctx));
    await app.register(serviceEndingRoutes(ctx));
    await app.register(receiptBrandRoutes(ctx));
    await app.register(shortLinkRoutes(ctx));
  };
}
