// Disk per stored document (issue 12, target 4: ≤ 1 500 bytes per receipt, indexes and TOAST included, raw bytes kept).
//
//   npm run bench:disk -- [--documents 20000] [--registers 200] [--seed disk-bench] [--now 2026-12-01T12:00:00Z] [--batch 500]
//                          [--persist-only] [--keep] [--spelt-out] [--acks after|first]
//
// A fresh database `ofd_bench_disk_<hex>` on DATABASE_URL's server (migrated; dropped afterwards unless --keep) is
// filled the way the pipeline fills it: `--documents` documents of `--registers` emulated registers (bench/fleet-jobs.ts:
// the loadtest's mix — receipts of 1–N items, marked goods, e-mails, corrections, shift and registration reports — each
// through the gateway's own handleMessage; the emulator is seeded by --seed and its clocks end at --now, so every run
// stores the same bytes), stored by the persist processor in batches of --batch; then, unless --persist-only, what the
// other workers write for every document, batch by batch: the acks worker's ack (recordWrittenAcks; see --acks) and
// the fns worker's answer (claimForFns, then recordFnsOutcomes with a plain 'accepted', as the FNS answers nearly
// every document: one fns_plain_answers row per request — here a batch — and group of key numbers since migration
// 0080), fns_leases vacuumed when autovacuum would. Then VACUUM ANALYZE and a CHECKPOINT, and the bytes of every table
// that grew: heap, TOAST with the free-space and visibility maps (`toastAndMaps`), and each index (partitions summed
// into their parent), per document, and the totals per document and per receipt (forms 3, 4, 31, 41); and the CPU
// per document of packing and unpacking the raw containers (src/db/raw-container.ts). `afterCompaction`:
// the same once the month is over and its indexes are rebuilt packed (`ofd partitions compact <month> --keys`).
//
// The persist processor stores the usual values as null, as OFD_STORE_USUAL_AS_NULL (on by default) has it
// (src/workers/persist/usual-as-null.ts); --spelt-out stores them spelt out, as OFD_STORE_USUAL_AS_NULL=false does.
// (--usual-as-null, the default since migration 0079's release, is still accepted.)
// --acks: when the acks worker records each batch's acks — `after` the batch is stored (the default: an ack that
// comes after its document stays in document_acks), or `first`, as when persisting lags behind the acks (they wait in
// document_acks and the persist worker's insert of each key takes its ack along: migration 0078).
//
// Prints one JSON object. A size, not a timing: the same seed gives the same rows on any machine, give or take
// page-fill luck (a few bytes per document).
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { createDb, type Database } from '../src/db/database.js';
import { recordWrittenAcks } from '../src/db/document-acks.repository.js';
import { claimForFns, recordFnsOutcomes, type FnsOutcomeRecord } from '../src/db/fns-status.repository.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { compactMonth } from '../src/db/partition-compaction.js';
import { packRawContainer, unpackRawContainer, type PackedRaw } from '../src/db/raw-container.js';
import { rawContextKey, rememberRawContext, type RawContext } from '../src/db/raw-context-cache.js';
import { silentLogger } from '../src/observability/logger.js';
import { createPersistProcessor } from '../src/workers/persist/persist.processor.js';
import { createFreshDatabase } from '../scripts/pipeline-harness.js';
import { fleetJobs } from './fleet-jobs.js';

const { values: args } = parseArgs({
  options: {
    documents: { type: 'string', default: '20000' },
    registers: { type: 'string', default: '200' },
    seed: { type: 'string', default: 'disk-bench' },
    now: { type: 'string', default: '2026-12-01T12:00:00Z' },
    batch: { type: 'string', default: '500' },
    'persist-only': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'usual-as-null': { type: 'boolean', default: false },
    'spelt-out': { type: 'boolean', default: false },
    acks: { type: 'string', default: 'after' },
  },
});
const DOCUMENTS = Number(args.documents);
const REGISTERS = Number(args.registers);
const BATCH = Number(args.batch);
if (args.acks !== 'after' && args.acks !== 'first') throw new Error(`--acks must be after or first, not ${args.acks}`);
const ACKS_FIRST = args.acks === 'first';
if (args['spelt-out'] && args['usual-as-null']) throw new Error('--spelt-out and --usual-as-null contradict each other');
const USUAL_AS_NULL = !args['spelt-out'];
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface RelationBytes {
  table: string;
  heap: number;
  toast: number;
  indexes: Record<string, number>;
  total: number;
}

/** What each table grew by since `before`, largest first (tables that did not grow left out). */
function grownSince(before: Map<string, RelationBytes>, after: Map<string, RelationBytes>): RelationBytes[] {
  return [...after.values()]
    .map((r) => {
      const b = before.get(r.table);
      const indexes = Object.fromEntries(Object.entries(r.indexes).map(([k, v]) => [k, v - (b?.indexes[k] ?? 0)]).filter(([, v]) => Number(v) > 0));
      return { table: r.table, heap: r.heap - (b?.heap ?? 0), toast: r.toast - (b?.toast ?? 0), indexes, total: r.total - (b?.total ?? 0) } as RelationBytes;
    })
    .filter((r) => r.total > 0)
    .sort((a, b) => b.total - a.total);
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

type Key = { fn: string; fd: number; receivedAt: Date };

/**
 * What the acks and fns workers write for a batch of stored documents (their own repositories, as they call them).
 * The send lease is a row of fns_leases, inserted by the claim and deleted with the answer (migration 0072); the
 * answer is written once (a plain one: a share of an fns_plain_answers row, migration 0080). A deleted lease is dead
 * space until a VACUUM, which autovacuum runs once dead rows exceed 50 + 20 % of the live ones (its default
 * threshold) — done here by the same rule, so the table holds what it holds in a running system (the documents in
 * flight), not every dead lease of a one-off fill.
 */
const recordAcks = (db: Kysely<Database>, batch: readonly Key[]) =>
  recordWrittenAcks(db, batch.map((k) => ({ fn: k.fn, fd: k.fd, code: 0, at: k.receivedAt.getTime() })));

function createOtherWorkers(db: Kysely<Database>): (batch: readonly Key[]) => Promise<void> {
  let dead = 0;
  return async (batch) => {
    if (!ACKS_FIRST) await recordAcks(db, batch);
    const claimed = await claimForFns(db, batch, 60_000, 'bench-disk');
    const leased = batch.filter((k) => claimed.has(`${k.fn}:${k.fd}`));
    const outcomes: FnsOutcomeRecord[] = batch.map((k) => ({
      kind: 'answered', status: 'accepted', errors: [], duplicate: false, fn: k.fn, fd: k.fd, receivedAt: k.receivedAt, sentAt: new Date(),
    }));
    await recordFnsOutcomes(db, 'bench-disk', outcomes, leased);
    dead += leased.length;
    if (dead > 50) {
      await sql`vacuum fns_leases`.execute(db);
      dead = 0;
    }
  };
}

/**
 * CPU per document of packing and unpacking the raw containers (µs, the better of three passes over all of them), as
 * stored — with each drive's context (its first receipt, as the persist worker takes it; raw_codec 2, migration 0081)
 * once it has one — and with the dictionary alone (raw_codec 1, what a drive's documents before its first receipt get).
 */
function codecMicros(jobs: readonly { fn: string; form: number; container: string }[]) {
  const containers = jobs.map((j) => Buffer.from(j.container, 'base64'));
  // As the persist worker packs (near enough: it takes the first receipt of a batch, here of the whole run): the
  // documents after the receipt that became their drive's context; that receipt and those before it without one.
  const contextOf = new Map<string, RawContext>();
  const withContext = jobs.map((j, i) => {
    const context = contextOf.get(j.fn);
    if (context || ![3, 4, 31, 41].includes(j.form)) return context;
    const made = { key: rawContextKey(containers[i]!), container: containers[i]! };
    rememberRawContext(made);
    contextOf.set(j.fn, made);
    return undefined;
  });
  const best = (fn: () => void) => {
    let min = Infinity;
    for (let pass = 0; pass < 3; pass++) {
      const start = process.cpuUsage();
      fn();
      const used = process.cpuUsage(start);
      min = Math.min(min, used.user + used.system);
    }
    return Math.round((min / containers.length) * 10) / 10;
  };
  const measure = (pack: (c: Buffer, i: number) => PackedRaw) => {
    const packed = containers.map(pack);
    const stored = packed.reduce((s, p) => s + p.bytes.length, 0) / containers.reduce((s, c) => s + c.length, 0);
    return {
      pack: best(() => containers.forEach(pack)),
      unpack: best(() => packed.forEach((p) => unpackRawContainer(p.bytes, p.codec))),
      storedRatio: Math.round(stored * 1000) / 1000,
    };
  };
  return {
    ...measure((c, i) => packRawContainer(c, withContext[i])),
    dictionaryAlone: measure((c) => packRawContainer(c)),
  };
}

function perUnit(r: RelationBytes, n: number): Record<string, unknown> {
  const round = (v: number) => Math.round((v / n) * 10) / 10;
  return {
    heap: round(r.heap), toastAndMaps: round(r.toast), indexes: Object.fromEntries(Object.entries(r.indexes).map(([k, v]) => [k, round(v)])), total: round(r.total),
  };
}

async function main(): Promise<void> {
  const fresh = await createFreshDatabase(DATABASE_URL, 'bench_disk');
  const handle = createDb(fresh.url, { maxConnections: 2, applicationName: fresh.name });
  try {
    await migrateToLatest(handle.db);
    const jobs = await fleetJobs(REGISTERS, DOCUMENTS, args.seed, Date.parse(args.now));
    const codec = codecMicros(jobs);
    await sql`vacuum analyze`.execute(handle.db);
    const before = await relationBytes(handle.db);

    // The persist worker vacuums document_acks after its batches every 3 s; here after each one, as a fill is quick.
    const persist = createPersistProcessor({ db: handle.db, logger: silentLogger(), usualAsNull: USUAL_AS_NULL, acksVacuumMs: 0 });
    const otherWorkers = createOtherWorkers(handle.db);
    const keysOf = (batch: typeof jobs) => batch.map((j) => ({ fn: j.fn, fd: j.fd, receivedAt: new Date(j.receivedAt) }));
    for (let i = 0; i < jobs.length; i += BATCH) {
      const batch = jobs.slice(i, i + BATCH);
      if (ACKS_FIRST && !args['persist-only']) await recordAcks(handle.db, keysOf(batch));
      const results = await persist(batch);
      const failed = results.find((r) => !r.ok);
      if (failed) throw new Error(`persist failed: ${JSON.stringify(failed)}`);
      if (!args['persist-only']) await otherWorkers(keysOf(batch));
    }
    await sql`vacuum analyze`.execute(handle.db);
    await sql`checkpoint`.execute(handle.db);

    const { rows: counted } = await sql<{ documents: number; receipts: number; items: number; raw: string }>`
      select count(*)::int as documents, count(*) filter (where form in (3, 4, 31, 41))::int as receipts,
             coalesce(sum(coalesce(char_length(item_name_id_chars), cardinality(item_name_ids), cardinality(item_names))), 0)::int as items, sum(octet_length(raw_container))::text as raw
        from documents`.execute(handle.db);
    const { documents, receipts, items } = counted[0]!;
    const received = jobs.reduce((sum, j) => sum + Buffer.byteLength(j.container, 'base64'), 0);
    const grown = grownSince(before, await relationBytes(handle.db));
    const total = grown.reduce((s, r) => s + r.total, 0);
    // The same rows once their month is over and `ofd partitions compact <month> --keys` has run (src/db/partition-compaction.ts).
    const { rows: spans } = await sql<{ month: string }>`
      select distinct to_char(received_at at time zone 'UTC', 'YYYY-MM') as month from documents order by 1`.execute(handle.db);
    const months = spans.map((r) => r.month);
    const last = months[months.length - 1]!;
    const afterLast = new Date(Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5, 7)), 1));
    for (const [i, month] of months.entries()) await compactMonth(handle.db, month, { now: afterLast, keys: i === 0 });
    const compacted = grownSince(before, await relationBytes(handle.db));
    const compactedTotal = compacted.reduce((s, r) => s + r.total, 0);
    console.log(JSON.stringify({
      documents, receipts, items, seed: args.seed, persistOnly: args['persist-only'], usualAsNull: USUAL_AS_NULL, acks: args.acks,
      // As received; stored packed (src/db/raw-container.ts): `storedRawContainerBytesPerDocument`.
      rawContainerBytesPerDocument: Math.round(received / documents),
      storedRawContainerBytesPerDocument: Math.round(Number(counted[0]!.raw) / documents),
      rawCodecMicrosPerDocument: codec,
      bytesPerDocument: Math.round(total / documents),
      bytesPerReceipt: Math.round(total / receipts),
      perDocument: Object.fromEntries(grown.map((r) => [r.table, perUnit(r, documents)])),
      totalBytes: total,
      afterCompaction: {
        months,
        bytesPerDocument: Math.round(compactedTotal / documents),
        bytesPerReceipt: Math.round(compactedTotal / receipts),
        perDocument: Object.fromEntries(compacted.map((r) => [r.table, perUnit(r, documents)])),
      },
    }, null, 2));
  } finally {
    await handle.close();
    if (!args.keep) await fresh.drop();
    else console.error(`kept ${fresh.name}`);
  }
}

await main();
