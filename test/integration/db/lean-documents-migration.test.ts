// Migrations 0053 and 0054 on a database that already holds documents stored the old way (FNS JSON column, one
// receipt_items row per item): what filters, search and rollups read from the JSON becomes columns, items become the
// row's arrays and read back through the receipt_items view, the raw bytes untouched.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const FIRST = '0053_documents_without_fns_json';
const FN = '9999078905300001';
const RECEIVED = '2026-03-10T09:00:00.000Z';
const RAW = Buffer.from('raw container bytes, kept as they are');

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  // Back to the schema before 0053 (whatever was added after it is reverted too, and re-applied below).
  const executed = (await listMigrations(t.db)).filter((m) => m.executedAt !== undefined && m.name >= FIRST);
  await migrateDown(t.db, executed.length);
});
afterAll(() => t.drop());

describe('lean documents migrations', () => {
  it('move the JSON fields readers filter on into columns and the items into arrays, keeping the raw bytes', async () => {
    const json = {
      receipt: {
        appliedTaxationType: 2,
        nds18: 1500,
        ndsNo: 9000,
        buyerPhoneOrAddress: 'buyer@example.com',
        items: [{ name: 'Хлеб' }, { name: 'Молоко' }],
      },
    };
    await sql`select ofd_ensure_document_partitions('2026-03-01'::date, 1)`.execute(t.db);
    await sql`insert into document_keys (fn, fd, received_at) values (${FN}, 1, ${RECEIVED}), (${FN}, 2, ${RECEIVED})`.execute(t.db);
    await sql`
      insert into documents (fn, fd, received_at, form, raw_container, fns_json, sign_status, flk_status)
      values (${FN}, 1, ${RECEIVED}, 3, ${RAW}, ${JSON.stringify(json)}::jsonb, 'verified', 'passed'),
             (${FN}, 2, ${RECEIVED}, 5, ${RAW}, '{"closeShift": {"shiftNumber": 4}}'::jsonb, 'verified', 'passed')`.execute(t.db);
    await sql`
      insert into receipt_items (fn, fd, received_at, item_index, name, price, quantity, sum)
      values (${FN}, 1, ${RECEIVED}, 1, 'Молоко', 8990, 2.470, 22205), (${FN}, 1, ${RECEIVED}, 0, 'Хлеб', 4550, 1, 4550)`.execute(t.db);

    await migrateToLatest(t.db);

    const rows = await t.db
      .selectFrom('documents')
      .select(['fd', 'taxation_type', 'nds20_sum', 'nds10_sum', 'nds_no_base', 'buyer_contact', 'item_names', 'raw_container', 'crypto'])
      .where('fn', '=', FN)
      .orderBy('fd')
      .execute();
    expect(rows).toEqual([
      {
        fd: 1,
        taxation_type: 2,
        nds20_sum: 1500,
        nds10_sum: null,
        nds_no_base: 9000,
        buyer_contact: 'buyer@example.com',
        item_names: ['Хлеб', 'Молоко'],
        raw_container: RAW,
        crypto: null,
      },
      { fd: 2, taxation_type: null, nds20_sum: null, nds10_sum: null, nds_no_base: null, buyer_contact: null, item_names: null, raw_container: RAW, crypto: null },
    ]);
    // Price, quantity and sum are read from the raw container since migration 0066 (their arrays are dropped).
    const items = await t.db.selectFrom('receipt_items').select(['fd', 'item_index', 'name']).where('fn', '=', FN).orderBy('item_index').execute();
    expect(items).toEqual([
      { fd: 1, item_index: 0, name: 'Хлеб' },
      { fd: 1, item_index: 1, name: 'Молоко' },
    ]);
    const { rows: columns } = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.columns where table_name = 'documents' and column_name = 'fns_json'`.execute(t.db);
    expect(columns[0]?.n).toBe(0);
  });
});
