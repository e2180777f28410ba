// Throughput and latency of the durable document enqueue, micro-batched vs one add per document.
//
//   npx tsx bench/queue-producer.bench.ts [--docs 20000] [--connections 500] [--aof-always]
//
// Each "connection" enqueues its documents one after another, waiting for each to resolve (a register waits for its ack
// before sending the next). REDIS_URL (default redis://127.0.0.1:6379) is used, under a throw-away key prefix that is
// deleted afterwards; --aof-always instead starts a private redis-server with `appendfsync always` in a temp dir.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createMetrics } from '../src/observability/metrics.js';
import { createDocumentProducer } from '../src/queue/document-producer.js';
import { documentJobId } from '../src/queue/job-ids.js';
import { JOB_OPTIONS } from '../src/queue/job-options.js';
import type { DocumentJob } from '../src/queue/jobs.js';
import { createProducerRedis } from '../src/queue/redis-connection.js';
import { startRedisProcess, type RedisProcess } from '../test/support/redis-process.js';

const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '500' },
    'aof-always': { type: 'boolean', default: false },
  },
});
const DOCS = Number(args.docs);
const CONNECTIONS = Number(args.connections);
const FN = '9999078900012345';
const container = randomBytes(300).toString('base64');

function job(fd: number): DocumentJob {
  return {
    fn: FN, fd, form: 3, receivedAt: new Date().toISOString(), container,
    crypto: 'devsign', signStatus: 'verified', flk: { ok: true, codes: [] },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Runs CONNECTIONS sequential senders over DOCS documents; returns docs/s and per-document latencies. */
async function drive(enqueue: (job: DocumentJob) => Promise<unknown>): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 1;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let fd = next++; fd <= DOCS; fd = next++) {
        const t = performance.now();
        await enqueue(job(fd));
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: DOCS / seconds, latencies: latencies.sort((a, b) => a - b) };
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

function report(name: string, r: { perSecond: number; latencies: number[] }, extra = ''): void {
  const l = r.latencies;
  console.log(
    `${name.padEnd(30)} ${Math.round(r.perSecond).toString().padStart(8)} docs/s  ` +
      `p50 ${percentile(l, 50).toFixed(2)} ms  p99 ${percentile(l, 99).toFixed(2)} ms  max ${percentile(l, 100).toFixed(2)} ms${extra}`,
  );
}

async function main(): Promise<void> {
  let server: RedisProcess | undefined;
  let dir: string | undefined;
  let url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (args['aof-always']) {
    dir = await mkdtemp(path.join(tmpdir(), 'ofd-bench-aof-'));
    server = await startRedisProcess({ args: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] });
    url = server.url;
  }
  console.log(`queue-producer bench: ${DOCS} documents, ${CONNECTIONS} concurrent senders, Redis ${url}` +
    `${args['aof-always'] ? ' (appendfsync always)' : ''}, node ${process.version}`);
  const prefixes: string[] = [];
  try {
    const configs = [
      { name: 'batched (defaults 100/2ms/8)', options: {} },
      { name: 'batched 500/2ms/4', options: { maxBatch: 500, maxDelayMs: 2, maxInFlightBatches: 4 } },
      { name: 'batched 100/0ms/8', options: { maxBatch: 100, maxDelayMs: 0, maxInFlightBatches: 8 } },
    ];
    // Warm-up (JIT, script cache, connection setup) so the first configuration measured is not penalised.
    {
      const prefix = `bench-${randomUUID().slice(0, 8)}`;
      prefixes.push(prefix);
      const producer = createDocumentProducer({ connection: url, prefix });
      await producer.waitUntilReady();
      await drive((j) => producer.enqueue(j));
      await producer.close();
    }
    for (const { name, options } of configs) {
      const prefix = `bench-${randomUUID().slice(0, 8)}`;
      prefixes.push(prefix);
      const metrics = createMetrics({ defaultMetrics: false });
      const producer = createDocumentProducer({ connection: url, prefix, metrics, ...options });
      await producer.waitUntilReady();
      const result = await drive((j) => producer.enqueue(j));
      const { values } = await metrics.gateway.enqueueBatchSize.get();
      const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
      report(name, result, `  (${count} batch jobs, avg ${(DOCS / count).toFixed(1)} documents)`);
      await producer.close();
    }

    const prefix = `bench-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const redis = createProducerRedis(url);
    const queue = new Queue<DocumentJob>('documents', { connection: redis, prefix, defaultJobOptions: JOB_OPTIONS.documents });
    await queue.waitUntilReady();
    report('one queue.add per document', await drive((j) => queue.add('document', j, { jobId: documentJobId(j.fn, j.fd) })));
    await queue.close();
    await redis.quit();
  } finally {
    for (const prefix of prefixes) await deletePrefix(url, prefix);
    await server?.stop('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
