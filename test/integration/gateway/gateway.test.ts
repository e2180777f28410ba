// The gateway over real TCP with a real Redis queue: verify → durable enqueue → signed ack, and every way to fail.
import net from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { computeFpo, computeFpp, deriveFnKey } from '../../../protocol/devsign.js';
import { decodeSessionHeader } from '../../../protocol/session-header.js';
import { createDevsignBox } from '../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../../../src/gateway/flk/inspector.js';
import { startGateway, type Gateway } from '../../../src/gateway/server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import type { DocumentBatchJob, DocumentJob } from '../../../src/queue/jobs.js';
import { deleteKeysWithPrefix, documentsInQueue, uniquePrefix } from '../queue/queue-test-helpers.js';
import { exchange, MASTER_KEY, receiptChildren, signedMessage } from '../../support/kkt.js';
import { fixtureHex } from '../../support/fixtures.js';

const FN = '9999078900000042';
let redisUrl: string;
let prefix: string;
let producer: DocumentProducer;
let gateway: Gateway;
let metrics: Metrics;
let queue: Queue<DocumentBatchJob>;

beforeAll(async () => {
  redisUrl = inject('redisUrl');
  prefix = uniquePrefix('gateway');
  metrics = createMetrics({ defaultMetrics: false });
  producer = createDocumentProducer({ connection: redisUrl, prefix, metrics });
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
    options: {
      host: '127.0.0.1',
      port: 0,
      connection: { firstByteTimeoutMs: 300, messageTimeoutMs: 300, idleTimeoutMs: 500, maxInFlight: 4, maxBodyLength: 32 * 1024 + 42 },
    },
  });
  queue = new Queue('documents', { connection: { url: redisUrl }, prefix });
});

afterAll(async () => {
  await gateway?.close();
  await producer?.close();
  await queue?.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

/** Checks a reply byte by byte against the request and the devsign keys; returns the parsed ack. */
function checkAck(reply: Buffer, request: Buffer, fd: number) {
  const header = decodeSessionHeader(reply);
  expect(header.fnRaw.equals(request.subarray(8, 24))).toBe(true);
  expect(header.flagsRaw).toBe(0x0014);
  expect(header.bodyLength).toBe(reply.length - 30);
  const c = decodeContainer(reply.subarray(30));
  expect(c.header.containerType).toBe(0x5a);
  expect(c.header.documentType).toBe(7);
  expect(c.header.fiscalDocumentNumber).toBe(fd);
  expect(c.header.fnBcd.equals(request.subarray(30 + 9, 30 + 17))).toBe(true);
  const ack = parseAck(c);
  const k = deriveFnKey(MASTER_KEY, FN);
  expect(ack.operatorSign?.equals(computeFpo(k, c.document))).toBe(true);
  expect(c.messageSign.equals(computeFpp(k, c.document))).toBe(true);
  expect(ack.fiscalDriveNumber).toBe(FN);
  expect(ack.fiscalDocumentNumber).toBe(fd);
  expect(ack.ofdInn).toBe('7704211201');
  return ack;
}

/** The first copy of document `fd` carried by a `documents` batch job, as `{ data }`; undefined when none is. */
async function jobFor(fd: number): Promise<{ data: DocumentJob } | undefined> {
  const copy = (await documentsInQueue(queue)).find((c) => c.document.fn === FN && c.document.fd === fd);
  return copy && { data: copy.document };
}

describe('gateway', () => {
  it('acknowledges a valid signed receipt with code 0 after the job is in Redis, raw bytes kept', async () => {
    const msg = signedMessage({ fn: FN, fd: 1, children: receiptChildren(FN, 1) });
    const { reply } = await exchange(gateway.port, msg);
    const ack = checkAck(reply, msg, 1);
    expect(ack.ofdResponseCode).toBe(0);
    expect(ack.operatorMessage).toBeUndefined();
    const job = await jobFor(1);
    expect(job?.data.container).toBe(msg.subarray(30).toString('base64'));
    expect(job?.data).toMatchObject({ fn: FN, fd: 1, form: 3, signStatus: 'verified', flk: { ok: true, codes: [] } });
  });

  it('answers a re-sent document with a fresh valid ack and carries both copies to PostgreSQL, which decides', async () => {
    const msg = signedMessage({ fn: FN, fd: 2, children: receiptChildren(FN, 2) });
    const first = await exchange(gateway.port, msg);
    const second = await exchange(gateway.port, msg);
    expect(checkAck(first.reply, msg, 2).ofdResponseCode).toBe(0);
    expect(checkAck(second.reply, msg, 2).ofdResponseCode).toBe(0);
    const copies = (await documentsInQueue(queue)).filter((c) => c.document.fn === FN && c.document.fd === 2);
    expect(copies.map((c) => c.document.container)).toEqual([msg.subarray(30).toString('base64'), msg.subarray(30).toString('base64')]);
  });

  it('closes without a reply and enqueues nothing when the fiscal sign does not verify', async () => {
    const msg = signedMessage({ fn: FN, fd: 3, children: receiptChildren(FN, 3), tamperFiscalSign: true });
    const { reply, closed } = await exchange(gateway.port, msg);
    expect(reply.length).toBe(0);
    expect(closed).toBe(true);
    expect(await jobFor(3)).toBeUndefined();
  });

  it('closes when signed with another key', async () => {
    const msg = signedMessage({ fn: FN, fd: 4, children: receiptChildren(FN, 4), masterKey: 'not-our-key' });
    const { reply, closed } = await exchange(gateway.port, msg);
    expect(reply.length).toBe(0);
    expect(closed).toBe(true);
    expect(await jobFor(4)).toBeUndefined();
  });

  it('acks a ФЛК failure with 1022 = 14 and 1206 = 0x02, and enqueues it with its rule codes', async () => {
    // Payments (cash 100.00) do not add up to the total 180.90.
    const msg = signedMessage({ fn: FN, fd: 5, children: receiptChildren(FN, 5, { cash: 10000 }) });
    const { reply } = await exchange(gateway.port, msg);
    const ack = checkAck(reply, msg, 5);
    expect(ack.ofdResponseCode).toBe(14);
    expect(ack.operatorMessage).toBe(0x02);
    const job = await jobFor(5);
    expect(job?.data.flk.ok).toBe(false);
    expect(job?.data.flk.codes.length).toBeGreaterThan(0);
  });

  it('closes on a broken container CRC without a reply', async () => {
    const msg = signedMessage({ fn: FN, fd: 6, children: receiptChildren(FN, 6) });
    msg[30 + 2] = msg[30 + 2]! ^ 0xff;
    const { reply, closed } = await exchange(gateway.port, msg);
    expect(reply.length).toBe(0);
    expect(closed).toBe(true);
    expect(await jobFor(6)).toBeUndefined();
  });

  it('echoes an empty probe with flags 0 (§1.2, §6)', async () => {
    const probe = Buffer.from(fixtureHex('vectors/session-header-synthetic.hex'));
    probe.writeUInt16LE(0, 24);
    probe.writeUInt16LE(0x0010, 26);
    const { reply } = await exchange(gateway.port, probe);
    expect(reply.length).toBe(30);
    expect(reply.subarray(0, 26).equals(probe.subarray(0, 26))).toBe(true);
    expect(reply.readUInt16LE(26)).toBe(0);
  });

  it('serves several messages on one kept-alive connection, in order', async () => {
    const msgs = [7, 8, 9].map((fd) => signedMessage({ fn: FN, fd, children: receiptChildren(FN, fd) }));
    const replies: Buffer[] = await new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: gateway.port }, () => socket.write(Buffer.concat(msgs)));
      let buf = Buffer.alloc(0);
      const out: Buffer[] = [];
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 30 && buf.length >= 30 + buf.readUInt16LE(24)) {
          const n = 30 + buf.readUInt16LE(24);
          out.push(buf.subarray(0, n));
          buf = buf.subarray(n);
        }
        if (out.length === 3) {
          socket.destroy();
          resolve(out);
        }
      });
    });
    replies.forEach((r, i) => expect(checkAck(r, msgs[i]!, 7 + i).ofdResponseCode).toBe(0));
  });

  it('closes on garbage, on an oversized announced length, on a half-sent message and on silence — and keeps serving', async () => {
    const garbage = await exchange(gateway.port, Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(garbage).toMatchObject({ closed: true });
    expect(garbage.reply.length).toBe(0);

    const huge = Buffer.from(signedMessage({ fn: FN, fd: 10, children: receiptChildren(FN, 10) }).subarray(0, 30));
    huge.writeUInt16LE(65_000, 24);
    const t0 = Date.now();
    const oversized = await exchange(gateway.port, huge);
    expect(oversized.closed).toBe(true);
    expect(Date.now() - t0).toBeLessThan(250); // closed on the header, not by a timeout

    const half = signedMessage({ fn: FN, fd: 11, children: receiptChildren(FN, 11) }).subarray(0, 100);
    expect(await exchange(gateway.port, half, { timeoutMs: 2000 })).toMatchObject({ closed: true });
    expect(await exchange(gateway.port, Buffer.alloc(0), { timeoutMs: 2000 })).toMatchObject({ closed: true });
    expect(await jobFor(11)).toBeUndefined();

    const ok = signedMessage({ fn: FN, fd: 12, children: receiptChildren(FN, 12) });
    expect(checkAck((await exchange(gateway.port, ok)).reply, ok, 12).ofdResponseCode).toBe(0);

    const errors = await metrics.gateway.protocolErrors.get();
    const codes = new Set(errors.values.map((v) => v.labels.code));
    for (const c of ['PROTO_BAD_SIGNATURE', 'PROTO_FRAME_TOO_LARGE', 'GW_MESSAGE_TIMEOUT', 'GW_FIRST_BYTE_TIMEOUT']) expect(codes).toContain(c);
  });

  it('holds no memory for many idle and half-open connections', async () => {
    const before = process.memoryUsage().heapUsed;
    const sockets = await Promise.all(
      Array.from({ length: 300 }, (_, i) => new Promise<net.Socket>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: gateway.port }, () => {
          if (i % 2) s.write(signedMessage({ fn: FN, fd: 20, children: receiptChildren(FN, 20) }).subarray(0, 40));
          resolve(s);
        });
        s.on('error', () => undefined);
      })),
    );
    // Every one is past its 300 ms timeout within a second; a busy machine gets a few more to get round to closing them.
    const stillOpen = () => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
    for (let waited = 0; waited < 10_000 && stillOpen() > 0; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const open = stillOpen();
    sockets.forEach((s) => s.destroy());
    expect(open).toBe(0);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * 1024 * 1024);
  });
});
