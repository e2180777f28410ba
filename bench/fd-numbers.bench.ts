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
import { CompiledQuery, sql } from 'kysely';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { recordDocumentNumbers } from '../src/db/document-batch.repository.js';
import { Prng } from '../src/domain/prng.js';
import { createFreshDatabase, DEFAULT_SERVER_URL, procSample } from '../scripts/pipeline-harness.js';

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


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU seconds the PostgreSQL backend has used (user + system, from /proc). */
function backendCpuSeconds(pid: number): number {
  const sample = procSample(pid);
  if (!sample) throw new Error(`cannot read /proc/${pid}/stat: run the bench on the PostgreSQL server's machine`);
  return sample.cpuSeconds;
}

type Way = 'function' | 'fast path';

async function main(): Promise<void> {
  const fresh = await createFreshDatabase(DEFAULT_SERVER_URL, 'bench_fd');
  const handle = createDb(fresh.url, { maxConnections: 1, applicationName: 'ofd-bench-fd' });
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
          const cpu = backendCpuSeconds(pid);
          const t = performance.now();
          await record[way](keys);
          spent[way].ms += performance.now() - t;
          spent[way].cpu += backendCpuSeconds(pid) - cpu;
        }
      }
      for (const way of ['function', 'fast path'] as const) {
        results[way].msPerBatch.push(spent[way].ms / BATCHES);
        results[way].cpuUsPerFd.push((spent[way].cpu * 1e6) / (BATCHES * BATCH));
      }
    }
  } finally {
    await handle.close();
    await fresh.drop();
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
