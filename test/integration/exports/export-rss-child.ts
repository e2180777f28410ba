// The API alone in a process of its own, for the export memory test: listens on an ephemeral port, prints it, and on
// SIGTERM prints its peak resident set (getrusage maxrss) and exits.
import { buildApp } from '../../../src/api/app.js';
import { createDb } from '../../../src/db/database.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const handle = createDb(process.env['DATABASE_URL']!, { maxConnections: 4, applicationName: 'export-rss-child' });
const app = buildApp({
  metrics: createMetrics({ defaultMetrics: false }),
  logger: silentLogger(),
  readiness: [],
  db: handle.db,
  adminToken: 'operator-token-for-tests-0123456789',
  jwtSecret: 'jwt-secret-for-tests-0123456789-abcdef',
  rateLimit: false,
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address() as { port: number };
process.stdout.write(`port ${address.port} rss ${process.memoryUsage().rss}\n`);
// The resident set while it works, for the test to see whether it grows with the rows sent.
setInterval(() => process.stdout.write(`sample ${process.memoryUsage().rss}\n`), 100).unref();
process.on('SIGTERM', () => {
  process.stdout.write(`maxrss ${process.resourceUsage().maxRSS * 1024}\n`, () => process.exit(0));
});
