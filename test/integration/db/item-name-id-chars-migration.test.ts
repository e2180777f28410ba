// Migration 0083 with a month detached (the retention flow, waiting for pg_dump): the month gets item_name_id_chars
// too, so it can be attached again; going down puts every receipt's ids back into item_name_ids, the detached month's
// included, and the names read the same before and after. Columns are read from PostgreSQL's catalogue.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listMigrations, migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { detachMonth } from '../../../src/db/partition-retention.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { stepsBack } from '../../support/migration-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

const FN = '9999078902019083';
const INN = '7704211201';
const NOW = new Date('2026-12-05T00:00:00Z');
let t: TestDatabase;

const hasChars = async (table: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from information_schema.columns where table_name = ${table} and column_name = 'item_name_id_chars'`.execute(t.db))
    .rows[0]!.n === 1;
const namesOf = async () =>
  (await sql<{ fd: number; name: string | null }>`select fd, name from receipt_items where fn = ${FN} order by fd, item_index`.execute(t.db)).rows;

beforeAll(async () => {
  t = await createTestDatabase();
  await migrateDown(t.db, stepsBack('0083_item_name_id_chars'));
  await ensureDocumentPartitions(t.db, { now: new Date('2019-03-10T00:00:00Z'), monthsBehind: 1, monthsAhead: 0 });
  await detachMonth(t.db, '2019-02', { now: NOW });
});
afterAll(() => t.drop());

it('adds item_name_id_chars to a detached month, and going down puts every id back into item_name_ids', async () => {
  expect(await hasChars('documents_p201902')).toBe(false);
  await migrateToLatest(t.db);
  expect(await hasChars('documents_p201902')).toBe(true);
  await sql`alter table documents attach partition documents_p201902 for values from ('2019-02-01 00:00:00+00') to ('2019-03-01 00:00:00+00')`.execute(t.db);

  const { rows } = await sql<{ id: number; name: string }>`
    insert into item_name_dictionary (user_inn, name) values (${INN}, 'Хлеб'), (${INN}, 'Молоко') returning id, name`.execute(t.db);
  const id = (name: string) => rows.find((r) => r.name === name)!.id;
  // Characters written out (U+0080 + id; U+0080 alone: an item without a name), in both months.
  const chars = (...ids: (number | null)[]) => String.fromCodePoint(...ids.map((i) => 0x80 + (i ?? 0)));
  await insertDocuments(t.db, [
    documentRow({ fn: FN, fd: 1, received_at: new Date('2019-02-20T10:00:00.000Z'), user_inn: INN, item_name_id_chars: chars(id('Хлеб'), null) }),
    documentRow({ fn: FN, fd: 2, received_at: new Date('2019-03-02T10:00:00.000Z'), user_inn: INN, item_name_id_chars: chars(id('Молоко'), id('Хлеб')) }),
    documentRow({ fn: FN, fd: 3, received_at: new Date('2019-03-02T11:00:00.000Z'), user_inn: INN, item_name_ids: [id('Молоко')] }),
  ]);
  const before = await namesOf();
  expect(before).toEqual([
    { fd: 1, name: 'Хлеб' },
    { fd: 1, name: null },
    { fd: 2, name: 'Молоко' },
    { fd: 2, name: 'Хлеб' },
    { fd: 3, name: 'Молоко' },
  ]);
  await detachMonth(t.db, '2019-02', { now: NOW });

  await migrateDown(t.db, stepsBack('0083_item_name_id_chars'));
  expect(await hasChars('documents_p201902')).toBe(false);
  expect(await hasChars('documents')).toBe(false);
  const stored = await sql<{ fd: number; item_name_ids: (number | null)[] }>`
    select fd, item_name_ids from documents_p201902 union all select fd, item_name_ids from documents where fn = ${FN} order by 1`.execute(t.db);
  expect(stored.rows).toEqual([
    { fd: 1, item_name_ids: [id('Хлеб'), null] },
    { fd: 2, item_name_ids: [id('Молоко'), id('Хлеб')] },
    { fd: 3, item_name_ids: [id('Молоко')] },
  ]);
  await sql`alter table documents attach partition documents_p201902 for values from ('2019-02-01 00:00:00+00') to ('2019-03-01 00:00:00+00')`.execute(t.db);
  expect(await namesOf()).toEqual(before);
});

it('refuses a database that is not UTF8, saying what to do, and runs none of the migrations (one transaction)', async () => {
  const ascii = await createTestDatabase({ encoding: 'SQL_ASCII', migrate: false });
  try {
    await migrateToLatest(ascii.db).then(
      () => expect.unreachable('migrated a SQL_ASCII database'),
      (e: unknown) => {
        expect(String(e)).toContain('0083_item_name_id_chars');
        expect(String(e)).toContain('must be UTF8, this one is SQL_ASCII');
      },
    );
    expect((await listMigrations(ascii.db)).filter((m) => m.executedAt !== undefined)).toEqual([]);
  } finally {
    await ascii.drop();
  }
});
