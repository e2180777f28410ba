// `ofd partitions compact YYYY-MM`: a closed month's indexes rebuilt packed, online, with every row still found through
// them. Sizes come from PostgreSQL's catalogue; the index list from pg_index, not from the code under test.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactMonth } from '../../../src/db/partition-compaction.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';
import { partitionsCli } from './partitions-cli.js';

let t: TestDatabase;
const MONTH = '2020-05';
const DRIVES = 300;
const PER_DRIVE = 40;
const fnOf = (i: number) => `99990800000${String(i).padStart(5, '0')}`;

const cli = (argv: string[]) => partitionsCli(t.url, argv);

async function indexSizes(table: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ index: string; bytes: string }>`
    select i.relname as index, pg_relation_size(i.oid)::text as bytes
      from pg_index x join pg_class i on i.oid = x.indexrelid
     where x.indrelid = ${table}::regclass`.execute(t.db);
  return new Map(rows.map((r) => [r.index, Number(r.bytes)]));
}

beforeAll(async () => {
  t = await createTestDatabase();
  await ensureDocumentPartitions(t.db, { now: new Date('2020-05-15T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 });
  // As registers send: drives interleaved, each one's FDs ascending — inserts in the middle of every (fn, fd) index.
  for (let fd = 1; fd <= PER_DRIVE; fd++) {
    await insertDocuments(
      t.db,
      Array.from({ length: DRIVES }, (_, i) =>
        documentRow({ fn: fnOf(i), fd, received_at: new Date(Date.UTC(2020, 4, 1 + (fd % 28), 10, 0, 0, i)), register_id: i + 1, outlet_id: (i % 30) + 1 }),
      ),
    );
  }
});
afterAll(() => t.drop());

describe('compacting a closed month', () => {
  it('refuses the current month, a future one, a malformed one and one without partitions, with their codes', async () => {
    await expect(compactMonth(t.db, MONTH, { now: new Date('2020-05-31T23:59:59Z') })).rejects.toMatchObject({ code: 'PARTITION_OPEN' });
    await expect(compactMonth(t.db, '2021-01', { now: new Date('2020-06-01T00:00:00Z') })).rejects.toMatchObject({ code: 'PARTITION_OPEN' });
    await expect(compactMonth(t.db, '2020-13')).rejects.toMatchObject({ code: 'PARTITION_BAD_MONTH' });
    await expect(compactMonth(t.db, '2019-01')).rejects.toMatchObject({ code: 'PARTITION_NOT_FOUND' });
    const refused = await cli(['compact', '2099-01']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('PARTITION_OPEN');
  });

  it('rebuilds every index of the month and of the key tables smaller, drops what an interrupted run left, and finds every row after', async () => {
    // What an interrupted REINDEX CONCURRENTLY leaves: an invalid index every insert would still maintain.
    await expect(sql`create unique index concurrently documents_p202005_pkey_ccnew on documents_p202005 (form)`.execute(t.db)).rejects.toThrow();
    const before = await indexSizes('documents_p202005');
    expect(before.has('documents_p202005_pkey_ccnew')).toBe(true);
    const keysBefore = await indexSizes('document_keys');

    const { code, out, err } = await cli(['compact', MONTH, '--keys']);
    expect(code).toBe(0);
    const summary = JSON.parse(out) as { indexes: number; bytesBefore: number; bytesAfter: number; compacted: { index: string; bytesBefore: number; bytesAfter: number }[] };
    const after = await indexSizes('documents_p202005');
    expect(after.has('documents_p202005_pkey_ccnew')).toBe(false);
    const listed = new Set(summary.compacted.map((c) => c.index));
    for (const index of [...after.keys(), ...keysBefore.keys()]) expect(listed, index).toContain(index);
    // Progress, one line per index.
    expect(err.trim().split('\n')).toHaveLength(summary.indexes);

    // The (fn, fd) indexes filled in the middle: markedly smaller once packed (PostgreSQL's own sizes).
    const pkey = 'documents_p202005_pkey';
    expect(after.get(pkey)!).toBeLessThan(before.get(pkey)! * 0.85);
    expect((await indexSizes('document_keys')).get('document_keys_pkey')!).toBeLessThan(keysBefore.get('document_keys_pkey')! * 0.85);
    expect(summary.bytesAfter).toBeLessThan(summary.bytesBefore);

    // Every row is still found through the rebuilt indexes.
    await t.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const found = await trx.selectFrom('documents').select((eb) => eb.fn.countAll<string>().as('n')).where('fn', '=', fnOf(7)).executeTakeFirstOrThrow();
      expect(Number(found.n)).toBe(PER_DRIVE);
      const byRegister = await trx.selectFrom('documents').select((eb) => eb.fn.countAll<string>().as('n')).where('register_id', '=', 8).executeTakeFirstOrThrow();
      expect(Number(byRegister.n)).toBe(PER_DRIVE);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from document_keys where fn = ${fnOf(299)} and fd between 1 and ${PER_DRIVE}`.execute(trx);
      expect(rows[0]!.n).toBe(PER_DRIVE);
    });
    // And a document stored after the rebuild goes in as before.
    await insertDocuments(t.db, [documentRow({ fn: fnOf(7), fd: PER_DRIVE + 1, received_at: new Date('2020-05-30T00:00:00Z') })]);
    const valid = await sql<{ n: number }>`select count(*)::int as n from pg_index where indrelid = 'documents_p202005'::regclass and not indisvalid`.execute(t.db);
    expect(valid.rows[0]!.n).toBe(0);
  });
});
