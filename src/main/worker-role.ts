/** The PostgreSQL pool of the worker and API roles, and the worker role's queue consumers and tickers. */
import { sql, type Kysely } from 'kysely';
import { createHttpFnsKktClient } from '../adapters/fns-kkt/http-fns-kkt-client.js';
import { loadCrptSigner } from '../adapters/crpt/signer-config.js';
import { createSmtpEmailSender } from '../adapters/email/smtp-email-sender.js';
import { createDb, type Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { ensureDocumentPartitions } from '../db/partitions.js';
import { startAckReportsWorker } from '../workers/acks/acks.worker.js';
import { startCrptWorker } from '../workers/crpt/crpt.worker.js';
import { startExportsWorker } from '../workers/exports/exports.worker.js';
import { startFnsWorker } from '../workers/fns/fns.worker.js';
import { startFnsKktWorker } from '../workers/fns/kkt-registration.worker.js';
import { startBillingTicker } from '../workers/housekeeping/billing-ticker.js';
import { startHousekeeping } from '../workers/housekeeping/housekeeping.worker.js';
import { startNotifyWorker } from '../workers/notify/notify.worker.js';
import { BUSY_GATEWAY_CONCURRENCY, startPersistWorker } from '../workers/persist/persist.worker.js';
import { followYieldRequests } from '../cluster/worker-yield.js';
import { followPersistBacklog, forwardingYieldSettings, type ForwardingWorker } from '../workers/shared/forwarding-yield.js';
import type { StartContext } from './context.js';

/** Opens the pool, migrates, starts the workers if this process has the worker role; the pool closes last. */
export async function startDatabaseRoles(ctx: StartContext): Promise<Kysely<Database>> {
  const { config, logger } = ctx;
  const database = createDb(config.databaseUrl, { applicationName: `ofd-${config.roles.join('-')}` });
  // Migrations run at start-up (architecture §4); partitions for the months ahead are made now and daily after.
  await migrateToLatest(database.db);
  await ensureDocumentPartitions(database.db);
  const partitionTimer = setInterval(() => void ensureDocumentPartitions(database.db).catch((e: unknown) => logger.error({ err: e }, 'partition upkeep failed')), 24 * 3600_000);
  partitionTimer.unref();
  ctx.readiness.push({ name: 'postgres', check: async () => void (await sql`select 1`.execute(database.db)) });
  if (config.roles.includes('worker')) {
    const storing = await startForwardingWorkers(ctx, database.db);
    const notify = startDeliveryWorkers(ctx, database.db);
    forwardingYieldsToStoring(ctx, storing.persist, [...storing.forwarding, notify]);
  }
  ctx.closers.push({ name: 'postgres', close: async () => { clearInterval(partitionTimer); await database.close(); } });
  return database.db;
}

/**
 * While the persist worker is backlogged, this process's fns, crpt and e-receipt workers stop fetching, the lag bounded
 * (src/workers/shared/forwarding-yield.ts). Its closer goes first: sampling stops before any worker closes (one left
 * paused closes as it is).
 */
function forwardingYieldsToStoring(ctx: StartContext, persist: { backlogged(): boolean }, workers: ForwardingWorker[]): void {
  const { config, logger, metrics, closers } = ctx;
  if (config.forwardYield.maxPauseMs <= 0) return;
  const stop = followPersistBacklog({
    backlogged: () => persist.backlogged(),
    workers,
    settings: forwardingYieldSettings(config.forwardYield.maxPauseMs),
    logger,
    onChange: (paused) => {
      metrics.worker.forwardingYielding.set(paused ? 1 : 0);
      if (paused) metrics.worker.forwardingYields.inc();
    },
  });
  closers.unshift({ name: 'forwarding-yield', close: () => Promise.resolve(stop()) });
}

/** Storing documents, their acks, and forwarding them to the FNS and CRPT. */
async function startForwardingWorkers(
  ctx: StartContext,
  db: Kysely<Database>,
): Promise<{ persist: { backlogged(): boolean }; forwarding: ForwardingWorker[] }> {
  const { config, logger, metrics, closers } = ctx;
  const worker = await startPersistWorker({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    db,
    logger: logger.child({ role: 'worker' }),
    metrics,
    // Unset: the persist worker's own defaults. Shorter values get a killed worker's documents stored sooner.
    ...(config.persist.lockDurationMs === undefined ? {} : { lockDurationMs: config.persist.lockDurationMs }),
    ...(config.persist.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: config.persist.stalledIntervalMs }),
    usualAsNull: config.persist.usualAsNull,
    // Beside a gateway on one event loop (every role in one process), few documents held: storing competes with acks
    // for that loop. A worker-only process holds many (persist.worker.ts), fewer while its supervisor says a gateway is busy.
    ...(config.roles.includes('gateway') ? { concurrency: BUSY_GATEWAY_CONCURRENCY } : {}),
  });
  // Under a supervised npm start: pauses while the gateway children are busy (src/cluster/worker-yield.ts).
  const stopYielding = followYieldRequests(worker, logger, (paused) => {
    metrics.worker.yielding.set(paused ? 1 : 0);
    if (paused) metrics.worker.yields.inc();
  });
  closers.push({ name: 'persist-worker', close: () => { stopYielding(); return worker.close(); } });
  const forwarding: ForwardingWorker[] = [];
  const acks = startAckReportsWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db, logger: logger.child({ role: 'worker' }), metrics });
  closers.push({ name: 'acks-worker', close: () => acks.close() });
  if (config.fnsUrl) {
    const fns = startFnsWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db, fnsUrl: config.fnsUrl, logger: logger.child({ role: 'fns-worker' }), metrics });
    closers.push({ name: 'fns-worker', close: () => fns.close() });
    forwarding.push(fns);
  } else {
    logger.warn('FNS_URL is not set: documents are stored but not forwarded to the FNS (the fns queue keeps them)');
  }
  if (config.crptUrl) {
    const crpt = startCrptWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db, crptUrl: config.crptUrl, signer: loadCrptSigner(), operatorInn: config.operatorInn, logger: logger.child({ role: 'crpt-worker' }), metrics });
    closers.push({ name: 'crpt-worker', close: () => crpt.close() });
    forwarding.push(crpt);
  } else {
    logger.warn('CRPT_URL is not set: marked sales are queued but not forwarded to CRPT');
  }
  return { persist: worker, forwarding };
}

/** E-receipts and webhooks, KKT registration, exports, housekeeping and billing. */
function startDeliveryWorkers(ctx: StartContext, db: Kysely<Database>): ForwardingWorker {
  const { config, logger, metrics, closers } = ctx;
  if (config.mode === 'production' && config.eReceipts.linkBaseUrl === undefined) {
    // Valid (a worker needs no public address to store and forward), but what it sends people is then poorer.
    logger.warn(
      `OFD_PUBLIC_URL is not set: links in this worker's e-mails (notifications, exports) point to ${config.publicUrl}, and SMS and Viber e-receipts carry the QR string instead of a link; set it to the cabinet's public address`,
    );
  }
  // E-receipts (e-mail, SMS, Viber) and webhooks; without SMTP_URL / SMS_URL those receipts end as not configured,
  // without VIBER_URL Viber receipts go by SMS.
  const receiptEmail = config.smtpUrl ? createSmtpEmailSender({ url: config.smtpUrl }) : undefined;
  const notify = startNotifyWorker({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    db,
    logger: logger.child({ role: 'notify-worker' }),
    metrics,
    ...(receiptEmail ? { email: receiptEmail } : {}),
    ...(config.smsUrl ? { smsUrl: config.smsUrl } : {}),
    ...(config.viberUrl ? { viberUrl: config.viberUrl } : {}),
    viberOptions: { deliveryWaitMs: config.eReceipts.viberWaitMs },
    shortLinkTtlMs: config.eReceipts.shortLinkTtlMs,
    ...(config.eReceipts.linkBaseUrl ? { receiptPageUrl: config.eReceipts.linkBaseUrl } : {}),
    cabinetUrl: config.publicUrl,
    webhookAllowHosts: config.webhookAllowHosts,
  });
  closers.push({ name: 'notify-worker', close: async () => { await notify.close(); await receiptEmail?.close(); } });
  startKktRegistrationWorker(ctx, db);
  // Background receipt exports and «Выгрузки» (their e-mails need SMTP_URL; the files are kept for download anyway).
  const exportEmail = config.smtpUrl ? createSmtpEmailSender({ url: config.smtpUrl }) : undefined;
  const exportsWorker = startExportsWorker({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    db,
    logger: logger.child({ role: 'exports-worker' }),
    email: exportEmail,
    publicUrl: config.publicUrl,
    retentionDays: config.exportRetentionDays,
  });
  closers.push({ name: 'exports-worker', close: async () => { await exportsWorker.close(); await exportEmail?.close(); } });
  const housekeeping = startHousekeeping({ db, logger: logger.child({ role: 'worker' }), retentionDays: config.notificationRetentionDays });
  closers.push({ name: 'housekeeping', close: () => housekeeping.close() });
  const billing = startBillingTicker({ db, logger: logger.child({ role: 'worker' }) });
  closers.push({ name: 'billing', close: () => billing.close() });
  return notify;
}

function startKktRegistrationWorker({ config, logger, closers }: StartContext, db: Kysely<Database>): void {
  if (config.kktRegistration.fnsKktUrl) {
    const kktClient = createHttpFnsKktClient({ url: config.kktRegistration.fnsKktUrl });
    const kkt = startFnsKktWorker({ redisUrl: config.redisUrl, prefix: config.queuePrefix, db, client: kktClient, operatorInn: config.operatorInn, pollIntervalMs: config.kktRegistration.pollIntervalMs, sweepIntervalMs: Math.min(10_000, config.kktRegistration.pollIntervalMs), logger: logger.child({ role: 'fns-kkt-worker' }) });
    closers.push({ name: 'fns-kkt-worker', close: async () => { await kkt.close(); await kktClient.close(); } });
  } else {
    logger.warn('FNS_KKT_URL is not set: signed KKT registration applications wait in PostgreSQL until it is');
  }
}
