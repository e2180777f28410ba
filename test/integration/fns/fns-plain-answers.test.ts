// Migration 0080: the FNS's plain answers (accepted, nothing to say, first request) are one fns_plain_answers row per
// request and stored batch, not an fns_status row per document; everything else stays in fns_status, and fns_outcomes
// shows both as fns_status rows. Real PostgreSQL; documents stored by the persist processor, answers recorded by the
// fns worker's repository (claimForFns, recordFnsOutcomes) as the worker calls it. Rows are read back from the tables.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findDocumentWithLifecycle } from '../../../src/db/api-documents.repository.js';
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

const statusRows = async (fn: string) =>
  (await sql<{ fd: string; status: string }>`select fd::text, status from fns_status where fn = ${fn} order by fd`.execute(t.db)).rows;
const outcomes = async (fn: string) =>
  (
    await sql<{ fd: string; status: string; attempts: number; sent_at: Date | null; answered_at: Date; duplicate: boolean }>`
      select fd::text, status, attempts, sent_at, answered_at, duplicate from fns_outcomes where fn = ${fn} order by fd`.execute(t.db)
  ).rows;

it('records plain answers as one row per stored batch, shown by fns_outcomes, the API and the claim as answered', async () => {
  const fn = newFn();
  await store(fn, [1, 2, 3]);
  await store(fn, [4]);
  await answer('w1', [1, 2, 3, 4].map((fd) => accepted(fn, fd)));

  expect(await statusRows(fn)).toEqual([]);
  const keys = await t.db.selectFrom('document_keys').select(['fd', 'fns_batch', 'fns_batch_pos']).where('fn', '=', fn).orderBy('fd').execute();
  expect(new Set(keys.slice(0, 3).map((k) => k.fns_batch)).size).toBe(1);
  expect(keys[3]!.fns_batch).not.toBe(keys[0]!.fns_batch);
  const { rows: plain } = await sql<{ batch: string; positions: number[]; sent_at: Date }>`
    select batch::text, positions, sent_at from fns_plain_answers where batch in (${keys[0]!.fns_batch}, ${keys[3]!.fns_batch}) order by batch`.execute(t.db);
  expect(plain).toEqual([
    { batch: String(keys[0]!.fns_batch), positions: [1, 2, 3], sent_at: SENT },
    { batch: String(keys[3]!.fns_batch), positions: [1], sent_at: SENT },
  ]);

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
  // FD 2: stored without a batch number, as every document before migration 0080.
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
