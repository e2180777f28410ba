// FD numbers of a persist batch (issue 12): ofd_record_document_numbers alone (migration 0005) against
// recordDocumentNumbers (the contiguous fast path, then the function for the rest), on the same database.
//
//   npm run bench:fd-numbers -- [--drives 2000] [--batch 1000] [--batches 40] [--rounds 3] [--gaps 0]
//
// Each round: two fresh sets of `--drives` fiscal drives, then `--batches` batches of `--batch` FDs, the drives taken
// round-robin with their FDs rising — the order registers send in, as a busy gateway enqueues them — recorded by each
// way in turn (interleaved, so both see the same machine). --gaps p: each FD is followed by a missing one with
// probability p, so that share of the drives takes the function's path after the fast path's statement (the cost of
// a drive that falls back). Prints the milliseconds per batch and the PostgreSQL backend's CPU per FD (from /proc),
// the median over rounds.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { CompiledQuery, sql } from 'kysely';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { recordDocumentNumbers } from '../src/db/document-batch.repository.js';
import { Prng } from '../src/domain/prng.js';

const { values: args } = parseArgs({
  options: {
    drives: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '1000' },
    batches: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    gaps: { type: 'string', default: '0' },
  },
});
const DRIVES = Number(args.drives);
const BATCH = Number(args.batch);
const BATCHES = Number(args.batches);
const GAPS = Number(args.gaps);

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TICKS = 100; // USER_HZ

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function backendCpuSeconds(pid: number): Promise<number> {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

type Way = 'function' | 'fast path';

async function main(): Promise<void> {
  const name = `ofd_bench_fd_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { maxConnections: 1, applicationName: 'ofd-bench-fd' });
  const results: Record<Way, { msPerBatch: number[]; cpuUsPerFd: number[] }> = {
    function: { msPerBatch: [], cpuUsPerFd: [] },
    'fast path': { msPerBatch: [], cpuUsPerFd: [] },
  };
  try {
    await migrateToLatest(handle.db);
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
    const pid = rows[0]!.pid;
    for (let round = 0; round < Number(args.rounds); round++) {
      const prefix = { function: `91${String(round).padStart(4, '0')}`, 'fast path': `92${String(round).padStart(4, '0')}` } as const;
      const record: Record<Way, (keys: { fn: string; fd: number }[]) => Promise<void>> = {
        function: (keys) =>
          handle.db.transaction().execute(async (trx) => {
            await trx.executeQuery(CompiledQuery.raw('select ofd_record_document_numbers($1::text[], $2::bigint[])', [keys.map((k) => k.fn), keys.map((k) => k.fd)]));
          }),
        'fast path': (keys) => handle.db.transaction().execute((trx) => recordDocumentNumbers(trx, keys)),
      };
      const next = { function: new Array<number>(DRIVES).fill(1), 'fast path': new Array<number>(DRIVES).fill(1) };
      const cursor = { function: 0, 'fast path': 0 };
      // Seeded alike, so both ways get the same FDs.
      const random = { function: new Prng(`fd-numbers-${round}`), 'fast path': new Prng(`fd-numbers-${round}`) };
      const spent = { function: { ms: 0, cpu: 0 }, 'fast path': { ms: 0, cpu: 0 } };
      for (let b = 0; b < BATCHES; b++) {
        for (const way of ['function', 'fast path'] as const) {
          const keys = Array.from({ length: BATCH }, () => {
            const d = cursor[way]++ % DRIVES;
            const fd = next[way][d]!;
            next[way][d] = fd + (random[way].chance(GAPS) ? 2 : 1);
            return { fn: `${prefix[way]}${String(d).padStart(10, '0')}`, fd };
          });
          const cpu = await backendCpuSeconds(pid);
          const t = performance.now();
          await record[way](keys);
          spent[way].ms += performance.now() - t;
          spent[way].cpu += (await backendCpuSeconds(pid)) - cpu;
        }
      }
      for (const way of ['function', 'fast path'] as const) {
        results[way].msPerBatch.push(spent[way].ms / BATCHES);
        results[way].cpuUsPerFd.push((spent[way].cpu * 1e6) / (BATCHES * BATCH));
      }
    }
  } finally {
    await handle.close();
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)}`);
    await admin.end();
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([way, r]) => [
      way,
      { msPerBatch: Number(median(r.msPerBatch).toFixed(1)), cpuUsPerFd: Number(median(r.cpuUsPerFd).toFixed(1)), perRound: r },
    ]),
  );
  console.log(JSON.stringify({ bench: 'fd-numbers', drives: DRIVES, batch: BATCH, batches: BATCHES, rounds: Number(args.rounds), gaps: GAPS, ...summary }, null, 2));
}

await main();
