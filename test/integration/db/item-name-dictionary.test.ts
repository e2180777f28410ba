// Item names stored once (migration 0070): ids resolved outside the documents transaction, read back in SQL the same
// way whether a row holds ids or (stored before 0070) the names themselves.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDocuments } from '../../../src/db/api-documents.repository.js';
import type { Database } from '../../../src/db/database.js';
import { searchDocuments } from '../../../src/db/api-search.repository.js';
import { ItemNameDictionary, itemNameKey, itemNamesOf, type ItemName } from '../../../src/db/item-name-dictionary.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { applyRollups, dropZeroRollups, rebuildRollups, withdrawRollups } from '../../../src/db/rollups.repository.js';
import { Prng } from '../../../src/domain/prng.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

/** `db` counting the statements run through it (ItemNameDictionary runs compiled statements: executeQuery). */
function counting(db: Kysely<Database>): { db: Kysely<Database>; count: () => number } {
  let n = 0;
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'executeQuery') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<Kysely<Database>['executeQuery']>) => {
        n += 1;
        return target.executeQuery(...args);
      };
    },
  });
  return { db: proxy, count: () => n };
}

const FN = '9999070000000070';
const OTHER_FN = '9999070000000071';
const INN = '7704211201';
const OTHER_INN = '500100732259';

describe('item name dictionary', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await ensureDocumentPartitions(t.db, { now: new Date('2030-03-15T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 });
  });
  afterAll(() => t.drop());

  it('gives each name one id, whichever worker adds it first, and asks PostgreSQL nothing for names it has seen', async () => {
    const prng = new Prng('item-name-dictionary');
    // Two organizations with partly the same goods: a name is an organization's, so the same text has an id for each.
    const pool: ItemName[] = Array.from({ length: 60 }, (_, i) => ({
      inn: i % 3 === 0 ? '7704211201' : '500100732259',
      name: `Товар ${i % 40} «${'x'.repeat(i % 7)}» "кавычки" \\ обратная черта`,
    }));
    const workers = [new ItemNameDictionary(), new ItemNameDictionary(), new ItemNameDictionary(8)];
    const seen = new Map<string, number>();
    for (let round = 0; round < 12; round++) {
      const batches = workers.map(() => pool.filter(() => prng.next() < 0.3));
      // Overlapping names in opposite orders, at the same time: a cycle of waits would be a deadlock error here.
      const results = await Promise.all(workers.map((w, i) => w.idsOf(t.db, i % 2 === 0 ? batches[i]! : [...batches[i]!].reverse())));
      results.forEach((ids, i) => {
        expect([...ids.keys()].sort()).toEqual([...new Set(batches[i]!.map((n) => itemNameKey(n.inn, n.name)))].sort());
        for (const [key, id] of ids) {
          expect(seen.get(key) ?? id, key).toBe(id);
          seen.set(key, id);
        }
      });
    }
    const { rows } = await sql<{ inn: string; name: string; id: number }>`
      select user_inn as inn, name, id from item_name_dictionary where name like 'Товар %'`.execute(t.db);
    expect(rows).toHaveLength(seen.size);
    for (const r of rows) expect(seen.get(itemNameKey(r.inn, r.name))).toBe(r.id);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);

    // Known names: no statement at all. A worker with room for 8 names forgets, asks again and gets the same ids.
    const known = pool.filter((n) => seen.has(itemNameKey(n.inn, n.name)));
    const warm = new ItemNameDictionary();
    await warm.idsOf(t.db, known);
    const counted = counting(t.db);
    expect((await warm.idsOf(counted.db, known)).size).toBe(known.length);
    expect(counted.count()).toBe(0);
    const small = await workers[2]!.idsOf(counted.db, known);
    expect(counted.count()).toBeGreaterThan(0);
    for (const [key, id] of small) expect(seen.get(key)).toBe(id);
  });

  it('reads a row stored with ids and a row stored with names (before migration 0070) alike: view, filter, search', async () => {
    const items = [{ name: 'Хлеб ржаной' }, { name: 'Молоко 3,2%' }, { name: null }];
    const ids = await new ItemNameDictionary().idsOf(t.db, itemNamesOf([{ inn: INN, items }, { inn: OTHER_INN, items }]));
    const id = (inn: string, name: string) => ids.get(itemNameKey(inn, name))!;
    expect(id(INN, 'Молоко 3,2%')).not.toBe(id(OTHER_INN, 'Молоко 3,2%'));
    const receivedAt = new Date('2030-03-15T10:00:00Z');
    await insertDocuments(t.db, [
      documentRow({ fn: FN, fd: 1, received_at: receivedAt, user_inn: INN, item_name_ids: [id(INN, 'Хлеб ржаной'), null, id(INN, 'Молоко 3,2%')] }),
      documentRow({ fn: FN, fd: 2, received_at: receivedAt, user_inn: INN, item_names: ['Молоко 3,2%', null] }),
      documentRow({ fn: FN, fd: 3, received_at: receivedAt, user_inn: INN, item_names: ['Кефир'] }),
      documentRow({ fn: FN, fd: 4, received_at: receivedAt, user_inn: INN }),
      // Another organization's register, its names by its own ids.
      documentRow({ fn: OTHER_FN, fd: 1, received_at: receivedAt, user_inn: OTHER_INN, item_name_ids: [id(OTHER_INN, 'Молоко 3,2%')] }),
    ]);

    const view = await t.db.selectFrom('receipt_items').select(['fd', 'item_index', 'name']).where('fn', '=', FN).orderBy('fd').orderBy('item_index').execute();
    expect(view).toEqual([
      { fd: 1, item_index: 0, name: 'Хлеб ржаной' },
      { fd: 1, item_index: 1, name: null },
      { fd: 1, item_index: 2, name: 'Молоко 3,2%' },
      { fd: 2, item_index: 0, name: 'Молоко 3,2%' },
      { fd: 2, item_index: 1, name: null },
      { fd: 3, item_index: 0, name: 'Кефир' },
    ]);

    // The organization's own list (its names looked up once) and the operator's (every row's names by id): the same.
    for (const inns of [[INN], 'all'] as const) {
      const listed = async (item: string) => (await listDocuments(t.db, { inns, item, limit: 10 })).map((d) => `${d.fn === FN ? 'A' : 'B'}${d.fd}`).sort();
      expect(await listed('Молоко')).toEqual(inns === 'all' ? ['A1', 'A2', 'B1'] : ['A1', 'A2']);
      expect(await listed('ржаной')).toEqual(['A1']);
      expect(await listed('Кефир')).toEqual(['A3']);
      // A LIKE wildcard typed by a user is a character to find, not a wildcard.
      expect(await listed('3,2%')).toEqual(inns === 'all' ? ['A1', 'A2', 'B1'] : ['A1', 'A2']);
      expect(await listed('%')).toEqual(inns === 'all' ? ['A1', 'A2', 'B1'] : ['A1', 'A2']);
      expect(await listed('Сыр')).toEqual([]);
    }
    expect((await listDocuments(t.db, { inns: [OTHER_INN], item: 'Молоко', limit: 10 })).map((d) => d.fn)).toEqual([OTHER_FN]);

    const found = await searchDocuments(t.db, { organizationIds: 'all', inns: [INN] }, { kind: 'item', value: 'Молоко' }, 10);
    expect(found.map((d) => d.fd).sort()).toEqual([1, 2]);
  });
  it('counts the daily item rollups by name id, for rows stored with ids and rows stored with names alike (migration 0075)', async () => {
    const fn = '9999070000000076';
    const org = (await t.db.insertInto('organizations').values({ inn: INN, name: 'ООО Словарь' }).returning('id').executeTakeFirstOrThrow()).id;
    const ids = await new ItemNameDictionary().idsOf(t.db, [{ inn: INN, name: 'Ряженка' }]);
    const receivedAt = new Date('2030-03-16T10:00:00Z');
    const sale = { user_inn: INN, operation_type: 1, date_time: '2030-03-16T09:00:00' } as const;
    await insertDocuments(t.db, [
      documentRow({ fn, fd: 1, received_at: receivedAt, ...sale, item_name_ids: [ids.get(itemNameKey(INN, 'Ряженка'))!, null] }),
      // Stored before migration 0070: a name the dictionary has never seen.
      documentRow({ fn, fd: 2, received_at: receivedAt, ...sale, item_names: ['Сметана 20%', 'Ряженка'] }),
    ]);
    // A row by name a previous release's worker added during the upgrade: the rebuild replaces it with the documents'.
    await sql`insert into report_item_daily (day, organization_id, outlet_id, register_id, name, quantity, sum)
              values ('2030-03-16', ${org}, 0, 0, 'Ряженка', 1, 7000)`.execute(t.db);
    await rebuildRollups(t.db, { from: '2030-03-16', to: '2030-03-17' });
    expect((await sql<{ n: number }>`select count(*)::int as n from report_item_daily`.execute(t.db)).rows[0]!.n).toBe(0);

    const rows = await sql<{ name: string; name_id: number; dictionary_inn: string | null }>`
      select coalesce(n.name, '') as name, r.name_id, n.user_inn as dictionary_inn
        from report_item_daily_ids r left join item_name_dictionary n on n.id = r.name_id
       where r.organization_id = ${org} and r.day = '2030-03-16' order by 1`.execute(t.db);
    // One row per name (its two items on one key summed), the nameless item under 0, the new name added under the INN.
    expect(rows.rows.map((r) => [r.name, r.name_id === 0, r.dictionary_inn])).toEqual([
      ['', true, null],
      ['Ряженка', false, INN],
      ['Сметана 20%', false, INN],
    ]);
    expect(rows.rows.find((r) => r.name === 'Ряженка')?.name_id).toBe(ids.get(itemNameKey(INN, 'Ряженка')));
    const named = await sql<{ name: string }>`select name from report_item_daily_named where organization_id = ${org} order by name`.execute(t.db);
    expect(named.rows.map((r) => r.name)).toEqual(['', 'Ряженка', 'Сметана 20%']);
  });
  it('withdraws a document counted by name before migration 0075 from the rows by name, leaving no row of it behind', async () => {
    const fn = '9999070000000077';
    const inn = '7704211202';
    const org = (await t.db.insertInto('organizations').values({ inn, name: 'ООО Переход' }).returning('id').executeTakeFirstOrThrow()).id;
    const ids = await new ItemNameDictionary().idsOf(t.db, [{ inn, name: 'Творог 5%' }]);
    await insertDocuments(t.db, [
      documentRow({ fn, fd: 1, received_at: new Date('2030-03-17T10:00:00Z'), user_inn: inn, operation_type: 1, date_time: '2030-03-17T09:00:00', item_name_ids: [ids.get(itemNameKey(inn, 'Творог 5%'))!, null] }),
    ]);
    await rebuildRollups(t.db, { from: '2030-03-17', to: '2030-03-18' });
    // As the previous release counted it: by name, in report_item_daily.
    await sql`insert into report_item_daily (day, organization_id, outlet_id, register_id, name, quantity, sum)
              select r.day, r.organization_id, r.outlet_id, r.register_id, coalesce(n.name, ''), r.quantity, r.sum
                from report_item_daily_ids r left join item_name_dictionary n on n.id = r.name_id where r.organization_id = ${org}`.execute(t.db);
    await sql`delete from report_item_daily_ids where organization_id = ${org}`.execute(t.db);
    const rowsOf = async () =>
      (await sql<{ t: string; name: string }>`select 'name' as t, name from report_item_daily where organization_id = ${org}
                                                union all select 'id', name_id::text from report_item_daily_ids where organization_id = ${org}
                                                order by 1, 2`.execute(t.db)).rows;
    expect((await rowsOf()).map((r) => r.t)).toEqual(['name', 'name']);

    await t.db.transaction().execute(async (trx) => dropZeroRollups(trx, await withdrawRollups(trx, [{ fn, fd: 1 }])));
    expect(await rowsOf()).toEqual([]);
    // Added back (what ofd reprocess does after rewriting the row): by id only.
    await t.db.transaction().execute((trx) => applyRollups(trx, [{ fn, fd: 1 }]));
    expect((await rowsOf()).map((r) => r.t)).toEqual(['id', 'id']);
  });
});
