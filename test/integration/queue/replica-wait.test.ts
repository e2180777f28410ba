// OFD_REDIS_WAIT_REPLICAS on a replicated single Redis (a private master and replica, never the shared 6379): a batch
// counts as written only once a replica has it; with the replica gone the producer refuses (QUEUE_NOT_REPLICATED), and a
// refused batch is still in Redis (harmless: the register re-sends and PostgreSQL keeps one copy).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { QueueErrorCodes } from '../../../src/queue/errors.js';
import { startRedisProcess, type RedisProcess } from '../../support/redis-process.js';
import { documentJob } from './queue-test-helpers.js';

const PREFIX = 'ofd-wait';
let master: RedisProcess;
let replica: RedisProcess;
let replicaClient: Redis;

async function linked(): Promise<boolean> {
  return /master_link_status:up/.test(await replicaClient.info('replication'));
}

let dir: string;

beforeAll(async () => {
  // Their own directory: a full resync writes an RDB file on both sides, whatever --save says.
  dir = mkdtempSync(join(tmpdir(), 'ofd-replica-wait-'));
  master = await startRedisProcess({ args: ['--dir', dir, '--dbfilename', 'master.rdb'] });
  replica = await startRedisProcess({ args: ['--dir', dir, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port)] });
  replicaClient = new Redis(replica.url, { maxRetriesPerRequest: 1 });
  replicaClient.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  while (!(await linked())) {
    if (Date.now() > deadline) throw new Error('the replica did not link to its master');
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  replicaClient.disconnect();
  await replica.stop();
  await master.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a producer that waits for one replica', () => {
  it('resolves once the replica has the batch, and refuses once no replica confirms', async () => {
    const producer = createDocumentProducer({ connection: master.url, prefix: PREFIX, replicaWait: { replicas: 1, timeoutMs: 200 } });
    try {
      await producer.waitUntilReady();
      const { jobId } = await producer.enqueue(documentJob(1));
      // Read from the replica itself: the job is there the moment the enqueue resolved.
      expect(await replicaClient.exists(`${PREFIX}:documents:${jobId}`)).toBe(1);

      await replica.stop('SIGKILL');
      const started = Date.now();
      await expect(producer.enqueue(documentJob(2))).rejects.toMatchObject({ code: QueueErrorCodes.QUEUE_NOT_REPLICATED });
      // WAIT gave up after its own timeout, within the enqueue deadline.
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      const masterClient = new Redis(master.url, { maxRetriesPerRequest: 1 });
      try {
        expect(await masterClient.llen(`${PREFIX}:documents:wait`)).toBe(2);
      } finally {
        masterClient.disconnect();
      }
    } finally {
      await producer.close();
    }
  });

  it('waits for nothing by default', async () => {
    const producer = createDocumentProducer({ connection: master.url, prefix: `${PREFIX}-default` });
    try {
      await producer.waitUntilReady();
      await expect(producer.enqueue(documentJob(3))).resolves.toMatchObject({ batchSize: 1 });
    } finally {
      await producer.close();
    }
  });
});
