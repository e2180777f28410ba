// Item name ids as one character each (migration 0083): the characters the persist path writes, at the edges of
// UTF-8's lengths and of the surrogates, a receipt beyond a character's reach kept as an integer array, and the item
// filter finding both, by one bracket and, past 3 000 matched names, by looking the rows' ids up. Expected characters
// are written out as code points here, not computed by the code under test.
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDocuments, listDocuments } from '../../../src/db/api-documents.repository.js';
import { searchDocuments } from '../../../src/db/api-search.repository.js';
import { flkCodesLiteral, insertDocumentBatch, type BatchDocument } from '../../../src/db/document-batch.repository.js';
import { MAX_BRACKET, itemNameKey, itemNameMatcher, itemNameMatches, type ItemNameIds } from '../../../src/db/item-name-dictionary.js';
import { MAX_ITEM_NAME_ID_CHAR, itemNameIdChar, itemNameIdsOfChars } from '../../../src/db/item-name-id-chars.js';
import { ensureDocumentPartitions } from '../../../src/db/partitions.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

const INN = '7704211283';
const OTHER_INN = '500100732283';
const FN = '9999083000000001';
const RECEIVED_AT = '2030-05-10T10:00:00.000Z';

/** Ids and the code point each must be stored as (U+0080 + id, then past the surrogates U+D800–U+DFFF). */
const EDGES: ReadonlyArray<readonly [id: number, codePoint: number]> = [
  [1, 0x81],
  [0x7f, 0xff], // the last of UTF-8's 2 bytes
  [0x780, 0x800], // the first of 3
  [55_167, 0xd7ff], // the last before the surrogates
  [55_168, 0xe000], // the first after them
  [63_360, 0x10000], // the first of 4
  [1_111_935, 0x10ffff], // the last code point
];

/** A receipt of `names` (null: an item without 1030) for insertDocumentBatch; its raw bytes are not read here. */
function receipt(fd: number, inn: string, names: readonly (string | null)[]): BatchDocument {
  return {
    row: {
      fn: FN, fd, received_at: RECEIVED_AT, form: 3, register_id: null, outlet_id: null,
      ffd_version: 4, date_time: '2030-05-10T13:00:00', kkt_reg_id: null, user_inn: inn, shift_number: 1, request_number: fd,
      operation_type: 1, total_sum: 100, cash_total_sum: 100, ecash_total_sum: 0, prepaid_sum: 0, credit_sum: 0, provision_sum: 0,
      fiscal_sign: fd, taxation_type: 1, nds20_sum: null, nds10_sum: null, nds0_base: null, nds_no_base: null, nds20_120_sum: null,
      nds10_110_sum: null, buyer_contact: null, sign_status: null, flk_status: null, flk_codes: flkCodesLiteral([]), ack_code: 0,
      crypto: 'devsign', derived: true,
    },
    raw: { bytes: Buffer.from([0x00, 0x2a, 0xa5, fd]), codec: null },
    items: names.map((name, item_index) => ({
      item_index, name, price: 100, quantity: '1', quantity_measure: 0, unit: null, sum: 100, nds: 6, nds_sum: null,
      payment_type: 4, product_type: 1, marking_code: null,
    })),
    codes: [],
  };
}

describe('item name id characters (migration 0083)', () => {
  let t: TestDatabase;
  const ids = new Map<string, number>();
  const addName = async (inn: string, name: string, id: number) => {
    await sql`insert into item_name_dictionary (id, user_inn, name) overriding system value values (${id}, ${inn}, ${name})`.execute(t.db);
    ids.set(itemNameKey(inn, name), id);
  };
  const store = (docs: BatchDocument[]) => t.db.transaction().execute((trx) => insertDocumentBatch(trx, docs, ids as ItemNameIds));
  const stored = async (fd: number) =>
    t.db.selectFrom('documents').select(['item_name_id_chars', 'item_name_ids', 'item_names']).where('fn', '=', FN).where('fd', '=', fd).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await createTestDatabase();
    await ensureDocumentPartitions(t.db, { now: new Date(RECEIVED_AT), monthsBehind: 0, monthsAhead: 0 });
    for (const [id] of EDGES) await addName(INN, `Товар ${id}`, id);
    await addName(INN, 'Товар вне символов', MAX_ITEM_NAME_ID_CHAR + 1);
    await addName(OTHER_INN, 'Товар другой организации', 500);
  });
  afterAll(() => t.drop());

  it('maps an id to the same character in SQL and in Node, and back', async () => {
    for (const [id, codePoint] of EDGES) {
      const { rows } = await sql<{ ch: string; back: number[] }>`
        select ofd_item_name_char(${id}::int) as ch, ofd_item_name_ids(ofd_item_name_char(${id}::int), null) as back`.execute(t.db);
      expect(rows[0]!.ch.codePointAt(0), `id ${id}`).toBe(codePoint);
      expect(rows[0]!.ch).toHaveLength(codePoint > 0xffff ? 2 : 1); // a JavaScript string counts UTF-16 units
      expect(itemNameIdChar(id)).toBe(String.fromCodePoint(codePoint));
      expect(rows[0]!.back).toEqual([id]);
      expect(itemNameIdsOfChars(String.fromCodePoint(codePoint))).toEqual([id]);
    }
    expect(itemNameIdChar(null)).toBe('\u0080');
    expect(itemNameIdsOfChars('\u0080\u0081')).toEqual([null, 1]);
    expect(() => itemNameIdChar(MAX_ITEM_NAME_ID_CHAR + 1)).toThrow(RangeError);
    expect(() => itemNameIdChar(0)).toThrow(RangeError);
    const { rows } = await sql<{ ids: (number | null)[] }>`select ofd_item_name_ids(${'\u0080\u0081'}, null) as ids`.execute(t.db);
    expect(rows[0]!.ids).toEqual([null, 1]);
  });

  it('stores a receipt one character an id, one beyond their reach as integers, one without items as neither', async () => {
    const edgeNames = EDGES.map(([id]) => `Товар ${id}`);
    await store([
      receipt(1, INN, [edgeNames[0]!, null, ...edgeNames.slice(1)]),
      receipt(2, INN, ['Товар 1', 'Товар вне символов', null]),
      receipt(3, INN, []),
      receipt(4, OTHER_INN, ['Товар другой организации']),
    ]);
    expect(await stored(1)).toEqual({
      item_name_id_chars: String.fromCodePoint(0x81, 0x80, 0xff, 0x800, 0xd7ff, 0xe000, 0x10000, 0x10ffff),
      item_name_ids: null,
      item_names: null,
    });
    expect(await stored(2)).toEqual({ item_name_id_chars: null, item_name_ids: [1, MAX_ITEM_NAME_ID_CHAR + 1, null], item_names: null });
    expect(await stored(3)).toEqual({ item_name_id_chars: null, item_name_ids: null, item_names: null });
    expect((await stored(4)).item_name_id_chars).toBe(String.fromCodePoint(0x80 + 500));

    const view = await t.db.selectFrom('receipt_items').select(['fd', 'item_index', 'name']).where('fn', '=', FN).orderBy('fd').orderBy('item_index').execute();
    expect(view).toEqual([
      ...[edgeNames[0]!, null, ...edgeNames.slice(1)].map((name, item_index) => ({ fd: 1, item_index, name })),
      { fd: 2, item_index: 0, name: 'Товар 1' },
      { fd: 2, item_index: 1, name: 'Товар вне символов' },
      { fd: 2, item_index: 2, name: null },
      { fd: 4, item_index: 0, name: 'Товар другой организации' },
    ]);
  });

  it('finds a receipt by any of its items, whichever way it stores them, for an organization and for the operator', async () => {
    const listed = async (inns: 'all' | readonly string[], item: string) =>
      (await listDocuments(t.db, { inns, item, limit: 50 })).filter((d) => d.fn === FN).map((d) => d.fd).sort();
    for (const inns of [[INN], 'all'] as const) {
      for (const [id] of EDGES.slice(1)) expect(await listed(inns, `Товар ${id}`), `Товар ${id}`).toEqual([1]);
      expect(await listed(inns, 'Товар 1')).toEqual([1, 2]); // 'Товар 1', 'Товар 127', 'Товар 1920', 'Товар 1111935', …
      expect(await listed(inns, 'вне символов')).toEqual([2]);
      expect(await listed(inns, 'ТОВАР 55168')).toEqual([1]); // ILIKE: Cyrillic in either case
      expect(await listed(inns, 'другой')).toEqual(inns === 'all' ? [4] : []);
      expect(await listed(inns, 'Хлеб')).toEqual([]);
    }
    const found = await searchDocuments(t.db, { organizationIds: 'all', inns: [INN] }, { kind: 'item', value: 'Товар 55168' }, 10);
    expect(found.filter((d) => d.fn === FN).map((d) => d.fd)).toEqual([1]);
  });

  it('leaves the planner estimating a filtered list as a cheap filter (no per-row lookup written into the query)', async () => {
    // A per-row sub-select in the filter made PostgreSQL expect a cost ≈ 70 per row, which turns JIT compilation on
    // for a list of a few thousand rows. Compared with the same query without the filter, on this table's rows.
    await sql`analyze documents`.execute(t.db);
    const cost = async (where: boolean, inns: 'all' | readonly string[]) => {
      let q = t.db.selectFrom('documents').select('fn');
      if (where) q = q.where(itemNameMatches('documents', await itemNameMatcher(t.db, '%Товар%', inns)));
      const { sql: text, parameters } = q.compile();
      const { rows } = await t.db.executeQuery<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(
        CompiledQuery.raw(`explain (format json) ${text}`, [...parameters]),
      );
      return rows[0]!['QUERY PLAN'][0].Plan['Total Cost'];
    };
    for (const inns of [[INN], 'all'] as const) expect(await cost(true, inns)).toBeLessThan(2 * (await cost(false, inns)));
  });

  it('looks each row up past 3 000 matched names, and finds the same', async () => {
    // 3 001 names of one organization matching 'Пакет' (more than one bracket holds); receipt 5 has the last of them.
    expect(3001).toBeGreaterThan(MAX_BRACKET);
    // (Numbered from 100 000 on: the ids given by hand above are taken.)
    await sql`alter table item_name_dictionary alter column id restart with 100000`.execute(t.db);
    await sql`insert into item_name_dictionary (user_inn, name) select ${INN}, 'Пакет ' || n from generate_series(1, 3001) n`.execute(t.db);
    const { rows } = await sql<{ id: number }>`select id from item_name_dictionary where user_inn = ${INN} and name = 'Пакет 3001'`.execute(t.db);
    ids.set(itemNameKey(INN, 'Пакет 3001'), rows[0]!.id);
    await store([receipt(5, INN, [null, 'Пакет 3001'])]);
    expect((await itemNameMatcher(t.db, '%пакет%', [INN])).ids).toBe('many');
    for (const inns of [[INN], 'all'] as const) {
      const fds = (await listDocuments(t.db, { inns, item: 'Пакет', limit: 50 })).filter((d) => d.fn === FN).map((d) => d.fd);
      expect(fds, String(inns)).toEqual([5]);
      const narrow = (await listDocuments(t.db, { inns, item: 'Пакет 3001', limit: 50 })).filter((d) => d.fn === FN).map((d) => d.fd);
      expect(narrow).toEqual([5]);
      // ILIKE: Cyrillic in either case, on this path too.
      const lower = (await listDocuments(t.db, { inns, item: 'пакет', limit: 50 })).filter((d) => d.fn === FN).map((d) => d.fd);
      expect(lower).toEqual([5]);
    }
  });


  it('compares a receipt stored as an id array by `&&` up to 200 matched names, by a lookup of its ids past that', async () => {
    // Receipt 6 as migrations 0070–0082 stored it. 'Пакет 15' matches 111 names (15, 150–159, 1500–1599), 'Пакет 1'
    // 1 111 (1, 10–19, 100–199, 1000–1999): one bracket each, and the array compared both ways.
    const { rows } = await sql<{ id: number }>`select id from item_name_dictionary where user_inn = ${INN} and name = 'Пакет 1500'`.execute(t.db);
    ids.set(itemNameKey(INN, 'Пакет 1500'), rows[0]!.id);
    await store([receipt(6, INN, ['Пакет 1500'])]);
    await sql`update documents set item_name_ids = ofd_item_name_ids(item_name_id_chars, null), item_name_id_chars = null where fn = ${FN} and fd = 6`.execute(t.db);
    expect((await stored(6)).item_name_ids).toEqual([rows[0]!.id]);
    for (const [item, matched] of [['пакет 15', 111], ['пакет 1', 1111]] as const) {
      expect((await itemNameMatcher(t.db, `%${item}%`, [INN])).ids).toHaveLength(matched);
      for (const inns of [[INN], 'all'] as const) {
        const fds = (await listDocuments(t.db, { inns, item, limit: 50 })).filter((d) => d.fn === FN).map((d) => d.fd);
        expect(fds, `${item} ${String(inns)}`).toEqual([6]);
      }
    }
  });

  it('counts what it lists, and lists the same for several organizations at once (one query per INN)', async () => {
    const fds = async (inns: readonly string[], item: string) => (await listDocuments(t.db, { inns, item, limit: 50 })).filter((d) => d.fn === FN).map((d) => d.fd).sort();
    expect(await fds([INN, OTHER_INN], 'товар')).toEqual([1, 2, 4]);
    expect(await fds([OTHER_INN, INN], 'другой')).toEqual([4]);
    expect(await countDocuments(t.db, { inns: [INN, OTHER_INN], item: 'товар' })).toBe(3);
    expect(await countDocuments(t.db, { inns: [INN], item: 'пакет' })).toBe(2);
    expect(await countDocuments(t.db, { inns: 'all', item: 'Хлеб' })).toBe(0);
  });
});
