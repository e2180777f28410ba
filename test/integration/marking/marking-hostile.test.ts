// The marking port (spec §6) under hostile clients, over real TCP (issue 19: one connection loop, src/net/, for both
// register ports). Proven here on the marking port itself:
// - a trickle of bytes cannot keep a connection: not from its first byte (the message timer is armed once per
//   message, never per chunk), and not after an answer (the idle timer gives way to one message timer);
// - a flood of frames on one connection is back-pressured: while a message is being handled the socket stops being
//   read (the client's writes stop completing), one frame is in the handler, the process's buffers stay bounded
//   whatever the client sends, and handling resumes once the handler returns.
// A client that never reads its answers is measured from outside the process on both ports
// (test/integration/gateway/gateway-process-limits.test.ts) and, for the stall timer, on a stream pair
// (test/unit/net/connection-backpressure.test.ts).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSessionHeader } from '../../../protocol/session-header.js';
import { startMarkingListener, type MarkingListener } from '../../../src/marking/marking-listener.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { MASTER_KEY } from '../../support/kkt.js';
import { saleNotification } from './marking-support.js';

const FN = '9999078900000606';
const TIMERS = { firstByteTimeoutMs: 300, messageTimeoutMs: 400, idleTimeoutMs: 600, writeStallTimeoutMs: 800 };
const probe = encodeSessionHeader({ kind: 'oism', pVersion: 0x0120, fn: FN, bodyLength: 0, flags: 0x0010 });

let metrics: Metrics;
/** Short timers, for the trickles and the non-reader. */
let listener: MarkingListener;
/** Default-length message and idle timers, so that a held handler is all that holds the flood. */
let patient: MarkingListener;
/** Sale notifications the handler was given; while `hold` is set, each waits for it to be released. */
let enqueued = 0;
let hold: Promise<void> | undefined;
let release: () => void = () => undefined;
const sockets: net.Socket[] = [];

function startWith(timers: typeof TIMERS): Promise<MarkingListener> {
  return startMarkingListener({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    metrics,
    masterKey: MASTER_KEY,
    enqueueNotification: async () => {
      enqueued++;
      await hold;
    },
    messageTimeoutMs: timers.messageTimeoutMs,
    idleTimeoutMs: timers.idleTimeoutMs,
    connection: timers,
  });
}

beforeAll(async () => {
  metrics = createMetrics({ defaultMetrics: false });
  listener = await startWith(TIMERS);
  patient = await startWith({ ...TIMERS, messageTimeoutMs: 10_000, idleTimeoutMs: 10_000 });
});

afterAll(async () => {
  release();
  for (const s of sockets) s.destroy();
  await listener?.close();
  await patient?.close();
});

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function connect(to: MarkingListener = listener): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: to.port }, () => resolve(s));
    sockets.push(s);
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

async function closedAs(reason: string): Promise<number> {
  const { values } = await metrics.gateway.connectionsClosed.get();
  return values.find((v) => v.labels['listener'] === 'marking' && v.labels['reason'] === reason)?.value ?? 0;
}

/** Writes one byte of `bytes` every 50 ms until the server closes the socket. */
async function trickle(s: net.Socket, bytes: Buffer, since: number): Promise<number | undefined> {
  let i = 0;
  const timer = setInterval(() => (i < bytes.length && !s.destroyed ? s.write(bytes.subarray(i, ++i)) : undefined), 50);
  const closedAfter = await closedBy(s, 3000, since);
  clearInterval(timer);
  s.destroy();
  return closedAfter;
}

describe('marking port: a trickle of bytes', () => {
  it('is closed once its message timer runs out, however steadily bytes keep coming', async () => {
    const before = await closedAs('message_timeout');
    const s = await connect();
    const closedAfter = await trickle(s, saleNotification(FN, 1, 1, ['0104600439931256215Ntdc+x1PA9cHd']), Date.now());
    expect(closedAfter).toBeDefined();
    expect(closedAfter).toBeLessThan(TIMERS.messageTimeoutMs + 500);
    expect(await closedAs('message_timeout')).toBe(before + 1);
  });

  it('after an answer, does not stretch the connection past the idle timeout and one message timer', async () => {
    const before = await closedAs('message_timeout');
    const s = await connect();
    s.write(probe);
    await new Promise((r) => s.once('data', r));
    const closedAfter = await trickle(s, saleNotification(FN, 2, 2, ['0104600439931256215Ntdc+x1PA9cHd']), Date.now());
    expect(closedAfter).toBeDefined();
    expect(closedAfter).toBeLessThan(TIMERS.idleTimeoutMs + TIMERS.messageTimeoutMs);
    expect(await closedAs('message_timeout')).toBe(before + 1);
  });
});

describe('marking port: a flood of frames on one connection', () => {
  it('stops reading while a message is handled: one frame in the handler, client writes stall, memory bounded', { timeout: 20_000 }, async () => {
    hold = new Promise<void>((r) => (release = r));
    enqueued = 0;
    const frame = saleNotification(FN, 3, 3, ['0104600439931256215Ntdc+x1PA9cHd']);
    const chunk = Buffer.concat(Array.from({ length: Math.ceil((1 << 20) / frame.length) }, () => frame));
    const s = await connect(patient);
    s.on('data', () => undefined);
    await tick(100);
    const buffersBefore = process.memoryUsage().arrayBuffers;
    // 48 MiB of whole frames, far more than the kernel's socket buffers hold on loopback.
    for (let i = 0; i < 48; i++) s.write(chunk);
    let drained = false;
    s.once('drain', () => (drained = true));
    await tick(1500);
    // The loop is still on the first frame; the rest stays in the kernel and in the client, not in the listener.
    expect(enqueued).toBe(1);
    expect(drained).toBe(false);
    expect(s.writableLength).toBeGreaterThan(16 << 20);
    expect(process.memoryUsage().arrayBuffers - buffersBefore).toBeLessThan(8 << 20);
    expect(s.destroyed).toBe(false);
    // The handler returns: the loop reads on and answers the following frames of the same connection.
    hold = undefined;
    release();
    for (let i = 0; i < 50 && enqueued < 100; i++) await tick(100);
    expect(enqueued).toBeGreaterThanOrEqual(100);
    s.destroy();
  });
});
