/**
 * One process, many roles (architecture decision 9): `OFD_ROLES` picks `gateway`, `worker`, `api` (all by default).
 * Every process serves the ops endpoints (`/metrics`, `/health`) on OFD_HTTP_PORT so Prometheus scrapes every role.
 * Shutdown is ordered and bounded: stop accepting → finish in-flight frames → close producers → close workers → close
 * HTTP → close pools.
 */
import cluster from 'node:cluster';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { clusterMetricsRenderer } from './cluster/cluster-metrics.js';
import { applyChildNice, servesHttp, startSupervisor } from './cluster/supervisor.js';
import { childPlan } from './config/child-plan.js';
import { loadConfig, type Config } from './config.js';
import type { Database } from './db/database.js';
import { startHttp } from './main/api-role.js';
import { orderedShutdown, type StartContext } from './main/context.js';
import { startGatewayRole } from './main/gateway-role.js';
import { startDatabaseRoles } from './main/worker-role.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { registerQueueDepthMetrics } from './queue/queue-depth.js';
import { QUEUE_NAMES } from './queue/queue-names.js';

export interface Running {
  gatewayPort?: number;
  markingPort?: number;
  /** 0: this process serves no HTTP (a worker-only child of a split npm start). */
  httpPort: number;
  close(): Promise<void>;
}

export async function start(config: Config, logger: Logger = createLogger(config.log)): Promise<Running> {
  const ownMetrics = createMetrics({ roles: config.roles });
  // A child of the supervisor shares the HTTP port with its siblings: its /metrics answers for all of them.
  const metrics = cluster.isWorker ? { ...ownMetrics, render: clusterMetricsRenderer(ownMetrics.registry) } : ownMetrics;
  const ctx: StartContext = { config, logger, metrics, closers: [], readiness: [] };
  const { closers } = ctx;
  const running: Partial<Running> = {};

  const queueDepth = registerQueueDepthMetrics(metrics, { connection: config.redisUrl, prefix: config.queuePrefix, queues: QUEUE_NAMES });

  if (config.roles.includes('gateway')) Object.assign(running, await startGatewayRole(ctx));

  let apiDb: Kysely<Database> | undefined;
  if (config.roles.includes('worker') || config.roles.includes('api')) {
    const db = await startDatabaseRoles(ctx);
    if (config.roles.includes('api')) apiDb = db;
  }

  if (servesHttp()) {
    const http = await startHttp(ctx, apiDb, { name: 'queue-depth', close: () => queueDepth.close() });
    running.httpPort = http.port;
    // HTTP closes before the pools it reads from (decision 9).
    const poolsAt = closers.findIndex((c) => c.name === 'postgres');
    closers.splice(poolsAt === -1 ? closers.length : poolsAt, 0, ...http.closers);
  } else {
    // A worker-only child of a split npm start: the HTTP port belongs to the children with the API (the kernel would
    // hand this child half of the API's requests, to answer 404). Its metrics reach /metrics through the primary.
    running.httpPort = 0;
    closers.push({ name: 'queue-depth', close: () => queueDepth.close() });
  }

  return {
    ...running,
    httpPort: running.httpPort,
    close: orderedShutdown(closers, logger),
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
  if (cluster.isPrimary && childPlan(config).length > 1) {
    const supervisor = await startSupervisor(config, logger);
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down every process');
      void supervisor.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    return;
  }
  applyChildNice(logger);
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
