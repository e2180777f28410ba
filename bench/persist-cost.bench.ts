// CPU per document of each step of the persist path, the worker's and its PostgreSQL backend's (issue 12).
//
//   npx tsx bench/persist-cost.bench.ts [--documents 30000] [--registers 500] [--batch 1000]
//
// The emulator's documents (bench/fleet-jobs.ts: the loadtest's mix, 1–N items) go through the steps of the persist
// transaction one by one, on ONE connection, then through the derive stage (shift totals, rollups, report state; its
// batches are five persist batches). Around each step:
// this process's CPU (process.cpuUsage: decoding, building parameters, the driver) and the backend's CPU
// (/proc/<pid>/schedstat, nanoseconds on a CPU). CPU time, not wall time: comparable while other processes share the
// machine. Prints one JSON object: µs per document by step, node and postgres.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import { createDb } from '../src/db/database.js';
import type { Database } from '../src/db/database.js';
import { insertDocumentBatch, recordDocumentNumbers } from '../src/db/document-batch.repository.js';
import { recordConflictingCopies } from '../src/db/document-conflicts.repository.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { silentLogger } from '../src/observability/logger.js';
import { batchDocument, compareDocs, unstoredCopy } from '../src/workers/persist/batch-rows.js';
import { deriveOnce } from '../src/workers/derive/derive.processor.js';
import { prepare, PersistJobError, type Prepared } from '../src/workers/persist/prepare.js';
import { ensureRegistry, RegistryCache } from '../src/workers/persist/registry.js';
import { fleetJobs } from './fleet-jobs.js';

const { values: args } = parseArgs({
  options: {
    documents: { type: 'string', default: '30000' },
    registers: { type: 'string', default: '500' },
    batch: { type: 'string', default: '1000' },
  },
});
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Nanoseconds the process has spent on a CPU (the first field of schedstat). */
const backendNs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
const nodeUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const spent = new Map<string, { node: number; postgres: number }>();
async function step<T>(name: string, pid: number, f: () => T | Promise<T>): Promise<T> {
  const n0 = nodeUs();
  const p0 = backendNs(pid);
  const result = await f();
  const s = spent.get(name) ?? { node: 0, postgres: 0 };
  s.node += nodeUs() - n0;
  s.postgres += (backendNs(pid) - p0) / 1000;
  spent.set(name, s);
  return result;
}

async function main(): Promise<void> {
  const jobs = await fleetJobs(Number(args.registers), Number(args.documents));
  const name = `ofd_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { maxConnections: 1, applicationName: 'ofd-bench-cost' });
  try {
    await migrateToLatest(handle.db);
    const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db)).rows[0]!.pid;
    const cache = new RegistryCache();
    const batch = Number(args.batch);
    for (let from = 0; from < jobs.length; from += batch) {
      const prepared = await step('prepare (decode, derive)', pid, () =>
        jobs.slice(from, from + batch).map((j, i) => prepare(i, j)).filter((p): p is Prepared => !(p instanceof PersistJobError)).sort(compareDocs),
      );
      const ids = await handle.db.transaction().execute(async (trx: Transaction<Database>) => {
        const ids = await step('registry', pid, () => ensureRegistry(trx, prepared.map((d) => ({ fields: d.derived.fields, kktRegId: d.derived.columns.kkt_reg_id })), cache));
        const claimed = await step('documents + codes (+ derive queue)', pid, () => insertDocumentBatch(trx, prepared.map((d) => batchDocument(d, ids))));
        await step('fd numbers', pid, () => recordDocumentNumbers(trx, prepared.map((d) => d.job)));
        await step('conflicting copies', pid, () => recordConflictingCopies(trx, prepared.filter((d) => !claimed.has(d.key)).map(unstoredCopy)));
        return ids;
      });
      cache.remember(ids);
      await step('derive stage', pid, () => deriveOnce(handle.db, silentLogger(), { batchSize: batch * 5 }));
    }
    while ((await step('derive stage', pid, () => deriveOnce(handle.db, silentLogger(), { batchSize: batch * 5 }))).documents > 0);
    const perDoc = (v: number) => Math.round((v / jobs.length) * 10) / 10;
    const steps = Object.fromEntries([...spent].map(([k, v]) => [k, { nodeUs: perDoc(v.node), postgresUs: perDoc(v.postgres) }]));
    const total = [...spent.values()].reduce((a, v) => ({ node: a.node + v.node, postgres: a.postgres + v.postgres }), { node: 0, postgres: 0 });
    console.log(JSON.stringify({ documents: jobs.length, batch, usPerDocument: steps, total: { nodeUs: perDoc(total.node), postgresUs: perDoc(total.postgres) } }, null, 1));
  } finally {
    await handle.close();
    await admin.query(`drop database ${pg.escapeIdentifier(name)} with (force)`);
    await admin.end();
  }
}

await main();
