// Migration 0079 replaces the Чеки list's register index with (register_id, received_at). Partitions' indexes built
// beforehand CONCURRENTLY are attached instead of built — unless one such build failed and left its index invalid,
// which PostgreSQL would attach all the same: the migration then stops, with what to do, and leaves the old index.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DbErrorCodes, isDbError } from '../../../src/db/errors.js';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

let t: TestDatabase;
const names = Object.keys(migrations).sort();
const stepsBack = (name: string) => names.length - names.indexOf(name);

beforeAll(async () => {
  t = await createTestDatabase();
  await migrateDown(t.db, stepsBack('0079_register_list_index_lean'));
});
afterAll(() => t.drop());

const registerIndexes = async () =>
  (await sql<{ name: string; def: string; valid: boolean }>`
    select c.relname as name, pg_get_indexdef(x.indexrelid) as def, x.indisvalid as valid
      from pg_index x join pg_class c on c.oid = x.indexrelid join pg_class p on p.oid = x.indrelid
     where p.relname in ('documents', 'documents_default') and c.relname like '%register_id_received_at%'
     order by 1`.execute(t.db)).rows;

it('stops at an invalid prebuilt index of a partition, keeping the old index; attaches a valid one and names everything as before', async () => {
  const old = await registerIndexes();
  expect(old.map((i) => i.def)).toEqual([expect.stringContaining('(register_id, received_at, fn, fd)'), expect.stringContaining('(register_id, received_at, fn, fd)')]);

  // A CONCURRENTLY build that failed leaves its index invalid: made so here by hand (the catalogue, as a superuser).
  await sql`create index documents_default_prebuilt on documents_default (register_id, received_at) where register_id is not null`.execute(t.db);
  await sql`update pg_index set indisvalid = false where indexrelid = 'documents_default_prebuilt'::regclass`.execute(t.db);
  const failed = await migrateToLatest(t.db).then(() => undefined, (e: unknown) => e);
  expect(isDbError(failed) && failed.code).toBe(DbErrorCodes.DB_MIGRATION_FAILED);
  expect(String((failed as Error & { cause?: Error }).cause?.message ?? (failed as Error).message)).toMatch(/invalid .*drop it and run ofd migrate again/);
  expect((await registerIndexes()).filter((i) => i.name !== 'documents_default_prebuilt')).toEqual(old);

  // Dropped and built again, valid: the migration attaches it and gives every index the old name.
  await sql`drop index documents_default_prebuilt`.execute(t.db);
  await sql`create index documents_default_prebuilt on documents_default (register_id, received_at) where register_id is not null`.execute(t.db);
  const prebuilt = (await sql<{ oid: number }>`select 'documents_default_prebuilt'::regclass::oid::int as oid`.execute(t.db)).rows[0]!.oid;
  await migrateToLatest(t.db);
  // Attached, not built again: the partition's index is the one built beforehand, under the old name.
  const attached = (await sql<{ oid: number }>`select 'documents_default_register_id_received_at_idx'::regclass::oid::int as oid`.execute(t.db)).rows[0]!.oid;
  expect(attached).toBe(prebuilt);
  expect(await registerIndexes()).toEqual([
    { name: 'documents_default_register_id_received_at_idx', def: expect.stringContaining('(register_id, received_at) WHERE'), valid: true },
    { name: 'documents_register_id_received_at_idx', def: expect.stringContaining('(register_id, received_at) WHERE'), valid: true },
  ]);
});
