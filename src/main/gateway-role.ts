/** The gateway role: the ОФД port and the marking port (§6), sharing one connection budget. */
import { createCryptoBox } from '../adapters/crypto-box/create-crypto-box.js';
import { createHttpCrptClient } from '../adapters/crpt/http-crpt-client.js';
import { loadCrptSigner } from '../adapters/crpt/signer-config.js';
import { createUnpaidFiscalDrives } from '../billing/unpaid-registers.js';
import { createDb } from '../db/database.js';
import { MOSCOW_UTC_OFFSET_MINUTES } from '../domain/local-time.js';
import { startAckReports } from '../gateway/ack-reports.js';
import { createInspector } from '../gateway/flk/inspector.js';
import { startGateway } from '../gateway/server.js';
import { startMarkingListener } from '../marking/marking-listener.js';
import { budgetLimit, createConnectionBudget, readOpenFileLimit, type ConnectionBudget } from '../net/connection-budget.js';
import { createDocumentProducer } from '../queue/document-producer.js';
import type { StartContext } from './context.js';
import { reportGatewayLoad } from '../cluster/worker-yield.js';

export interface GatewayPorts {
  gatewayPort: number;
  markingPort: number;
}

export async function startGatewayRole(ctx: StartContext): Promise<GatewayPorts> {
  const { config, logger, metrics } = ctx;
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
  ctx.readiness.push({ name: 'redis', check: async () => { if (!producer.isReady()) throw new Error('document producer not connected'); } });
  const budget = connectionBudget(ctx);
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
  const marking = await startMarkingPort(ctx, budget);
  // Under a supervised npm start: tells the primary how busy this gateway is, so storing yields to it (worker-yield.ts).
  const stopLoadReports = reportGatewayLoad();
  // Order matters: stop taking messages and answer those in flight, then flush the producer, then the crypto box.
  ctx.closers.push(
    { name: 'gateway', close: () => { stopLoadReports(); return gateway.close(); } },
    { name: 'marking', close: () => marking.close() },
    { name: 'marking-crpt', close: async () => marking.crpt?.close() },
    { name: 'ack-reports', close: () => ackReports.close() },
    { name: 'producer', close: () => producer.close() },
    { name: 'crypto', close: () => crypto.close() },
    { name: 'unpaid-registers', close: async () => { unpaidFiscalDrives?.close(); await unpaidDb?.close(); } },
  );
  return { gatewayPort: gateway.port, markingPort: marking.port };
}

/**
 * One budget for both ports, below the file-descriptor limit: a flood of connections cannot take the descriptors
 * the acks (Redis) and /health (HTTP) need.
 */
function connectionBudget({ config, logger }: StartContext): ConnectionBudget {
  const budgetOf = budgetLimit(config.gateway.maxConnections, readOpenFileLimit());
  if (budgetOf.clamped) logger.warn(budgetOf, 'OFD_GATEWAY_MAX_CONNECTIONS lowered to fit the open-files limit (ulimit -n); raise the limit to allow more');
  else logger.info(budgetOf, 'register connection budget');
  return createConnectionBudget(budgetOf.limit);
}

/**
 * The marking channel (§6): its own listener, with a short-timeout, no-retry CRPT client so slow code checks
 * cannot pile up behind the 1.5 s answer budget.
 */
async function startMarkingPort({ config, logger, metrics }: StartContext, budget: ConnectionBudget) {
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
  return { port: marking.port, close: () => marking.close(), crpt: markingCrpt };
}
