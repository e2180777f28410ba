// The crpt and notify workers' pause and resume (forwarding-yield.ts pauses them while storing is backlogged; the fns
// worker's is tested with a real backlog in forwarding-yield.test.ts): a job added while paused is not processed —
// handed over to the idle worker's blocking fetch, it waits at the gate, active — and is processed once resumed. Real Redis,
// BullMQ and PostgreSQL; the job is one the processor parks at once (an invalid payload: a dead letter), so processing
// it needs neither CRPT nor SMTP and shows in Redis (failed) and in dead_letters.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CrptClient } from '../../../src/adapters/crpt/http-crpt-client.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { JobNames } from '../../../src/queue/jobs.js';
import { startCrptWorker } from '../../../src/workers/crpt/crpt.worker.js';
import { startNotifyWorker } from '../../../src/workers/notify/notify.worker.js';
import type { PauseControls } from '../../../src/workers/shared/fetch-gate.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { waitFor } from './worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const closers: Array<() => Promise<unknown>> = [];
let t: TestDatabase;
let prefix: string;

let admin: Redis;

beforeAll(async () => {
  t = await createTestDatabase({ maxConnections: 6 });
  prefix = uniquePrefix('fwdgate');
  admin = new Redis(redisUrl);
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => {
  await admin.quit();
  await deleteKeysWithPrefix(redisUrl, prefix);
  await t.drop();
});

/** Never reached: the job is parked before any send. */
const unusedCrpt: CrptClient = new Proxy({} as CrptClient, {
  get: (_target, name) => (name === 'close' ? () => Promise.resolve() : () => Promise.reject(new Error(`CRPT client called: ${String(name)}`))),
});

type Started = PauseControls & { close(): Promise<void> };

const kinds: Array<{ queue: string; job: string; start: () => Started }> = [
  {
    queue: 'crpt',
    job: JobNames.crpt,
    start: () => startCrptWorker({ redisUrl, prefix, db: t.db, logger: silentLogger(), client: unusedCrpt }),
  },
  {
    queue: 'notify',
    job: JobNames.notify,
    start: () => startNotifyWorker({ redisUrl, prefix, db: t.db, logger: silentLogger() }),
  },
];

async function deadLetters(queue: string): Promise<number> {
  const { rows } = await t.pool.query<{ n: string }>('select count(*) as n from dead_letters where queue = $1', [queue]);
  return Number(rows[0]!.n);
}

describe('forwarding workers paused for storing', () => {
  it.each(kinds)('$queue: a job added while paused waits, and is processed once resumed', async ({ queue, job, start }) => {
    const worker = start();
    closers.push(() => worker.close());
    const q = new Queue(queue, { connection: { url: redisUrl }, prefix });
    closers.push(() => q.close());
    // Wait until the idle worker blocks on Redis for its next job (its blocking connection, which BullMQ names
    // <prefix>:<queue in base64>, in a BZPOPMIN): the job added next is then handed over to that fetch, which is
    // what the gate must hold.
    const name = `name=${prefix}:${Buffer.from(queue).toString('base64')} `;
    const isBlocked = (list: string) => list.split('\n').some((line) => line.includes(name) && line.includes('cmd=bzpopmin'));
    expect(isBlocked(await waitFor(() => admin.client('LIST') as Promise<string>, isBlocked, 10_000))).toBe(true);
    await worker.pause();

    await q.add(job, { not: 'a valid payload' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await q.getJobCountByTypes('waiting', 'active')).toBe(1);
    expect(await q.getJobCountByTypes('failed', 'completed')).toBe(0);
    expect(await deadLetters(queue)).toBe(0);

    worker.resume();
    expect(await waitFor(() => q.getJobCountByTypes('failed'), (n) => n === 1, 10_000)).toBe(1);
    expect(await deadLetters(queue)).toBe(1);
    expect(await q.getJobCountByTypes('waiting', 'active', 'completed')).toBe(0);
  });
});
