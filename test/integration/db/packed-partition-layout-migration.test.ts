// Migration 0076: monthly partitions are created with their columns in a packed order (CREATE TABLE + ATTACH PARTITION
// instead of PARTITION OF). A month that holds rows keeps its layout; the empty ones are rebuilt; the rows read and are
// checked the same whatever their partition's layout; going down, new months are made with PARTITION OF again.
// The layout and the sizes are read from PostgreSQL's catalogue and its own pg_column_size, never from the migration.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { ensureDocumentPartitions, monthStart } from '../../../src/db/partitions.js';
import { openTransaction } from '../../support/open-transaction.js';
import { findDocument, insertDocuments } from '../../support/stored-documents.js';
import { stepsBack } from '../../support/migration-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

const yyyymm = (isoDate: string) => isoDate.slice(0, 7).replace('-', '');

const NOW = new Date();
const THIS_MONTH = yyyymm(monthStart(NOW));
const NEXT_MONTH = yyyymm(monthStart(NOW, 1));
const FN = '9999078902013267';

interface Column {
  name: string;
  align: string;
  varlena: boolean;
}

/** The live columns of a table in physical order, and how many dropped ones it still carries. */
async function layout(t: TestDatabase, table: string): Promise<{ columns: Column[]; dropped: number }> {
  const { rows } = await sql<{ name: string; align: string; varlena: boolean; dropped: boolean }>`
    select a.attname as name, t.typalign as align, a.attlen < 0 as varlena, a.attisdropped as dropped
      from pg_attribute a left join pg_type t on t.oid = a.atttypid
     where a.attrelid = ${table}::regclass and a.attnum > 0
     order by a.attnum`.execute(t.db);
  return { columns: rows.filter((r) => !r.dropped).map(({ name, align, varlena }) => ({ name, align, varlena })), dropped: rows.filter((r) => r.dropped).length };
}

/** Each index of a partition, its name and definition with the partition's name taken out. */
async function indexDefinitions(t: TestDatabase, table: string): Promise<string[]> {
  const { rows } = await sql<{ def: string }>`
    select replace(indexdef, ${table}, 'P') as def from pg_indexes where tablename = ${table} order by indexname`.execute(t.db);
  return rows.map((r) => r.def);
}

const PARENTS = ['documents', 'marking_codes', 'document_events'];

/** Drops these months' partitions (empty) and has the function of the release before 0076 make them again. */
async function remakeWithPartitionOf(t: TestDatabase, months: readonly string[]): Promise<void> {
  for (const parent of PARENTS) for (const m of months) await sql`drop table ${sql.table(`${parent}_p${m}`)}`.execute(t.db);
  await ensureDocumentPartitions(t.db, { now: NOW, monthsBehind: 0, monthsAhead: months.length - 1 });
}

/**
 * A database as the release before 0076 left it: migrated to 0075, this month and the next made with PARTITION OF (the
 * template database was migrated up, so its months are packed, and down leaves them so).
 */
async function databaseBefore0076(): Promise<TestDatabase> {
  const t = await createTestDatabase();
  await migrateDown(t.db, stepsBack('0076_packed_partition_layout'));
  await remakeWithPartitionOf(t, [THIS_MONTH, NEXT_MONTH]);
  return t;
}

/** What PostgreSQL knows of a partition's columns (in name order) and constraints, its own name taken out. */
async function catalogue(t: TestDatabase, table: string): Promise<unknown> {
  const columns = await sql`
    select a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attcollation, a.attnotnull, a.attstorage,
           a.attcompression, a.attidentity, a.attgenerated, a.attislocal, a.attinhcount, pg_get_expr(d.adbin, d.adrelid) as def
      from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped
     order by a.attname`.execute(t.db);
  const constraints = await sql`
    select replace(conname, ${table}, 'P') as name, contype, pg_get_constraintdef(oid) as def, conislocal, coninhcount
      from pg_constraint where conrelid = ${table}::regclass order by 1`.execute(t.db);
  const { rows: rel } = await sql`
    select relkind, relpersistence, reloptions, reltablespace, relreplident, relacl, pg_get_userbyid(relowner) as owner
      from pg_class where oid = ${table}::regclass`.execute(t.db);
  return { columns: columns.rows, constraints: constraints.rows, rel };
}

const RANK: Record<string, number> = { d: 0, i: 1, s: 2, c: 3 };
/** Fixed-length columns first, by alignment, widest first; then the variable-length ones. */
function isPacked(columns: readonly Column[]): boolean {
  const key = (c: Column) => (c.varlena ? 4 : RANK[c.align]!);
  return columns.every((c, i) => i === 0 || key(columns[i - 1]!) <= key(c));
}

/** The same receipt's row, as PostgreSQL sizes it (tuple header included), in each of the two months. */
async function rowSize(t: TestDatabase, table: string, fd: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select pg_column_size(d.*)::int as n from ${sql.table(table)} d where fn = ${FN} and fd = ${fd}`.execute(t.db);
  return rows[0]!.n;
}

const receipt = (fd: number, receivedAt: string) =>
  documentRow({
    fn: FN, fd, received_at: new Date(receivedAt), date_time: receivedAt.slice(0, 19), kkt_reg_id: '0000000001012345',
    user_inn: '7700000076', register_id: 5, outlet_id: 3, shift_number: 12, request_number: fd, operation_type: 1,
    total_sum: 12345, cash_total_sum: 12345, ecash_total_sum: 0, prepaid_sum: 0, credit_sum: 0, provision_sum: 0,
    fiscal_sign: 3735928559, taxation_type: 1, nds20_sum: 2058,
  });

describe('migration 0076: packed monthly partitions', () => {
  let t: TestDatabase;
  let oldLayout: Column[];
  let oldDropped: number;
  const thisMonthAt = `${monthStart(NOW)}T09:30:00.000Z`;
  const nextMonthAt = `${monthStart(NOW, 1)}T09:30:00.000Z`;

  beforeAll(async () => {
    t = await databaseBefore0076();
    expect((await layout(t, `documents_p${NEXT_MONTH}`)).columns[0]!.name).toBe('fn');
    // This month holds a document before the migration; a far month's document waits in DEFAULT.
    await insertDocuments(t.db, [receipt(1, thisMonthAt), receipt(90, '2099-05-03T10:00:00.000Z')]);
    ({ columns: oldLayout, dropped: oldDropped } = await layout(t, `documents_p${THIS_MONTH}`));
    await migrateToLatest(t.db);
  }, 120_000);
  afterAll(() => t.drop());

  it('leaves a month that holds rows as it was', async () => {
    // The parent's order: the order columns were added in.
    expect(oldLayout[0]!.name).toBe('fn');
    expect(isPacked(oldLayout)).toBe(false);
    // Not rebuilt: every column where it was, none dropped; the migrations after 0076 only append theirs (0083's).
    const now = await layout(t, `documents_p${THIS_MONTH}`);
    expect(now.dropped).toBe(oldDropped);
    expect(now.columns.slice(0, oldLayout.length)).toEqual(oldLayout);
    expect(now.columns.slice(oldLayout.length).map((c) => c.name)).toEqual(['item_name_id_chars']);
    expect((await findDocument(t.db, FN, 1))?.total_sum).toBe(12345);
  });

  it('rebuilds the empty months packed: the same columns, none dropped, the same indexes and statistics', async () => {
    for (const parent of PARENTS) {
      const next = await layout(t, `${parent}_p${NEXT_MONTH}`);
      const parentColumns = (await layout(t, parent)).columns;
      expect(next.dropped).toBe(0);
      expect(isPacked(next.columns)).toBe(true);
      expect(next.columns.map((c) => c.name).sort()).toEqual(parentColumns.map((c) => c.name).sort());
      // Everything else as PARTITION OF made it: types, collations, NOT NULL, defaults, storage, compression,
      // constraints (inherited, not local), owner, privileges.
      expect(await catalogue(t, `${parent}_p${NEXT_MONTH}`)).toEqual(await catalogue(t, `${parent}_p${THIS_MONTH}`));
      expect(await indexDefinitions(t, `${parent}_p${NEXT_MONTH}`)).toEqual(
        (await indexDefinitions(t, `${parent}_p${THIS_MONTH}`)).map((d) => d.replace(`${parent}_p${THIS_MONTH}`, 'P')),
      );
    }
    const documents = (await layout(t, `documents_p${NEXT_MONTH}`)).columns.map((c) => c.name);
    expect(documents.slice(0, 2)).toEqual(['fd', 'received_at']);
    expect(documents.indexOf('fn')).toBeGreaterThan(documents.indexOf('raw_codec'));
    const stats = await sql<{ n: string }>`select stxname as n from pg_statistic_ext where stxname = ${`documents_p${NEXT_MONTH}_register_inn`}`.execute(t.db);
    expect(stats.rows).toHaveLength(1);
  });

  it('stores the same receipt in fewer bytes, reads it back the same, and keeps every constraint', async () => {
    await insertDocuments(t.db, [receipt(2, nextMonthAt)]);
    const packed = await findDocument(t.db, FN, 2);
    const old = await findDocument(t.db, FN, 1);
    const { fd: _f, received_at: _r, date_time: _d, request_number: _q, persisted_at: _p, ...packedRest } = packed!;
    const { fd: _f1, received_at: _r1, date_time: _d1, request_number: _q1, persisted_at: _p1, ...oldRest } = old!;
    expect(packedRest).toEqual(oldRest);
    expect(packed!.flk_codes).toEqual([]); // the parent's default
    // The alignment padding goes: at least 16 bytes fewer (measured: 280 → 247 for this receipt).
    expect(await rowSize(t, `documents_p${THIS_MONTH}`, 1)).toBeGreaterThanOrEqual((await rowSize(t, `documents_p${NEXT_MONTH}`, 2)) + 16);

    const bad = await insertDocuments(t.db, [{ ...receipt(3, nextMonthAt), sign_status: 'forged' as 'verified' }]).catch((e: { code?: string }) => e.code);
    expect(bad).toBe('23514'); // documents_sign_status_check
    const orphan = await sql`insert into documents (fn, fd, received_at, form, raw_container, sign_status, flk_status)
                             values (${FN}, 4, ${nextMonthAt}, 3, '\\x00'::bytea, 'verified', 'passed')`.execute(t.db).catch((e: { code?: string }) => e.code);
    expect(orphan).toBe('23503'); // documents_document_keys_fkey: no document_keys row
  });

  it('creates the months to come packed, moving into them what DEFAULT caught', async () => {
    const created = await ensureDocumentPartitions(t.db, { now: new Date('2099-05-20T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 });
    expect(created.sort()).toEqual(['document_events_p209905', 'documents_p209905', 'marking_codes_p209905']);
    expect(isPacked((await layout(t, 'documents_p209905')).columns)).toBe(true);
    const { rows } = await sql<{ part: string }>`select tableoid::regclass::text as part from documents where fn = ${FN} and fd = 90`.execute(t.db);
    expect(rows).toEqual([{ part: 'documents_p209905' }]);
  });

  it('going down, new months are made with PARTITION OF again', async () => {
    await migrateDown(t.db, stepsBack('0076_packed_partition_layout'));
    await ensureDocumentPartitions(t.db, { now: new Date('2098-01-20T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 });
    expect((await layout(t, 'documents_p209801')).columns.map((c) => c.name)).toEqual((await layout(t, 'documents')).columns.map((c) => c.name));
    // What was made packed stays so, and still reads.
    expect((await findDocument(t.db, FN, 2))?.total_sum).toBe(12345);
    await migrateToLatest(t.db);
  });
});

describe('migration 0076 while a long reader holds documents', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await databaseBefore0076();
  }, 120_000);
  afterAll(() => t.drop());

  it('goes up all the same: that table keeps its empty months as they were, the others are rebuilt', async () => {
    // 0076 alone, as the migrator runs it (in the transaction of every pending migration), with a lock_timeout of its
    // caller's: 0077 after it would wait for the reader, as any ALTER TABLE does.
    const m0076 = migrations['0076_packed_partition_layout']!;
    const reader = await openTransaction(t.db, (trx) => trx.selectFrom('documents').select('fn').limit(1).execute()); // ACCESS SHARE
    let timeoutAfter: string;
    try {
      timeoutAfter = await t.db.transaction().execute(async (trx) => {
        await sql`set local lock_timeout = '7s'`.execute(trx);
        await m0076.up(trx);
        return (await sql<{ v: string }>`select current_setting('lock_timeout') as v`.execute(trx)).rows[0]!.v;
      });
    } finally {
      await reader.commit();
    }
    expect((await layout(t, `documents_p${NEXT_MONTH}`)).columns[0]!.name).toBe('fn');
    expect(isPacked((await layout(t, `marking_codes_p${NEXT_MONTH}`)).columns)).toBe(true);
    // The migrations after it wait for locks as long as they did before it.
    expect(timeoutAfter).toBe('7s');

    await t.db.transaction().execute((trx) => m0076.down!(trx));
    await migrateToLatest(t.db);
    // The months created from now on are packed.
    await ensureDocumentPartitions(t.db, { now: new Date('2097-03-01T00:00:00Z'), monthsBehind: 0, monthsAhead: 0 });
    expect(isPacked((await layout(t, 'documents_p209703')).columns)).toBe(true);
  });
});

describe('migration 0076 while a previous release stores documents', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await databaseBefore0076();
  }, 120_000);
  afterAll(() => t.drop());

  it('neither deadlocks with a writer holding a document key nor skips documents: the writer commits, then the rebuild runs', async () => {
    // The persist worker's order: the key first (document_keys), the document second.
    const row = receipt(7, `${monthStart(NOW)}T10:00:00.000Z`);
    const writer = await openTransaction(t.db, (trx) => trx.insertInto('document_keys').values({ fn: row.fn, fd: row.fd, received_at: row.received_at }).execute());
    const migrating = migrateToLatest(t.db);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the migration is waiting for its first lock now
    await writer.commit((trx) => trx.insertInto('documents').values(row).execute());
    await migrating;
    expect((await findDocument(t.db, FN, 7))?.total_sum).toBe(12345);
    expect(isPacked((await layout(t, `documents_p${NEXT_MONTH}`)).columns)).toBe(true);
  });
});
