// The persist worker end to end on real Redis and PostgreSQL: producer → `documents` → batches → rows → downstream jobs.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { replayDeadLetters } from '../../../src/cli/commands/dlq.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { documentJobId, notifyJobId } from '../../../src/queue/job-ids.js';
import { documentsOfJob, type DocumentJob } from '../../../src/queue/jobs.js';
import { startPersistWorker, type PersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { ascii, fvln, receiptChildren, stlv, vln } from '../../support/kkt.js';
import { FN_A, fnsWaiting, realJob, richReceiptChildren, waitFor } from './worker-test-helpers.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';
import { storedItems } from '../../../src/db/stored-items.js';
import { storedItemNames } from '../../../src/db/item-name-dictionary.js';

const redisUrl = inject('redisUrl');
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase({ maxConnections: 10 });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redisUrl, prefix);
  await t.drop();
});

interface Harness {
  prefix: string;
  producer: DocumentProducer;
  worker: PersistWorker;
  queue: (name: string) => Queue;
}

async function harness(opts: { attempts?: number; startWorker?: boolean; usualAsNull?: boolean } = {}): Promise<Harness> {
  const prefix = uniquePrefix('persist');
  prefixes.push(prefix);
  const producer = createDocumentProducer({
    connection: redisUrl,
    prefix,
    ...(opts.attempts === undefined ? {} : { jobOptions: { attempts: opts.attempts } }),
  });
  closers.push(() => producer.close());
  await producer.waitUntilReady();
  const worker = startPersistWorker({
    redisUrl,
    prefix,
    db: t.db,
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    batchSize: 50,
    maxDelayMs: 5,
    ...(opts.usualAsNull === undefined ? {} : { usualAsNull: opts.usualAsNull }),
  });
  closers.push(() => worker.close());
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: { url: redisUrl }, prefix });
      queues.set(name, q);
      const created = q;
      closers.push(() => created.close());
    }
    return q;
  };
  return { prefix, producer, worker, queue };
}

/** A count once it has not changed for 300 ms (at most 10 s). */
async function settledCount(probe: () => Promise<number>): Promise<number> {
  let last = await probe();
  for (const started = Date.now(); Date.now() - started < 10_000; ) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await probe();
    if (now === last && now > 0) return now;
    last = now;
  }
  return last;
}

const countDocs = async (fn: string) =>
  Number((await t.db.selectFrom('documents').select((eb) => eb.fn.countAll().as('n')).where('fn', '=', fn).executeTakeFirstOrThrow()).n);

describe('persist worker', () => {
  it('persists N enqueued documents once each, with exact items and byte-identical containers, and forwards them', async () => {
    const fn = '9999100000000001';
    const h = await harness();
    const jobs: DocumentJob[] = Array.from({ length: 300 }, (_, i) => realJob(fn, i + 1));
    const batchJobs = new Set((await Promise.all(jobs.map((j) => h.producer.enqueue(j)))).map((r) => r.jobId));

    expect(await waitFor(() => countDocs(fn), (n) => n === 300)).toBe(300);
    const rows = await t.db.selectFrom('documents').select(['fd', 'raw_container', 'raw_codec']).where('fn', '=', fn).orderBy('fd').execute();
    rows.forEach((row, i) => expect(unpackRawContainer(row.raw_container, row.raw_codec).equals(Buffer.from(jobs[i]!.container, 'base64'))).toBe(true));
    const stored = await t.db.selectFrom('documents').select([storedItemNames('documents').as('item_names'), 'raw_container', 'raw_codec']).where('fn', '=', fn).execute();
    const items = stored.map((d) => {
      const { name, price, quantity, sum } = storedItems(d)[0]!;
      return { name, price, quantity, sum };
    });
    expect(items).toHaveLength(300);
    expect(new Set(items.map((it) => JSON.stringify(it)))).toEqual(new Set([JSON.stringify({ name: 'Bread', price: 4550, quantity: '2', sum: 9100 })]));
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ received_receipts: 300, sell_total_sum: 300 * 18090 });

    // One fns batch job per persist job (issue 12), carrying every document once.
    const fns = await waitFor(() => fnsWaiting(h.queue('fns')), (w) => w.documents.size === 300, 5000);
    expect(fns.copies).toBe(300);
    expect(fns.jobs).toBe(batchJobs.size);
    expect(fns.documents.has(`${fn}:7`)).toBe(true);
    // Every batch job the producer wrote is completed, none failed.
    const docs = h.queue('documents');
    await waitFor(() => docs.getJobCountByTypes('completed'), (n) => n === batchJobs.size, 5000);
    expect(await docs.getJobCountByTypes('completed')).toBe(batchJobs.size);
    expect(await docs.getJobCountByTypes('failed')).toBe(0);
    expect(await t.db.selectFrom('dead_letters').selectAll().execute()).toEqual([]);
  });

  it('stores the usual values as null when told to (OFD_STORE_USUAL_AS_NULL), and spells them out by default', async () => {
    const h = await harness({ usualAsNull: true });
    const [lean, spelt] = ['9999100000000091', '9999100000000092'];
    await h.producer.enqueue(realJob(lean, 1));
    expect(await waitFor(() => countDocs(lean), (n) => n === 1)).toBe(1);
    await (await harness()).producer.enqueue(realJob(spelt, 1));
    expect(await waitFor(() => countDocs(spelt), (n) => n === 1)).toBe(1);
    const row = (fn: string) =>
      t.db.selectFrom('documents').select(['sign_status', 'flk_status', 'flk_codes', 'prepaid_sum']).where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(await row(lean)).toEqual({ sign_status: null, flk_status: null, flk_codes: null, prepaid_sum: null });
    expect(await row(spelt)).toEqual({ sign_status: 'verified', flk_status: 'passed', flk_codes: [], prepaid_sum: 0 });
  });

  it('stores nothing while paused — a job an idle worker was already waiting for waits too — and everything once resumed', async () => {
    const h = await harness();
    const count = async (fn: string) => Number((await sql<{ n: string }>`select count(*) as n from documents where fn = ${fn}`.execute(t.db)).rows[0]!.n);
    const fn = '9999078900000931';
    // Idle first: the worker is blocked on Redis waiting for a job when the pause comes (BullMQ hands that job over).
    await new Promise((r) => setTimeout(r, 300));
    await h.worker.pause();
    await Promise.all(Array.from({ length: 6 }, (_, i) => h.producer.enqueue(realJob(fn, i + 1))));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await count(fn)).toBe(0);
    h.worker.resume();
    expect(await waitFor(() => count(fn), (n) => n === 6)).toBe(6);
  });

  it.each([
    ['resumed', true, '9999078900000933'],
    ['closed while paused (close does not hang on them)', false, '9999078900000934'],
  ])('starts no transaction for the documents of jobs it already holds while paused; they are stored once %s', async (_, resumeFirst, fn) => {
    const h = await harness();
    const count = async (fn: string) => Number((await sql<{ n: string }>`select count(*) as n from documents where fn = ${fn}`.execute(t.db)).rows[0]!.n);
    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    closers.push(() => holder.end());
    await holder.query('begin');
    // The first transactions stop at the drive's row; the documents of the jobs taken after them wait for a slot.
    await holder.query('lock table fiscal_drives in share mode');
    for (let fd = 1; fd <= 10; fd++) await h.producer.enqueue(realJob(fn, fd));
    expect(await waitFor(() => Promise.resolve(h.worker.backlogged()), (b) => b, 10_000)).toBe(true);
    await h.worker.pause();
    await holder.query('rollback');
    // The transactions that were running commit (both, one after the other: wait until the count stops moving);
    // nothing else starts while paused.
    const committed = await settledCount(() => count(fn));
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count(fn)).toBe(committed);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(10);
    if (resumeFirst) {
      h.worker.resume();
      expect(await waitFor(() => count(fn), (n) => n === 10)).toBe(10);
      return;
    }
    await h.worker.close();
    // Closed: every document of the jobs it held is stored; a job it had not fetched before the pause waits in Redis
    // for another worker (nothing lost either way).
    const waiting = (await h.queue('documents').getJobs(['waiting'])).flatMap((j) => documentsOfJob(j.data)).length;
    expect(await count(fn)).toBe(10 - waiting);
  });

  it('closes while paused with a job at the gate: the job is stored, close does not hang', async () => {
    const h = await harness();
    const fn = '9999078900000932';
    await new Promise((r) => setTimeout(r, 300));
    await h.worker.pause();
    await h.producer.enqueue(realJob(fn, 1));
    await new Promise((r) => setTimeout(r, 1000));
    await h.worker.close();
    // The job the blocked fetch took was held at the gate; closing opened it, so it completed rather than stalled.
    expect(Number((await sql<{ n: string }>`select count(*) as n from documents where fn = ${fn}`.execute(t.db)).rows[0]!.n)).toBe(1);
  });

  it('forwards marking codes to crpt and buyer contacts to notify with deterministic ids', async () => {
    const h = await harness();
    const job = realJob(FN_A, 42, richReceiptChildren(FN_A, 42));
    await h.producer.enqueue(job);
    const crpt = h.queue('crpt');
    await waitFor(() => crpt.getJobCountByTypes('waiting'), (n) => n === 1);
    // The stored copy's received_at travels with the sale: the crpt worker reads the receipt without looking it up.
    const [batch] = await crpt.getJobs(['waiting']);
    expect(batch?.name).toBe('send-batch-to-crpt');
    expect(batch?.id).toMatch(/^crptb-[0-9a-f]{32}$/);
    expect(batch?.data).toEqual({ sales: [{ fn: FN_A, fd: 42, receivedAt: job.receivedAt }] });
    const notify = await h.queue('notify').getJob(notifyJobId(FN_A, 42, 'email'));
    expect(notify?.data).toEqual({ fn: FN_A, fd: 42, channel: 'email', recipient: 'buyer@example.com', receivedAt: job.receivedAt });
  });

  it('stores a document enqueued twice, in one batch or in several, once; counters are not doubled', async () => {
    const fn = '9999100000000002';
    const h = await harness();
    const job = realJob(fn, 1);
    await h.producer.enqueue(job);
    await h.producer.enqueue(job); // a re-send: a second batch job, PostgreSQL decides
    await Promise.all([h.producer.enqueue(job), h.producer.enqueue(job)]); // two copies in one batch
    // A job written by an older gateway (one document per job, not a batch): still read.
    await h.queue('documents').add('document', { ...job, receivedAt: new Date(Date.now() + 5).toISOString() }, { jobId: 'copy-1' });
    const docs = h.queue('documents');
    await waitFor(() => docs.getJobCountByTypes('completed'), (n) => n === 4);
    expect(await docs.getJobCountByTypes('completed')).toBe(4);

    expect(await countDocs(fn)).toBe(1);
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ received_receipts: 1, sell_total_sum: 18090 });
    const items = await t.db.selectFrom('receipt_items').select('item_index').where('fn', '=', fn).execute();
    expect(items).toHaveLength(2);
    // Forwarded once: the duplicate was not newly inserted and is not a retry.
    expect((await fnsWaiting(h.queue('fns'))).copies).toBe(1);
  });

  it('persists the neighbours of a poison document in its batch, and parks it alone in dead_letters at once (no retries)', async () => {
    const fn = '9999100000000003';
    // Default attempts (15): an undecodable container is terminal, so it must not wait for 14 retries.
    const h = await harness();
    const good = Array.from({ length: 20 }, (_, i) => realJob(fn, i + 1));
    const poison: DocumentJob = { ...realJob(fn, 100), container: randomBytes(200).toString('base64') };
    const results = await Promise.all([...good.slice(0, 10), poison, ...good.slice(10)].map((j) => h.producer.enqueue(j)));
    // All 21 in one batch job: the poison document shares it with its neighbours.
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);

    expect(await waitFor(() => countDocs(fn), (n) => n === 20)).toBe(20);
    const poisonId = documentJobId(fn, 100);
    const letter = await waitFor(
      () => t.db.selectFrom('dead_letters').selectAll().where('job_id', '=', poisonId).executeTakeFirst(),
      (r) => r !== undefined,
    );
    expect(letter).toMatchObject({ queue: 'documents', job_name: 'document-batch', error_code: 'PERSIST_BAD_CONTAINER', attempts: 1 });
    // Parked as a batch of one, so a replay adds just it back.
    expect(letter?.payload).toEqual({ documents: [poison] });
    expect(await t.db.selectFrom('dead_letters').select('job_id').execute()).toEqual([{ job_id: poisonId }]);
    const docs = h.queue('documents');
    await waitFor(() => docs.getJobCountByTypes('completed'), (n) => n === 1);
    expect(await docs.getJobCountByTypes('completed')).toBe(1);
    expect(await docs.getJobCountByTypes('failed')).toBe(0);
    expect(await docs.getJob(results[0]!.jobId)).toMatchObject({ returnvalue: { documents: 21, inserted: 20, dead: 1 } });

    // `ofd dlq replay` adds the letter's batch of one back under its id; still undecodable, it is parked again under the
    // same letter (unmarked as replayed), and nothing else is stored.
    const replay = await replayDeadLetters({ db: t.db, redis: redisUrl, prefix: h.prefix, ids: [Number(letter!.id)] });
    expect(replay.replayed).toEqual([{ id: Number(letter!.id), queue: 'documents', jobId: poisonId }]);
    const parkedAgain = await waitFor(
      () => t.db.selectFrom('dead_letters').selectAll().where('id', '=', letter!.id).executeTakeFirstOrThrow(),
      (r) => r.replayed_at === null && r.replay_count === 1,
    );
    expect(parkedAgain).toMatchObject({ replay_count: 1, replayed_at: null, error_code: 'PERSIST_BAD_CONTAINER' });
    expect(await docs.getJob(poisonId)).toMatchObject({ returnvalue: { documents: 1, inserted: 0, dead: 1 } });
    expect(await countDocs(fn)).toBe(20);
  });

  it('falls back to one document per transaction when one fails the batch in PostgreSQL, and parks only that one', async () => {
    const fn = '9999100000000005';
    const h = await harness({ attempts: 1 });
    const good = Array.from({ length: 30 }, (_, i) => realJob(fn, i + 1));
    // Decodes fine, but PostgreSQL refuses the NUL in text and jsonb: the whole batch transaction fails.
    const base = receiptChildren(fn, 77);
    const poison = realJob(fn, 77, [...base.slice(0, 11), stlv(1059, ascii(1030, 'Bad\u0000name'), vln(1079, 1), fvln(1023, 1, 0), vln(1043, 1)), ...base.slice(11)]);
    await Promise.all([...good.slice(0, 15), poison, ...good.slice(15)].map((j) => h.producer.enqueue(j)));

    expect(await waitFor(() => countDocs(fn), (n) => n === 30)).toBe(30);
    const letter = await waitFor(
      () => t.db.selectFrom('dead_letters').selectAll().where('job_id', '=', documentJobId(fn, 77)).executeTakeFirst(),
      (r) => r !== undefined,
    );
    expect(letter).toMatchObject({ queue: 'documents', attempts: 1, error_code: 'PERSIST_REJECTED' });
    expect(letter?.error_message).toContain('22');
    expect(await t.db.selectFrom('dead_letters').select('job_id').where('job_id', 'like', `fn-${fn}-%`).execute()).toEqual([{ job_id: documentJobId(fn, 77) }]);
    const shift = await t.db.selectFrom('shifts').selectAll().where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(shift).toMatchObject({ received_receipts: 30, sell_total_sum: 30 * 18090 });
  });

  it('retries a batch that fails for a reason of timing, and parks each of its documents once out of attempts', async () => {
    const fn = '9999100000000007';
    const blocked = '9999100000000008';
    // Every insert of the blocked drive's documents fails as a serialization failure would: not poison, so retried.
    await sql`create function test_block_insert() returns trigger language plpgsql as $$
      begin if new.fn = ${sql.lit(blocked)} then raise exception 'blocked for the test' using errcode = '40001'; end if; return new; end $$`.execute(t.db);
    await sql`create trigger test_block_insert before insert on document_keys for each row execute function test_block_insert()`.execute(t.db);
    closers.push(() => sql`drop function test_block_insert() cascade`.execute(t.db));
    const h = await harness({ attempts: 2 });
    const jobs = [realJob(fn, 1), realJob(blocked, 1), realJob(fn, 2)];
    const results = await Promise.all(jobs.map((j) => h.producer.enqueue(j)));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);

    const docs = h.queue('documents');
    await waitFor(() => docs.getJobCountByTypes('failed'), (n) => n === 1, 15_000);
    const failed = await docs.getJob(results[0]!.jobId);
    expect(failed?.attemptsMade).toBe(2);
    const letters = await waitFor(
      () => t.db.selectFrom('dead_letters').selectAll().where('job_id', 'in', jobs.map((j) => documentJobId(j.fn, j.fd))).orderBy('job_id').execute(),
      (rows) => rows.length === 3,
    );
    expect(letters.map((l) => [l.job_id, l.error_code, l.attempts])).toEqual(
      [documentJobId(fn, 1), documentJobId(fn, 2), documentJobId(blocked, 1)].map((id) => [id, '40001', 2]),
    );
    expect(letters.find((l) => l.job_id === documentJobId(blocked, 1))?.payload).toEqual({ documents: [jobs[1]] });
    // The neighbours were stored one by one; the blocked one was not.
    expect(await countDocs(fn)).toBe(2);
    expect(await countDocs(blocked)).toBe(0);
  });

  it('runs full transactions from a filled queue: batch jobs wait behind the running transactions instead of going in small ones', async () => {
    const fn = '9999100000000006';
    const prefix = uniquePrefix('persist-full');
    prefixes.push(prefix);
    const producer = createDocumentProducer({ connection: redisUrl, prefix });
    closers.push(() => producer.close());
    await producer.waitUntilReady();
    // Built first: signing 1200 containers blocks the event loop longer than the producer's 1 s write deadline.
    const jobs = Array.from({ length: 1200 }, (_, i) => realJob(fn, i + 1));
    await Promise.all(jobs.map((job) => producer.enqueue(job)));

    const metrics = createMetrics({ defaultMetrics: false });
    const worker = startPersistWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), metrics, batchSize: 100, maxDelayMs: 1, maxBatchesInFlight: 1 });
    closers.push(() => worker.close());
    expect(await waitFor(() => countDocs(fn), (n) => n === 1200)).toBe(1200);
    // The batch's duration is observed just after its transaction commits, so the rows can be
    // visible a moment before the last batch is counted: wait for the count to settle.
    const batchCount = async (): Promise<number> => {
      const { values } = await metrics.worker.jobDuration.get();
      return values.find((v) => v.metricName === 'ofd_worker_job_duration_seconds_count')?.value ?? 0;
    };
    const batches = await waitFor(batchCount, (n) => n >= 12, 5000);
    // 12 batch jobs of 100 (the producer's maxBatch), 12 full transactions at best; a 1 ms timer alone would have made
    // many more, smaller ones.
    expect(batches).toBeGreaterThanOrEqual(12);
    expect(batches).toBeLessThanOrEqual(16);
  });

  it('close() is idempotent and lets active batches finish', async () => {
    const fn = '9999100000000004';
    const h = await harness();
    await Promise.all(Array.from({ length: 100 }, (_, i) => h.producer.enqueue(realJob(fn, i + 1))));
    await waitFor(() => countDocs(fn), (n) => n > 0, 5000);
    await Promise.all([h.worker.close(), h.worker.close()]);
    const stored = await countDocs(fn);
    const completed = await h.queue('documents').getJobCountByTypes('completed');
    // Every batch job the worker completed is stored (completion only after the commit).
    const completedDocuments = (await h.queue('documents').getJobs(['completed'])).reduce((n, j) => n + (j.data as { documents: unknown[] }).documents.length, 0);
    expect(completed).toBeGreaterThan(0);
    expect(stored).toBeGreaterThanOrEqual(completedDocuments);
    const active = await h.queue('documents').getJobCountByTypes('active');
    expect(active).toBe(0);
  });
});
