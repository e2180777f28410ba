// ofd_record_document_numbers(fns, fds) (migration 0005), the set-wise version the persist worker calls once per batch:
// it must leave exactly the state ofd_record_document_number (0003) leaves, FD by FD — and that state is
// [first_fd, last_fd] minus the FDs received, as maximal ranges.
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../../../src/db/database.js';
import { recordDocumentNumbers } from '../../../src/db/document-batch.repository.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function recordSetwise(fns: readonly string[], fds: readonly number[]): Promise<void> {
  await sql`select ofd_record_document_numbers(${fns}::text[], ${fds}::bigint[])`.execute(t.db);
}

async function recordOneByOne(fn: string, fds: readonly number[]): Promise<void> {
  for (const fd of fds) await sql`select ofd_record_document_number(${fn}, ${fd}::bigint)`.execute(t.db);
}

async function state(fn: string) {
  const drive = await t.db.selectFrom('fiscal_drives').select(['first_fd', 'last_fd']).where('fn', '=', fn).executeTakeFirst();
  const gaps = await t.db.selectFrom('fd_gaps').select(['from_fd', 'to_fd']).where('fn', '=', fn).orderBy('from_fd').execute();
  return { drive, gaps: gaps.map((g) => [g.from_fd, g.to_fd]) };
}

/** [min, max] minus the set, as maximal ranges. */
function expectedGaps(received: ReadonlySet<number>): number[][] {
  const sorted = [...received].sort((a, b) => a - b);
  const gaps: number[][] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i]! > sorted[i - 1]! + 1) gaps.push([sorted[i - 1]! + 1, sorted[i]! - 1]);
  return gaps;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ofd_record_document_numbers', () => {
  it('opens, splits and closes gaps for a whole batch, duplicates included', async () => {
    const fn = '9999078903010001';
    await recordSetwise([fn, fn, fn], [1, 2, 5]);
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 5 }, gaps: [[3, 4]] });
    await recordSetwise([fn, fn, fn, fn], [10, 4, 4, 8]);
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 10 }, gaps: [[3, 3], [6, 7], [9, 9]] });
    await recordSetwise([fn, fn, fn, fn], [3, 6, 7, 9]);
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 10 }, gaps: [] });
    await recordSetwise([fn], [5]);
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 10 }, gaps: [] });
  });

  it('extends below the first FD and works for a drive first created by a registration report', async () => {
    const fn = '9999078903010002';
    await t.db.insertInto('fiscal_drives').values({ fn }).execute();
    await recordSetwise([fn, fn], [20, 17]);
    expect(await state(fn)).toEqual({ drive: { first_fd: 17, last_fd: 20 }, gaps: [[18, 19]] });
    await recordSetwise([fn, fn], [12, 14]);
    expect(await state(fn)).toEqual({ drive: { first_fd: 12, last_fd: 20 }, gaps: [[13, 13], [15, 16], [18, 19]] });
  });

  it('keeps when a gap was first detected for the pieces left of it', async () => {
    const fn = '9999078903010003';
    await recordSetwise([fn, fn], [1, 10]);
    await sql`update fd_gaps set detected_at = '2026-01-01T00:00:00Z' where fn = ${fn}`.execute(t.db);
    await recordSetwise([fn], [5]);
    const gaps = await t.db.selectFrom('fd_gaps').select(['from_fd', 'detected_at']).where('fn', '=', fn).orderBy('from_fd').execute();
    expect(gaps.map((g) => [g.from_fd, g.detected_at.toISOString()])).toEqual([
      [2, '2026-01-01T00:00:00.000Z'],
      [6, '2026-01-01T00:00:00.000Z'],
    ]);
  });

  it('leaves the same state as the per-document function, for random arrival orders and batchings', async () => {
    const random = prng(54);
    for (let round = 0; round < 30; round++) {
      const setwise = `99990789031${String(round).padStart(5, '0')}`;
      const oneByOne = `99990789032${String(round).padStart(5, '0')}`;
      const fds = Array.from({ length: 5 + Math.floor(random() * 60) }, () => 1 + Math.floor(random() * 80));
      let i = 0;
      while (i < fds.length) {
        const size = 1 + Math.floor(random() * 12);
        const batch = fds.slice(i, i + size);
        // Other drives' FDs in the same batch change nothing here.
        await recordSetwise([...batch.map(() => setwise), '9999078903999999'], [...batch, round + 1]);
        i += size;
      }
      await recordOneByOne(oneByOne, fds);
      const got = await state(setwise);
      expect(got, `round ${round}: ${fds.join(',')}`).toEqual(await state(oneByOne));
      expect(got).toEqual({ drive: { first_fd: Math.min(...fds), last_fd: Math.max(...fds) }, gaps: expectedGaps(new Set(fds)) });
    }
  });

  it('serialises concurrent batches on the same drives without losing a number or deadlocking', async () => {
    const fns = ['9999078903020001', '9999078903020002', '9999078903020003'];
    const random = prng(7);
    const all = fns.map(() => new Set<number>());
    const batches = Array.from({ length: 24 }, () => {
      const keys = Array.from({ length: 30 }, () => {
        const k = Math.floor(random() * fns.length);
        const fd = 1 + Math.floor(random() * 200);
        all[k]!.add(fd);
        return [fns[k]!, fd] as const;
      });
      return keys;
    });
    await Promise.all(batches.map((keys) => recordSetwise(keys.map(([fn]) => fn), keys.map(([, fd]) => fd))));
    for (const [k, fn] of fns.entries()) {
      const fds = [...all[k]!];
      expect(await state(fn)).toEqual({ drive: { first_fd: Math.min(...fds), last_fd: Math.max(...fds) }, gaps: expectedGaps(all[k]!) });
    }
  });

  it('refuses arrays of different lengths', async () => {
    await expect(recordSetwise(['9999078903030001'], [1, 2])).rejects.toThrow(/1 FN numbers but 2 FD numbers/);
  });
});

// What the persist worker calls: drives whose FDs just continue their range are extended by one statement, the others
// go to the function above. The state must be the same as FD by FD, whichever way each drive went.
describe('recordDocumentNumbers (the contiguous fast path, then the function)', () => {
  /** The statements recordDocumentNumbers ran, read off a logging Kysely over the same pool. */
  async function recordLogged(keys: readonly { fn: string; fd: number }[]): Promise<string[]> {
    const statements: string[] = [];
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: t.pool }), log: (e) => void statements.push(e.query.sql) });
    await db.transaction().execute((trx) => recordDocumentNumbers(trx, keys));
    return statements;
  }
  const usesFunction = (statements: readonly string[]) => statements.some((q) => q.includes('ofd_record_document_numbers'));
  const record = (keys: readonly { fn: string; fd: number }[]) => t.db.transaction().execute((trx) => recordDocumentNumbers(trx, keys));

  it('extends a drive whose FDs follow on without the gap bookkeeping, and hands a gap or a late FD to it', async () => {
    const fn = '9999078904010001';
    expect(usesFunction(await recordLogged([1, 2, 3].map((fd) => ({ fn, fd }))))).toBe(false);
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 3 }, gaps: [] });
    expect(usesFunction(await recordLogged([5, 4].map((fd) => ({ fn, fd }))))).toBe(false);
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 5 }, gaps: [] });
    expect(usesFunction(await recordLogged([8, 9].map((fd) => ({ fn, fd }))))).toBe(true); // 6–7 missing
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 9 }, gaps: [[6, 7]] });
    expect(usesFunction(await recordLogged([{ fn, fd: 6 }]))).toBe(true); // inside the gap
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 9 }, gaps: [[7, 7]] });
    expect(usesFunction(await recordLogged([{ fn, fd: 10 }, { fn, fd: 10 }]))).toBe(false); // a copy in the batch
    expect(usesFunction(await recordLogged([{ fn, fd: 10 }]))).toBe(true); // a re-send of the last one
    expect(await state(fn)).toEqual({ drive: { first_fd: 1, last_fd: 10 }, gaps: [[7, 7]] });
  });

  it('leaves the same state as FD by FD for mostly ordered arrivals, random batchings and other drives beside', async () => {
    const random = prng(12);
    for (let round = 0; round < 30; round++) {
      const fast = `99990789041${String(round).padStart(5, '0')}`;
      const oneByOne = `99990789042${String(round).padStart(5, '0')}`;
      // FDs 1…n in order, a few swapped with their neighbour and a few dropped: what registers on flaky links send.
      const fds = Array.from({ length: 5 + Math.floor(random() * 60) }, (_, i) => i + 1).filter(() => random() > 0.05);
      for (let i = 0; i + 1 < fds.length; i++) if (random() < 0.1) [fds[i], fds[i + 1]] = [fds[i + 1]!, fds[i]!];
      let i = 0;
      while (i < fds.length) {
        const size = 1 + Math.floor(random() * 6);
        const batch = fds.slice(i, i + size);
        await record([...batch.map((fd) => ({ fn: fast, fd })), { fn: '9999078904999999', fd: round + 1 }]);
        i += size;
      }
      await recordOneByOne(oneByOne, fds);
      const got = await state(fast);
      expect(got, `round ${round}: ${fds.join(',')}`).toEqual(await state(oneByOne));
      expect(got).toEqual({ drive: { first_fd: Math.min(...fds), last_fd: Math.max(...fds) }, gaps: expectedGaps(new Set(fds)) });
    }
  });

  it('serialises concurrent batches on the same drives, some extended and some not, without losing a number or deadlocking', async () => {
    const fns = ['9999078904020001', '9999078904020002', '9999078904020003', '9999078904020004'];
    const random = prng(99);
    const all = fns.map(() => new Set<number>());
    const next = fns.map(() => 1);
    const batches = Array.from({ length: 40 }, () =>
      fns.flatMap((fn, k) => {
        // Each drive's next few FDs, now and then one skipped: batches in flight overlap on every drive.
        const count = Math.floor(random() * 3);
        return Array.from({ length: count }, () => {
          const fd = next[k]! + (random() < 0.15 ? 1 : 0);
          next[k] = fd + 1;
          all[k]!.add(fd);
          return { fn, fd };
        });
      }),
    );
    for (let i = 0; i < batches.length; i += 8) await Promise.all(batches.slice(i, i + 8).map(record));
    for (const [k, fn] of fns.entries()) {
      const fds = [...all[k]!];
      expect(await state(fn)).toEqual({ drive: { first_fd: Math.min(...fds), last_fd: Math.max(...fds) }, gaps: expectedGaps(all[k]!) });
    }
  });
});
