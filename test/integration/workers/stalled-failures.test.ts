// A job that stalled too often — its worker died while holding it, more times than maxStalledCount allows — is not
// run again: BullMQ's stalled check marks it with a deferred failure and puts it back, and the next worker that takes
// it fails it at once ('job stalled more than allowable limit'), without calling its processor. Its documents must be
// parked in dead_letters (where `ofd dlq replay` and the operators find them), for the documents queue and for fns
// batch jobs alike: otherwise they sit in the failed set, stored nowhere or sent to no one.
//
// The death is a plain Worker that takes the job and never finishes it, its lock never renewed (skipLockRenewal) and
// its maxStalledCount 0: its own stalled check gives up on the job once the lock has expired.
import { Queue, Worker } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { recordDeadLetters } from '../../../src/db/dead-letters.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { documentJobId } from '../../../src/queue/job-ids.js';
import { FNS_BATCH_JOB } from '../../../src/queue/fns-jobs.js';
import { QueueNames } from '../../../src/queue/queue-names.js';
import { startFnsWorker } from '../../../src/workers/fns/fns.worker.js';
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
