/**
 * One process, many roles (architecture decision 9): `OFD_ROLES` picks `gateway`, `worker`, `api` (all by default).
 * Every process serves the ops endpoints (`/metrics`, `/health`) on OFD_HTTP_PORT so Prometheus scrapes every role.
 * Shutdown is ordered and bounded: stop accepting → finish in-flight frames → close producers → close workers → close
 * HTTP → close pools.
 */
import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import { clusterMetricsRenderer } from './cluster/cluster-metrics.js';
import { startSupervisor } from './cluster/supervisor.js';
import { createHttpPaymentProvider } from './adapters/payments/http-payment-provider.js';
import { buildApp, type ReadinessCheck } from './api/app.js';
import { startBillingTicker } from './workers/housekeeping/billing-ticker.js';
import { createUnpaidFiscalDrives } from './billing/unpaid-registers.js';
import { loadConfig, type Config } from './config.js';
import { createCryptoBox } from './adapters/crypto-box/create-crypto-box.js';
import { createInspector } from './gateway/flk/inspector.js';
import { MOSCOW_UTC_OFFSET_MINUTES } from './domain/local-time.js';
import { startGateway } from './gateway/server.js';
import { startAckReports } from './gateway/ack-reports.js';
import { budgetLimit, createConnectionBudget, readOpenFileLimit } from './net/connection-budget.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { createDocumentProducer } from './queue/document-producer.js';
import { QUEUE_NAMES } from './queue/queue-names.js';
import { registerQueueDepthMetrics } from './queue/queue-depth.js';
import { createProducerRedis } from './queue/redis-connection.js';
import { createDb, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { ensureDocumentPartitions } from './db/partitions.js';
import { sql } from 'kysely';
import { startPersistWorker } from './workers/persist/persist.worker.js';
import { startAckReportsWorker } from './workers/acks/acks.worker.js';
import { startFnsWorker } from './workers/fns/fns.worker.js';
import { createHttpCrptClient } from './adapters/crpt/http-crpt-client.js';
import { loadCrptSigner } from './adapters/crpt/signer-config.js';
import { startMarkingListener } from './marking/marking-listener.js';
import { startCrptWorker } from './workers/crpt/crpt.worker.js';
import { startNotifyWorker } from './workers/notify/notify.worker.js';
import { createFnsKktQueue, startFnsKktWorker } from './workers/fns/kkt-registration.worker.js';
import { createHttpFnsKktClient } from './adapters/fns-kkt/http-fns-kkt-client.js';
import { createTrustStore } from './adapters/signature/trust-store.js';
import { startExportsWorker } from './workers/exports/exports.worker.js';
import { startHousekeeping } from './workers/housekeeping/housekeeping.worker.js';
import { createSmtpEmailSender } from './adapters/email/smtp-email-sender.js';
import type { Kysely } from 'kysely';

export interface Running {
  gatewayPort?: number;
  markingPort?: number;
  httpPort: number;
  close(): Promise<void>;
}

export async function start(config: Config, logger: Logger = createLogger(config.log)): Promise<Running> {
  const ownMetrics = createMetrics({ roles: config.roles });
  // A child of the supervisor shares the HTTP port with its siblings: its /metrics answers for all of them.
  const metrics = cluster.isWorker ? { ...ownMetrics, render: clusterMetricsRenderer(ownMetrics.registry) } : ownMetrics;
  const closers: Array<{ name: string; close: () => Promise<unknown> }> = [];
  const readiness: ReadinessCheck[] = [];
  const running: Partial<Running> = {};

  const queueDepth = registerQueueDepthMetrics(metrics, { connection: config.redisUrl, prefix: config.queuePrefix, queues: QUEUE_NAMES });

  if (config.roles.includes('gateway')) {
    const crypto = createCryptoBox(config.crypto);
    const producer = createDocumentProducer({
      connection: config.redisUrl,
      prefix: config.queuePrefix,
      maxDelayMs: config.gateway.enqueueMaxDelayMs,
      maxBatch: config.gateway.enqueueMaxBatch,
      replicaWait: config.redisWait,
      metrics,
      logger,
    });
    readiness.push({ name: 'redis', check: async () => { if (!producer.isReady()) throw new Error('document producer not connected'); } });
    // One budget for both ports, below the file-descriptor limit: a flood of connections cannot take the descriptors
    // the acks (Redis) and /health (HTTP) need.
    const budgetOf = budgetLimit(config.gateway.maxConnections, readOpenFileLimit());
    if (budgetOf.clamped) logger.warn(budgetOf, 'OFD_GATEWAY_MAX_CONNECTIONS lowered to fit the open-files limit (ulimit -n); raise the limit to allow more');
    else logger.info(budgetOf, 'register connection budget');
    const budget = createConnectionBudget(budgetOf.limit);
    // OFD_UNPAID_POLICY=stop: a small pool of its own refreshes the unpaid FNs in the background (never per document).
    const unpaidDb = config.billing.unpaidPolicy === 'stop' ? createDb(config.databaseUrl, { maxConnections: 1, applicationName: 'ofd-gateway-unpaid' }) : undefined;
    const unpaidFiscalDrives = unpaidDb ? createUnpaidFiscalDrives({ db: unpaidDb.db, logger: logger.child({ role: 'gateway' }) }) : undefined;
    // Acks actually written, reported in batches (issue 13 item 4); losing them leaves acked_at null, never a document.
    const ackReports = startAckReports({ redisUrl: config.redisUrl, prefix: config.queuePrefix, log: logger.child({ role: 'gateway' }) });
    const gateway = await startGateway({
      budget,
      onAckWritten: ackReports.written,
      message: {
        crypto,
        enqueue: (job) => producer.enqueue(job),
        inspect: createInspector({ onInternalError: (err, where) => logger.error({ err, where }, 'ФЛК rule failed internally; document passed ФЛК') }),
        operatorInn: config.operatorInn,
        ackUtcOffsetMinutes: MOSCOW_UTC_OFFSET_MINUTES,
        kinds: new Set(['ofd']),
        ...(unpaidFiscalDrives ? { unpaidFiscalDrives } : {}),
      },
      metrics: metrics.gateway,
      log: logger.child({ role: 'gateway' }),
      options: {
        host: config.host,
        port: config.gatewayPort,
        maxConnectionsPerAddress: config.gateway.maxConnectionsPerAddress,
        proxyProtocol: config.gateway.proxyProtocol,
      },
    });
    running.gatewayPort = gateway.port;
    // The marking channel (§6): its own listener, with a short-timeout, no-retry CRPT client so slow code checks
    // cannot pile up behind the 1.5 s answer budget.
    const markingCrpt = config.crptUrl
      ? createHttpCrptClient({ url: config.crptUrl, signer: loadCrptSigner(), timeoutMs: 1200, retries: 0, metrics, logger: logger.child({ role: 'marking' }) })
      : undefined;
    const marking = await startMarkingListener({
      host: config.host,
      port: config.markingPort,
      logger: logger.child({ role: 'marking' }),
      metrics,
      masterKey: config.crypto.devsignKey,
      verifySigns: config.crypto.mode === 'devsign',
      ...(markingCrpt ? { crptClient: markingCrpt } : {}),
      redisUrl: config.redisUrl,
      prefix: config.queuePrefix,
      utcOffsetMinutes: MOSCOW_UTC_OFFSET_MINUTES,
      budget,
      maxConnectionsPerAddress: config.gateway.maxConnectionsPerAddress,
      proxyProtocol: config.gateway.proxyProtocol,
    });
    running.markingPort = marking.port;
    // Order matters: stop taking messages and answer those in flight, then flush the producer, then the crypto box.
    closers.push(
      { name: 'gateway', close: () => gateway.close() },
      { name: 'marking', close: () => marking.close() },
      { name: 'marking-crpt', close: async () => markingCrpt?.close() },
      { name: 'ack-reports', close: () => ackReports.close() },
      { name: 'producer', close: () => producer.close() },
      { name: 'crypto', close: () => crypto.close() },
      { name: 'unpaid-registers', close: async () => { unpaidFiscalDrives?.close(); await unpaidDb?.close(); } },
    );
  }

  let apiDb: Kysely<Database> | undefined;
  if (config.roles.includes('worker') || config.roles.includes('api')) {
    const database = createDb(config.databaseUrl, { applicationName: `ofd-${config.roles.join('-')}` });
    // Migrations run at start-up (architecture §4); partitions for the months ahead are made now and daily after.
    await migrateToLatest(database.db);
    await ensureDocumentPartitions(database.db);
    const partitionTimer = setInterval(() => void ensureDocumentPartitions(database.db).catch((e: unknown) => logger.error({ err: e }, 'partition upkeep failed')), 24 * 3600_000);
    partitionTimer.unref();
    if (config.roles.includes('api')) apiDb = database.db;
    readiness.push({ name: 'postgres', check: async () => void (await sql`select 1`.execute(database.db)) });
    if (config.roles.includes('worker')) {
      const worker = await startPersistWorker({
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        db: database.db,
        logger: logger.child({ role: 'worker' }),
        metrics,
        // Unset: the persist worker's own defaults. Shorter values get a killed worker's documents stored sooner.
        ...(config.persist.lockDurationMs === undefined ? {} : { lockDurationMs: config.persist.lockDurationMs }),
        ...(config.persist.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: config.persist.stalledIntervalMs }),
      });
      closers.push({ name: 'persist-worker', close: () => worker.close() });
      const acks = startAckReportsWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db: database.db, logger: logger.child({ role: 'worker' }), metrics });
      closers.push({ name: 'acks-worker', close: () => acks.close() });
      if (config.fnsUrl) {
        const fns = startFnsWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db: database.db, fnsUrl: config.fnsUrl, logger: logger.child({ role: 'fns-worker' }), metrics });
        closers.push({ name: 'fns-worker', close: () => fns.close() });
      } else {
        logger.warn('FNS_URL is not set: documents are stored but not forwarded to the FNS (the fns queue keeps them)');
      }
      if (config.crptUrl) {
        const crpt = startCrptWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db: database.db, crptUrl: config.crptUrl, signer: loadCrptSigner(), operatorInn: config.operatorInn, logger: logger.child({ role: 'crpt-worker' }), metrics });
        closers.push({ name: 'crpt-worker', close: () => crpt.close() });
      } else {
        logger.warn('CRPT_URL is not set: marked sales are queued but not forwarded to CRPT');
      }
      // E-receipts (e-mail, SMS, Viber) and webhooks; without SMTP_URL / SMS_URL those receipts end as not configured,
      // without VIBER_URL Viber receipts go by SMS.
      const receiptEmail = config.smtpUrl ? createSmtpEmailSender({ url: config.smtpUrl }) : undefined;
      const notify = startNotifyWorker({
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        db: database.db,
        logger: logger.child({ role: 'notify-worker' }),
        metrics,
        ...(receiptEmail ? { email: receiptEmail } : {}),
        ...(config.smsUrl ? { smsUrl: config.smsUrl } : {}),
        ...(config.viberUrl ? { viberUrl: config.viberUrl } : {}),
        viberOptions: { deliveryWaitMs: config.eReceipts.viberWaitMs },
        shortLinkTtlMs: config.eReceipts.shortLinkTtlMs,
        ...(config.eReceipts.linkBaseUrl ? { receiptPageUrl: config.eReceipts.linkBaseUrl } : {}),
        webhookAllowHosts: config.webhookAllowHosts,
      });
      closers.push({ name: 'notify-worker', close: async () => { await notify.close(); await receiptEmail?.close(); } });
      if (config.kktRegistration.fnsKktUrl) {
        const kktClient = createHttpFnsKktClient({ url: config.kktRegistration.fnsKktUrl });
        const kkt = startFnsKktWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db: database.db, client: kktClient, operatorInn: config.operatorInn, pollIntervalMs: config.kktRegistration.pollIntervalMs, sweepIntervalMs: Math.min(10_000, config.kktRegistration.pollIntervalMs), logger: logger.child({ role: 'fns-kkt-worker' }) });
        closers.push({ name: 'fns-kkt-worker', close: async () => { await kkt.close(); await kktClient.close(); } });
      } else {
        logger.warn('FNS_KKT_URL is not set: signed KKT registration applications wait in PostgreSQL until it is');
      }
      // Background receipt exports and «Выгрузки» (their e-mails need SMTP_URL; the files are kept for download anyway).
      const exportEmail = config.smtpUrl ? createSmtpEmailSender({ url: config.smtpUrl }) : undefined;
      const exportsWorker = startExportsWorker({
        redisUrl: config.redisUrl,
        prefix: config.queuePrefix,
        db: database.db,
        logger: logger.child({ role: 'exports-worker' }),
        email: exportEmail,
        publicUrl: config.publicUrl,
        retentionDays: config.exportRetentionDays,
      });
      closers.push({ name: 'exports-worker', close: async () => { await exportsWorker.close(); await exportEmail?.close(); } });
      const housekeeping = startHousekeeping({ db: database.db, logger: logger.child({ role: 'worker' }), retentionDays: config.notificationRetentionDays });
      closers.push({ name: 'housekeeping', close: () => housekeeping.close() });
      const billing = startBillingTicker({ db: database.db, logger: logger.child({ role: 'worker' }) });
      closers.push({ name: 'billing', close: () => billing.close() });
    }
    closers.push({ name: 'postgres', close: async () => { clearInterval(partitionTimer); await database.close(); } });
  }

  const email = config.smtpUrl && apiDb ? createSmtpEmailSender({ url: config.smtpUrl }) : undefined;
  const kktQueue = apiDb ? createFnsKktQueue(config.redisUrl, config.queuePrefix) : undefined;
  const k = config.kktRegistration;
  const trust = createTrustStore({ caFile: k.signatureCaFile, crlDir: k.signatureCrlDir });
  trust(); // a missing or unreadable CA file or CRL stops the start, naming it, rather than failing the first signature
  const payments =
    config.billing.payUrl && config.billing.paySecret && apiDb ? createHttpPaymentProvider({ url: config.billing.payUrl, secret: config.billing.paySecret }) : undefined;
  if (payments) closers.push({ name: 'payments', close: () => payments.close() });
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
  const app = buildApp({
    kktRegistration: {
      trust,
      verifyOptions: { requireCrl: k.requireCrl },
      enqueue: kktQueue?.enqueue,
      operatorInn: config.operatorInn,
    },
    metrics,
    logger,
    readiness,
    ...(apiDb ? { db: apiDb } : {}),
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
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
  running.httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
  // HTTP closes before the pools it reads from (decision 9).
  const poolsAt = closers.findIndex((c) => c.name === 'postgres');
  closers.splice(
    poolsAt === -1 ? closers.length : poolsAt,
    0,
    { name: 'http', close: () => app.close() },
    { name: 'email', close: async () => email?.close() },
    { name: 'api-limits-redis', close: async () => limitsRedis?.disconnect() },
    { name: 'queue-depth', close: () => queueDepth.close() },
    { name: 'fns-kkt-queue', close: async () => kktQueue?.close() },
  );

  let closing: Promise<void> | undefined;
  return {
    ...running,
    httpPort: running.httpPort,
    close() {
      closing ??= (async () => {
        for (const c of closers) {
          try {
            await c.close();
          } catch (e) {
            logger.error({ err: e, component: c.name }, 'error during shutdown');
          }
        }
      })();
      return closing;
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    process.stderr.write(`error ${(e as { code?: string }).code ?? 'CONFIG_INVALID'}: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.log);
  if (cluster.isPrimary && config.processes > 1) {
    const supervisor = await startSupervisor(config, logger);
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down every process');
      void supervisor.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    return;
  }
  const running = await start(config, logger);
  logger.info({ roles: config.roles, gatewayPort: running.gatewayPort, httpPort: running.httpPort, pid: process.pid }, 'ofd started');
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

// Run when executed: as src/main.ts (tsx), as dist/src/main.js, or through the dist/main.js entry file.
const entry = process.argv[1] ?? '';
if (import.meta.url === pathToFileURL(entry).href || entry.endsWith('/dist/main.js')) {
  main().catch((e: unknown) => {
    process.stderr.write(`error ${(e as { code?: string }).code ?? 'START_FAILED'}: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
