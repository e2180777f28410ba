// Disk per stored document (issue 12, target 4: ≤ 1 500 bytes per receipt, indexes and TOAST included, raw bytes kept).
//
//   npm run bench:disk -- [--documents 20000] [--registers 200] [--seed disk-bench] [--batch 500] [--persist-only] [--keep]
//
// A fresh database `ofd_bench_disk_<hex>` on DATABASE_URL's server (migrated; dropped afterwards unless --keep) is
// filled the way the pipeline fills it: `--documents` documents of `--registers` emulated registers (bench/fleet-jobs.ts:
// the loadtest's mix — receipts of 1–N items, marked goods, e-mails, corrections, shift and registration reports — each
// through the gateway's own handleMessage; the emulator is seeded by --seed, so every run stores the same bytes), stored
// by the persist processor in batches of --batch; then, unless --persist-only, what the other workers write for every
// document: the acks worker's document_acks row (recordWrittenAcks) and the fns worker's fns_status row and
// 'fns_answered' event (claimForFns, then recordFnsOutcomes with 'accepted', as the FNS answers). Then VACUUM ANALYZE
// and a CHECKPOINT, and the bytes of every table that grew: heap, TOAST and each index (partitions summed into their
// parent), absolute and per document / per receipt (forms 3, 4, 31, 41).
//
// Prints one JSON object. A size, not a timing: the same seed gives the same rows on any machine, give or take
// page-fill luck (a few bytes per document).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { createDb, type Database } from '../src/db/database.js';
import { recordWrittenAcks } from '../src/db/document-acks.repository.js';
import { claimForFns, recordFnsOutcomes, type FnsOutcomeRecord } from '../src/db/fns-status.repository.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { silentLogger } from '../src/observability/logger.js';
import { createPersistProcessor } from '../src/workers/persist/persist.processor.js';
import { fleetJobs } from './fleet-jobs.js';

const { values: args } = parseArgs({
  options: {
    documents: { type: 'string', default: '20000' },
    registers: { type: 'string', default: '200' },
    seed: { type: 'string', default: 'disk-bench' },
    batch: { type: 'string', default: '500' },
    'persist-only': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const DOCUMENTS = Number(args.documents);
const REGISTERS = Number(args.registers);
const BATCH = Number(args.batch);
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface RelationBytes {
  table: string;
  heap: number;
  toast: number;
  indexes: Record<string, number>;
  total: number;
}

/** Heap, TOAST (with its index) and each index of every top-level table, partitions summed into their parent. */
async function relationBytes(db: Kysely<Database>): Promise<Map<string, RelationBytes>> {
  const { rows } = await sql<{ root: string; kind: string; name: string; bytes: string }>`
    with tables as (
      select c.oid, coalesce((select t.relname from pg_partition_ancestors(c.oid) a join pg_class t on t.oid = a.relid
                               where not exists (select 1 from pg_inherits i where i.inhrelid = a.relid)), c.relname) as root
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'
    )
    select t.root, 'heap' as kind, '' as name, pg_relation_size(t.oid)::text as bytes from tables t
    union all
    select t.root, 'toast', '', (pg_total_relation_size(t.oid) - pg_relation_size(t.oid) - pg_indexes_size(t.oid))::text from tables t
    union all
    select t.root, 'index', coalesce((select p.relname from pg_partition_ancestors(i.indexrelid) a join pg_class p on p.oid = a.relid
                                       where not exists (select 1 from pg_inherits h where h.inhrelid = a.relid)), ic.relname),
           pg_relation_size(i.indexrelid)::text
      from tables t join pg_index i on i.indrelid = t.oid join pg_class ic on ic.oid = i.indexrelid
  `.execute(db);
  const out = new Map<string, RelationBytes>();
  for (const r of rows) {
    const entry = out.get(r.root) ?? { table: r.root, heap: 0, toast: 0, indexes: {}, total: 0 };
    const bytes = Number(r.bytes);
    if (r.kind === 'heap') entry.heap += bytes;
    else if (r.kind === 'toast') entry.toast += bytes;
    else entry.indexes[r.name] = (entry.indexes[r.name] ?? 0) + bytes;
    entry.total += bytes;
    out.set(r.root, entry);
  }
  return out;
}

/** What the acks and fns workers write for every stored document (their own repositories, as they call them). */
async function otherWorkers(db: Kysely<Database>, keys: readonly { fn: string; fd: number; receivedAt: Date }[]): Promise<void> {
  for (let i = 0; i < keys.length; i += BATCH) {
    const batch = keys.slice(i, i + BATCH);
    await recordWrittenAcks(db, batch.map((k) => ({ fn: k.fn, fd: k.fd, code: 0, at: k.receivedAt.getTime() })));
    await claimForFns(db, batch, 60_000, 'bench-disk');
    const outcomes: FnsOutcomeRecord[] = batch.map((k) => ({
      kind: 'answered', status: 'accepted', errors: [], duplicate: false, fn: k.fn, fd: k.fd, receivedAt: k.receivedAt, sentAt: new Date(),
    }));
    await recordFnsOutcomes(db, 'bench-disk', outcomes);
  }
}

function perUnit(r: RelationBytes, n: number): Record<string, unknown> {
  const round = (v: number) => Math.round((v / n) * 10) / 10;
  return {
    heap: round(r.heap), toast: round(r.toast), indexes: Object.fromEntries(Object.entries(r.indexes).map(([k, v]) => [k, round(v)])), total: round(r.total),
  };
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const name = `ofd_bench_disk_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { maxConnections: 2, applicationName: name });
  try {
    await migrateToLatest(handle.db);
    const jobs = await fleetJobs(REGISTERS, DOCUMENTS, args.seed);
    await sql`vacuum analyze`.execute(handle.db);
    const before = await relationBytes(handle.db);

    const persist = createPersistProcessor({ db: handle.db, logger: silentLogger() });
    for (let i = 0; i < jobs.length; i += BATCH) {
      const results = await persist(jobs.slice(i, i + BATCH));
      const failed = results.find((r) => !r.ok);
      if (failed) throw new Error(`persist failed: ${JSON.stringify(failed)}`);
    }
    const keys = (await handle.db.selectFrom('documents').select(['fn', 'fd', 'received_at']).orderBy('fn').orderBy('fd').execute())
      .map((r) => ({ fn: r.fn, fd: Number(r.fd), receivedAt: r.received_at }));
    if (!args['persist-only']) await otherWorkers(handle.db, keys);
    await sql`vacuum analyze`.execute(handle.db);
    await sql`checkpoint`.execute(handle.db);

    const { rows: counted } = await sql<{ documents: number; receipts: number; items: number; raw: string }>`
      select count(*)::int as documents, count(*) filter (where form in (3, 4, 31, 41))::int as receipts,
             coalesce(sum(cardinality(item_names)), 0)::int as items, sum(octet_length(raw_container))::text as raw
        from documents`.execute(handle.db);
    const { documents, receipts, items } = counted[0]!;
    const after = await relationBytes(handle.db);
    const grown = [...after.values()]
      .map((r) => {
        const b = before.get(r.table);
        const indexes = Object.fromEntries(Object.entries(r.indexes).map(([k, v]) => [k, v - (b?.indexes[k] ?? 0)]).filter(([, v]) => Number(v) > 0));
        return { table: r.table, heap: r.heap - (b?.heap ?? 0), toast: r.toast - (b?.toast ?? 0), indexes, total: r.total - (b?.total ?? 0) } as RelationBytes;
      })
      .filter((r) => r.total > 0)
      .sort((a, b) => b.total - a.total);
    const total = grown.reduce((s, r) => s + r.total, 0);
    console.log(JSON.stringify({
      documents, receipts, items, seed: args.seed, persistOnly: args['persist-only'],
      rawContainerBytesPerDocument: Math.round(Number(counted[0]!.raw) / documents),
      bytesPerDocument: Math.round(total / documents),
      bytesPerReceipt: Math.round(total / receipts),
      perDocument: Object.fromEntries(grown.map((r) => [r.table, perUnit(r, documents)])),
      totalBytes: total,
    }, null, 2));
  } finally {
    await handle.close();
    if (!args.keep) await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
    else console.error(`kept ${name}`);
  }
}

await main();
