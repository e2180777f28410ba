import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTransaction } from '../../support/open-transaction.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { ensureDocumentPartitions, monthStart } from '../../../src/db/partitions.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

// receipt_items is a view over the documents' item arrays since migration 0054: it has no partitions of its own.
const PARENTS = ['documents', 'marking_codes', 'document_events'];

interface PartitionInfo {
  parent: string;
  name: string;
  bound: string;
}

async function partitions(t: TestDatabase): Promise<PartitionInfo[]> {
  const { rows } = await sql<PartitionInfo>`
    select p.relname as parent, c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
      from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
     order by 1, 2`.execute(t.db);
  return rows;
}

async function partitionOf(t: TestDatabase, table: string, fn: string, fd: number): Promise<string | undefined> {
  const { rows } = await sql<{ part: string }>`
    select tableoid::regclass::text as part from ${sql.table(table)} where fn = ${fn} and fd = ${fd}`.execute(t.db);
  return rows[0]?.part;
}

const yyyymm = (isoDate: string) => isoDate.slice(0, 7).replace('-', '');

describe('monthly partitions', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('exist after the migration for the current UTC month ± 3, plus a DEFAULT, for every document table', async () => {
    const now = new Date();
    const expected = [-3, -2, -1, 0, 1, 2, 3].map((k) => yyyymm(monthStart(now, k)));
    const all = await partitions(t);
    for (const parent of PARENTS) {
      const mine = all.filter((p) => p.parent === parent);
      expect(mine.map((p) => p.name)).toEqual([...expected.map((m) => `${parent}_p${m}`), `${parent}_default`].sort());
      expect(mine.find((p) => p.name === `${parent}_default`)?.bound).toBe('DEFAULT');
    }
    // Bounds are UTC midnights (shown here in a session whose zone is far from UTC).
    const bound = await t.db.connection().execute(async (conn) => {
      await sql`set time zone 'Asia/Kamchatka'`.execute(conn);
      const { rows } = await sql<{ lo: Date; hi: Date }>`
        select lower_bound::timestamptz as lo, upper_bound::timestamptz as hi
          from (select (regexp_match(pg_get_expr(relpartbound, oid), 'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)')) as m
                  from pg_class where relname = ${`documents_p${expected[3]}`}) s,
               lateral (select m[1] as lower_bound, m[2] as upper_bound) b`.execute(conn);
      await sql`reset time zone`.execute(conn);
      return rows[0];
    });
    expect(bound).toEqual({ lo: new Date(`${monthStart(now)}T00:00:00Z`), hi: new Date(`${monthStart(now, 1)}T00:00:00Z`) });
  });

  it('send far-future and far-past documents to DEFAULT without an error', async () => {
    const inserted = await insertDocuments(t.db, [
      documentRow({ fn: '9999078902013267', fd: 1, received_at: new Date('2099-05-03T10:00:00Z'), date_time: '2099-05-03T13:00:00' }),
      documentRow({ fn: '9999078902013267', fd: 2, received_at: new Date('1990-01-01T00:00:00Z'), date_time: '1990-01-01T03:00:00' }),
    ]);
    expect(inserted).toHaveLength(2);
    expect(await partitionOf(t, 'documents', '9999078902013267', 1)).toBe('documents_default');
    expect(await partitionOf(t, 'documents', '9999078902013267', 2)).toBe('documents_default');
    await t.db
      .insertInto('document_events')
      .values({ fn: '9999078902013267', fd: 1, received_at: new Date('2099-05-03T10:00:00Z'), kind: 'received' })
      .execute();
  });

  it('move rows out of DEFAULT when their month gets its partition, keeping identity values', async () => {
    const [event] = await t.db.selectFrom('document_events').select('id').execute();
    const created = await ensureDocumentPartitions(t.db, { now: new Date('2099-05-20T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 });
    expect(created.sort()).toEqual(PARENTS.map((p) => `${p}_p209905`).sort());

    expect(await partitionOf(t, 'documents', '9999078902013267', 1)).toBe('documents_p209905');
    expect(await partitionOf(t, 'documents', '9999078902013267', 2)).toBe('documents_default');
    expect(await partitionOf(t, 'document_events', '9999078902013267', 1)).toBe('document_events_p209905');
    const events = await t.db.selectFrom('document_events').select(['id', 'kind']).execute();
    expect(events).toEqual([{ id: event?.id, kind: 'received' }]);
    // The identity sequence was not disturbed by the move.
    const next = await t.db
      .insertInto('document_events')
      .values({ fn: '9999078902013267', fd: 1, received_at: new Date('2099-05-03T10:00:00Z'), kind: 'again' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(next.id).toBeGreaterThan(event?.id ?? Infinity);
  });

  it('are created once: calling again creates nothing', async () => {
    const opts = { now: new Date('2031-02-10T00:00:00Z'), monthsBehind: 1, monthsAhead: 2 };
    const first = await ensureDocumentPartitions(t.db, opts);
    expect(first.filter((n) => n.startsWith('documents_'))).toEqual([
      'documents_p203101',
      'documents_p203102',
      'documents_p203103',
      'documents_p203104',
    ]);
    expect(await ensureDocumentPartitions(t.db, opts)).toEqual([]);
  });

  it('route by the UTC month whatever the session time zone', async () => {
    await ensureDocumentPartitions(t.db, { now: new Date('2030-11-15T00:00:00Z'), monthsBehind: 1, monthsAhead: 0 });
    await t.db.connection().execute(async (conn) => {
      await sql`set time zone 'Asia/Vladivostok'`.execute(conn);
      await insertDocuments(conn, [
        documentRow({ fn: '7281440500751551', fd: 1, received_at: '2030-10-31T23:59:59.999Z' }),
        documentRow({ fn: '7281440500751551', fd: 2, received_at: '2030-11-01T00:00:00.000Z' }),
      ]);
      await sql`reset time zone`.execute(conn);
    });
    expect(await partitionOf(t, 'documents', '7281440500751551', 1)).toBe('documents_p203010');
    expect(await partitionOf(t, 'documents', '7281440500751551', 2)).toBe('documents_p203011');
  });

  it('give up with DB_PARTITION_FAILED rather than make every query queue behind a long reader', async () => {
    const opts = { now: new Date('2045-01-01T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 };
    const reader = await openTransaction(t.db, (trx) => trx.selectFrom('documents').select('fn').limit(1).execute()); // ACCESS SHARE until commit
    const t0 = Date.now();
    const error = await ensureDocumentPartitions(t.db, opts).catch((e: unknown) => e);
    expect((error as { code?: unknown }).code).toBe('DB_PARTITION_FAILED');
    expect(Date.now() - t0).toBeLessThan(10_000);
    await reader.commit();
    expect(await ensureDocumentPartitions(t.db, opts)).toHaveLength(PARENTS.length);
  });

  it('are created by concurrent callers without a duplicate-table error', async () => {
    const opts = { now: new Date('2040-06-01T00:00:00Z'), monthsBehind: 0, monthsAhead: 5 };
    const results = await Promise.all([1, 2, 3].map(() => ensureDocumentPartitions(t.db, opts)));
    expect(results.flat().sort()).toEqual(
      PARENTS.flatMap((p) => ['204006', '204007', '204008', '204009', '204010', '204011'].map((m) => `${p}_p${m}`)).sort(),
    );
  });
});
