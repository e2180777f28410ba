import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../../src/db/database.js';
import { findDocument, insertDocuments } from '../../support/stored-documents.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';

const FN = '9999078902013267';

function pgCode(e: unknown): unknown {
  return (e as { code?: unknown }).code;
}

async function countRows(t: TestDatabase, fn: string, fd: number) {
  const docs = await t.db.selectFrom('documents').select((eb) => eb.fn.countAll<string>().as('n')).where('fn', '=', fn).where('fd', '=', fd).executeTakeFirstOrThrow();
  const keys = await t.db.selectFrom('document_keys').select((eb) => eb.fn.countAll<string>().as('n')).where('fn', '=', fn).where('fd', '=', fd).executeTakeFirstOrThrow();
  return { documents: Number(docs.n), keys: Number(keys.n) };
}

describe('one stored document per (fn, fd)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await ensureDocumentPartitions(t.db, { now: new Date('2030-06-15T00:00:00Z'), monthsBehind: 2, monthsAhead: 2 });
  });
  afterAll(() => t.drop());

  it('keeps the first copy when two copies carry different received_at (other partitions) and dateTime', async () => {
    const first = documentRow({ fn: FN, fd: 10, received_at: new Date('2030-05-31T23:59:00Z'), date_time: '2030-06-01T02:59:00' });
    const second = documentRow({ fn: FN, fd: 10, received_at: new Date('2030-07-02T08:00:00Z'), date_time: '2030-07-02T11:00:00' });
    expect(await insertDocuments(t.db, [first])).toHaveLength(1);
    expect(await insertDocuments(t.db, [second])).toEqual([]);
    expect(await countRows(t, FN, 10)).toEqual({ documents: 1, keys: 1 });
    const stored = await findDocument(t.db, FN, 10);
    expect(stored?.received_at).toEqual(first.received_at);
    expect(stored?.date_time).toBe('2030-06-01T02:59:00');
  });

  it('stores a batch with repeated keys once, first copy wins, and reports only what it inserted', async () => {
    const rows = [
      documentRow({ fn: FN, fd: 12, received_at: new Date('2030-06-01T00:00:00Z'), total_sum: 1 }),
      documentRow({ fn: FN, fd: 11, received_at: new Date('2030-06-01T00:00:00Z') }),
      documentRow({ fn: FN, fd: 12, received_at: new Date('2030-07-01T00:00:00Z'), total_sum: 2 }),
      documentRow({ fn: FN, fd: 10, received_at: new Date('2030-06-01T00:00:00Z') }), // stored by the test above
    ];
    const inserted = await insertDocuments(t.db, rows);
    expect(inserted.map((r) => r.fd)).toEqual([11, 12]);
    expect((await findDocument(t.db, FN, 12))?.total_sum).toBe(1);
    expect(await countRows(t, FN, 12)).toEqual({ documents: 1, keys: 1 });
  });

  it('stores concurrent copies once (separate transactions racing on the same key)', async () => {
    const copies = Array.from({ length: 5 }, (_, i) =>
      documentRow({ fn: FN, fd: 20, received_at: new Date(Date.UTC(2030, 4 + (i % 3), 10, 0, 0, i)) }),
    );
    const results = await Promise.all(copies.map((row) => insertDocuments(t.db, [row])));
    expect(results.flat()).toHaveLength(1);
    expect(await countRows(t, FN, 20)).toEqual({ documents: 1, keys: 1 });
  });

  it('is enforced by the database itself where it costs no index, by the insert path otherwise', async () => {
    const at = new Date('2030-06-05T00:00:00Z');
    await insertDocuments(t.db, [documentRow({ fn: FN, fd: 30, received_at: at })]);
    // Same key, another month: the insert path never writes it (the test above); since migration 0067 the foreign key
    // names (fn, fd) only — checking received_at too took a second unique index on document_keys, ≈ 82 bytes per
    // document — so the database itself would accept such a row.
    // Same key, same received_at: primary key violation.
    const same = await t.db.insertInto('documents').values(documentRow({ fn: FN, fd: 30, received_at: at })).execute().catch((e: unknown) => e);
    expect(pgCode(same)).toBe('23505');
    // A document without its key at all.
    const orphan = await t.db
      .insertInto('documents')
      .values(documentRow({ fn: FN, fd: 31, received_at: at }))
      .execute()
      .catch((e: unknown) => e);
    expect(pgCode(orphan)).toBe('23503');
    // A second key row for the same (fn, fd).
    const key = await t.db.insertInto('document_keys').values({ fn: FN, fd: 30, received_at: new Date('2030-07-05T00:00:00Z') }).execute().catch((e: unknown) => e);
    expect(pgCode(key)).toBe('23505');
    expect(await countRows(t, FN, 30)).toEqual({ documents: 1, keys: 1 });
  });

  it('rolls the key back when the document insert fails, so a retry can store it', async () => {
    const at = new Date('2030-06-06T00:00:00Z');
    const bad = documentRow({ fn: FN, fd: 40, received_at: at, sign_status: 'bogus' as never });
    const error = await insertDocuments(t.db, [bad]).catch((e: unknown) => e);
    expect(pgCode(error)).toBe('23514');
    expect(await countRows(t, FN, 40)).toEqual({ documents: 0, keys: 0 });
    expect(await insertDocuments(t.db, [documentRow({ fn: FN, fd: 40, received_at: at })])).toHaveLength(1);
  });
});

describe('exact values', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('round-trip money, quantities, signs, bytes and the local wall clock', async () => {
    const raw = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const row = documentRow({
      fn: FN,
      fd: 4294967295,
      received_at: new Date('2030-01-15T12:34:56.789Z'),
      date_time: '2024-09-17T18:01:00',
      total_sum: 2 ** 48 - 1,
      cash_total_sum: 281474976710655n,
      ecash_total_sum: '0',
      fiscal_sign: 4294967295,
      message_fiscal_sign: '18446744073709551615',
      raw_container: raw,
      flk_status: 'failed',
      flk_codes: ['FLK_TOTAL_MISMATCH', 'FLK_1054_MISSING'],
      ack_code: 14,
      // Item names live in the document row (migrations 0054, 0066), read as rows through the receipt_items view.
      item_names: ['Хлеб', null],
    });
    await ensureDocumentPartitions(t.db, { now: new Date('2030-01-01T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 });
    await insertDocuments(t.db, [row]);

    const stored = await findDocument(t.db, FN, 4294967295);
    expect(stored).toMatchObject({
      fd: 4294967295,
      received_at: new Date('2030-01-15T12:34:56.789Z'),
      date_time: '2024-09-17T18:01:00',
      total_sum: 281474976710655,
      cash_total_sum: 281474976710655,
      ecash_total_sum: 0,
      fiscal_sign: 4294967295,
      message_fiscal_sign: '18446744073709551615',
      flk_codes: ['FLK_TOTAL_MISMATCH', 'FLK_1054_MISSING'],
      ack_code: 14,
    });
    // Written as received (raw_codec null: how rows stored before migration 0063 read).
    expect(stored?.raw_codec).toBeNull();
    expect(Buffer.compare(stored ? unpackRawContainer(stored.raw_container, stored.raw_codec) : Buffer.alloc(0), raw)).toBe(0);
    expect(stored?.persisted_at).toBeInstanceOf(Date);

    const items = await t.db.selectFrom('receipt_items').select(['item_index', 'name']).orderBy('item_index').execute();
    expect(items).toEqual([
      { item_index: 0, name: 'Хлеб' },
      { item_index: 1, name: null },
    ]);
  });

  it('reads the wall clock unchanged whatever the session time zone', async () => {
    const value = await t.db.connection().execute(async (conn) => {
      await sql`set time zone 'America/New_York'`.execute(conn);
      const { rows } = await sql<{ v: string; d: string }>`
        select ${'2024-03-10T02:30:00'}::timestamp as v, ${'2024-03-10'}::date as d`.execute(conn);
      await sql`reset time zone`.execute(conn);
      return rows[0];
    });
    expect(value).toEqual({ v: '2024-03-10T02:30:00', d: '2024-03-10' });
  });

  it('refuses a ФПС beyond 2^64 − 1 and an FD beyond uint32', async () => {
    const at = new Date('2030-01-16T00:00:00Z');
    const sign = await insertDocuments(t.db, [documentRow({ fn: FN, fd: 1, received_at: at, message_fiscal_sign: '18446744073709551616' })]).catch((e: unknown) => e);
    expect(pgCode(sign)).toBe('23514');
    const fd = await insertDocuments(t.db, [documentRow({ fn: FN, fd: 4294967296, received_at: at })]).catch((e: unknown) => e);
    expect(pgCode(fd)).toBe('23514');
  });

  it('round-trips a dead letter', async () => {
    const payload = { fn: FN, fd: 7, container: Buffer.from('abc').toString('base64') };
    const inserted = await t.db
      .insertInto('dead_letters')
      .values({
        queue: 'fns',
        job_id: `fn-${FN}-fd-7`,
        payload: JSON.stringify(payload),
        error_code: 'FNS_REJECTED',
        error_message: 'rejected: 1020',
        attempts: 8,
        first_failed_at: new Date('2030-01-16T00:00:00Z'),
        last_failed_at: new Date('2030-01-16T01:00:00Z'),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(inserted).toMatchObject({ payload, attempts: 8, replayed_at: null, replay_count: 0 });
    expect(typeof inserted.id).toBe('number');
  });
});

describe('int8 values beyond 2^53', () => {
  it('fail the query with DB_UNSAFE_INTEGER instead of losing digits', async () => {
    const t = await createTestDatabase({ migrate: false });
    try {
      const { rows } = await sql<{ v: number }>`select 9007199254740991::int8 as v`.execute(t.db);
      expect(rows[0]?.v).toBe(Number.MAX_SAFE_INTEGER);
      const error = await sql`select 9007199254740993::int8 as v`.execute(t.db).catch((e: unknown) => e);
      expect(pgCode(error)).toBe('DB_UNSAFE_INTEGER');
      // The connection is still usable afterwards.
      const again = await sql<{ v: number }>`select (-42)::int8 as v`.execute(t.db);
      expect(again.rows[0]?.v).toBe(-42);
    } finally {
      await t.drop();
    }
  });
});

describe('the pool', () => {
  it('survives errors on idle connections (PostgreSQL restart) and reports them', async () => {
    const t = await createTestDatabase({ migrate: false });
    const errors: Error[] = [];
    const handle = createDb(t.url, { onPoolError: (e) => errors.push(e) });
    try {
      await sql`select 1`.execute(handle.db); // one idle connection now in the pool
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${t.name} and pid <> pg_backend_pid()`.execute(t.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(errors.length).toBeGreaterThan(0);
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
      expect(rows[0]?.one).toBe(1);
    } finally {
      await handle.close();
      await handle.close();
      await t.drop();
    }
  });

  it('refuses a URL that is not postgres:// with DB_BAD_URL', () => {
    expect(() => createDb('mysql://localhost/x')).toThrow(expect.objectContaining({ code: 'DB_BAD_URL' }));
    expect(() => createDb('not a url')).toThrow(expect.objectContaining({ code: 'DB_BAD_URL' }));
  });
});
