// One fiscal drive per document (issue 13 item 3): the key that verifies a document is chosen by the session header's FN,
// the row it is stored under by the container's FN. A document signed with FN X's key and sent as FN Y's must be closed
// and counted, never enqueued — else the forgery is stored as `verified` and Y's genuine copy is dropped as a duplicate.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { CONTAINER_TYPE_REQUEST, decodeContainer, encodeContainer } from '../../../protocol/container.js';
import { computeFps, deriveFnKey } from '../../../protocol/devsign.js';
import { encodeSessionHeader } from '../../../protocol/session-header.js';
import { createDevsignBox } from '../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../../../src/gateway/flk/inspector.js';
import { startGateway, type Gateway } from '../../../src/gateway/server.js';
import { startMarkingListener, type MarkingListener } from '../../../src/marking/marking-listener.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { ascii, exchange, MASTER_KEY, receiptChildren, signedMessage, stlv, u32, u8 } from '../../support/kkt.js';

const X = '9999078900000101';
const Y = '9999078900000202';
const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('fn-binding');
let producer: DocumentProducer;
let gateway: Gateway;
let marking: MarkingListener;
let metrics: Metrics;
const enqueued: DocumentJob[] = [];

beforeAll(async () => {
  metrics = createMetrics({ defaultMetrics: false });
  producer = createDocumentProducer({ connection: redisUrl, prefix, metrics });
  await producer.waitUntilReady();
  gateway = await startGateway({
    message: {
      crypto: createDevsignBox(MASTER_KEY),
      enqueue: (job) => {
        enqueued.push(job);
        return producer.enqueue(job);
      },
      inspect: createInspector(),
      operatorInn: '7704211201',
      ackUtcOffsetMinutes: 180,
      kinds: new Set(['ofd']),
    },
    metrics: metrics.gateway,
    log: silentLogger(),
    options: { host: '127.0.0.1', port: 0 },
  });
  marking = await startMarkingListener({ host: '127.0.0.1', port: 0, logger: silentLogger(), metrics, masterKey: MASTER_KEY, redisUrl, prefix });
});

afterAll(async () => {
  await gateway?.close();
  await marking?.close();
  await producer?.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

async function mismatches(): Promise<number> {
  const { values } = await metrics.gateway.protocolErrors.get();
  return values.find((v) => v.labels['code'] === 'GW_FN_MISMATCH')?.value ?? 0;
}

describe('binding the session to the document', () => {
  it('closes a document signed with FN X’s key sent as FN Y’s, enqueues nothing, and acks Y’s genuine copy', async () => {
    // X's key, Y in the container and in tag 1041, a changed total: the forgery of issue 13.
    const forged = signedMessage({ fn: X, containerFn: Y, fd: 10, children: receiptChildren(Y, 10, { cash: 1 }) });
    expect(forged.subarray(8, 24).toString('latin1')).toBe(X);
    const attempt = await exchange(gateway.port, forged);
    expect(attempt).toEqual({ reply: Buffer.alloc(0), closed: true });
    expect(enqueued.filter((j) => j.fn === Y)).toEqual([]);
    expect(await mismatches()).toBe(1);

    const genuine = signedMessage({ fn: Y, fd: 10, children: receiptChildren(Y, 10) });
    const { reply } = await exchange(gateway.port, genuine);
    const ack = parseAck(decodeContainer(reply.subarray(30)));
    expect(ack).toMatchObject({ fiscalDriveNumber: Y, fiscalDocumentNumber: 10, ofdResponseCode: 0 });
    const stored = enqueued.filter((j) => j.fn === Y);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.container).toBe(genuine.subarray(30).toString('base64'));
  });

  it('closes a document whose tag 1041 names another FN than its session and container', async () => {
    const msg = signedMessage({ fn: X, fd: 11, children: receiptChildren(Y, 11) });
    expect(await exchange(gateway.port, msg)).toEqual({ reply: Buffer.alloc(0), closed: true });
    expect(enqueued.filter((j) => j.fd === 11)).toEqual([]);
    expect(await mismatches()).toBe(2);
  });

  it('acks a document whose three FNs agree', async () => {
    const msg = signedMessage({ fn: X, fd: 12, children: receiptChildren(X, 12) });
    const { reply } = await exchange(gateway.port, msg);
    expect(parseAck(decodeContainer(reply.subarray(30))).ofdResponseCode).toBe(0);
    expect(enqueued.filter((j) => j.fn === X && j.fd === 12)).toHaveLength(1);
  });

  it('closes a marking request whose container names another FN than its session header', async () => {
    const k = deriveFnKey(MASTER_KEY, X);
    const document = stlv(81, ascii(2000, '0104600439931256215Ntdc+x1PA9cHd'), u32(2001, 1), u8(2003, 1), u8(2004, 3), u8(2100, 2), u8(2102, 0));
    const container = encodeContainer({ containerType: CONTAINER_TYPE_REQUEST, fiscalDrive: Y, fiscalDocumentNumber: 1, document, messageSign: computeFps(k, document) });
    const header = encodeSessionHeader({ kind: 'oism', pVersion: 0x0120, fn: X, bodyLength: container.length, flags: 0x0014 });
    const before = await mismatches();
    expect(await exchange(marking.port, Buffer.concat([header, container]))).toEqual({ reply: Buffer.alloc(0), closed: true });
    expect(await mismatches()).toBe(before + 1);
  });
});
