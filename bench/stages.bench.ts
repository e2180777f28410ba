// Redis commands and worker CPU per document of the stages after the gateway (issue 12: "the fns worker trails
// persisting").
//
//   npm run bench:stages -- [--documents 3000] [--registers 100]
//   node --cpu-prof --import tsx bench/stages.bench.ts          (the same, with a CPU profile)
//
// A private redis-server (so INFO commandstats counts only this run) and a fresh database. `--documents` documents of the
// emulated fleet (bench/fleet-jobs.ts: the loadtest's mix) are added to `documents` as the gateway's producer would (one
// job per 100), then measured in four phases, each from a reset of Redis's command statistics:
//   1. persist: the persist worker stores them all and adds their `fns`/`crpt`/`notify` jobs;
//   2. fns: the fns worker sends them all to an in-process FNS client that accepts everything (no HTTP: the worker's
//      own cost) until every fns_status is answered.
//   3. crpt and 4. notify: their workers take the jobs persisting added (an in-process CRPT client that accepts every
//      sale; no SMTP, so each e-receipt ends not configured after its reads).
// Prints Redis commands per document (by command), PostgreSQL statements per document (each a round trip; BEGIN and
// COMMIT count), this process's CPU µs per document and the redis-server's (INFO cpu) for each phase (always per document ingested), and how many crpt
// and notify jobs the fleet mix produces and how many sales CRPT took (divide by them for a sale's or an e-receipt's own
// figures). Counts are exact; CPU
// depends on the machine's load (each phase prints its window on the monotonic clock to stderr, to cut a --cpu-prof
// profile by phase).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import type { FnsClient } from '../src/adapters/fns/fns-client.js';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { silentLogger } from '../src/observability/logger.js';
import { JobNames } from '../src/queue/jobs.js';
import { startPersistWorker } from '../src/workers/persist/persist.worker.js';
import { startFnsWorker } from '../src/workers/fns/fns.worker.js';
import { startCrptWorker } from '../src/workers/crpt/crpt.worker.js';
import { startNotifyWorker } from '../src/workers/notify/notify.worker.js';
import type { CrptClient } from '../src/adapters/crpt/http-crpt-client.js';
import { startRedisProcess } from '../test/support/redis-process.js';
import { fleetJobs } from './fleet-jobs.js';

const { values: args } = parseArgs({
  options: { documents: { type: 'string', default: '3000' }, registers: { type: 'string', default: '100' } },
});
const DOCUMENTS = Number(args.documents);
const REGISTERS = Number(args.registers);
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PRODUCER_BATCH = 100;

const acceptAll: FnsClient = {
  send: (batch) => Promise.resolve({ documents: batch.map((s) => ({ fn: s.fn, fd: s.fd, status: 'accepted' as const, errors: [], duplicate: false })) }),
  close: () => Promise.resolve(),
};

const crptAcceptAll: CrptClient = {
  authenticate: () => Promise.resolve('token'),
  checkCodes: () => Promise.resolve([]),
  submitSale: (sale) => Promise.resolve({ saleId: sale.saleId, duplicate: false, codes: sale.codes.map((c) => ({ cis: c.cis, status: 'RETIRED' as const })) }),
  circuitState: () => 'closed',
  close: () => Promise.resolve(),
};

/** The private redis-server's CPU so far (user + system, its every thread), from INFO cpu. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function commandStats(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function until(check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const redisProcess = await startRedisProcess();
  const name = `ofd_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { maxConnections: 8 });
  // Every statement the workers send (BEGIN and COMMIT included) is a round trip: counted per phase. The harness's own
  // probes go through a handle of their own, not counted.
  let statements = 0;
  handle.pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      statements += 1;
      return query(...args);
    };
  });
  const probe = createDb(url.toString(), { maxConnections: 1 });
  const redis = new Redis(redisProcess.url, { maxRetriesPerRequest: null });
  try {
    await migrateToLatest(handle.db);
    const jobs = await fleetJobs(REGISTERS, DOCUMENTS);
    const prefix = 'bench';
    const documentsQueue = new Queue('documents', { connection: redis, prefix });
    for (let i = 0; i < jobs.length; i += PRODUCER_BATCH) {
      await documentsQueue.add(JobNames.documents, { documents: jobs.slice(i, i + PRODUCER_BATCH) });
    }
    const logger = silentLogger();
    const phase = async (label: string, start: () => { close(): Promise<void> }, done: () => Promise<boolean>) => {
      await redis.config('RESETSTAT');
      const redisCpuBefore = await redisCpuSeconds(redis);
      const statementsBefore = statements;
      const cpu = process.cpuUsage();
      const from = process.hrtime.bigint() / 1000n;
      const started = performance.now();
      const worker = start();
      await until(done);
      const elapsedMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const phaseStatements = statements - statementsBefore;
      // The phase's window on the monotonic clock (µs), the clock of a --cpu-prof profile's timestamps.
      process.stderr.write(`window ${label}: ${from} ${process.hrtime.bigint() / 1000n}\n`);
      const stats = await commandStats(redis);
      const redisCpu = (await redisCpuSeconds(redis)) - redisCpuBefore;
      await worker.close();
      delete stats['config'];
      delete stats['info'];
      const total = Object.values(stats).reduce((a, b) => a + b, 0);
      const byCommand = Object.fromEntries(Object.entries(stats).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, +(v / DOCUMENTS).toFixed(2)]));
      return {
        phase: label,
        redisCommandsPerDocument: +(total / DOCUMENTS).toFixed(2),
        postgresStatementsPerDocument: +(phaseStatements / DOCUMENTS).toFixed(2),
        postgresStatements: phaseStatements,
        byCommand,
        cpuMicrosecondsPerDocument: Math.round((used.user + used.system) / DOCUMENTS),
        redisCpuMicrosecondsPerDocument: +((redisCpu * 1e6) / DOCUMENTS).toFixed(1),
        elapsedMs: Math.round(elapsedMs),
      };
    };
    const count = async (q: string) => Number((await sql<{ n: string }>`${sql.raw(q)}`.execute(probe.db)).rows[0]?.n ?? 0);
    const persist = await phase(
      'persist (+ forwarding jobs)',
      () => startPersistWorker({ redisUrl: redisProcess.url, prefix, db: handle.db, logger, usualAsNull: true }), // as shipped
      async () => (await count('select count(*)::text as n from document_keys')) >= DOCUMENTS && (await documentsQueue.getJobCountByTypes('active', 'wait')) === 0,
    );
    const downstream: Record<string, number> = {};
    for (const q of ['fns', 'crpt', 'notify']) {
      const queue = new Queue(q, { connection: redis, prefix });
      downstream[q] = await queue.getJobCountByTypes('wait', 'delayed', 'prioritized');
      await queue.close();
    }
    const fnsQueue = new Queue('fns', { connection: redis, prefix });
    const fns = await phase(
      'fns',
      () => startFnsWorker({ redisUrl: redisProcess.url, prefix, db: handle.db, logger, client: acceptAll }),
      async () => (await fnsQueue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized')) === 0,
    );
    const answered = await count(`select count(*)::text as n from fns_outcomes where status = 'accepted'`);
    await fnsQueue.close();
    // crpt carries a batch job per persist job (its sales), notify a job per e-receipt: their cost per ingested document.
    const waitingIn = (name: string) => async () => {
      const queue = new Queue(name, { connection: redis, prefix });
      try {
        return (await queue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized')) === 0;
      } finally {
        await queue.close();
      }
    };
    const crpt = await phase('crpt', () => startCrptWorker({ redisUrl: redisProcess.url, prefix, db: handle.db, logger, client: crptAcceptAll }), waitingIn('crpt'));
    const crptSales = await count(`select count(*)::text as n from crpt_sales where status = 'delivered'`);
    const notify = await phase('notify (no SMTP: each e-mail ends not configured)', () => startNotifyWorker({ redisUrl: redisProcess.url, prefix, db: handle.db, logger, pollIntervalMs: 60_000, conditionsIntervalMs: 0 }), waitingIn('notify'));
    process.stdout.write(`${JSON.stringify({ documents: DOCUMENTS, registers: REGISTERS, fnsAnswered: answered, crptSalesDelivered: crptSales, downstreamJobsWaiting: downstream, phases: [persist, fns, crpt, notify] }, null, 2)}\n`);
    await documentsQueue.close();
  } finally {
    redis.disconnect();
    await handle.close();
    await probe.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await redisProcess.stop();
  }
}

await main();
