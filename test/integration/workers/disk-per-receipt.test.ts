// Disk per stored document (issue 12, target 4): documents of the loadtest's mix (emulated registers: receipts of 1–14
// items, marked goods, e-mails, corrections, shift and registration reports), each made by the gateway's own
// handleMessage (framing, devsign verification, ФЛК) and stored by the persist processor — the path every document
// takes, Redis aside. Then the bytes PostgreSQL holds for them, indexes and TOAST included, per document; and every
// raw container read back is byte for byte what the register sent.
//
// A size, not a timing: the same documents give the same pages on any machine (give or take page-fill luck, which the
// margin covers). The target is ≤ 1 500 bytes per receipt; where this stands: see the bounds below.
// Byte for byte: each row is unpacked (raw_codec) and compared with the container the register sent.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetJobs } from '../../../bench/fleet-jobs.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';
import { forgetRawContexts } from '../../../src/db/raw-context-cache.js';
import { loadRawContexts } from '../../../src/db/raw-contexts.js';

const REGISTERS = 50;
const DOCUMENTS = 3000;
const BATCH = 500;

/** Tables whose size grows with every document (their partitions, indexes and TOAST included). */
const DOCUMENT_TABLES = ['document_keys', 'documents', 'marking_codes', 'document_events'] as const;
/** Tables that grow with distinct (day, register, item name, …) groups: amortized over a day's receipts in production. */
const ROLLUP_TABLES = ['report_rollup_hourly', 'report_rollup_daily', 'report_item_daily', 'report_item_daily_ids', 'shifts', 'item_name_dictionary'] as const;

/**
 * Bytes per document measured when these bounds were set (PostgreSQL 15, 8 KB pages): document tables 1 384 (1 641
 * with the item names as text in every row, before migration 0070; 1 715 with items' price, quantity and sum still
 * stored as arrays of the row and document_keys' second index, before migrations 0066 and 0067; ≈ 1 900 before that;
 * ≈ 2 100 before the raw container was stored packed, migration 0063; ≈ 5 700 before issue 12: the stored FNS JSON, one
 * receipt_items row per item, two lifecycle events per document), the whole database's growth 1 958 (2 015 before
 * 0073 gave the rows updated in place room on their page, 2 234 before 0070, 2 308 before 0066; rollups, shifts and
 * item names ≈ 420 of it with only 60 documents per register and day: they grow with distinct groups, not documents). The bounds leave ≈ 10 % for page-fill variation. The raw container is
 * ≈ 890 bytes as received here, ≈ 0.41 of that as stored (deflate with a preset dictionary, src/db/raw-container.ts).
 * The whole per-document picture — the acks, FNS status and event rows of the other workers included — is
 * `npm run bench:disk` (docs/operations.md, Sizing).
 */
const MAX_DOCUMENT_TABLE_BYTES = 1_520;
const MAX_DATABASE_GROWTH_BYTES = 2_150;

let t: TestDatabase;
let jobs: DocumentJob[];

async function tableBytes(tables: readonly string[]): Promise<number> {
  let total = 0;
  for (const table of tables) {
    const { rows } = await sql<{ bytes: string }>`
      select coalesce(sum(pg_total_relation_size(relid)), pg_total_relation_size(${table}::regclass))::text as bytes
        from pg_partition_tree(${table}::regclass)`.execute(t.db);
    total += Number(rows[0]?.bytes ?? 0);
  }
  return total;
}

async function databaseBytes(): Promise<number> {
  const { rows } = await sql<{ bytes: string }>`select pg_database_size(current_database())::text as bytes`.execute(t.db);
  return Number(rows[0]?.bytes ?? 0);
}

beforeAll(async () => {
  t = await createTestDatabase();
  jobs = await fleetJobs(REGISTERS, DOCUMENTS, 'disk-per-receipt');
}, 300_000);
afterAll(() => t.drop());

describe('disk per stored document', () => {
  it('stays within the budget, indexes and TOAST included, and keeps every raw container byte for byte', { timeout: 300_000 }, async () => {
    expect(jobs).toHaveLength(DOCUMENTS);
    await sql`checkpoint`.execute(t.db);
    const documentTablesBefore = await tableBytes(DOCUMENT_TABLES);
    const databaseBefore = await databaseBytes();

    const persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
    for (let i = 0; i < jobs.length; i += BATCH) {
      const results = await persist(jobs.slice(i, i + BATCH));
      expect(results.every((r) => r.ok && r.inserted)).toBe(true);
    }
    // Sizes as they settle: the free-space map and visibility map written, nothing pending.
    await sql`vacuum`.execute(t.db);

    const { rows: counted } = await sql<{ n: number; receipts: number }>`
      select count(*)::int as n, count(*) filter (where form in (3, 4, 31, 41))::int as receipts from documents`.execute(t.db);
    expect(counted[0]!.n).toBe(DOCUMENTS);
    expect(counted[0]!.receipts).toBeGreaterThan(DOCUMENTS * 0.9);

    const perDocument = (await tableBytes(DOCUMENT_TABLES) - documentTablesBefore) / DOCUMENTS;
    const databaseGrowth = (await databaseBytes() - databaseBefore) / DOCUMENTS;
    const rollups = (await tableBytes(ROLLUP_TABLES)) / DOCUMENTS;
    // Printed for the report: where the bytes go.
    console.log(JSON.stringify({ documents: DOCUMENTS, bytesPerDocument: { documentTables: Math.round(perDocument), rollups: Math.round(rollups), databaseGrowth: Math.round(databaseGrowth) } }));
    expect(perDocument).toBeLessThanOrEqual(MAX_DOCUMENT_TABLE_BYTES);
    expect(databaseGrowth).toBeLessThanOrEqual(MAX_DATABASE_GROWTH_BYTES);

    // The raw bytes are kept: each stored container is exactly the one the register sent.
    const sent = new Map(jobs.map((j) => [`${j.fn}:${j.fd}`, Buffer.from(j.container, 'base64')]));
    const stored = await t.db.selectFrom('documents').select(['fn', 'fd', 'raw_container', 'raw_codec']).execute();
    // As a process that never stored them reads them: every drive's context from raw_contexts (migration 0081).
    forgetRawContexts();
    await loadRawContexts(t.db, stored);
    expect(stored).toHaveLength(DOCUMENTS);
    const differing = stored.filter((r) => !sent.get(`${r.fn}:${r.fd}`)?.equals(unpackRawContainer(r.raw_container, r.raw_codec)));
    expect(differing).toEqual([]);
  });
});
