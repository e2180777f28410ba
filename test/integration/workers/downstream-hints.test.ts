// The forwarding jobs a persist job adds (src/workers/persist/downstream.ts), on real Redis: the stored copy's
// received_at travels with the crpt and notify jobs only when this run stored the copy; a retried run (whose earlier
// attempt may have stored another copy) leaves the workers to look it up.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { notifyJobId } from '../../../src/queue/job-ids.js';
import { createDownstream } from '../../../src/workers/persist/downstream.js';
import type { PersistedJob } from '../../../src/workers/persist/persist.processor.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('downstream-hints');
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
afterAll(async () => {
  connection.disconnect();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

const FN = '9999600000000001';
const stored = (fd: number, inserted: boolean): PersistedJob => ({
  ok: true,
  fn: FN,
  fd,
  form: 3,
  inserted,
  receivedAt: `2026-12-07T10:00:0${fd}.123Z`,
  downstream: { fns: false, crpt: true, notify: { channel: 'email', recipient: 'buyer@example.com' } },
});

describe('forwarding jobs of a persist job', () => {
  it('carry the stored copy received_at when this run stored it, and none when a retried run only found it stored', async () => {
    const downstream = createDownstream(connection, prefix, silentLogger());
    try {
      await downstream.forward('origin-1', [stored(1, true), stored(2, false)], true);
    } finally {
      await downstream.close();
    }
    const crpt = new Queue('crpt', { connection, prefix });
    const notify = new Queue('notify', { connection, prefix });
    try {
      // One batch job for the persist job's receipts with marking codes (a job per sale cost BullMQ's scripts per sale).
      const batches = await crpt.getJobs(['waiting']);
      expect(batches.map((j) => [j.name, j.data])).toEqual([
        ['send-batch-to-crpt', { sales: [{ fn: FN, fd: 1, receivedAt: '2026-12-07T10:00:01.123Z' }, { fn: FN, fd: 2 }] }],
      ]);
      expect((await notify.getJob(notifyJobId(FN, 1, 'email')))?.data).toEqual({ fn: FN, fd: 1, channel: 'email', recipient: 'buyer@example.com', receivedAt: '2026-12-07T10:00:01.123Z' });
      expect((await notify.getJob(notifyJobId(FN, 2, 'email')))?.data).toEqual({ fn: FN, fd: 2, channel: 'email', recipient: 'buyer@example.com' });
    } finally {
      await crpt.close();
      await notify.close();
    }
  });

  it('put at most 100 sales in a crpt batch job, and a re-run of the persist job adds none twice', async () => {
    const p = uniquePrefix('downstream-crpt-batches');
    const many = Array.from({ length: 150 }, (_, i) => ({ ...stored(i + 1, true), receivedAt: '2026-12-07T10:00:00.000Z', downstream: { fns: false, crpt: true, notify: undefined } }));
    for (let run = 0; run < 2; run++) {
      const downstream = createDownstream(connection, p, silentLogger());
      try {
        await downstream.forward('origin-2', many, run > 0);
      } finally {
        await downstream.close();
      }
    }
    const crpt = new Queue('crpt', { connection, prefix: p });
    try {
      const jobs = await crpt.getJobs(['waiting']);
      const fds = jobs.map((j) => (j.data as { sales: { fd: number }[] }).sales.map((s) => s.fd));
      expect(fds.map((f) => f.length).sort((a, b) => a - b)).toEqual([50, 100]);
      expect(fds.flat().sort((a, b) => a - b)).toEqual(many.map((m) => m.fd));
    } finally {
      await crpt.close();
      await deleteKeysWithPrefix(redisUrl, p);
    }
  });
});
