// Retention by month: `ofd partitions detach YYYY-MM` takes a month out of every partitioned document table at once,
// only after its 5 years, and the rows stay in the detached tables for pg_dump. The expected table names come from
// PostgreSQL's catalogue (every partitioned table of the schema), not from the code under test.
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDocuments } from '../../support/stored-documents.js';
import { detachMonth, listMonthPartitions, retentionEnds } from '../../../src/db/partition-retention.js';
import { ensureDocumentPartitions, monthStart } from '../../../src/db/partitions.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';
import { partitionsCli } from './partitions-cli.js';
import { createFreshDatabase, DEFAULT_SERVER_URL } from '../../../scripts/pipeline-harness.js';

const FN = '9999078902019021';
let t: TestDatabase;
let parents: string[];

const cli = (argv: string[]) => partitionsCli(t.url, argv);

beforeAll(async () => {
  t = await createTestDatabase();
  parents = (await sql<{ name: string }>`
    select c.relname as name from pg_partitioned_table pt join pg_class c on c.oid = pt.partrelid
     where c.relnamespace = current_schema()::regnamespace order by 1`.execute(t.db)).rows.map((r) => r.name);
  await ensureDocumentPartitions(t.db, { now: new Date('2019-03-10T00:00:00Z'), monthsBehind: 1, monthsAhead: 0 });
  await insertDocuments(t.db, [
    documentRow({ fn: FN, fd: 1, received_at: new Date('2019-02-28T23:59:59.999Z') }),
    documentRow({ fn: FN, fd: 2, received_at: new Date('2019-03-01T00:00:00.000Z') }),
  ]);
});
afterAll(() => t.drop());

describe('detaching a month', () => {
  it('keeps a month for 5 years after its end', () => {
    expect(retentionEnds('2019-02').toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(retentionEnds('2019-12').toISOString()).toBe('2025-01-01T00:00:00.000Z');
  });

  it('refuses a month still within retention, the current month even when forced, and a malformed month', async () => {
    await expect(detachMonth(t.db, '2019-02', { now: new Date('2024-02-29T23:59:59Z') })).rejects.toMatchObject({ code: 'PARTITION_IN_RETENTION' });
    await expect(detachMonth(t.db, '2019-03', { now: new Date('2019-03-20T00:00:00Z'), force: true })).rejects.toMatchObject({ code: 'PARTITION_IN_RETENTION' });
    await expect(detachMonth(t.db, '2019-13')).rejects.toMatchObject({ code: 'PARTITION_BAD_MONTH' });
    expect(await t.db.selectFrom('documents').select('fd').where('fn', '=', FN).execute()).toHaveLength(2);
  });

  it('detaches the month from every partitioned table at once and keeps its rows for the archive', async () => {
    const detached = await detachMonth(t.db, '2019-02', { now: new Date('2024-03-01T00:00:00Z') });
    expect(detached.sort()).toEqual(parents.map((p) => `${p}_p201902`).sort());
    // Gone from the live table, kept in the detached one; the next month untouched.
    expect((await t.db.selectFrom('documents').select('fd').where('fn', '=', FN).execute()).map((r) => Number(r.fd))).toEqual([2]);
    const { rows } = await sql<{ fd: string }>`select fd::text from documents_p201902 where fn = ${FN}`.execute(t.db);
    expect(rows).toEqual([{ fd: '1' }]);
    const listed = await listMonthPartitions(t.db);
    expect(listed.filter((p) => p.month === '2019-02').map((p) => p.state)).toEqual(parents.map(() => 'detached'));
    expect(listed.filter((p) => p.month === '2019-03').map((p) => p.state)).toEqual(parents.map(() => 'attached'));
    await expect(detachMonth(t.db, '2019-02', { now: new Date('2030-01-01T00:00:00Z') })).rejects.toMatchObject({ code: 'PARTITION_NOT_FOUND' });
  });
});

describe('ofd partitions', () => {
  // Two months ago: closed, well within retention (the migration created its partitions).
  const recent = monthStart(new Date(), -2).slice(0, 7);
  const recentName = recent.replace('-', '');
  it('lists the months as JSON and refuses a detach within retention with its code', async () => {
    const list = await cli(['list', '--json']);
    expect(list.code).toBe(0);
    const { partitions } = JSON.parse(list.out) as { partitions: Array<{ name: string; state: string }> };
    expect(partitions.find((p) => p.name === 'documents_p201902')?.state).toBe('detached');
    expect(partitions.find((p) => p.name === `documents_p${recentName}`)?.state).toBe('attached');

    const refused = await cli(['detach', recent]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error PARTITION_IN_RETENTION: /);
    expect((await cli(['detach'])).code).toBe(2);
    expect((await cli(['list', '--bogus'])).err).toMatch(/^error CLI_USAGE: /);
  });

  it('detaches with --force and prints the pg_dump that archives the month, which restores as documented', async () => {
    // A document of the month, and a drive context (migration 0081), for the restore below to find.
    await insertDocuments(t.db, [documentRow({ fn: FN, fd: 3, received_at: new Date(`${recent}-15T12:00:00.000Z`) })]);
    await sql`insert into raw_contexts (key, fn, fd, container, raw_codec) values (1234, ${FN}, 3, '\\x01'::bytea, null)`.execute(t.db);
    await sql`insert into item_name_dictionary (user_inn, name) values ('7700000000', 'Хлеб'), ('7700000000', 'Молоко')`.execute(t.db);
    const r = await cli(['detach', recent, '--force']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { detached: string[]; archive: string };
    expect(out.detached.sort()).toEqual(parents.map((p) => `${p}_p${recentName}`).sort());
    // With the item name dictionary the month's item_name_ids stand for (migration 0070), and the drive contexts its
    // raw containers are packed with (migration 0081).
    const dumped = [...out.detached, 'item_name_dictionary', 'raw_contexts'];
    expect(out.archive).toBe(`pg_dump --format=custom --dbname="$DATABASE_URL" ${dumped.map((n) => `--table=${n}`).join(' ')} --file=ofd-${recent}.dump`);

    // The printed command archives the month: run it, and the dump lists every detached table with its data.
    const dir = mkdtempSync(join(tmpdir(), 'ofd-archive-'));
    try {
      execSync(out.archive, { cwd: dir, env: { ...process.env, DATABASE_URL: t.url }, stdio: 'pipe' });
      const listing = execFileSync('pg_restore', ['--list', join(dir, `ofd-${recent}.dump`)], { encoding: 'utf8' });
      for (const name of dumped) expect(listing).toMatch(new RegExp(`TABLE DATA public ${name} `));

      // Restored into a database of its own, as docs/operations.md reads an archived month: without the dump's foreign
      // keys (to document_keys and organizations, which stay live) and triggers (raw_contexts', migration 0082, call a
      // function no table dump carries).
      const restored = await createFreshDatabase(DEFAULT_SERVER_URL, 'restore');
      try {
        execSync(
          `pg_restore --list ofd-${recent}.dump | grep -v -e ' FK CONSTRAINT ' -e ' TRIGGER ' > ofd-${recent}.list && pg_restore --exit-on-error --use-list=ofd-${recent}.list --dbname="$RESTORE_URL" ofd-${recent}.dump`,
          { cwd: dir, env: { ...process.env, RESTORE_URL: restored.url }, stdio: 'pipe', shell: '/bin/bash' },
        );
        const counts = await restored.query(`select (select count(*) from documents_p${recentName})::int as documents, (select count(*) from raw_contexts)::int as contexts`);
        expect(counts.rows[0]).toEqual({ documents: 1, contexts: 1 });
      } finally {
        await restored.drop();
      }

      // Put back into the live tables as documented: the month's tables dropped, restored without the dump's
      // item_name_dictionary (and its sequence) and raw_contexts, attached again.
      await sql.raw(`drop table ${out.detached.join(', ')}`).execute(t.db);
      await sql`insert into item_name_dictionary (user_inn, name) values ('7700000000', 'Кефир')`.execute(t.db); // after the archive
      execSync(
        `pg_restore --list ofd-${recent}.dump | grep -v -e item_name_dictionary -e raw_contexts > ofd-${recent}.back.list && pg_restore --exit-on-error --single-transaction --use-list=ofd-${recent}.back.list --dbname="$DATABASE_URL" ofd-${recent}.dump`,
        { cwd: dir, env: { ...process.env, DATABASE_URL: t.url }, stdio: 'pipe', shell: '/bin/bash' },
      );
      const next = monthStart(new Date(`${recent}-15T00:00:00Z`), 1);
      for (const parent of parents) {
        await sql.raw(`alter table ${parent} attach partition ${parent}_p${recentName} for values from ('${recent}-01 00:00:00+00') to ('${next} 00:00:00+00')`).execute(t.db);
      }
      const back = await sql<{ fd: string }>`select fd::text from documents where fn = ${FN} and fd = 3`.execute(t.db);
      expect(back.rows).toEqual([{ fd: '3' }]);
      // The live dictionary and its sequence are as they were: a new name still gets an id of its own.
      await sql`insert into item_name_dictionary (user_inn, name) values ('7700000000', 'Сметана')`.execute(t.db);
      expect((await sql<{ n: number }>`select count(*)::int as n from item_name_dictionary where user_inn = '7700000000'`.execute(t.db)).rows[0]!.n).toBe(4);
      expect((await sql<{ n: number }>`select count(*)::int as n from raw_contexts`.execute(t.db)).rows[0]!.n).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
