import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../../src/db/database.js';
import { DbErrorCodes, isDbError } from '../../../src/db/errors.js';
import { listMigrations, migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { dumpSchema } from './schema-dump.js';

describe('migration files', () => {
  it('are all registered in the static import map, in order, with one naming scheme', () => {
    const files = readdirSync(new URL('../../../migrations/', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -'.ts'.length))
      .sort();
    expect(Object.keys(migrations)).toEqual(files);
    for (const name of files) expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/);
    for (const m of Object.values(migrations)) expect(typeof m.down).toBe('function');
  });
});

describe('migrations on a fresh database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(() => t.drop());

  it('go up → down → up and leave the same schema', async () => {
    const names = Object.keys(migrations);
    const up = await migrateToLatest(t.db);
    expect(up.map((s) => [s.name, s.direction, s.status])).toEqual(names.map((n) => [n, 'Up', 'Success']));
    const first = await dumpSchema(t.db);
    expect(first.relations.length).toBeGreaterThan(20);

    const down = await migrateDown(t.db, names.length);
    expect(down.map((s) => s.name)).toEqual([...names].reverse());
    const empty = await dumpSchema(t.db);
    expect(empty).toEqual({ relations: [], columns: [], constraints: [], indexes: [], functions: [] });

    await migrateToLatest(t.db);
    expect(await dumpSchema(t.db)).toEqual(first);
  });

  // Reverting k migrations and re-applying them gives the same schema, for the newest ten one step at a time, and for
  // all of them. Every k up to n was quadratic (140 s of CI at 79 migrations): the older migrations are frozen once
  // landed (their headers say so), and each was checked this way while it was among the newest.
  it('revert and re-apply the newest migrations one step at a time, and all of them', { timeout: 600_000 }, async () => {
    const before = await dumpSchema(t.db);
    const n = Object.keys(migrations).length;
    for (const steps of [...Array.from({ length: Math.min(10, n) }, (_, i) => i + 1), n]) {
      await migrateDown(t.db, steps);
      await migrateToLatest(t.db);
      expect(await dumpSchema(t.db)).toEqual(before);
    }
  });

  it('are a no-op when up to date, and migrateDown stops at nothing left', async () => {
    expect(await migrateToLatest(t.db)).toEqual([]);
    const status = await listMigrations(t.db);
    expect(status.map((s) => s.name)).toEqual(Object.keys(migrations));
    expect(status.every((s) => s.executedAt instanceof Date)).toBe(true);

    const other = await createTestDatabase();
    try {
      const names = Object.keys(migrations);
      const reverted = await migrateDown(other.db, names.length + 5);
      expect(reverted.map((r) => [r.name, r.direction, r.status])).toEqual([...names].reverse().map((n) => [n, 'Down', 'Success']));
      expect(await migrateDown(other.db, 1)).toEqual([]);
      expect((await listMigrations(other.db)).every((s) => s.executedAt === undefined)).toBe(true);
    } finally {
      await other.drop();
    }
  });
});

describe('migration failures', () => {
  it('roll back the whole run and throw DB_MIGRATION_FAILED naming the migration', async () => {
    const t = await createTestDatabase({ migrate: false });
    try {
      // Occupy a name migration 0004 needs: 0001..0003 succeed inside the same transaction, then 0004 fails.
      await sql`create table dead_letters (id int)`.execute(t.db);
      const error = await migrateToLatest(t.db).catch((e: unknown) => e);
      expect(isDbError(error) && error.code).toBe(DbErrorCodes.DB_MIGRATION_FAILED);
      expect((error as Error).message).toContain('0004_dead_letters');
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where tablename = 'documents'`.execute(t.db);
      expect(rows[0]?.n).toBe(0);
      expect((await listMigrations(t.db)).every((s) => s.executedAt === undefined)).toBe(true);
    } finally {
      await t.drop();
    }
  });

  it('report DB_UNAVAILABLE when PostgreSQL cannot be reached', async () => {
    const handle = createDb('postgres://postgres@127.0.0.1:1/nothing', { connectionTimeoutMs: 2000 });
    try {
      const error = await migrateToLatest(handle.db).catch((e: unknown) => e);
      expect(isDbError(error) && error.code).toBe(DbErrorCodes.DB_UNAVAILABLE);
    } finally {
      await handle.close();
    }
  });
});
