// Admission over real TCP with a real Redis queue: the PROXY protocol header in front of a register's message, and the
// per-address connection cap applied to the address the header carries.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAck } from '../../../protocol/ack.js';
import { decodeContainer } from '../../../protocol/container.js';
import { createDevsignBox } from '../../../src/adapters/crypto-box/devsign-box.js';
import { createInspector } from '../../../src/gateway/flk/inspector.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../../src/gateway/server.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { createDocumentProducer, type DocumentProducer } from '../../../src/queue/document-producer.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { exchange, MASTER_KEY, receiptChildren, signedMessage } from '../../support/kkt.js';

const FN = '9999078900000077';
let redisUrl: string;
let prefix: string;
let producer: DocumentProducer;
const started: Gateway[] = [];

beforeAll(async () => {
  redisUrl = inject('redisUrl');
  prefix = uniquePrefix('admission');
  producer = createDocumentProducer({ connection: redisUrl, prefix });
  await producer.waitUntilReady();
});

afterAll(async () => {
  for (const g of started) await g.close();
  await producer?.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

async function gatewayWith(options: Partial<GatewayOptions>): Promise<{ gateway: Gateway; metrics: Metrics }> {
  const metrics = createMetrics({ defaultMetrics: false });
  const gateway = await startGateway({
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
      connection: { firstByteTimeoutMs: 400, messageTimeoutMs: 400, idleTimeoutMs: 2000, maxInFlight: 4, maxBodyLength: 32 * 1024 + 42 },
      ...options,
    },
  });
  started.push(gateway);
  return { gateway, metrics };
}

async function rejections(metrics: Metrics, code: string): Promise<number> {
  const { values } = await metrics.gateway.protocolErrors.get();
  return values.find((v) => v.labels['code'] === code)?.value ?? 0;
}

/** Opens a connection, sends `bytes`, and resolves once the server has it open (first byte written). */
function openWith(port: number, bytes: Buffer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.write(bytes);
      resolve(s);
    });
    s.on('error', reject);
  });
}

const closedWithin = (s: net.Socket, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });

describe('gateway admission', () => {
  it('acks a message behind a PROXY v1 header sent in the same segment, and one behind a v2 header sent apart', async () => {
    const { gateway } = await gatewayWith({ proxyProtocol: true });
    const msg1 = signedMessage({ fn: FN, fd: 1, children: receiptChildren(FN, 1) });
    const v1 = await exchange(gateway.port, Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51000 4000\r\n'), msg1]));
    expect(parseAck(decodeContainer(v1.reply.subarray(30))).fiscalDocumentNumber).toBe(1);

    const msg2 = signedMessage({ fn: FN, fd: 2, children: receiptChildren(FN, 2) });
    const v2 = Buffer.from('0d0a0d0a000d0a515549540a' + '2111000c' + 'cb007108' + '0a000001' + 'c738' + '0fa0', 'hex');
    const socket = await openWith(gateway.port, v2.subarray(0, 7));
    const reply = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        if (all.length >= 30 && all.length >= 30 + all.readUInt16LE(24)) resolve(all);
      });
    });
    await new Promise((r) => setTimeout(r, 30));
    socket.write(v2.subarray(7));
    await new Promise((r) => setTimeout(r, 30));
    socket.write(msg2);
    expect(parseAck(decodeContainer((await reply).subarray(30))).fiscalDocumentNumber).toBe(2);
    socket.destroy();
  });

  it('closes a connection that does not start with a PROXY header, or sends none in time, and counts both', async () => {
    const { gateway, metrics } = await gatewayWith({ proxyProtocol: true });
    const direct = await exchange(gateway.port, signedMessage({ fn: FN, fd: 3, children: receiptChildren(FN, 3) }));
    expect(direct).toEqual({ reply: Buffer.alloc(0), closed: true });
    expect(await rejections(metrics, 'GW_PROXY_HEADER_INVALID')).toBe(1);

    const silent = await exchange(gateway.port, Buffer.from('PROXY TCP4 203.0.113.7'), { timeoutMs: 2000 });
    expect(silent.closed).toBe(true);
    expect(await rejections(metrics, 'GW_FIRST_BYTE_TIMEOUT')).toBe(1);
  });

  it('caps connections per client address — the proxied one — and frees the slot when a connection closes', async () => {
    const { gateway, metrics } = await gatewayWith({ proxyProtocol: true, maxConnectionsPerAddress: 2 });
    const from = (ip: string) => Buffer.from(`PROXY TCP4 ${ip} 10.0.0.1 40000 4000\r\n`);
    const a1 = await openWith(gateway.port, from('198.51.100.1'));
    const a2 = await openWith(gateway.port, from('198.51.100.1'));
    const b1 = await openWith(gateway.port, from('198.51.100.2'));
    const a3 = await openWith(gateway.port, from('198.51.100.1'));
    expect(await closedWithin(a3, 1000)).toBe(true);
    expect(await closedWithin(a1, 100)).toBe(false);
    expect(await closedWithin(b1, 100)).toBe(false);
    expect(await rejections(metrics, 'GW_TOO_MANY_CONNECTIONS')).toBe(1);

    a1.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const msg = signedMessage({ fn: FN, fd: 4, children: receiptChildren(FN, 4) });
    const again = await exchange(gateway.port, Buffer.concat([from('198.51.100.1'), msg]));
    expect(parseAck(decodeContainer(again.reply.subarray(30))).fiscalDocumentNumber).toBe(4);
    for (const s of [a2, b1]) s.destroy();
  });

  it('caps by the socket address when no PROXY header is expected', async () => {
    const { gateway, metrics } = await gatewayWith({ maxConnectionsPerAddress: 1 });
    const first = await openWith(gateway.port, Buffer.alloc(0));
    const second = await openWith(gateway.port, Buffer.alloc(0));
    expect(await closedWithin(second, 1000)).toBe(true);
    expect(await closedWithin(first, 100)).toBe(false);
    expect(await rejections(metrics, 'GW_TOO_MANY_CONNECTIONS')).toBe(1);
    first.destroy();
  });
});
