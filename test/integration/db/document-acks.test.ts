// Acks actually written (migrations 0057, 0078): an ack report needs no document row — it may come first, and then it
// waits in document_acks until the persist worker stores the document and takes the ack into its document_keys row; a
// report that comes after stays in document_acks. A report recorded twice (a retried job) or a later ack for the same
// document keeps the first ack written, wherever it is.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDocuments } from '../../../src/db/api-documents.repository.js';
import { findWrittenAck, recordWrittenAcks } from '../../../src/db/document-acks.repository.js';
import { createDocumentAcksVacuum } from '../../../src/db/document-acks-vacuum.js';
import { findDocumentView } from '../../../src/db/document-view.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob } from '../workers/worker-test-helpers.js';

const FN = '9999078900000058';
let t: TestDatabase;
let persist: PersistProcessor;

beforeAll(async () => {
  t = await createTestDatabase();
  persist = createPersistProcessor({ db: t.db, logger: silentLogger(), acksVacuumMs: 60_000 });
});
afterAll(() => t.drop());

/** The rows of both tables for FN's `fd`, as stored. */
async function where(fd: number): Promise<{ key: { acked_at: Date | null; ack_code: number | null } | undefined; waiting: number }> {
  const key = await t.db.selectFrom('document_keys').select(['acked_at', 'ack_code']).where('fn', '=', FN).where('fd', '=', fd).executeTakeFirst();
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from document_acks where fn = ${FN}::bigint and fd = ${fd}`.execute(t.db);
  return { key, waiting: rows[0]!.n };
}

describe('acks written', () => {
  it('an ack that comes before its document waits, and goes into the key row when the document is stored', async () => {
    const at = Date.parse('2026-12-05T10:00:00.123Z');
    expect(await recordWrittenAcks(t.db, [{ fn: FN, fd: 1, code: 14, at }])).toBe(1);
    expect(await findDocumentView(t.db, FN, 1)).toBeUndefined();
    expect(await where(1)).toEqual({ key: undefined, waiting: 1 });

    const [stored] = await persist([realJob(FN, 1)]);
    expect(stored).toMatchObject({ ok: true, inserted: true });
    expect(await where(1)).toEqual({ key: { acked_at: new Date(at), ack_code: 14 }, waiting: 0 });
    const view = await findDocumentView(t.db, FN, 1);
    expect(view?.status).toMatchObject({ ackedAt: '2026-12-05T10:00:00.123Z', ackCode: 14 });
    const [listed] = await listDocuments(t.db, { inns: 'all', limit: 10, fn: FN, fd: 1 });
    expect(listed).toMatchObject({ fd: 1, ack_code: 14, acked_at: new Date(at) });
  });

  it('an ack that comes after its document stays in document_acks, the key row untouched, and reads the same', async () => {
    await persist([realJob(FN, 2)]);
    const at = Date.parse('2026-12-05T10:05:00.000Z');
    expect(await recordWrittenAcks(t.db, [{ fn: FN, fd: 2, code: 0, at }])).toBe(1);
    expect(await where(2)).toEqual({ key: { acked_at: null, ack_code: null }, waiting: 1 });
    expect(await findWrittenAck(t.db, FN, 2)).toEqual({ ackedAt: new Date(at), ackCode: 0 });
    const [listed] = await listDocuments(t.db, { inns: 'all', limit: 10, fn: FN, fd: 2 });
    expect(listed).toMatchObject({ fd: 2, ack_code: 0, acked_at: new Date(at) });
  });

  it('keeps the first ack written: a report run again, before or after its document is stored, or a later ack of a re-send, changes nothing', async () => {
    const first = Date.parse('2026-12-05T11:00:00.000Z');
    const acks = [
      { fn: FN, fd: 3, code: 0, at: first + 500 },
      { fn: FN, fd: 3, code: 0, at: first },
      { fn: FN, fd: 4, code: 0, at: first },
    ];
    expect(await recordWrittenAcks(t.db, acks)).toBe(2);
    expect(await recordWrittenAcks(t.db, acks)).toBe(0);
    expect(await recordWrittenAcks(t.db, [{ fn: FN, fd: 3, code: 0, at: first + 60_000 }])).toBe(0);
    // FD 3 is stored (its ack taken along), FD 4 not yet: the same report again, and a re-send's ack, add nothing.
    await persist([realJob(FN, 3)]);
    expect(await recordWrittenAcks(t.db, acks)).toBe(0);
    expect(await recordWrittenAcks(t.db, [{ fn: FN, fd: 3, code: 14, at: first + 120_000 }])).toBe(0);
    expect(await where(3)).toEqual({ key: { acked_at: new Date(first), ack_code: 0 }, waiting: 0 });
    expect(await where(4)).toEqual({ key: undefined, waiting: 1 });
    expect(await findWrittenAck(t.db, FN, 4)).toEqual({ ackedAt: new Date(first), ackCode: 0 });
  });

  it('a copy of a stored document takes no waiting ack: it stays where readers find it', async () => {
    await persist([realJob(FN, 5)]);
    const at = Date.parse('2026-12-05T12:00:00.000Z');
    expect(await recordWrittenAcks(t.db, [{ fn: FN, fd: 5, code: 0, at }])).toBe(1);
    const [copy] = await persist([realJob(FN, 5)]);
    expect(copy).toMatchObject({ ok: true, inserted: false });
    expect(await where(5)).toEqual({ key: { acked_at: null, ack_code: null }, waiting: 1 });
    expect(await findWrittenAck(t.db, FN, 5)).toEqual({ ackedAt: new Date(at), ackCode: 0 });
  });

  it('the persist worker vacuums the acks it took, after its last batch: their pages go back, without autovacuum', async () => {
    await sql`alter table document_acks set (autovacuum_enabled = false)`.execute(t.db);
    // Its batch comes sooner than 300 ms after it started: the VACUUM follows when they have passed, with no batch after.
    const vacuumed = createPersistProcessor({ db: t.db, logger: silentLogger(), acksVacuumMs: 300 });
    const fns = Array.from({ length: 2_000 }, (_, i) => `99990789001${String(i).padStart(5, '0')}`);
    const at = Date.parse('2026-12-05T13:00:00.000Z');
    const before = await vacuumCount();
    expect(await recordWrittenAcks(t.db, fns.map((fn) => ({ fn, fd: 1, code: 0, at })))).toBe(fns.length);
    await vacuumed(fns.map((fn) => realJob(fn, 1)));
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from document_keys where fd = 1 and acked_at is not null and fn <> ${FN}`.execute(t.db);
    expect(rows[0]!.n).toBe(fns.length);
    // The VACUUM runs in the background after the batch.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await vacuumCount()) === before) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await vacuumCount()).toBeGreaterThan(before);
    // The 2 000 waiting rows took ≈ 15 pages after the three the tests above left on the first; only that one is kept:
    // their dead rows were removed (the statistics' dead-row count is no witness: the batch's own counts may reach it
    // after the VACUUM's).
    const { rows: size } = await sql<{ pages: number }>`select (pg_relation_size('document_acks') / 8192)::int as pages`.execute(t.db);
    expect(size[0]!.pages).toBe(1);
  });
});

describe('the upkeep of document_acks', () => {
  it('once a backlog has drained, gives its pages back and rebuilds its key', async () => {
    // 60 000 acks waited; all but the last 100 were taken first and a VACUUM passed (as during a drain), then those.
    // That last VACUUM finds 100 dead rows on one page of ≈ 450: PostgreSQL would skip cleaning the index up for so few,
    // and their line pointers would keep that page — and the file — from being truncated.
    await sql`insert into document_acks (fn, fd, acked_at, ack_code)
              select 9999078900200000 + k, 1, now(), 0 from generate_series(1, 60000) k`.execute(t.db);
    await sql`delete from document_acks where fn between 9999078900200001 and 9999078900259900`.execute(t.db);
    await sql`vacuum document_acks`.execute(t.db);
    await t.db.connection().execute(async (c) => {
      await sql`delete from document_acks where fn > 9999078900200000`.execute(c);
      await sql`select pg_stat_force_next_flush()`.execute(c); // its counts reach the statistics as it goes idle
    });
    const pages = async () =>
      (await sql<{ heap: number; key: number }>`
        select (pg_relation_size('document_acks') / 8192)::int as heap, (pg_relation_size('document_acks_pkey') / 8192)::int as key`.execute(t.db)).rows[0]!;
    const bloated = await pages();
    expect(bloated.heap).toBeGreaterThan(400);
    expect(bloated.key).toBeGreaterThan(200); // ≈ 2 MB
    const upkeep = createDocumentAcksVacuum(t.db, silentLogger(), 0);
    const deadline = Date.now() + 10_000;
    let now = bloated;
    while (Date.now() < deadline && (now.heap > 1 || now.key > 2)) {
      upkeep.afterBatch(); // as the persist worker calls it after each batch
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = await pages();
    }
    // The three rows the tests above left on the first page stay, with a key of a page or two.
    expect(now.heap).toBeLessThanOrEqual(1);
    expect(now.key).toBeLessThanOrEqual(2);
    expect(await findWrittenAck(t.db, FN, 4)).toMatchObject({ ackCode: 0 });
  });
});

async function vacuumCount(): Promise<number> {
  await sql`select pg_stat_clear_snapshot()`.execute(t.db);
  const { rows } = await sql<{ n: number }>`select vacuum_count::int as n from pg_stat_user_tables where relname = 'document_acks'`.execute(t.db);
  return rows[0]!.n;
}
