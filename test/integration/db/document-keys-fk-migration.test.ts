// Migration 0067 on a database in the middle of the retention flow: a month detached (waiting for pg_dump) keeps a
// foreign key of its own that depended on the dropped (fn, fd, received_at) index. The upgrade must re-point it, not
// stop the start-up. Expected constraints are read from PostgreSQL's catalogue.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { detachMonth } from '../../../src/db/partition-retention.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

const FN = '9999078902019067';
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  // Back to before 0067 (it and every later migration undone), with a stored document in a month that is then detached.
  const names = Object.keys(migrations).sort();
  await migrateDown(t.db, names.length - names.indexOf('0067_document_keys_one_index'));
  await ensureDocumentPartitions(t.db, { now: new Date('2019-03-10T00:00:00Z'), monthsBehind: 1, monthsAhead: 0 });
  await insertDocuments(t.db, [documentRow({ fn: FN, fd: 1, received_at: new Date('2019-02-20T10:00:00.000Z') })]);
  await detachMonth(t.db, '2019-02', { now: new Date('2026-12-05T00:00:00Z') });
});
afterAll(() => t.drop());

const foreignKeys = async () =>
  (await sql<{ tbl: string; def: string }>`
    select conrelid::regclass::text as tbl, pg_get_constraintdef(oid) as def from pg_constraint
     where contype = 'f' and confrelid = 'document_keys'::regclass and conrelid::regclass::text like 'documents%'
     order by 1`.execute(t.db)).rows;

it('re-points a detached month’s own foreign key and keeps refusing to delete the key of its document', async () => {
  const before = await foreignKeys();
  const detached = before.find((r) => r.tbl.includes('2019') && r.tbl.includes('02'));
  expect(detached?.def).toContain('(fn, fd, received_at)');

  await migrateToLatest(t.db);

  const after = await foreignKeys();
  expect(after.find((r) => r.tbl === detached!.tbl)?.def).toBe('FOREIGN KEY (fn, fd) REFERENCES document_keys(fn, fd) ON DELETE RESTRICT');
  expect(after.find((r) => r.tbl === 'documents')?.def).toBe('FOREIGN KEY (fn, fd) REFERENCES document_keys(fn, fd) ON DELETE RESTRICT');
  await expect(sql`delete from document_keys where fn = ${FN}`.execute(t.db)).rejects.toThrow(/foreign key/);
});
