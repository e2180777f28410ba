// Persist worker throughput from a FILLED queue, and storage per million receipts (issue 4).
//
//   npm run bench:persist -- [--receipts 100000] [--items 10] [--registers 500] [--runs 3] [--batch 1000]
//                             [--in-flight 2] [--concurrency N] [--connections 4] [--keep] [--direct] [--fleet]
//
// Builds `--receipts` real signed receipts (test/support/kkt.ts builders, devsign), `--items` items on average (1 to
// 2×items−1, uniform, seeded), spread round-robin over `--registers` fiscal drives (one register and shift each), as the
// gateway would have enqueued them. Each run: a fresh database `ofd_bench_<hex>` on DATABASE_URL's server (migrated,
// dropped afterwards unless --keep), a fresh key prefix on REDIS_URL (deleted afterwards); all jobs are added first, then
// the worker (startPersistWorker, in this process) is started and timed until every receipt is persisted.
// Prints one JSON object: receipts/s per run (overall drain and the median 1-second window), the median over runs, the
// CPU spent per 1000 receipts by the worker process, its PostgreSQL backends and Redis (comparable from run to run even
// when other processes share the machine — the load average is printed beside it), and the storage of the document
// tables per million receipts. --batch, --in-flight, --concurrency: the worker's batchSize, maxBatchesInFlight and
// concurrency (default: its defaults). --direct: no queue — the processor is fed from memory (the database path alone).
// --fleet: instead of the synthetic receipts, `--receipts` documents of `--registers` emulated registers as the gateway
// enqueues them (bench/fleet-jobs.ts: the loadtest's mix of organizations, forms, items, marked goods and e-mails);
// "receipts" in the output then counts documents of every form.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, type DbHandle } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { silentLogger } from '../src/observability/logger.js';
import { createMetrics, type Metrics } from '../src/observability/metrics.js';
import { DEFAULT_MAX_BATCH } from '../src/queue/document-producer.js';
import { JOB_OPTIONS } from '../src/queue/job-options.js';
import { JobNames, type DocumentBatchJob, type DocumentJob } from '../src/queue/jobs.js';
import { DEFAULT_BATCH_SIZE, startPersistWorker } from '../src/workers/persist/persist.worker.js';
import { createPersistProcessor } from '../src/workers/persist/persist.processor.js';
import { ascii, fvln, signedMessage, stlv, u32, u8, vln } from '../test/support/kkt.js';
import { fleetJobs } from './fleet-jobs.js';

const { values: args } = parseArgs({
  options: {
    receipts: { type: 'string', default: '100000' },
    items: { type: 'string', default: '10' },
    registers: { type: 'string', default: '500' },
    runs: { type: 'string', default: '3' },
    batch: { type: 'string' },
    'in-flight': { type: 'string' },
    concurrency: { type: 'string' },
    connections: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
    direct: { type: 'boolean', default: false },
    fleet: { type: 'boolean', default: false },
  },
});
const RECEIPTS = Number(args.receipts);
const ITEMS = Number(args.items);
const REGISTERS = Math.min(Number(args.registers), RECEIPTS);
const RUNS = Number(args.runs);
const CONNECTIONS = Number(args.connections);
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// receipt_items is a view over the documents' item names (migrations 0054, 0066): its bytes are in documents.
const DOCUMENT_TABLES = ['document_keys', 'documents', 'marking_codes', 'document_events'] as const;

// ---- receipts -------------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so every run and every machine builds the same receipts. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRODUCTS = ['Bread white 400g', 'Milk 3.2% 1l', 'Cheese Gouda', 'Apples Golden', 'Coffee beans 250g', 'Tea black 100 bags',
  'Sugar 1kg', 'Butter 82.5% 180g', 'Eggs C1 10 pcs', 'Chicken fillet', 'Rice long grain 900g', 'Pasta penne 450g',
  'Water still 1.5l', 'Orange juice 1l', 'Chocolate dark 90g', 'Yogurt natural'];

function fnOf(register: number): string {
  return `99995${String(register).padStart(11, '0')}`;
}

function receiptJob(fn: string, register: number, fd: number, random: () => number, receivedAt: string): DocumentJob {
  const count = 1 + Math.floor(random() * (2 * ITEMS - 1));
  const items: Buffer[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const price = 1000 + Math.floor(random() * 90_000);
    const weighed = random() < 0.2;
    const quantityMantissa = weighed ? 100 + Math.floor(random() * 2900) : 1 + Math.floor(random() * 3);
    const scale = weighed ? 3 : 0;
    const sum = weighed ? Math.round((price * quantityMantissa) / 1000) : price * quantityMantissa;
    total += sum;
    items.push(stlv(1059, ascii(1030, PRODUCTS[Math.floor(random() * PRODUCTS.length)]!), vln(1079, price),
      fvln(1023, quantityMantissa, scale), vln(1043, sum), u8(1199, 1 + Math.floor(random() * 6)), u8(1212, 1), u8(1214, 4)));
  }
  const children = [
    ascii(1048, 'OOO Bench'),
    ascii(1018, '7704211201  '),
    u32(1012, 1_726_596_060 + fd * 30),
    u32(1042, fd),
    u32(1038, 1),
    u8(1054, 1),
    u8(1055, 1),
    ascii(1037, `${String(register).padStart(16, '0')}    `),
    ascii(1009, `Moscow, Tverskaya ${1 + (register % 40)}`),
    ascii(1187, `Shop ${1 + (register % 40)}`),
    ascii(1021, 'Cashier'),
    ...items,
    vln(1020, total),
    vln(1031, total),
    vln(1081, 0),
    vln(1215, 0),
    vln(1216, 0),
    vln(1217, 0),
    vln(1105, total),
    u32(1040, fd),
    ascii(1041, fn),
    u8(1209, 2),
  ];
  const msg = signedMessage({ fn, fd, form: 3, children });
  return {
    fn, fd, form: 3, receivedAt,
    container: msg.subarray(30).toString('base64'),
    sessionHeader: msg.subarray(0, 30).toString('base64'),
    crypto: 'devsign', signStatus: 'verified', flk: { ok: true, codes: [] },
  };
}

/** Round-robin over the registers, FD rising per register: the order a busy gateway enqueues them in. */
function buildJobs(): DocumentJob[] {
  const random = prng(20240917);
  const receivedAt = new Date().toISOString();
  const jobs: DocumentJob[] = [];
  for (let i = 0; i < RECEIPTS; i++) {
    const register = i % REGISTERS;
    jobs.push(receiptJob(fnOf(register), register, Math.floor(i / REGISTERS) + 1, random, receivedAt));
  }
  return jobs;
}

// ---- one run ----------------------------------------------------------------------------------------------------------

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

async function persistedSoFar(metrics: Metrics): Promise<number> {
  const { values } = await metrics.documents.persisted.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function storage(handle: DbHandle): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of DOCUMENT_TABLES) {
    const { rows } = await sql<{ bytes: string }>`
      select coalesce(sum(pg_total_relation_size(relid)), pg_total_relation_size(${table}::regclass))::text as bytes
        from pg_partition_tree(${table}::regclass)
    `.execute(handle.db);
    out[table] = Number(rows[0]?.bytes ?? 0);
  }
  return out;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); 0 where unreadable. */
function processCpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (clock ticks, 100 Hz here).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by this database's backends (the worker's pool) and by the Redis server. */
async function serverCpuSeconds(handle: DbHandle, redis: Redis, database: string): Promise<{ postgres: number; redis: number }> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`.execute(handle.db);
  const info = await redis.info('cpu');
  const used = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return { postgres: rows.reduce((sum, r) => sum + processCpuSeconds(r.pid), 0), redis: used('used_cpu_user') + used('used_cpu_sys') };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface RunResult {
  receiptsPerSecond: number;
  medianWindowPerSecond: number;
  drainSeconds: number;
  enqueueSeconds: number;
  storedReceipts: number;
  storedItems: number;
  storageBytes: Record<string, number>;
  /** CPU milliseconds per 1000 receipts during the drain: this process (worker), its PostgreSQL backends, Redis. */
  cpuMsPer1000: { node: number; postgres: number; redis: number };
  /** Transactions the worker ran, and receipts per transaction on average. */
  batches: number;
  receiptsPerBatch: number;
  /** 1-minute load average when the drain ended: how much else was running. */
  loadAverage: number;
}

/**
 * --direct: the processor alone, fed straight from memory in batches, no Redis — the PostgreSQL write path's ceiling,
 * to set beside the worker's (which adds BullMQ's per-job fetch and completion and the downstream enqueues).
 */
function startDirect(jobs: readonly DocumentJob[], handle: DbHandle, metrics: Metrics): { close(): Promise<void> } {
  const processor = createPersistProcessor({ db: handle.db, logger: silentLogger(), metrics, usualAsNull: true }); // as shipped
  // Timed like the worker's batches, so the report's batch count covers both modes.
  const persist = async (payloads: readonly DocumentJob[]) => {
    const end = metrics.worker.jobDuration.startTimer({ queue: 'documents' });
    try {
      return await processor(payloads);
    } finally {
      end();
    }
  };
  const batch = Number(args.batch ?? DEFAULT_BATCH_SIZE);
  let next = 0;
  const lanes = Array.from({ length: Number(args['in-flight'] ?? 2) }, async () => {
    for (let from = next; from < jobs.length; from = next) {
      next += batch;
      await persist(jobs.slice(from, from + batch));
    }
  });
  const done = Promise.all(lanes);
  return { close: async () => void (await done) };
}

async function run(jobs: readonly DocumentJob[], index: number): Promise<RunResult> {
  const name = `ofd_bench_${randomBytes(5).toString('hex')}`;
  const prefix = `bench-persist-${randomUUID().slice(0, 8)}`;
  await withAdmin((c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { maxConnections: CONNECTIONS, applicationName: `ofd-bench-persist` });
  const queueRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue<DocumentBatchJob>('documents', { connection: queueRedis, prefix, defaultJobOptions: JOB_OPTIONS.documents });
  try {
    await migrateToLatest(handle.db);

    const enqueueStarted = performance.now();
    // As the gateway's producer writes them: one batch job per DEFAULT_MAX_BATCH documents, 10 batch jobs per addBulk.
    for (let i = 0; i < (args.direct ? 0 : jobs.length); i += 10 * DEFAULT_MAX_BATCH) {
      const bulk = [];
      for (let j = i; j < Math.min(i + 10 * DEFAULT_MAX_BATCH, jobs.length); j += DEFAULT_MAX_BATCH) {
        bulk.push({ name: JobNames.documents, data: { documents: jobs.slice(j, j + DEFAULT_MAX_BATCH) } });
      }
      await queue.addBulk(bulk);
    }
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;

    const metrics = createMetrics({ defaultMetrics: false });
    const nodeCpuBefore = process.cpuUsage();
    // Backends of the pool are opened by the worker; PostgreSQL CPU is measured on the backends alive at the end.
    const serverBefore = await serverCpuSeconds(handle, queueRedis, name);
    const started = performance.now();
    const worker = args.direct ? startDirect(jobs, handle, metrics) : startPersistWorker({
      redisUrl: REDIS_URL,
      prefix,
      db: handle.db,
      logger: silentLogger(),
      metrics,
      usualAsNull: true, // as shipped
      ...(args.batch === undefined ? {} : { batchSize: Number(args.batch) }),
      ...(args['in-flight'] === undefined ? {} : { maxBatchesInFlight: Number(args['in-flight']) }),
      ...(args.concurrency === undefined ? {} : { concurrency: Number(args.concurrency) }),
    });
    // Sampled every 100 ms: the end of the drain to within 100 ms, and the rate over whole 1-second windows.
    const samples: { at: number; persisted: number }[] = [{ at: started, persisted: 0 }];
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const persisted = await persistedSoFar(metrics);
      const at = performance.now();
      samples.push({ at, persisted });
      if (persisted >= jobs.length) break;
      if (at - started > 600_000) throw new Error(`not drained after 600 s: ${persisted} of ${jobs.length} persisted`);
    }
    const drainSeconds = (samples[samples.length - 1]!.at - started) / 1000;
    const windows: number[] = [];
    for (let from = samples[0]!, i = 1; i < samples.length; i++) {
      const to = samples[i]!;
      if (to.at - from.at < 1000) continue;
      // Only full windows before the drain ended: the last, partial one would understate the rate.
      if (to.persisted < jobs.length) windows.push(((to.persisted - from.persisted) * 1000) / (to.at - from.at));
      from = to;
    }
    const nodeCpu = process.cpuUsage(nodeCpuBefore);
    const loadAverage = Number(os.loadavg()[0]!.toFixed(2));
    const batchRuns = (await metrics.worker.jobDuration.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    const serverAfter = await serverCpuSeconds(handle, queueRedis, name);
    await worker.close();
    const per1000 = (seconds: number) => Math.round((seconds * 1e6) / jobs.length);

    const counts = await sql<{ documents: string; items: string }>`
      select (select count(*) from documents)::text as documents, (select count(*) from receipt_items)::text as items
    `.execute(handle.db);
    const storageBytes = await storage(handle);
    const result: RunResult = {
      receiptsPerSecond: Math.round(jobs.length / drainSeconds),
      // The first window includes start-up (connections, scripts, registry rows): leave it out when there are others.
      medianWindowPerSecond: Math.round(median(windows.length > 2 ? windows.slice(1) : windows)),
      drainSeconds: Number(drainSeconds.toFixed(2)),
      enqueueSeconds: Number(enqueueSeconds.toFixed(2)),
      storedReceipts: Number(counts.rows[0]?.documents ?? 0),
      storedItems: Number(counts.rows[0]?.items ?? 0),
      storageBytes,
      cpuMsPer1000: {
        node: per1000((nodeCpu.user + nodeCpu.system) / 1e6),
        postgres: per1000(serverAfter.postgres - serverBefore.postgres),
        redis: per1000(serverAfter.redis - serverBefore.redis),
      },
      batches: batchRuns,
      receiptsPerBatch: batchRuns === 0 ? 0 : Math.round(jobs.length / batchRuns),
      loadAverage,
    };
    process.stderr.write(`run ${index + 1}: ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    await queue.close();
    queueRedis.disconnect();
    await handle.close();
    await deletePrefix(prefix);
    if (args.keep) process.stderr.write(`kept database ${name}\n`);
    else await withAdmin((c) => c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
  }
}

async function main(): Promise<void> {
  const buildStarted = performance.now();
  const jobs = args.fleet ? await fleetJobs(REGISTERS, RECEIPTS) : buildJobs();
  process.stderr.write(`built ${jobs.length} receipts in ${((performance.now() - buildStarted) / 1000).toFixed(1)} s\n`);
  const results: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) results.push(await run(jobs, i));

  const last = results[results.length - 1]!;
  const totalBytes = Object.values(last.storageBytes).reduce((a, b) => a + b, 0);
  const perMillion = (bytes: number) => Math.round((bytes / last.storedReceipts) * 1e6);
  const report = {
    bench: args.direct ? 'persist (processor only, no queue)' : 'persist',
    node: process.version,
    cpus: os.cpus().length,
    receipts: RECEIPTS,
    source: args.fleet ? 'fleet (emulated registers through the gateway handleMessage)' : 'synthetic receipts',
    itemsPerReceipt: Number((last.storedItems / last.storedReceipts).toFixed(2)),
    registers: REGISTERS,
    runs: RUNS,
    receiptsPerSecond: {
      median: median(results.map((r) => r.receiptsPerSecond)),
      medianOfWindowMedians: median(results.map((r) => r.medianWindowPerSecond)),
      perRun: results.map((r) => r.receiptsPerSecond),
      windowMedianPerRun: results.map((r) => r.medianWindowPerSecond),
    },
    drainSeconds: results.map((r) => r.drainSeconds),
    receiptsPerBatch: results.map((r) => r.receiptsPerBatch),
    loadAverageAtEnd: results.map((r) => r.loadAverage),
    // CPU per 1000 receipts (median over runs): comparable between runs even when other processes share the machine.
    // Redis is the shared server: its figure includes whatever else used it meanwhile.
    cpuMsPer1000Receipts: {
      node: median(results.map((r) => r.cpuMsPer1000.node)),
      postgres: median(results.map((r) => r.cpuMsPer1000.postgres)),
      redis: median(results.map((r) => r.cpuMsPer1000.redis)),
    },
    storage: {
      bytesPerMillionReceipts: perMillion(totalBytes),
      gibPerMillionReceipts: Number((perMillion(totalBytes) / 2 ** 30).toFixed(2)),
      byTablePerMillion: Object.fromEntries(Object.entries(last.storageBytes).map(([t, b]) => [t, perMillion(b)])),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
