// Migration 0070 on a database in the middle of the retention flow: a month detached before it (waiting for pg_dump)
// must get item_name_ids too, or attaching it back would fail; and going down puts every name back into the rows,
// detached months included. Columns are read from PostgreSQL's catalogue.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { ItemNameDictionary, itemNameKey, itemNamesOf } from '../../../src/db/item-name-dictionary.js';
import { detachMonth } from '../../../src/db/partition-retention.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { stepsBack } from '../../support/migration-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

const FN = '9999078902019070';
const INN = '7704211201';
let t: TestDatabase;

const hasIds = async (table: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from information_schema.columns where table_name = ${table} and column_name = 'item_name_ids'`.execute(t.db))
    .rows[0]!.n === 1;

beforeAll(async () => {
  t = await createTestDatabase();
  await migrateDown(t.db, stepsBack('0070_item_name_dictionary'));
  await ensureDocumentPartitions(t.db, { now: new Date('2019-03-10T00:00:00Z'), monthsBehind: 1, monthsAhead: 0 });
  await insertDocuments(t.db, [documentRow({ fn: FN, fd: 1, received_at: new Date('2019-02-20T10:00:00.000Z'), user_inn: INN, item_names: ['Хлеб'] })]);
  await detachMonth(t.db, '2019-02', { now: new Date('2026-12-05T00:00:00Z') });
});
afterAll(() => t.drop());

it('adds item_name_ids to a month detached before it, which can then be attached again, and goes down without losing a name', async () => {
  expect(await hasIds('documents_p201902')).toBe(false);
  await migrateToLatest(t.db);
  expect(await hasIds('documents_p201902')).toBe(true);
  await sql`alter table documents attach partition documents_p201902 for values from ('2019-02-01 00:00:00+00') to ('2019-03-01 00:00:00+00')`.execute(t.db);
  const names = async (fd: number) =>
    (await sql<{ name: string }>`select name from receipt_items where fn = ${FN} and fd = ${fd} order by item_index`.execute(t.db)).rows.map((r) => r.name);
  expect(await names(1)).toEqual(['Хлеб']);

  // A row stored with ids, in a month then detached again; down brings its names back as text in both months.
  const ids = await new ItemNameDictionary().idsOf(t.db, itemNamesOf([{ inn: INN, items: [{ name: 'Молоко' }, { name: null }] }]));
  await insertDocuments(t.db, [documentRow({ fn: FN, fd: 2, received_at: new Date('2019-03-02T10:00:00.000Z'), user_inn: INN, item_name_ids: [ids.get(itemNameKey(INN, 'Молоко'))!, null] })]);
  await sql`update documents set item_name_ids = ${[ids.get(itemNameKey(INN, 'Молоко'))!]}::int[], item_names = null where fn = ${FN} and fd = 1`.execute(t.db);
  await detachMonth(t.db, '2019-02', { now: new Date('2026-12-05T00:00:00Z') });

  // Every migration from 0070 on undone (later ones first).
  await migrateDown(t.db, stepsBack('0070_item_name_dictionary'));
  expect(await hasIds('documents_p201902')).toBe(false);
  expect(await hasIds('documents')).toBe(false);
  const { rows } = await sql<{ fd: number; item_names: (string | null)[] }>`
    select fd, item_names from documents_p201902 union all select fd, item_names from documents where fn = ${FN} order by 1`.execute(t.db);
  expect(rows).toEqual([
    { fd: 1, item_names: ['Молоко'] },
    { fd: 2, item_names: ['Молоко', null] },
  ]);
});
