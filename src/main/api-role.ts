/**
 * The HTTP server: every process serves the ops endpoints (`/metrics`, `/health`); with the API role (a database
 * pool passed in) it serves the cabinet's API too.
 */
import type { Kysely } from 'kysely';
import { createSmtpEmailSender } from '../adapters/email/smtp-email-sender.js';
import { createHttpPaymentProvider } from '../adapters/payments/http-payment-provider.js';
import { createTrustStore } from '../adapters/signature/trust-store.js';
import { buildApp } from '../api/app.js';
import type { Database } from '../db/database.js';
import { createProducerRedis } from '../queue/redis-connection.js';
import { createFnsKktQueue } from '../workers/fns/kkt-registration.worker.js';
import type { Closer, StartContext } from './context.js';

/**
 * Starts listening; returns the port and the closers that must run before the database pools close (`queueDepth`
 * closes among them, after the HTTP server and before the KKT registration queue).
 */
export async function startHttp(
  ctx: StartContext,
  apiDb: Kysely<Database> | undefined,
  queueDepth: Closer,
): Promise<{ port: number; closers: Closer[] }> {
  const { config, logger } = ctx;
  const deps = apiDependencies(ctx, apiDb);
  const { email, kktQueue, trust, payments, limitsRedis } = deps;
  const k = config.kktRegistration;
  const app = buildApp({
    kktRegistration: {
      trust,
      verifyOptions: { requireCrl: k.requireCrl },
      enqueue: kktQueue?.enqueue,
      operatorInn: config.operatorInn,
    },
    metrics: ctx.metrics,
    logger,
    readiness: ctx.readiness,
    ...(apiDb ? { db: apiDb } : {}),
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    operatorEmails: config.operatorEmails,
    ...(config.jwtSecret ? { jwtSecret: config.jwtSecret } : {}),
    mode: config.mode,
    publicUrl: config.publicUrl,
    // Without the queue's {hash tag}: every limit key is a single-key command, so on a Redis Cluster they spread over
    // the slots instead of piling onto the queues' master.
    ...(limitsRedis ? { redis: limitsRedis, redisPrefix: `${config.queuePrefix.replace(/[{}]/g, '')}:api` } : {}),
    webhookAllowHosts: config.webhookAllowHosts,
    receiptSendsPerHour: config.receiptSendsPerHour,
    exportRetentionDays: config.exportRetentionDays,
    authRateLimit: { max: config.authRequestsPerMinute, timeWindowMs: 60_000 },
    ...(email ? { email } : {}),
    corsOrigins: config.corsOrigins,
    onboarding: { gatewayPublicAddress: config.gatewayPublicAddress, gatewayPort: config.gatewayPort, operatorInn: config.operatorInn },
    unpaidPolicy: config.billing.unpaidPolicy,
    requisites: config.billing.requisites,
    pdfFont: config.billing.pdfFont,
    ...(payments ? { payments, paymentWebhookSecret: config.billing.paySecret } : {}),
  });
  await app.listen({ host: config.host, port: config.httpPort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  return {
    port,
    closers: [
      { name: 'http', close: () => app.close() },
      { name: 'email', close: async () => email?.close() },
      { name: 'api-limits-redis', close: async () => limitsRedis?.disconnect() },
      queueDepth,
      { name: 'fns-kkt-queue', close: async () => kktQueue?.close() },
    ],
  };
}

function apiDependencies(ctx: StartContext, apiDb: Kysely<Database> | undefined) {
  const { config, logger } = ctx;
  const email = config.smtpUrl && apiDb ? createSmtpEmailSender({ url: config.smtpUrl }) : undefined;
  const kktQueue = apiDb ? createFnsKktQueue(config.redisUrl, config.queuePrefix) : undefined;
  const k = config.kktRegistration;
  const trust = createTrustStore({ caFile: k.signatureCaFile, crlDir: k.signatureCrlDir });
  trust(); // a missing or unreadable CA file or CRL stops the start, naming it, rather than failing the first signature
  const payments =
    config.billing.payUrl && config.billing.paySecret && apiDb ? createHttpPaymentProvider({ url: config.billing.payUrl, secret: config.billing.paySecret }) : undefined;
  if (payments) ctx.closers.push({ name: 'payments', close: () => payments.close() });
  if (apiDb && !email) {
    logger.warn(
      config.mode === 'development'
        ? 'SMTP_URL is not set: sign-up and password-reset links are written to this log instead of e-mailed (development mode)'
        : 'SMTP_URL is not set: sign-up and password-reset e-mails cannot be sent',
    );
  }
  // Limits shared by every API process: rate limits, failed logins per account, e-receipt sends per organization.
  const limitsRedis = apiDb ? createProducerRedis(config.redisUrl, { connectionName: `${config.queuePrefix}:api:limits` }) : undefined;
  limitsRedis?.on('error', (e: Error) => logger.debug({ err: e }, 'API limits Redis connection error'));
  return { email, kktQueue, trust, payments, limitsRedis };
}
