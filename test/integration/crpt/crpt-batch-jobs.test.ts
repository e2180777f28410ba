// How a crpt batch job settles its sales when they do not all end well (src/workers/crpt/crpt-jobs.ts), on real Redis
// (BullMQ jobs, the batch jobs put back) and PostgreSQL (crpt_sales, dead_letters). The one-sale processor is replaced
// by a script of outcomes — what is under test is the batch's bookkeeping, not CRPT; the processor itself is tested
// against the fake CRPT over HTTP in crpt-worker.test.ts.
import { Queue, UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { CrptError, CrptErrorCodes } from '../../../src/adapters/crpt/errors.js';
import { findCrptSale } from '../../../src/db/crpt-status.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { documentJobId } from '../../../src/queue/job-ids.js';
import { createLimiter } from '../../../src/workers/shared/limiter.js';
import { createCrptJobHandler, type CrptJobDeps } from '../../../src/workers/crpt/crpt-jobs.js';
import type { CrptJobOutcome, CrptJobRef } from '../../../src/workers/crpt/crpt.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('crpt-batch');
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue('crpt', { connection, prefix });
const FN = '9999300000000077';
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterEach(async () => {
  await queue.obliterate({ force: true });
});
afterAll(async () => {
  await queue.close();
  connection.disconnect();
  await deleteKeysWithPrefix(redisUrl, prefix);
  await t.drop();
});

const pgDown = () => Object.assign(new Error('connection terminated unexpectedly'), { code: '57P01' });
const refused = new CrptError(CrptErrorCodes.CRPT_REFUSED, 'refused', { requestSent: true });
const unavailable = new CrptError(CrptErrorCodes.CRPT_UNAVAILABLE, 'down', { requestSent: true });

/** A handler whose processor answers by FD from `script`, recording every sale it is asked for. */
function handlerWith(
  script: (fd: number) => CrptJobOutcome | 'throw',
  opts: { closing?: () => boolean; paused?: () => Promise<void> | undefined; slots?: number } = {},
) {
  const asked: number[] = [];
  const process = async (ref: CrptJobRef): Promise<CrptJobOutcome> => {
    const fd = (ref.data as { fd: number }).fd;
    asked.push(fd);
    const answer = script(fd);
    if (answer === 'throw') throw pgDown();
    return answer;
  };
  const deps: CrptJobDeps = { db: t.db, log: silentLogger(), queue, process, retry: { attempts: 16, backoffMs: 5000 }, limit: createLimiter(opts.slots ?? 4), paused: opts.paused ?? (() => undefined), closing: opts.closing ?? (() => false) };
  return { handle: createCrptJobHandler(deps), asked };
}

const sales = (fds: number[]) => fds.map((fd) => ({ fn: FN, fd }));
/** The batch jobs the handler added (crptBatchJobId's ids), not the job under test. */
const putBack = async () => (await queue.getJobs(['delayed', 'waiting'])).filter((j) => j.name === 'send-batch-to-crpt' && j.id?.startsWith('crptb-'));

async function addBatch(id: string, fds: number[], attempts: number): Promise<Job> {
  return queue.add('send-batch-to-crpt', { sales: sales(fds) }, { jobId: id, attempts });
}

describe('a crpt batch job', () => {
  it('whose sales partly threw keeps only those for its retry; what settled stays settled and is put back on its own', async () => {
    const job = await addBatch('b-nonfinal', [1, 2, 3, 4], 3);
    const { handle, asked } = handlerWith((fd) =>
      fd === 1 ? { kind: 'delivered', sent: true, codes: 1 } : fd === 2 ? { kind: 'dead', error: refused } : fd === 3 ? { kind: 'retry', error: unavailable } : 'throw',
    );
    await expect(handle(job, undefined)).rejects.toMatchObject({ code: '57P01' });
    expect(asked.sort()).toEqual([1, 2, 3, 4]);
    // The retry of the job sends only the sale that threw: the delivered and the dead one are not sent again.
    expect((await queue.getJob('b-nonfinal'))?.data).toEqual({ sales: [{ fn: FN, fd: 4 }] });
    // The one CRPT was down for waits its own backoff in a batch of its own, its attempt counted.
    const again = await putBack();
    expect(again.map((j) => [j.data, j.opts.delay])).toEqual([[{ sales: [{ fn: FN, fd: 3, attempts: 1 }] }, 5000]]);
    // Nothing was parked on an attempt that was not the last.
    expect(await t.db.selectFrom('dead_letters').select('job_id').where('job_id', '=', documentJobId(FN, 4)).execute()).toEqual([]);
  });

  it('on its last attempt parks each sale that threw, dead with its letter, and still puts back the ones to try again', async () => {
    const job = await addBatch('b-final', [11, 12], 1);
    const { handle } = handlerWith((fd) => (fd === 11 ? 'throw' : { kind: 'retry', error: unavailable }));
    await expect(handle(job, undefined)).rejects.toMatchObject({ code: '57P01' });
    const letter = await t.db.selectFrom('dead_letters').select(['job_id', 'job_name', 'payload', 'error_code']).where('job_id', '=', documentJobId(FN, 11)).executeTakeFirst();
    expect(letter).toEqual({ job_id: documentJobId(FN, 11), job_name: 'send-to-crpt', payload: { fn: FN, fd: 11 }, error_code: '57P01' });
    expect(await findCrptSale(t.db, { source: 'receipt', fn: FN, fd: 11 })).toMatchObject({ status: 'dead', last_error_code: '57P01' });
    const again = await putBack();
    expect(again.map((j) => j.data)).toEqual([{ sales: [{ fn: FN, fd: 12, attempts: 1 }] }]);
  });

  it('starts no sale once the worker is closing: those not started go back as they came, attempts unchanged', async () => {
    let closing = false;
    const entries = [...sales([21, 22]), { fn: FN, fd: 23, attempts: 2 }, null];
    const job = await queue.add('send-batch-to-crpt', { sales: entries }, { jobId: 'b-closing' });
    // One slot, so the sales start one after another: the shutdown begins while the first is being sent.
    const { handle, asked } = handlerWith(
      () => {
        closing = true;
        return { kind: 'delivered', sent: true, codes: 1 };
      },
      { closing: () => closing, slots: 1 },
    );
    await expect(handle(job, undefined)).resolves.toEqual({ sales: 4, delivered: 1, retrying: 0, waiting: 3, dead: 0, parked: 0 });
    expect(asked).toEqual([21]);
    const again = await putBack();
    expect(again.map((j) => j.data)).toEqual([{ sales: [{ fn: FN, fd: 22 }, { fn: FN, fd: 23, attempts: 2 }, null] }]);
  });

  it('waits while the worker is paused: no sale starts until it resumes, and none is put back for it', async () => {
    let resume!: () => void;
    let gate: Promise<void> | undefined = new Promise<void>((r) => (resume = r));
    const job = await addBatch('b-paused', [31, 32, 33], 3);
    const { handle, asked } = handlerWith(() => ({ kind: 'delivered', sent: true, codes: 1 }), { paused: () => gate });
    const done = handle(job, undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(asked).toEqual([]);
    gate = undefined;
    resume();
    await expect(done).resolves.toEqual({ sales: 3, delivered: 3, retrying: 0, waiting: 0, dead: 0, parked: 0 });
    expect(asked.sort()).toEqual([31, 32, 33]);
    expect(await putBack()).toEqual([]);
  });

  it('without a list of sales is parked whole, not completed with nothing done', async () => {
    const job = await queue.add('send-batch-to-crpt', { documents: sales([41]) }, { jobId: 'b-malformed' });
    const { handle, asked } = handlerWith(() => ({ kind: 'delivered', sent: true, codes: 1 }));
    await expect(handle(job, undefined)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(asked).toEqual([]);
    const letter = await t.db.selectFrom('dead_letters').select(['job_name', 'error_code', 'payload']).where('job_id', '=', 'b-malformed').executeTakeFirst();
    expect(letter).toEqual({ job_name: 'send-batch-to-crpt', error_code: 'CRPT_BAD_JOB', payload: { documents: sales([41]) } });
  });
});
