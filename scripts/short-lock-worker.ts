/**
 * The persist worker as `OFD_ROLES=worker` runs it (same startPersistWorker, migrations, metrics), but with a short
 * BullMQ lock and stalled-check interval (OFD_TEST_LOCK_MS, default 3000): the jobs a SIGKILLed worker held are
 * retried after a few seconds instead of BullMQ's 30–60 s. Only for the CI fault test (test/e2e/faults.test.ts), which
 * must finish in under a minute; `npm run faulttest` runs the real src/main.ts. Serves /health/ready and /metrics on
 * OFD_HTTP_PORT so the harness treats it like the real process.
 */
import http from 'node:http';
import { loadConfig } from '../src/config.js';
import { createDb, ensureDocumentPartitions, migrateToLatest } from '../src/db/index.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { startPersistWorker } from '../src/workers/batching-worker.js';

const config = loadConfig();
const lockMs = Number(process.env.OFD_TEST_LOCK_MS ?? 3000);
const logger = createLogger(config.log);
const metrics = createMetrics();
const database = createDb(config.databaseUrl, { applicationName: 'ofd-worker' });
await migrateToLatest(database.db);
await ensureDocumentPartitions(database.db);
const worker = await startPersistWorker({
  redisUrl: config.redisUrl,
  prefix: config.queuePrefix,
  db: database.db,
  logger: logger.child({ role: 'worker' }),
  metrics,
  lockDurationMs: lockMs,
  stalledIntervalMs: lockMs,
});
const server = http.createServer((req, res) => {
  if (req.url === '/metrics') {
    void metrics.render().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
  } else if (req.url?.startsWith('/health')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else {
    res.writeHead(404).end();
  }
});
server.listen(config.httpPort, config.host);
process.once('SIGTERM', () => {
  server.close();
  void worker
    .close()
    .then(() => database.close())
    .finally(() => process.exit(0));
});
