// Hostile and odd clients on BOTH ports (issue 13 items 1, 2, 4, 12; issue 19's one connection loop), over real TCP:
// a trickle of bytes cannot keep a connection open, connections holding a partial 32 KB frame or nothing at all are
// closed and counted by listener and reason (and not logged one line each), a flood of pipelined messages is answered
// in order, and a register that half-closes after its message still gets its answer. The client that never reads is
// measured from outside the process (gateway-process-limits.test.ts: its RSS) and, for the stall timer, on a stream
// pair (test/unit/net/connection-backpressure.test.ts).
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { encodeSessionHeader } from '../../../protocol/session-header.js';
import { createDevsignBox } from '../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../../../src/gateway/flk/inspector.js';
import { startGateway, type Gateway } from '../../../src/gateway/server.js';
import { startMarkingListener, type MarkingListener } from '../../../src/marking/marking-listener.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { MASTER_KEY, receiptChildren, signedMessage } from '../../support/kkt.js';
import { parseAnswer, saleNotification } from '../marking/marking-support.js';

const FN = '9999078900000303';
const TIMERS = { firstByteTimeoutMs: 300, messageTimeoutMs: 400, idleTimeoutMs: 600, writeStallTimeoutMs: 600 };
const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('hostile');
const logLines: Array<{ level: number; msg: string; listener?: string }> = [];
let producer: DocumentProducer;
let gateway: Gateway;
let marking: MarkingListener;
let metrics: Metrics;

beforeAll(async () => {
  metrics = createMetrics({ defaultMetrics: false });
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as (typeof logLines)[number]);
      done();
    },
  });
  const log = createLogger({ level: 'info', destination });
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
    log,
    options: { host: '127.0.0.1', port: 0, connection: TIMERS },
  });
  marking = await startMarkingListener({
    host: '127.0.0.1',
    port: 0,
    logger: log,
    metrics,
    masterKey: MASTER_KEY,
    redisUrl,
    prefix,
    messageTimeoutMs: TIMERS.messageTimeoutMs,
    idleTimeoutMs: TIMERS.idleTimeoutMs,
    connection: TIMERS,
  });
});

afterAll(async () => {
  await gateway?.close();
  await marking?.close();
  await producer?.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

type Listener = 'gateway' | 'marking';
const portOf = (l: Listener) => (l === 'gateway' ? gateway.port : marking.port);
/** A message header of the port's kind announcing `bodyLength` bytes (0 = a probe expecting its echo). */
const headerOf = (l: Listener, bodyLength: number) =>
  encodeSessionHeader({ kind: l === 'gateway' ? 'ofd' : 'oism', pVersion: l === 'gateway' ? 0x0105 : 0x0120, fn: FN, bodyLength, flags: bodyLength ? 0x0014 : 0x0010 });

async function closedTotal(listener: Listener, reason: string): Promise<number> {
  // Optional so that, run against a gateway without this counter, the tests fail on behaviour rather than on a TypeError.
  const counter = (metrics.gateway as Partial<Metrics['gateway']>).connectionsClosed;
  if (!counter) return 0;
  const { values } = await counter.get();
  return values.find((v) => v.labels['listener'] === listener && v.labels['reason'] === reason)?.value ?? 0;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with ms from `since` until the server closed the socket, or undefined if it was still open after `ms`. */
function closedBy(s: net.Socket, ms: number, since = Date.now()): Promise<number | undefined> {
  return new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) return resolve(Date.now() - since);
    const t = setTimeout(() => resolve(undefined), ms);
    const done = () => {
      clearTimeout(t);
      resolve(Date.now() - since);
    };
    s.once('end', done);
    s.once('close', done);
    s.on('error', () => undefined);
  });
}

describe.each<Listener>(['gateway', 'marking'])('%s port', (listener) => {
  it('closes a connection trickling one byte every 50 ms once its message timer runs out — the trickle does not re-arm it', async () => {
    const before = await closedTotal(listener, 'message_timeout');
    const s = await connect(portOf(listener));
    const bytes = Buffer.concat([headerOf(listener, 200), Buffer.alloc(200, 0x41)]);
    const started = Date.now();
    let i = 0;
    const trickle = setInterval(() => (i < bytes.length && !s.destroyed ? s.write(bytes.subarray(i, ++i)) : undefined), 50);
    const closedAfter = await closedBy(s, 3000, started);
    clearInterval(trickle);
    s.destroy();
    expect(closedAfter).toBeDefined();
    expect(closedAfter).toBeLessThan(TIMERS.messageTimeoutMs + 500);
    expect(await closedTotal(listener, 'message_timeout')).toBe(before + 1);
  });

  it('closes 40 connections holding a partial 32 KB frame and 40 that send nothing, counted by reason', async () => {
    const [held, silent] = [await closedTotal(listener, 'message_timeout'), await closedTotal(listener, 'first_byte_timeout')];
    const linesBefore = logLines.length;
    const partial = Buffer.concat([headerOf(listener, 32_000), Buffer.alloc(31_000, 0x42)]);
    const holders = await Promise.all(Array.from({ length: 40 }, () => connect(portOf(listener))));
    holders.forEach((s) => s.write(partial));
    const idle = await Promise.all(Array.from({ length: 40 }, () => connect(portOf(listener))));
    const all = await Promise.all([...holders, ...idle].map((s) => closedBy(s, 2000)));
    [...holders, ...idle].forEach((s) => s.destroy());
    expect(all.filter((t) => t === undefined)).toHaveLength(0);
    expect(await closedTotal(listener, 'message_timeout')).toBe(held + 40);
    expect(await closedTotal(listener, 'first_byte_timeout')).toBe(silent + 40);
    // 80 closes, not 80 info lines: a few are logged one by one, the rest summed into one line per interval.
    const closingLines = logLines.slice(linesBefore).filter((l) => l.msg === 'closing connection' && l.level >= 30);
    expect(closingLines.length).toBeLessThanOrEqual(10);
  });

  it('closes an idle kept-alive connection after its idle timeout and counts it', async () => {
    const before = await closedTotal(listener, 'idle_timeout');
    const s = await connect(portOf(listener));
    s.write(headerOf(listener, 0));
    await new Promise((r) => s.once('data', r));
    const answeredAt = Date.now();
    const closedAfter = await closedBy(s, 2000, answeredAt);
    s.destroy();
    expect(closedAfter).toBeGreaterThanOrEqual(TIMERS.idleTimeoutMs - 50);
    expect(await closedTotal(listener, 'idle_timeout')).toBe(before + 1);
  });

  it('answers 5 000 pipelined probes on one connection, in order, each its own echo', async () => {
    const s = await connect(portOf(listener));
    const probe = headerOf(listener, 0);
    const echo = Buffer.from(probe);
    echo.writeUInt16LE(0, 26);
    let received = Buffer.alloc(0);
    const done = new Promise<void>((resolve) =>
      s.on('data', (d: Buffer) => {
        received = Buffer.concat([received, d]);
        if (received.length >= 5000 * 30) resolve();
      }),
    );
    s.write(Buffer.concat(Array.from({ length: 5000 }, () => probe)));
    await done;
    s.destroy();
    expect(received.length).toBe(5000 * 30);
    for (let i = 0; i < 5000; i += 997) expect(received.subarray(i * 30, i * 30 + 30).equals(echo)).toBe(true);
  });
});

describe('half-close', () => {
  it('acks a document on the gateway port when the register half-closes right after writing it, then closes', async () => {
    const msg = signedMessage({ fn: FN, fd: 31, children: receiptChildren(FN, 31) });
    const acksBefore = (await metrics.gateway.acks.get()).values.find((v) => v.labels['code'] === '0')?.value ?? 0;
    const s = await connect(gateway.port);
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.end(msg);
    const closedAfter = await closedBy(s, 3000);
    expect(closedAfter).toBeDefined();
    const reply = Buffer.concat(chunks);
    expect(reply.length).toBeGreaterThan(30);
    expect(parseAck(decodeContainer(reply.subarray(30)))).toMatchObject({ fiscalDriveNumber: FN, fiscalDocumentNumber: 31, ofdResponseCode: 0 });
    const acksAfter = (await metrics.gateway.acks.get()).values.find((v) => v.labels['code'] === '0')?.value ?? 0;
    expect(acksAfter).toBe(acksBefore + 1);
  });

  it('answers a sale notification on the marking port when the FN half-closes right after writing it', async () => {
    // Form 82 is answered after its durable enqueue, so the answer comes well after the FIN.
    const msg = saleNotification(FN, 32, 9, ['0104600439931256215Ntdc+x1PA9cHd']);
    const s = await connect(marking.port);
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.end(msg);
    expect(await closedBy(s, 3000)).toBeDefined();
    const answer = parseAnswer(FN, Buffer.concat(chunks));
    expect(answer).toMatchObject({ form: 84, signsValid: true });
    expect(answer.fields.get(2002)?.readUInt32LE(0)).toBe(9);
  });
});
