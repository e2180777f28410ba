// The marking listener (spec §6) over real TCP, with fake-crpt over real HTTP and real Redis: probes echoed, form 81
// answered with form 83 inside the 1.5 s budget (also when CRPT is slow: "unable to check"), form 82 durably enqueued
// under a deterministic job id and answered with form 84.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeCrpt, type FakeCrpt } from '../../../src/adapters/crpt/fake-crpt-server.js';
import { createHttpCrptClient, type CrptClient } from '../../../src/adapters/crpt/http-crpt-client.js';
import { createRsaCmsSigner, generateDevRsaKey } from '../../../src/adapters/crpt/signer.js';
import { startMarkingListener, type MarkingListener } from '../../../src/marking/marking-listener.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { markingNotificationJobId } from '../../../src/queue/crpt-jobs.js';
import { exchange, MASTER_KEY } from '../../support/kkt.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { codeCheckRequest, parseAnswer, probe, saleNotification } from './marking-support.js';

const redisUrl = inject('redisUrl');
const FN = '9999078900044444';
const GOOD = '0104600439931256215Ntdc+x1PA9cHd';
const prefix = uniquePrefix('marking');
let crpt: FakeCrpt;
let client: CrptClient;
let listener: MarkingListener;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  crpt = await startFakeCrpt();
  client = createHttpCrptClient({ url: crpt.url, signer: createRsaCmsSigner(generateDevRsaKey('marking-test', 1024)), retries: 0, timeoutMs: 5000 });
  listener = await startMarkingListener({ host: '127.0.0.1', port: 0, logger: silentLogger(), masterKey: MASTER_KEY, crptClient: client, redisUrl, prefix });
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  queue = new Queue('crpt', { connection: redis, prefix });
});
afterEach(() => crpt.reset());
afterAll(async () => {
  await listener.close();
  await client.close();
  await crpt.close();
  await queue.close();
  redis.disconnect();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

describe('marking listener', () => {
  it('echoes a probe with flags 0 and length 0', async () => {
    const msg = probe(FN);
    const { reply } = await exchange(listener.port, msg);
    const expected = Buffer.from(msg);
    expected.writeUInt16LE(0, 26);
    expect(reply.toString('hex')).toBe(expected.toString('hex'));
  });

  it('answers a code check with form 83 from CRPT: item correct, signed with ФПО and ФПП', async () => {
    const started = Date.now();
    const { reply } = await exchange(listener.port, codeCheckRequest(FN, 10, GOOD, 77), { timeoutMs: 3000 });
    expect(Date.now() - started).toBeLessThan(1500);
    const a = parseAnswer(FN, reply);
    expect(a.form).toBe(83);
    expect(a.signsValid).toBe(true);
    expect(a.fields.get(2001)?.readUInt32LE(0)).toBe(77);
    expect(a.fields.get(2105)?.[0]).toBe(0);
    expect(reply.subarray(0, 4).toString('hex')).toBe('dd80caa1');
    // The fake's deterministic status of GOOD decides 2109; the OISM-checked bit is set either way.
    expect((a.fields.get(2005)?.[0] ?? 0) & 0x04).toBe(0x04);
    expect(a.fields.has(2109)).toBe(true);
  });

  it('answers within 1.5 s with "unable to check" when CRPT is slow', async () => {
    await client.authenticate();
    crpt.setFaults({ latencyMs: 3000 });
    const started = Date.now();
    const { reply } = await exchange(listener.port, codeCheckRequest(FN, 11, GOOD, 78), { timeoutMs: 3000 });
    const took = Date.now() - started;
    expect(took).toBeLessThan(1500);
    const a = parseAnswer(FN, reply);
    expect(a.form).toBe(83);
    expect(a.signsValid).toBe(true);
    expect(a.fields.get(2105)?.[0]).toBe(0);
    expect(a.fields.get(2005)?.[0]).toBe(0x03); // the FN's own bits only: the OISM did not check
    expect(a.fields.has(2109)).toBe(false);
  });

  it('answers "unable to check" when CRPT is down', async () => {
    crpt.setFaults({ outageMs: 60_000 });
    const { reply } = await exchange(listener.port, codeCheckRequest(FN, 12, 'xSOLDx', 79), { timeoutMs: 3000 });
    const a = parseAnswer(FN, reply);
    expect(a.fields.has(2109)).toBe(false);
  });

  it('enqueues a sale notification durably under a deterministic id, then answers form 84; a re-send is one job', async () => {
    const msg = saleNotification(FN, 13, 5, [GOOD, 'xSOLDx']);
    const first = await exchange(listener.port, msg, { timeoutMs: 3000 });
    const a = parseAnswer(FN, first.reply);
    expect(a.form).toBe(84);
    expect(a.signsValid).toBe(true);
    expect(a.fields.get(2002)?.readUInt32LE(0)).toBe(5);
    expect(a.fields.get(2111)?.[0]).toBe(0);
    const job = await queue.getJob(markingNotificationJobId(FN, 5));
    expect(job?.name).toBe('marking-notification');
    expect(job?.data).toMatchObject({ fn: FN, notificationNumber: 5 });
    const again = await exchange(listener.port, msg, { timeoutMs: 3000 });
    expect(parseAnswer(FN, again.reply).form).toBe(84);
    expect(await queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')).toBe(1);
  });

  it('closes without an answer when the ФПС does not verify', async () => {
    const { markingMessage } = await import('./marking-support.js');
    const { reply, closed } = await exchange(listener.port, markingMessage(FN, 14, 81, [], { tamper: true }), { timeoutMs: 2000 });
    expect(reply.length).toBe(0);
    expect(closed).toBe(true);
  });
});
