import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

describe('ofd_record_document_number: gaps in FD numbers per fiscal drive', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  async function record(fn: string, ...fds: number[]) {
    for (const fd of fds) await sql`select ofd_record_document_number(${fn}, ${fd}::bigint)`.execute(t.db);
  }
  async function state(fn: string) {
    const drive = await t.db.selectFrom('fiscal_drives').select(['first_fd', 'last_fd']).where('fn', '=', fn).executeTakeFirst();
    const gaps = await t.db.selectFrom('fd_gaps').select(['from_fd', 'to_fd']).where('fn', '=', fn).orderBy('from_fd').execute();
    return { drive, gaps: gaps.map((g) => [g.from_fd, g.to_fd]) };
  }

  it('opens a gap when FDs are skipped and closes it as they arrive', async () => {
    const fn = '9999078902010001';
    await record(fn, 1, 2, 5);
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 5 }, gaps: [[3, 4]] });
    await record(fn, 3);
    expect((await state(fn)).gaps).toEqual([[4, 4]]);
    await record(fn, 4);
    expect((await state(fn)).gaps).toEqual([]);
  });

  it('splits a gap when an FD arrives in its middle', async () => {
    const fn = '9999078902010002';
    await record(fn, 1, 10, 5);
    expect((await state(fn)).gaps).toEqual([
      [2, 4],
      [6, 9],
    ]);
    await record(fn, 2, 9);
    expect((await state(fn)).gaps).toEqual([
      [3, 4],
      [6, 8],
    ]);
  });

  it('counts gaps only above the first FD received, and extends below it when an older FD arrives', async () => {
    const fn = '9999078902010003';
    await record(fn, 57, 58);
    expect(await state(fn)).toEqual({ drive: { first_fd: 57, last_fd: 58 }, gaps: [] });
    await record(fn, 50);
    expect(await state(fn)).toEqual({ drive: { first_fd: 50, last_fd: 58 }, gaps: [[51, 56]] });
  });

  it('is idempotent: duplicates change nothing', async () => {
    const fn = '9999078902010004';
    await record(fn, 1, 4, 4, 1, 4);
    const once = await state(fn);
    await record(fn, 4, 1);
    expect(await state(fn)).toEqual(once);
    expect(once.gaps).toEqual([[2, 3]]);
  });

  it('works for a fiscal drive first created by a registration report (no FDs yet)', async () => {
    const fn = '9999078902010005';
    await t.db.insertInto('fiscal_drives').values({ fn, registration_fd: 1 }).execute();
    await record(fn, 3);
    expect(await state(fn)).toEqual({ drive: { first_fd: 3, last_fd: 3 }, gaps: [] });
  });

  it('serialises concurrent callers on one fiscal drive', async () => {
    const fn = '9999078902010006';
    await record(fn, 1);
    const fds = Array.from({ length: 40 }, (_, i) => 2 + ((i * 7) % 40)); // 2..41 in a scrambled order
    await Promise.all(fds.map((fd) => record(fn, fd)));
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 41 }, gaps: [] });
  });
});
