// A job that stalled too often — its worker died while holding it, more times than maxStalledCount allows — is not
// run again: BullMQ's stalled check marks it with a deferred failure and puts it back, and the next worker that takes
// it fails it at once ('job stalled more than allowable limit'), without calling its processor. Its documents must be
// parked in dead_letters (where `ofd dlq replay` and the operators find them), for the documents queue, fns batch jobs,
// crpt sales and e-receipts alike: otherwise they sit in the failed set, stored nowhere or sent to no one.
//
// The death is a plain Worker that takes the job and never finishes it, its lock never renewed (skipLockRenewal) and
// its maxStalledCount 0: its own stalled check gives up on the job once the lock has expired.
import { Queue, Worker } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { recordDeadLetters } from '../../../src/db/dead-letters.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { documentJobId, notifyJobId } from '../../../src/queue/job-ids.js';
import { FNS_BATCH_JOB } from '../../../src/queue/fns-jobs.js';
import { QueueNames } from '../../../src/queue/queue-names.js';
import { startCrptWorker } from '../../../src/workers/crpt/crpt.worker.js';
import { startFnsWorker } from '../../../src/workers/fns/fns.worker.js';
import { startNotifyWorker } from '../../../src/workers/notify/notify.worker.js';
import { startPersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { documentRow } from '../db/document-rows.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { realJob, waitFor } from './worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const FN = '9999078900015015';
const STALLED = 'job stalled more than allowable limit';
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redisUrl, prefix);
  await t.drop();
});

/** A worker that takes one job of `queue` and dies holding it, as far as BullMQ can tell; resolves once the job is given up. */
async function dieHolding(prefix: string, queue: string): Promise<string> {
  const q = new Queue(queue, { connection: { url: redisUrl }, prefix });
  closers.push(() => q.close());
  const taken = new Promise<string>((resolve) => {
    const dying = new Worker(queue, (job) => (resolve(job.id ?? ''), new Promise(() => undefined)), {
      connection: { url: redisUrl }, prefix, lockDuration: 300, stalledInterval: 150, maxStalledCount: 0, skipLockRenewal: true,
    });
    closers.push(() => dying.close(true));
  });
  const jobId = await taken;
  const marked = await waitFor(async () => (await q.getJob(jobId))?.deferredFailure, (reason) => reason === STALLED, 10_000);
  expect(marked).toBe(STALLED);
  return jobId;
}

const findCrptSaleStatus = async (fd: number) =>
  (await sql<{ status: string }>`select status from crpt_sales where source = 'receipt' and fn = ${FN} and fd = ${fd}`.execute(t.db)).rows[0]?.status;

const deadLetters = (queue: string) =>
  t.db.selectFrom('dead_letters').select(['job_id', 'error_message']).where('queue', '=', queue).orderBy('job_id').execute();

it('the documents of a documents job failed for stalling are parked as dead letters', async () => {
  const prefix = uniquePrefix('stalled-persist');
  prefixes.push(prefix);
  const producer = createDocumentProducer({ connection: redisUrl, prefix });
  closers.push(() => producer.close());
  await producer.waitUntilReady();
  await Promise.all([realJob(FN, 1), realJob(FN, 2)].map((job) => producer.enqueue(job)));
  await dieHolding(prefix, QueueNames.documents);

  const worker = startPersistWorker({ redisUrl, prefix, db: t.db, logger: silentLogger() });
  closers.push(() => worker.close());
  const letters = await waitFor(() => deadLetters(QueueNames.documents), (rows) => rows.length === 2, 10_000);
  expect(letters.map((l) => l.job_id)).toEqual([documentJobId(FN, 1), documentJobId(FN, 2)]);
  expect(letters[0]!.error_message).toContain('stalled');
});

it('the unsettled documents of an fns batch job failed for stalling are parked as dead letters, one each', async () => {
  const prefix = uniquePrefix('stalled-fns');
  prefixes.push(prefix);
  // An earlier run settled two of them before its worker died: FD 12 answered, FD 13 parked with its own error. FD 15
  // was parked as dead and replayed since (`ofd dlq replay`): its letter says so, its fns_status still says 'dead'.
  await insertDocuments(t.db, [11, 12, 13, 14, 15].map((fd) => documentRow({ fn: FN, fd, received_at: new Date() })));
  await sql`insert into fns_status (fn, fd, status, attempts, sent_at, answered_at) values (${FN}, 12, 'accepted', 1, now(), now())`.execute(t.db);
  await sql`insert into fns_status (fn, fd, status, attempts) values (${FN}, 15, 'dead', 16)`.execute(t.db);
  const rejected = { queue: QueueNames.fns, jobName: 'send-to-fns', errorCode: 'FNS_REJECTED', errorMessage: 'refused by the FNS', attempts: 1 };
  await recordDeadLetters(t.db, [13, 15].map((fd) => ({ ...rejected, payload: { fn: FN, fd }, jobId: documentJobId(FN, fd) })));
  await sql`update dead_letters set replayed_at = now() where job_id = ${documentJobId(FN, 15)}`.execute(t.db);
  const fns = new Queue(QueueNames.fns, { connection: { url: redisUrl }, prefix });
  closers.push(() => fns.close());
  await fns.add(FNS_BATCH_JOB, { documents: [11, 12, 13, 14, 15].map((fd) => ({ fn: FN, fd })) });
  await dieHolding(prefix, QueueNames.fns);

  const worker = startFnsWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), fnsUrl: 'http://127.0.0.1:9' });
  closers.push(() => worker.close());
  const letters = await waitFor(() => deadLetters(QueueNames.fns), (rows) => rows.filter((l) => l.error_message === STALLED).length === 3, 10_000);
  expect(letters).toEqual([
    { job_id: documentJobId(FN, 11), error_message: STALLED },
    { job_id: documentJobId(FN, 13), error_message: 'refused by the FNS' },
    { job_id: documentJobId(FN, 14), error_message: STALLED },
    { job_id: documentJobId(FN, 15), error_message: STALLED },
  ]);
});

/**
 * Adds the jobs and has one dying worker take them all at once (a second dying worker would fail the first one's
 * marked job itself, out of sight of the worker under test); resolves once every one is marked.
 */
async function stallAll(prefix: string, queue: string, jobs: ReadonlyArray<{ name: string; data: object; jobId: string }>): Promise<void> {
  const q = new Queue(queue, { connection: { url: redisUrl }, prefix });
  closers.push(() => q.close());
  for (const job of jobs) await q.add(job.name, job.data, { jobId: job.jobId });
  const taken = new Set<string>();
  const dying = new Worker(queue, (job) => (taken.add(job.id ?? ''), new Promise(() => undefined)), {
    connection: { url: redisUrl }, prefix, concurrency: jobs.length, lockDuration: 300, stalledInterval: 150, maxStalledCount: 0, skipLockRenewal: true,
  });
  closers.push(() => dying.close(true));
  for (const job of jobs) {
    const marked = await waitFor(async () => (await q.getJob(job.jobId))?.deferredFailure, (reason) => reason === STALLED, 10_000);
    expect(marked).toBe(STALLED);
  }
  expect([...taken].sort()).toEqual(jobs.map((j) => j.jobId).sort());
}

/** Waits until BullMQ has failed every job of `ids` for stalling, then lets the listeners' writes land. */
async function failedForStalling(prefix: string, queue: string, ids: readonly string[]): Promise<void> {
  const q = new Queue(queue, { connection: { url: redisUrl }, prefix });
  closers.push(() => q.close());
  for (const id of ids) await waitFor(async () => (await q.getJob(id))?.failedReason, (reason) => reason === STALLED, 10_000);
  await new Promise((r) => setTimeout(r, 300));
}

it('a crpt sale whose job failed for stalling is dead with its letter; one CRPT answered is left alone, one under a live lease is dead once the lease ends', async () => {
  const prefix = uniquePrefix('stalled-crpt');
  prefixes.push(prefix);
  const [stalled, answered, leased] = [31, 32, 33];
  await sql`insert into crpt_sales (source, fn, fd, status, attempts, sent_at, delivered_at) values ('receipt', ${FN}, ${answered}, 'delivered', 1, now(), now())`.execute(t.db);
  // Its worker may have lost its BullMQ lock but not its life, and be sending under its lease: the sale stays its to
  // record until the lease ends (6 s here), and is dead then, nothing recorded.
  await sql`insert into crpt_sales (source, fn, fd, status, lease_until, lease_owner) values ('receipt', ${FN}, ${leased}, 'sending', now() + interval '6 seconds', 'alive')`.execute(t.db);
  const ids = [answered, stalled, leased].map((fd) => documentJobId(FN, fd));
  await stallAll(prefix, QueueNames.crpt, [answered, stalled, leased].map((fd) => ({ name: 'send-to-crpt', data: { fn: FN, fd }, jobId: documentJobId(FN, fd) })));

  const worker = startCrptWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), crptUrl: 'http://127.0.0.1:9' });
  closers.push(() => worker.close());
  await waitFor(() => deadLetters(QueueNames.crpt), (rows) => rows.length >= 2, 10_000);
  await failedForStalling(prefix, QueueNames.crpt, ids);
  expect(await deadLetters(QueueNames.crpt)).toEqual([
    { job_id: documentJobId(FN, stalled), error_message: STALLED },
    { job_id: documentJobId(FN, leased), error_message: STALLED },
  ]);
  const sales = await sql<{ fd: string; status: string; last_error_code: string | null; lease_owner: string | null }>`
    select fd::text, status, last_error_code, lease_owner from crpt_sales where fn = ${FN} order by fd`.execute(t.db);
  expect(sales.rows).toEqual([
    { fd: String(stalled), status: 'dead', last_error_code: 'JOB_STALLED', lease_owner: null },
    { fd: String(answered), status: 'delivered', last_error_code: null, lease_owner: null },
    { fd: String(leased), status: 'sending', last_error_code: null, lease_owner: 'alive' },
  ]);
  const ended = await waitFor(
    async () => (await sql<{ status: string; last_error_code: string | null }>`select status, last_error_code from crpt_sales where fn = ${FN} and fd = ${leased}`.execute(t.db)).rows[0],
    (row) => row?.status === 'dead',
    15_000,
  );
  expect(ended).toEqual({ status: 'dead', last_error_code: 'JOB_STALLED' });
  expect(await deadLetters(QueueNames.crpt)).toHaveLength(2); // no second letter
});

it('the unsettled sales of a crpt batch job failed for stalling go back one per batch job; settled ones are left alone', async () => {
  const prefix = uniquePrefix('stalled-crpt-batch');
  prefixes.push(prefix);
  const [unsettled, answered, parked] = [41, 42, 44];
  await sql`insert into crpt_sales (source, fn, fd, status, attempts, sent_at, delivered_at) values ('receipt', ${FN}, ${answered}, 'delivered', 1, now(), now())`.execute(t.db);
  await sql`insert into crpt_sales (source, fn, fd, status, attempts, last_error_code) values ('receipt', ${FN}, ${parked}, 'dead', 1, 'CRPT_REFUSED')`.execute(t.db);
  const sales = [{ fn: FN, fd: unsettled, attempts: 2 }, { fn: FN, fd: answered }, { fn: 'no FN', fd: 43 }, { fn: FN, fd: parked }];
  await stallAll(prefix, QueueNames.crpt, [{ name: 'send-batch-to-crpt', data: { sales }, jobId: 'crpt-batch-stalled' }]);

  const worker = startCrptWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), crptUrl: 'http://127.0.0.1:9' });
  closers.push(() => worker.close());
  await failedForStalling(prefix, QueueNames.crpt, ['crpt-batch-stalled']);
  const q = new Queue(QueueNames.crpt, { connection: { url: redisUrl }, prefix });
  closers.push(() => q.close());
  const backId = `${documentJobId(FN, unsettled)}-after-crpt-batch-stalled`;
  const back = await waitFor(() => q.getJob(backId), (j) => j !== undefined, 10_000);
  // A batch of its own, with its stall count of its own and the attempts it had used.
  expect(back).toMatchObject({ name: 'send-batch-to-crpt', data: { sales: [{ fn: FN, fd: unsettled, attempts: 2 }] } });
  const added = (await q.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'])).map((j) => j.id).filter((id) => id !== 'crpt-batch-stalled');
  expect(added).toEqual([backId]);
  // The entry that is no sale is parked; nothing else is.
  const letters = await t.db.selectFrom('dead_letters').select(['job_id', 'job_name', 'error_code']).where('queue', '=', 'crpt').where('job_id', 'like', 'crpt-batch-stalled%').execute();
  expect(letters).toEqual([{ job_id: 'crpt-batch-stalled-2', job_name: 'send-to-crpt', error_code: 'CRPT_BAD_JOB' }]);
  const rows = await sql<{ fd: string; status: string }>`select fd::text, status from crpt_sales where fn = ${FN} and fd in (${answered}, ${parked}) order by fd`.execute(t.db);
  expect(rows.rows).toEqual([
    { fd: String(answered), status: 'delivered' },
    { fd: String(parked), status: 'dead' },
  ]);
});

it('a crpt batch job of one sale failed for stalling is parked, as a one-sale job is: a sale that kills its worker ends alone', async () => {
  const prefix = uniquePrefix('stalled-crpt-single');
  prefixes.push(prefix);
  const fd = 51;
  await stallAll(prefix, QueueNames.crpt, [{ name: 'send-batch-to-crpt', data: { sales: [{ fn: FN, fd, attempts: 3 }] }, jobId: 'crpt-single-stalled' }]);
  const worker = startCrptWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), crptUrl: 'http://127.0.0.1:9' });
  closers.push(() => worker.close());
  await failedForStalling(prefix, QueueNames.crpt, ['crpt-single-stalled']);
  const letter = await waitFor(
    () => t.db.selectFrom('dead_letters').select(['job_id', 'job_name', 'payload', 'attempts', 'error_code']).where('job_id', '=', documentJobId(FN, fd)).executeTakeFirst(),
    (r) => r !== undefined,
    10_000,
  );
  expect(letter).toEqual({ job_id: documentJobId(FN, fd), job_name: 'send-to-crpt', payload: { fn: FN, fd }, attempts: 4, error_code: 'JOB_STALLED' });
  expect(await findCrptSaleStatus(fd)).toBe('dead');
});

it('an e-receipt whose job failed for stalling is failed with its letter, not sending for ever; what is not its to fail is left alone', async () => {
  const prefix = uniquePrefix('stalled-notify');
  prefixes.push(prefix);
  // 41: an e-mail being sent. 42: delivered. 43: a resend asked since the automatic send (resends 1): the row is the
  // resend's. 44: an automatic SMS that went by Viber, fell back to SMS, and died sending the SMS. 45: a Viber message
  // sent, charged and waiting for its report, its SMS job stalled: a replay must wait for that report, not send again.
  // 46: an SMS resend (the first asked) stalled while the Viber row, delivered by a Viber resend of its own, says
  // nothing about it. 47: an e-mail resend stalled before it started (its row still queued).
  const [stalled, delivered, resent, fellBack, awaitingReport, smsResend, queuedResend] = [41, 42, 43, 44, 45, 46, 47];
  await insertDocuments(t.db, [stalled, delivered, resent, fellBack, awaitingReport, smsResend, queuedResend].map((fd) => documentRow({ fn: FN, fd, received_at: new Date() })));
  await sql`insert into notify_deliveries (fn, fd, channel, recipient, status, attempts, resends, delivered_at, charge_key)
            values (${FN}, ${stalled}, 'email', 'buyer@example.test', 'sending', 1, 0, null, null),
                   (${FN}, ${delivered}, 'email', 'buyer@example.test', 'delivered', 1, 0, now(), null),
                   (${FN}, ${resent}, 'email', 'buyer@example.test', 'sending', 1, 1, null, null),
                   (${FN}, ${fellBack}, 'viber', '+79990000044', 'fallback_sms', 1, 0, null, 'v-44'),
                   (${FN}, ${fellBack}, 'sms', '+79990000044', 'sending', 1, 0, null, null),
                   (${FN}, ${awaitingReport}, 'viber', '+79990000045', 'sending', 1, 0, null, 'v-45'),
                   (${FN}, ${smsResend}, 'viber', '+79990000046', 'delivered', 1, 1, now(), 'v-46'),
                   (${FN}, ${smsResend}, 'sms', '+79990000046', 'sending', 1, 1, null, null),
                   (${FN}, ${queuedResend}, 'email', 'buyer@example.test', 'queued', 0, 1, null, null)`.execute(t.db);
  const job = (fd: number, channel: 'email' | 'sms', recipient: string, resend?: number) => ({
    name: 'notify',
    data: { fn: FN, fd, channel, recipient, ...(resend === undefined ? {} : { resend }) },
    jobId: notifyJobId(FN, fd, channel),
  });
  const jobs = [
    job(delivered, 'email', 'buyer@example.test'),
    job(stalled, 'email', 'buyer@example.test'),
    job(resent, 'email', 'buyer@example.test'),
    job(fellBack, 'sms', '+79990000044'),
    job(awaitingReport, 'sms', '+79990000045'),
    job(smsResend, 'sms', '+79990000046', 1),
    job(queuedResend, 'email', 'buyer@example.test', 1),
  ];
  await stallAll(prefix, QueueNames.notify, jobs);

  const worker = startNotifyWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), pollIntervalMs: 60_000 });
  closers.push(() => worker.close());
  await waitFor(() => deadLetters(QueueNames.notify), (rows) => rows.length >= 6, 10_000);
  await failedForStalling(prefix, QueueNames.notify, jobs.map((j) => j.jobId));
  expect(await deadLetters(QueueNames.notify)).toEqual(
    jobs.filter((j) => j.data.fd !== delivered).map((j) => ({ job_id: j.jobId, error_message: STALLED })).sort((a, b) => a.job_id.localeCompare(b.job_id)),
  );
  const rows = await sql<{ fd: string; channel: string; status: string; last_error_code: string | null }>`
    select fd::text, channel, status, last_error_code from notify_deliveries where fn = ${FN} order by fd, channel`.execute(t.db);
  expect(rows.rows).toEqual([
    { fd: String(stalled), channel: 'email', status: 'failed', last_error_code: 'JOB_STALLED' },
    { fd: String(delivered), channel: 'email', status: 'delivered', last_error_code: null },
    { fd: String(resent), channel: 'email', status: 'sending', last_error_code: null },
    { fd: String(fellBack), channel: 'sms', status: 'failed', last_error_code: 'JOB_STALLED' },
    { fd: String(fellBack), channel: 'viber', status: 'fallback_sms', last_error_code: null },
    { fd: String(awaitingReport), channel: 'viber', status: 'sending', last_error_code: null },
    { fd: String(smsResend), channel: 'sms', status: 'failed', last_error_code: 'JOB_STALLED' },
    { fd: String(smsResend), channel: 'viber', status: 'delivered', last_error_code: null },
    { fd: String(queuedResend), channel: 'email', status: 'failed', last_error_code: 'JOB_STALLED' },
  ]);
});
