/**
 * The emulator's marking traffic (spec §6, `markingPort`) against the real marking listener: no CRPT client (every
 * check answered "unable to check"), a private Redis for the `crpt` queue, and the fake OFD for the documents. Between
 * the emulator and the listener sits a small proxy that swallows the answer to every second form-82 connection: the
 * register must re-send that notification until a valid 84 arrives, and the listener's deterministic job ids must keep
 * exactly one job per notification.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeContainer } from '../../../protocol/container.js';
import { Framer } from '../../../protocol/framer.js';
import { DocumentStream } from '../../../src/emulator/document-stream.js';
import type { MarkingEvent } from '../../../src/emulator/marking-channel.js';
import { markingCodesOf } from '../../../src/emulator/marking-message.js';
import { makeRegisterIdentity } from '../../../src/emulator/register-identity.js';
import { DEFAULT_EMULATOR_OPTIONS, runEmulator } from '../../../src/emulator/run-emulator.js';
import { startMarkingListener, type MarkingListener } from '../../../src/marking/marking-listener.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { markingNotificationJobId } from '../../../src/queue/crpt-jobs.js';
import { startRedisProcess, type RedisProcess } from '../../support/redis-process.js';
import { uniquePrefix } from '../queue/queue-test-helpers.js';
import { startFakeOfd, type FakeOfd } from './fake-ofd.js';

const MASTER_KEY = 'ofd-dev-master-key';
const START = Date.UTC(2026, 10, 20, 8) / 1000;
const SEED = 'emulator-marking';
const REGISTERS = 4;
const DOCUMENTS = 12;

interface Proxy {
  port: number;
  /** Form-82 connections whose answer was swallowed. */
  swallowed: number;
  close(): Promise<void>;
}

/** Forwards each connection to `upstreamPort`; the answer to every second form-82 message is dropped with its connection. */
async function startDroppingProxy(upstreamPort: number): Promise<Proxy> {
  let notifications = 0;
  const sockets = new Set<net.Socket>();
  const proxy: Proxy = { port: 0, swallowed: 0, close: async () => undefined };
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(upstream);
    const framer = new Framer();
    let swallow = false;
    client.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        if (frame.header.bodyLength > 0 && decodeContainer(frame.body).header.documentType === 82 && ++notifications % 2 === 0) swallow = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (swallow) {
        proxy.swallowed++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}

/** What the registers will sell: per FN, the marked receipts (FD and codes) in order, from the same seeded streams. */
function expectedMarkedReceipts(): Map<string, { fd: number; codes: string[] }[]> {
  const d = DEFAULT_EMULATOR_OPTIONS;
  const out = new Map<string, { fd: number; codes: string[] }[]>();
  for (let i = 0; i < REGISTERS; i++) {
    const identity = makeRegisterIdentity(i, { seed: SEED, ffd12Share: 1 });
    const stream = new DocumentStream(identity, {
      seed: SEED,
      startTime: START,
      latestTime: undefined,
      maxDocuments: DOCUMENTS,
      markedShare: 1,
      emailShare: d.emailShare,
      correctionShare: d.correctionShare,
      currentStateShare: d.currentStateShare,
      basketPool: d.basketPool,
      flkErrorRate: 0,
      tamperRate: 0,
      ofdInn: d.ofdInn,
      ofdName: d.ofdName,
    });
    const list: { fd: number; codes: string[] }[] = [];
    for (let doc = stream.next(); doc; doc = stream.next()) {
      const codes = doc.formName === 'receipt' ? markingCodesOf(doc.fields()) : [];
      if (codes.length > 0) list.push({ fd: doc.fiscalDocumentNumber, codes });
    }
    out.set(identity.fiscalDriveNumber, list);
  }
  return out;
}

let redisProcess: RedisProcess;
let listener: MarkingListener;
let proxy: Proxy;
let ofd: FakeOfd;
const prefix = uniquePrefix('emulator-marking');

beforeAll(async () => {
  redisProcess = await startRedisProcess();
  listener = await startMarkingListener({ host: '127.0.0.1', port: 0, logger: silentLogger(), masterKey: MASTER_KEY, redisUrl: redisProcess.url, prefix });
  proxy = await startDroppingProxy(listener.port);
  ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 0, ofdInn: DEFAULT_EMULATOR_OPTIONS.ofdInn });
});
afterAll(async () => {
  await ofd?.close();
  await proxy?.close();
  await listener?.close();
  await redisProcess?.stop();
});

describe('emulator marking channel (--marking-port)', () => {
  it('checks every code (81→83) before its receipt and notifies every sale (82, re-sent until a valid 84), one job each', async () => {
    const events: MarkingEvent[] = [];
    const summary = await runEmulator({
      port: ofd.port,
      markingPort: proxy.port,
      registers: REGISTERS,
      documentsPerRegister: DOCUMENTS,
      ffd12Share: 1,
      markedShare: 1,
      seed: SEED,
      startTime: START,
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
      onMarkingEvent: (e) => events.push(e),
    });
    expect(summary.acknowledged).toBe(REGISTERS * DOCUMENTS);

    const expected = expectedMarkedReceipts();
    const totalCodes = [...expected.values()].flat().reduce((n, r) => n + r.codes.length, 0);
    const totalReceipts = [...expected.values()].flat().length;
    expect(totalReceipts).toBeGreaterThan(REGISTERS);

    for (const [fn, receipts] of expected) {
      // 81→83: every code of every marked receipt, request numbers 1, 2, … per FN, each a valid "unable to check" 83.
      const checks = events.filter((e): e is Extract<MarkingEvent, { type: 'marking-check' }> => e.type === 'marking-check' && e.fiscalDriveNumber === fn);
      expect(checks.map((c) => [c.fiscalDocumentNumber, c.code])).toEqual(receipts.flatMap((r) => r.codes.map((c) => [r.fd, c])));
      expect(checks.map((c) => c.requestNumber)).toEqual(checks.map((_, i) => i + 1));
      for (const c of checks) expect(c).toMatchObject({ ok: true, processingCode: 0, itemAnswer: undefined });

      // 82→84: one notification per marked receipt, numbers 1, 2, … per FN, each finally answered by a valid 84.
      const notes = events.filter((e): e is Extract<MarkingEvent, { type: 'marking-notification' }> => e.type === 'marking-notification' && e.fiscalDriveNumber === fn);
      const receipted = notes.filter((n) => n.ok);
      expect(receipted.map((n) => [n.notificationNumber, n.fiscalDocumentNumber, n.codes])).toEqual(receipts.map((r, i) => [i + 1, r.fd, r.codes.length]));
      for (const n of receipted) expect(n.processingCode).toBe(0);
      for (const n of notes.filter((x) => !x.ok)) expect(n.reason).toBe('LINK_CLOSED');
    }

    expect(proxy.swallowed).toBeGreaterThan(0);
    expect(summary.marking).toMatchObject({
      checkRequests: totalCodes,
      checkAnswers: totalCodes,
      unableToCheck: totalCodes,
      unanswered: 0,
      notifications: totalReceipts,
      notificationReceipts: totalReceipts,
      unreceipted: 0,
      resends: proxy.swallowed,
      invalid: 0,
      missingReplies: proxy.swallowed,
    });

    // The listener enqueued exactly one job per notification, under its deterministic id, re-sends deduplicated.
    const redis = new Redis(redisProcess.url, { maxRetriesPerRequest: null });
    const queue = new Queue('crpt', { connection: redis, prefix });
    try {
      const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
      const ids = jobs.map((j) => j.id).sort();
      const wanted = [...expected].flatMap(([fn, receipts]) => receipts.map((_, i) => markingNotificationJobId(fn, i + 1))).sort();
      expect(ids).toEqual(wanted);
      for (const job of jobs) expect(job.name).toBe('marking-notification');
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  it('leaves the marking channel alone and the summary without `marking` by default', async () => {
    const summary = await runEmulator({ port: ofd.port, registers: 2, documentsPerRegister: 5, ffd12Share: 1, markedShare: 1, seed: SEED, startTime: START });
    expect(summary.acknowledged).toBe(10);
    expect(summary.marking).toBeUndefined();
  });
});
