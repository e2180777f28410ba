// The batch moves of src/workers/job-batches.ts against real Redis, read back through BullMQ's own API: what they write
// must be what BullMQ itself would have written (adds), and the states BullMQ reads (take, complete, fail, stall).
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { BatchAdder, JobBatches } from '../../../src/workers/job-batches.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { waitFor } from './worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysWithPrefix(redisUrl, prefix);
});

const OPTIONS = { attempts: 3, backoff: { type: 'fixed', delay: 200 }, removeOnComplete: { age: 3600, count: 5 }, removeOnFail: false };

function redis(): Redis {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: null });
  closers.push(async () => client.disconnect());
  return client;
}

function setup(lockDuration = 30_000, stalledInterval = 30_000) {
  const prefix = uniquePrefix('batches');
  prefixes.push(prefix);
  const connection = redis();
  const queue = new Queue('q', { connection: redis(), prefix, defaultJobOptions: OPTIONS });
  const worker = new Worker('q', null, { connection, prefix, lockDuration, stalledInterval });
  closers.push(() => queue.close(), () => worker.close());
  return { prefix, queue, worker, batches: new JobBatches(worker, connection, lockDuration), adder: new BatchAdder(queue, connection) };
}

const jobs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ name: 'n', data: { i: from + i }, jobId: `job-${from + i}` }));

/** A job's hash without its creation time, its options parsed (BullMQ's Lua writes their keys in hash order). */
async function hash(client: Redis, key: string): Promise<Record<string, unknown>> {
  const { timestamp: _ignored, opts, ...rest } = await client.hgetall(key);
  return { ...rest, opts: JSON.parse(opts ?? 'null') as unknown };
}

async function eventKinds(client: Redis, key: string): Promise<string[]> {
  const entries = await client.xrange(key, '-', '+');
  return entries.map(([, fields]) => fields[1]!);
}

describe('BatchAdder', () => {
  it('stores jobs exactly as Queue.addBulk does, and adds an existing id only once', async () => {
    const stock = setup();
    const batch = setup();
    await stock.queue.addBulk(jobs(3).map(({ name, data, jobId }) => ({ name, data, opts: { jobId } })));
    await batch.adder.add(jobs(3));
    const client = redis();
    for (const id of ['job-0', 'job-1', 'job-2']) {
      expect(await hash(client, `${batch.prefix}:q:${id}`)).toEqual(await hash(client, `${stock.prefix}:q:${id}`));
    }
    expect(await client.lrange(`${batch.prefix}:q:wait`, 0, -1)).toEqual(await client.lrange(`${stock.prefix}:q:wait`, 0, -1));
    expect(await client.zrange(`${batch.prefix}:q:marker`, '0', '-1')).toEqual(await client.zrange(`${stock.prefix}:q:marker`, '0', '-1'));
    expect(await client.get(`${batch.prefix}:q:id`)).toBe(await client.get(`${stock.prefix}:q:id`));

    await stock.queue.addBulk(jobs(1).map(({ name, data, jobId }) => ({ name, data, opts: { jobId } })));
    await batch.adder.add(jobs(1));
    expect(await eventKinds(client, `${batch.prefix}:q:events`)).toEqual(await eventKinds(client, `${stock.prefix}:q:events`));
    expect(await batch.queue.getJobCounts('wait')).toEqual({ wait: 3 });
    const job = await batch.queue.getJob('job-1');
    expect(job).toMatchObject({ name: 'n', data: { i: 1 }, opts: { ...OPTIONS, jobId: 'job-1' } });
  });
});

describe('JobBatches', () => {
  it('takes jobs as BullMQ would, and completes them with its retention (removeOnComplete count 5)', async () => {
    const { queue, batches, adder, prefix } = setup();
    await adder.add(jobs(8));
    const taken = (await batches.take(100, 'tok-1')).jobs;
    expect(taken.map((j) => j.id)).toEqual(jobs(8).map((j) => j.jobId));
    expect(taken[3]).toMatchObject({ data: { i: 3 }, name: 'n', attemptsMade: 0, attemptsStarted: 1, maxAttempts: 3, keep: { age: 3600, count: 5 } });
    expect(await queue.getJobCounts('wait', 'active')).toEqual({ wait: 0, active: 8 });
    expect(await queue.getJobState('job-3')).toBe('active');

    expect(await batches.complete(taken.map((job) => ({ job, returnValue: { inserted: job.id !== 'job-7' } })))).toEqual([]);
    expect(await queue.getJobCounts('active', 'completed')).toEqual({ active: 0, completed: 5 });
    const done = await queue.getJob('job-7');
    expect(done).toMatchObject({ returnvalue: { inserted: false }, attemptsMade: 1, attemptsStarted: 1 });
    expect(done?.finishedOn).toBeGreaterThan(0);
    expect(done?.processedOn).toBeGreaterThan(0);
    expect(await queue.getJob('job-0')).toBeUndefined(); // trimmed: beyond the 5 kept
    const client = redis();
    expect(await client.exists(`${prefix}:q:job-7:lock`)).toBe(0);
    const kinds = await eventKinds(client, `${prefix}:q:events`);
    expect(kinds.filter((k) => k === 'active')).toHaveLength(8);
    expect(kinds.filter((k) => k === 'completed')).toHaveLength(8);
  });

  it('takes nothing from a paused queue, and at most what is asked', async () => {
    const { queue, batches, adder } = setup();
    await adder.add(jobs(5));
    await queue.pause();
    expect((await batches.take(100, 't')).jobs).toEqual([]);
    await queue.resume();
    expect((await batches.take(2, 't')).jobs.map((j) => j.id)).toEqual(['job-0', 'job-1']);
  });

  it('refuses to complete a job whose lock is gone or held by another token', async () => {
    const { batches, adder, prefix } = setup();
    await adder.add(jobs(2));
    const [a, b] = (await batches.take(2, 'tok')).jobs;
    await redis().del(`${prefix}:q:${a!.id}:lock`);
    await redis().set(`${prefix}:q:${b!.id}:lock`, 'another');
    const refused = await batches.complete([a!, b!].map((job) => ({ job, returnValue: null })));
    expect(refused.map((r) => [r.job.id, r.reason])).toEqual([
      ['job-0', 'job lock missing (it stalled and may run again elsewhere)'],
      ['job-1', 'job lock held by another worker'],
    ]);
  });

  it('a failed job is retried after its backoff (take promotes it), an unrecoverable one is failed at once', async () => {
    const { queue, batches, adder } = setup();
    await adder.add(jobs(2));
    const [a, b] = (await batches.take(2, 'tok-1')).jobs;
    await batches.fail(a!, new Error('transient'));
    await batches.fail(b!, new UnrecoverableError('poison'));
    expect(await queue.getJobState('job-0')).toBe('delayed');
    expect(await queue.getJobState('job-1')).toBe('failed');
    const retried = await waitFor(
      async () => (await batches.take(10, 'tok-2')).jobs,
      (got) => got.length > 0,
      5000,
    );
    expect(retried.map((j) => [j.id, j.attemptsMade, j.attemptsStarted])).toEqual([['job-0', 1, 2]]);
  });

  it('a taken job whose lock expired is put back by the stalled checker and taken again', async () => {
    const { queue, worker, batches, adder } = setup(300, 200);
    await adder.add(jobs(1));
    const [job] = (await batches.take(1, 'tok-1')).jobs;
    expect(job?.attemptsStarted).toBe(1);
    void worker.startStalledCheckTimer();
    expect(await waitFor(() => queue.getJobState('job-0'), (s) => s === 'waiting', 5000)).toBe('waiting');
    const [again] = (await batches.take(1, 'tok-2')).jobs;
    expect(again).toMatchObject({ id: 'job-0', attemptsStarted: 2 });
    // The first run's completion is refused: the job is the second run's now.
    expect((await batches.complete([{ job: job!, returnValue: null }])).map((r) => r.reason)).toEqual(['job lock held by another worker']);
    expect(await batches.complete([{ job: again!, returnValue: null }])).toEqual([]);
    expect(await queue.getJobState('job-0')).toBe('completed');
  });

  it('extends the locks of jobs held', async () => {
    const { batches, adder, prefix } = setup(1000);
    await adder.add(jobs(1));
    const [job] = (await batches.take(1, 'tok')).jobs;
    await redis().pexpire(`${prefix}:q:job-0:lock`, 50);
    expect(await batches.extendLocks([job!])).toEqual([]);
    expect(await redis().pttl(`${prefix}:q:job-0:lock`)).toBeGreaterThan(500);
  });
});
