// The forwarding jobs a persist job adds (src/workers/persist/downstream.ts), on real Redis: the stored copy's
// received_at travels with the crpt and notify jobs only when this run stored the copy; a retried run (whose earlier
// attempt may have stored another copy) leaves the workers to look it up.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { documentJobId, notifyJobId } from '../../../src/queue/job-ids.js';
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
      expect((await crpt.getJob(documentJobId(FN, 1)))?.data).toEqual({ fn: FN, fd: 1, receivedAt: '2026-12-07T10:00:01.123Z' });
      expect((await crpt.getJob(documentJobId(FN, 2)))?.data).toEqual({ fn: FN, fd: 2 });
      expect((await notify.getJob(notifyJobId(FN, 1, 'email')))?.data).toEqual({ fn: FN, fd: 1, channel: 'email', recipient: 'buyer@example.com', receivedAt: '2026-12-07T10:00:01.123Z' });
      expect((await notify.getJob(notifyJobId(FN, 2, 'email')))?.data).toEqual({ fn: FN, fd: 2, channel: 'email', recipient: 'buyer@example.com' });
    } finally {
      await crpt.close();
      await notify.close();
    }
  });
});
