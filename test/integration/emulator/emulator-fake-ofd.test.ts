/**
 * The emulator against a small OFD made of protocol/ pieces (fake-ofd.ts) that drops every third connection without a
 * reply: registers must re-send the same document until it is acknowledged, and move on only then.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorEvent } from '../../../src/emulator/emulated-register.js';
import { runEmulator } from '../../../src/emulator/run-emulator.js';
import { startFakeOfd, type FakeOfd } from './fake-ofd.js';

const MASTER_KEY = 'ofd-dev-master-key';
const START = Date.UTC(2026, 10, 20, 8) / 1000;

let ofd: FakeOfd | undefined;
afterEach(async () => {
  await ofd?.close();
  ofd = undefined;
});

function acksByFn(events: EmulatorEvent[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== 'ack') continue;
    const list = out.get(e.fiscalDriveNumber) ?? [];
    list.push(e.fiscalDocumentNumber);
    out.set(e.fiscalDriveNumber, list);
  }
  return out;
}

describe('prebuilt documents', () => {
  it('sends, byte for byte, the documents it would have built on the fly, then goes on building', async () => {
    const run = async (prebuild: number) => {
      ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 0, ofdInn: '7704211201' });
      const summary = await runEmulator({ port: ofd.port, registers: 3, documentsPerRegister: 12, seed: 'prebuild', startTime: START, prebuild });
      const messages = new Map(ofd.received.map((r) => [`${r.fn}/${r.fd}`, r.bytes.toString('hex')]));
      await ofd.close();
      ofd = undefined;
      return { summary, messages };
    };
    const onTheFly = await run(0);
    // 5 of 12 prebuilt: the rest is built after the prebuilt ones ran out; 20 > 12: the stream ends early.
    for (const prebuild of [5, 20]) {
      const prebuilt = await run(prebuild);
      expect(prebuilt.summary).toMatchObject({ documents: 36, acknowledged: 36, invalidAcks: 0 });
      expect(prebuilt.messages.size).toBe(36);
      expect(prebuilt.messages).toEqual(onTheFly.messages);
    }
  });
});

describe('emulator against a fake OFD that drops every third connection', () => {
  it.each([false, true])('re-sends until every document is acknowledged exactly once per FD, in order (keepAlive %s)', async (keepAlive) => {
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 3, ofdInn: '7704211201' });
    const events: EmulatorEvent[] = [];
    const registers = 8;
    const documents = 25;
    const summary = await runEmulator({
      port: ofd.port,
      registers,
      documentsPerRegister: documents,
      keepAlive,
      seed: 'fake-ofd',
      startTime: START,
      retryDelayMs: 5,
      maxRetryDelayMs: 20,
      onEvent: (e) => events.push(e),
    });

    const acks = acksByFn(events);
    expect(acks.size).toBe(registers);
    for (const fds of acks.values()) expect(fds).toEqual(Array.from({ length: documents }, (_, i) => i + 1));

    // What the server saw: each FD of a FN arrives until one copy is answered, and never after that.
    const seen = new Map<string, { fd: number; answered: boolean }[]>();
    for (const r of ofd.received) seen.set(r.fn, [...(seen.get(r.fn) ?? []), r]);
    for (const list of seen.values()) {
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        expect(list[i]!.fd).toBe(prev.answered ? prev.fd + 1 : prev.fd);
      }
      expect(list.filter((r) => r.answered).map((r) => r.fd)).toEqual(Array.from({ length: documents }, (_, i) => i + 1));
    }

    const dropped = ofd.received.filter((r) => !r.answered).length;
    expect(dropped).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      registers,
      documents: registers * documents,
      acknowledged: registers * documents,
      unacknowledged: 0,
      sent: registers * documents + dropped,
      resends: dropped,
      invalidAcks: 0,
      missingReplies: dropped,
      byResponseCode: { '0': registers * documents },
    });
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(dropped);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99);
  });

  it('gets code 14 for receipts that fail the ФЛК, and gets tampered documents through on the re-send', async () => {
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 0, ofdInn: '7704211201' });
    const summary = await runEmulator({
      port: ofd.port,
      registers: 4,
      documentsPerRegister: 60,
      seed: 'faults',
      startTime: START,
      tamperRate: 0.1,
      flkErrorRate: 0.1,
      retryDelayMs: 5,
    });
    expect(summary.faults.tampered).toBeGreaterThan(0);
    expect(summary.faults.flkErrors).toBeGreaterThan(0);
    expect(summary.acknowledged).toBe(240);
    expect(summary.resends).toBe(summary.faults.tampered);
    expect(summary.byResponseCode['14']).toBe(summary.faults.flkErrors);
    expect(summary.byOperatorMessage['2']).toBe(summary.faults.flkErrors);
  });

  it('counts a missing OFD as missing replies and stops at the deadline with the document unacknowledged', async () => {
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 1, ofdInn: '7704211201' });
    const summary = await runEmulator({ port: ofd.port, registers: 2, documentsPerRegister: 5, durationMs: 300, startTime: START, retryDelayMs: 10, maxRetryDelayMs: 40 });
    expect(summary.acknowledged).toBe(0);
    expect(summary.documents).toBe(2);
    expect(summary.unacknowledged).toBe(2);
    expect(summary.missingReplies).toBeGreaterThan(2);
    expect(summary.missingReplyReasons).toEqual({ LINK_CLOSED: summary.missingReplies });
  });

  it('times out a silent OFD after timeoutMs and re-sends', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s)); // accepts, reads nothing, answers nothing
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const summary = await runEmulator({ port, registers: 1, documentsPerRegister: 1, durationMs: 450, startTime: START, timeoutMs: 100, retryDelayMs: 10, maxRetryDelayMs: 10 });
      expect(summary.missingReplyReasons.LINK_TIMEOUT).toBeGreaterThanOrEqual(2);
      expect(summary.acknowledged).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
