// Migration 0080: the FNS's plain answers (accepted, nothing to say, first request) are one fns_plain_answers row per
// request and group of key numbers, not an fns_status row per document; everything else stays in fns_status, and fns_outcomes
// shows both as fns_status rows. Real PostgreSQL; documents stored by the persist processor, answers recorded by the
// fns worker's repository (claimForFns, recordFnsOutcomes) as the worker calls it. Rows are read back from the tables.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countDocuments, findDocumentWithLifecycle, listDocuments } from '../../../src/db/api-documents.repository.js';
import { claimForFns, recordFnsOutcomes, type FnsOutcomeRecord } from '../../../src/db/fns-status.repository.js';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob } from '../workers/worker-test-helpers.js';

let t: TestDatabase;
let fnCounter = 0;
const newFn = () => `99992080000000${String(++fnCounter).padStart(2, '0')}`;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const store = async (fn: string, fds: readonly number[]) => {
  const results = await createPersistProcessor({ db: t.db, logger: silentLogger() })(fds.map((fd) => realJob(fn, fd)));
  expect(results.every((r) => r.ok)).toBe(true);
};

const SENT = new Date('2026-12-06T10:00:00.125Z');
const accepted = (fn: string, fd: number): FnsOutcomeRecord & { kind: 'answered' } => ({
  kind: 'answered',
  status: 'accepted',
  errors: [],
  duplicate: false,
  fn,
  fd,
  receivedAt: undefined,
  sentAt: SENT,
});

/** Claims and records `outcomes` as one fns worker batch does. */
async function answer(owner: string, outcomes: readonly FnsOutcomeRecord[]): Promise<void> {
  const claimed = await claimForFns(t.db, outcomes, 60_000, owner);
  await recordFnsOutcomes(t.db, owner, outcomes, outcomes.filter((o) => claimed.has(`${o.fn}:${o.fd}`)));
}

/** The rows of fns_plain_answers naming any of the FN's documents. */
const plainRowsOf = async (fn: string) =>
  (
    await sql<{ slot_group: string; positions: number[]; sent_at: Date }>`
      select p.slot_group::text, p.positions, p.sent_at from fns_plain_answers p
       where exists (select 1 from document_keys k
                      where k.fn = ${fn} and k.fns_slot >> 6 = p.slot_group and (k.fns_slot & 63)::smallint = any (p.positions))
       order by p.slot_group`.execute(t.db)
  ).rows;
const statusRows = async (fn: string) =>
  (await sql<{ fd: string; status: string }>`select fd::text, status from fns_status where fn = ${fn} order by fd`.execute(t.db)).rows;
const outcomes = async (fn: string) =>
  (
    await sql<{ fd: string; status: string; attempts: number; sent_at: Date | null; answered_at: Date; duplicate: boolean }>`
      select fd::text, status, attempts, sent_at, answered_at, duplicate from fns_outcomes where fn = ${fn} order by fd`.execute(t.db)
  ).rows;

it('records plain answers as one row per request and group of key numbers, shown by fns_outcomes, the API and the claim as answered', async () => {
  const fn = newFn();
  await store(fn, [1, 2, 3]);
  await store(fn, [4]);
  await answer('w1', [1, 2, 3, 4].map((fd) => accepted(fn, fd)));

  expect(await statusRows(fn)).toEqual([]);
  // Every key row numbered as it was stored (consecutive numbers here), the answers recorded per group of 64 numbers
  // — the same group for both persist batches, unless the numbers straddle a multiple of 64.
  const slots = (await t.db.selectFrom('document_keys').select(['fd', 'fns_slot']).where('fn', '=', fn).orderBy('fd').execute()).map((k) => Number(k.fns_slot));
  expect(slots.slice(1).map((n, i) => n - slots[i]!)).toEqual([1, 1, 1]);
  const groups = [...new Set(slots.map((n) => Math.floor(n / 64)))];
  expect(await plainRowsOf(fn)).toEqual(
    groups.map((g) => ({ slot_group: String(g), positions: slots.filter((n) => Math.floor(n / 64) === g).map((n) => n % 64), sent_at: SENT })),
  );

  const shown = await outcomes(fn);
  expect(shown.map((r) => [r.fd, r.status, r.attempts, r.sent_at, r.duplicate])).toEqual(
    ['1', '2', '3', '4'].map((fd) => [fd, 'accepted', 1, SENT, false]),
  );
  expect(shown.every((r) => r.answered_at.getTime() >= SENT.getTime())).toBe(true);
  // Answered: never claimed again.
  expect(await claimForFns(t.db, [{ fn, fd: 2 }], 60_000, 'w2')).toEqual(new Set());
  const doc = await findDocumentWithLifecycle(t.db, fn, 2);
  expect(doc?.fns).toMatchObject({ status: 'accepted', attempts: 1, sent_at: SENT });
  expect(doc?.events.filter((e) => e.kind === 'fns_answered').map((e) => e.detail)).toEqual([{ status: 'accepted', errors: [], duplicate: false }]);
});

it('the Чеки list shows and filters plain answers as accepted, and counts them', async () => {
  const fn = newFn();
  await store(fn, [1, 2, 3]);
  await answer('w1', [accepted(fn, 1), { ...accepted(fn, 2), status: 'rejected', errors: [{ tag: 1020, code: 'E', message: 'нет' }] }]);
  const list = await listDocuments(t.db, { inns: 'all', fn, limit: 10 });
  expect(list.map((d) => [Number(d.fd), d.fns_status])).toEqual([
    [3, null],
    [2, 'rejected'],
    [1, 'accepted'],
  ]);
  const accepted1 = await listDocuments(t.db, { inns: 'all', fn, fnsStatus: 'accepted', limit: 10 });
  expect(accepted1.map((d) => Number(d.fd))).toEqual([1]);
  expect(await countDocuments(t.db, { inns: 'all', fn, fnsStatus: 'accepted' })).toBe(1);
  expect(await countDocuments(t.db, { inns: 'all', fn, fnsStatus: 'not_sent' })).toBe(1);
  expect(await countDocuments(t.db, { inns: 'all', fn })).toBe(3);
});

it('reads a key\'s outcome by index probes, however many plain answers there are (the claim, the answers, the list)', async () => {
  // 20 000 numbered keys with plain answers (2 000 rows), 2 000 with fns_status rows: a reader that computes the whole view
  // before joining on (fn, fd) shows as a scan of document_keys or fns_plain_answers.
  await sql`insert into document_keys (fn, fd, received_at, fns_slot)
    select '99992089' || lpad((g % 100)::text, 8, '0'), g, now(), 1000000000 + g from generate_series(1, 22000) g`.execute(t.db);
  // One row per request of 10 documents, as the fns worker writes them: ≈ 7 rows per group of 64 numbers.
  await sql`insert into fns_plain_answers (slot_group, positions, sent_at)
    select (1000000000 + g) >> 6, array_agg(((1000000000 + g) & 63)::smallint order by g), now()
      from generate_series(1, 20000) g group by (1000000000 + g) >> 6, g / 10`.execute(t.db);
  await sql`insert into fns_status (fn, fd, status, attempts)
    select '99992089' || lpad((g % 100)::text, 8, '0'), g, 'rejected', 1 from generate_series(20001, 22000) g`.execute(t.db);
  await sql`analyze document_keys, fns_status, fns_plain_answers`.execute(t.db);
  const keys = sql`unnest(array['9999208900000007', '9999208900000001']::text[], array[7, 21001]::bigint[]) as v(fn, fd)`;
  const plans = [
    sql`select v.fn from ${keys} where not exists (select 1 from fns_outcomes s where s.fn = v.fn and s.fd = v.fd and s.status = 'accepted')`,
    sql`select s.* from ${keys} join fns_outcomes s on s.fn = v.fn and s.fd = v.fd`,
    sql`select v.fn, s.status from ${keys} left join fns_outcomes s on s.fn = v.fn and s.fd = v.fd`,
    // The shapes the fns worker uses (claimForFns; findFnsAnswers and the settled-job check).
    sql`select v.fn from ${keys} where (select true from fns_outcomes s where s.fn = v.fn and s.fd = v.fd and s.status = 'accepted' limit 1) is null`,
    sql`select s.* from ${keys} cross join lateral (select * from fns_outcomes s where s.fn = v.fn and s.fd = v.fd and s.status = 'accepted' offset 0) s`,
  ];
  for (const query of plans) {
    const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (costs off) ${query}`.execute(t.db);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toMatch(/Seq Scan|Hash/);
    expect(plan).toContain('document_keys_pkey');
    expect(plan).toContain('fns_plain_answers_slot_group_idx');
  }
  const { rows } = await sql<{ fd: string; status: string }>`select v.fd::text, s.status from ${keys} join fns_outcomes s on s.fn = v.fn and s.fd = v.fd order by v.fd`.execute(t.db);
  expect(rows).toEqual([
    { fd: '7', status: 'accepted' },
    { fd: '21001', status: 'rejected' },
  ]);
});

it('keeps everything else in fns_status, and a document never in both', async () => {
  const fn = newFn();
  await store(fn, [1, 2, 3, 4, 5]);
  await answer('w1', [
    accepted(fn, 1),
    { ...accepted(fn, 2), status: 'accepted_with_warnings', errors: [{ tag: 1020, code: 'W', message: 'проверьте сумму' }] },
    { ...accepted(fn, 3), duplicate: true },
    { kind: 'retrying', fn, fd: 4, receivedAt: undefined, sentAt: SENT, errorCode: 'FNS_UNAVAILABLE', error: '503' },
    { ...accepted(fn, 5), sentAt: undefined },
  ]);
  expect(await statusRows(fn)).toEqual([
    { fd: '2', status: 'accepted_with_warnings' },
    { fd: '3', status: 'accepted' },
    { fd: '4', status: 'retrying' },
    { fd: '5', status: 'accepted' },
  ]);

  // The retried document's answer goes where its first attempt is: fns_status, attempts 2. A second answer to the plain
  // one (a race of two batches) is dropped: the document is answered.
  await answer('w2', [accepted(fn, 4)]);
  await recordFnsOutcomes(t.db, 'w3', [{ ...accepted(fn, 1), status: 'rejected', errors: [{ tag: 1020, code: 'E', message: 'нет' }] }], [{ fn, fd: 1 }]);
  const shown = await outcomes(fn);
  expect(shown.map((r) => [r.fd, r.status, r.attempts])).toEqual([
    ['1', 'accepted', 1],
    ['2', 'accepted_with_warnings', 1],
    ['3', 'accepted', 1],
    ['4', 'accepted', 2],
    ['5', 'accepted', 0],
  ]);
  expect((await statusRows(fn)).map((r) => r.fd)).toEqual(['2', '3', '4', '5']);
});

it('two batches answering the same documents at once leave each with a plain answer or an fns_status row, never both', async () => {
  const fn = newFn();
  const fds = Array.from({ length: 60 }, (_, i) => i + 1);
  await store(fn, fds);
  const warned = (fd: number): FnsOutcomeRecord => ({ ...accepted(fn, fd), status: 'accepted_with_warnings', errors: [{ tag: 1020, code: 'W', message: 'w' }] });
  // Each document answered by two batches racing (a lease taken over): one plain answer, one with warnings, in one of
  // two orders; pairs run side by side on separate connections.
  await Promise.all(
    fds.map((fd) => {
      const keys = [{ fn, fd }];
      const first = fd % 2 === 0 ? accepted(fn, fd) : warned(fd);
      const second = fd % 2 === 0 ? warned(fd) : accepted(fn, fd);
      return Promise.all([recordFnsOutcomes(t.db, 'a', [first], keys), recordFnsOutcomes(t.db, 'b', [second], keys)]);
    }),
  );
  const { rows } = await sql<{ fd: string; in_status: boolean; plain: boolean }>`
    select k.fd::text,
           exists (select 1 from fns_status s where s.fn = k.fn and s.fd = k.fd) as in_status,
           exists (select 1 from fns_plain_answers p where p.slot_group = k.fns_slot >> 6 and (k.fns_slot & 63)::smallint = any (p.positions)) as plain
      from document_keys k where k.fn = ${fn} order by k.fd`.execute(t.db);
  expect(rows).toHaveLength(60);
  expect(rows.filter((r) => r.in_status === r.plain)).toEqual([]);
  expect((await outcomes(fn)).length).toBe(60);
});

it('writes into fns_status the answers of an organization with an active webhook subscription, and of documents stored before 0080', async () => {
  const fn = newFn();
  await store(fn, [1]);
  const doc = await t.db.selectFrom('documents').select('user_inn').where('fn', '=', fn).executeTakeFirstOrThrow();
  // The persist worker registered the document's organization (by its INN) with its register.
  const org = await t.db.selectFrom('organizations').select('id').where('inn', '=', doc.user_inn!).executeTakeFirstOrThrow();
  await t.db
    .insertInto('webhook_subscriptions')
    .values({ organization_id: org.id, url: 'http://127.0.0.1:9/hook', events: ['fns.status_changed'], secret: 's'.repeat(32) })
    .execute();
  // FD 2: stored without a key number, as every document before migration 0080.
  const [unnumbered] = await insertDocuments(t.db, [{ fn, fd: 2, received_at: new Date(), form: 3, raw_container: Buffer.from('x'), sign_status: 'verified', flk_status: 'passed' }]);
  expect(unnumbered).toBeDefined();
  try {
    await answer('w1', [accepted(fn, 1), accepted(fn, 2)]);
    expect(await statusRows(fn)).toEqual([
      { fd: '1', status: 'accepted' },
      { fd: '2', status: 'accepted' },
    ]);
    expect((await outcomes(fn)).map((r) => r.fd)).toEqual(['1', '2']);
  } finally {
    await t.db.deleteFrom('webhook_subscriptions').where('organization_id', '=', org.id).execute();
  }
});

it("another organization's webhook subscription leaves this one's answers plain", async () => {
  const fn = newFn();
  await store(fn, [1]);
  const other = await t.db.insertInto('organizations').values({ inn: '7707083893', name: 'ООО Другое' }).returning('id').executeTakeFirstOrThrow();
  await t.db
    .insertInto('webhook_subscriptions')
    .values({ organization_id: other.id, url: 'http://127.0.0.1:9/hook', events: ['fns.status_changed'], secret: 's'.repeat(32) })
    .execute();
  try {
    await answer('w1', [accepted(fn, 1)]);
    expect(await statusRows(fn)).toEqual([]);
    expect((await plainRowsOf(fn)).map((r) => r.positions.length)).toEqual([1]);
  } finally {
    await t.db.deleteFrom('organizations').where('id', '=', other.id).execute();
  }
});

it('a plain answer beside an fns_status row (a worker of the release before, during an upgrade): the row shows, and the next answer goes there', async () => {
  const fn = newFn();
  await store(fn, [1]);
  await answer('w1', [accepted(fn, 1)]);
  await sql`insert into fns_status (fn, fd, status, attempts, last_error_code) values (${fn}, 1, 'retrying', 1, 'FNS_UNAVAILABLE')`.execute(t.db);
  expect((await outcomes(fn)).map((r) => r.status)).toEqual(['retrying']);
  await answer('w2', [accepted(fn, 1)]);
  expect((await outcomes(fn)).map((r) => [r.status, r.attempts])).toEqual([['accepted', 2]]);
});

it('going down writes the plain answers into fns_status; going up again leaves them there', async () => {
  const fn = newFn();
  await store(fn, [1, 2]);
  await answer('w1', [accepted(fn, 1), accepted(fn, 2)]);
  const before = await outcomes(fn);
  expect(await statusRows(fn)).toEqual([]);

  const names = Object.keys(migrations).sort();
  await migrateDown(t.db, names.length - names.indexOf('0080_fns_plain_answers'));
  const { rows } = await sql<{ fd: string; status: string; attempts: number; sent_at: Date; answered_at: Date; updated_at: Date; duplicate: boolean; errors: unknown }>`
    select fd::text, status, attempts, sent_at, answered_at, updated_at, duplicate, errors from fns_status where fn = ${fn} order by fd`.execute(t.db);
  expect(rows).toEqual(
    before.map((b) => ({ fd: b.fd, status: 'accepted', attempts: 1, sent_at: SENT, answered_at: b.answered_at, updated_at: b.answered_at, duplicate: false, errors: null })),
  );
  await migrateToLatest(t.db);
  expect(await outcomes(fn)).toEqual(before);
  expect((await statusRows(fn)).map((r) => r.fd)).toEqual(['1', '2']);
});
