// Redis stopped under a running gateway: no ack while it is down (nothing durable to ack), normal service after.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { createDevsignBox } from '../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../../../src/gateway/flk/inspector.js';
import { startGateway, type Gateway } from '../../../src/gateway/server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { exchange, MASTER_KEY, receiptChildren, signedMessage } from '../../support/kkt.js';
import { startRedisProcess, type RedisProcess } from '../../support/redis-process.js';

const FN = '9999078900000077';
let redis: RedisProcess;
let producer: DocumentProducer;
let gateway: Gateway;
const metrics = createMetrics({ defaultMetrics: false });

beforeAll(async () => {
  redis = await startRedisProcess();
  producer = createDocumentProducer({ connection: redis.url, prefix: 'outage', metrics, enqueueTimeoutMs: 500 });
  await producer.waitUntilReady();
  gateway = await startGateway({
    message: {
      crypto: createDevsignBox(MASTER_KEY),
      enqueue: (job) => producer.enqueue(job),
      inspect: createInspector(),
      operatorInn: '7704211201',
      ackUtcOffsetMinutes: 180,
      kinds: new Set(['ofd']),
    },
    metrics: metrics.gateway,
    log: silentLogger(),
    options: { host: '127.0.0.1', port: 0 },
  });
});

afterAll(async () => {
  await gateway?.close();
  await producer?.close();
  await redis?.stop('SIGKILL');
});

const send = (fd: number) => exchange(gateway.port, signedMessage({ fn: FN, fd, children: receiptChildren(FN, fd) }), { timeoutMs: 3000 });

it('does not ack while Redis is down, counts it, and resumes by itself when Redis returns', async () => {
  expect(parseAck(decodeContainer((await send(1)).reply.subarray(30))).ofdResponseCode).toBe(0);

  await redis.stop('SIGKILL');
  const t0 = Date.now();
  const down = await send(2);
  expect(down.reply.length).toBe(0);
  expect(down.closed).toBe(true);
  expect(Date.now() - t0).toBeLessThan(2500); // the register gives up after ≈3 s: we must close before that
  const failures = await metrics.gateway.enqueueFailures.get();
  expect(failures.values.reduce((n, v) => n + v.value, 0)).toBeGreaterThan(0);

  await redis.start();
  let ack;
  for (let i = 0; i < 40 && !ack; i++) {
    const r = await send(2);
    if (r.reply.length) ack = parseAck(decodeContainer(r.reply.subarray(30)));
    else await new Promise((res) => setTimeout(res, 250));
  }
  expect(ack?.ofdResponseCode).toBe(0);
  expect(ack?.fiscalDocumentNumber).toBe(2);
});
