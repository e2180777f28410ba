/** `ofd replay` against the fake OFD: fixtures recorded by the emulator replay clean; a dropped reply fails the run. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessages } from '../../../protocol/message.js';
import { runEmulator } from '../../../src/emulator/run-emulator.js';
import { readCapturedMessages, splitMessages } from '../../../src/replay/captured-messages.js';
import { runReplay, type ReplayResult } from '../../../src/replay/run-replay.js';
import { FIXTURES_DIR, syntheticMessage } from '../../support/fixtures.js';
import { startFakeOfd, type FakeOfd } from './fake-ofd.js';

const MASTER_KEY = 'ofd-dev-master-key';
let ofd: FakeOfd | undefined;
afterEach(async () => {
  await ofd?.close();
  ofd = undefined;
});

describe('ofd replay against a fake OFD', () => {
  it('replays what `--record` wrote, in FD order, every reply valid; the .json beside each file is its decoded document', async () => {
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 0, ofdInn: '7704211201' });
    const dir = mkdtempSync(path.join(tmpdir(), 'ofd-record-'));
    await runEmulator({ port: ofd.port, registers: 2, documentsPerRegister: 12, recordDir: dir, seed: 'rec', startTime: Date.UTC(2026, 10, 20, 8) / 1000 });
    const bins = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    expect(bins).toHaveLength(24);
    for (const bin of bins) {
      const [decoded] = [...decodeMessages(readFileSync(path.join(dir, bin)))];
      const expected = JSON.parse(readFileSync(path.join(dir, bin.replace(/\.bin$/, '.json')), 'utf8')) as Record<string, Record<string, unknown>>;
      const formName = Object.keys(expected)[0]!;
      const { messageFiscalSign: _m, rawData: _r, ...fields } = (decoded!.document as Record<string, Record<string, unknown>>)[formName]!;
      expect(fields).toEqual(expected[formName]);
    }

    ofd.received.length = 0;
    const results: ReplayResult[] = [];
    const summary = await runReplay(await readCapturedMessages(dir), { port: ofd.port, onResult: (r) => results.push(r) });
    expect(summary).toMatchObject({ messages: 24, ok: 24, failed: 0, byResponseCode: { '0': 24 } });
    const fds = results.filter((r) => r.fiscalDriveNumber === results[0]!.fiscalDriveNumber).map((r) => r.fiscalDocumentNumber);
    expect(fds).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('fails a message whose reply is missing, and one whose signs were made with another key', async () => {
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 2, ofdInn: '7704211201' });
    const dir = mkdtempSync(path.join(tmpdir(), 'ofd-record-'));
    await runEmulator({ port: ofd.port, registers: 1, documentsPerRegister: 4, recordDir: dir, recordFormat: 'hex', retryDelayMs: 1 });
    const messages = await readCapturedMessages(dir);
    expect(messages).toHaveLength(4);
    const results: ReplayResult[] = [];
    const summary = await runReplay(messages, { port: ofd.port, onResult: (r) => results.push(r) });
    expect(summary.failed).toBe(2);
    expect(summary.byError).toEqual({ LINK_CLOSED: 2 });

    await ofd.close();
    ofd = await startFakeOfd({ masterKey: 'another-key', dropEvery: 0, ofdInn: '7704211201' });
    // The fake OFD verifies with its own key: the documents' signs fail there and it closes without a reply.
    const other = await runReplay(messages, { port: ofd.port });
    expect(other.byError).toEqual({ LINK_CLOSED: 4 });
  });

  it('expects no reply to a request whose container does not decode (§8: the gateway closes)', async () => {
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 0, ofdInn: '7704211201' });
    const broken = Buffer.from(syntheticMessage());
    broken[40] = broken[40]! ^ 0xff; // inside the container: its CRC no longer matches
    const [message] = splitMessages('broken', broken);
    const results: ReplayResult[] = [];
    const summary = await runReplay([message!], { port: ofd.port, onResult: (r) => results.push(r) });
    expect(results[0]).toMatchObject({ kind: 'broken', ok: true });
    expect(summary.ok).toBe(1);
  });

  it('checks that an empty probe comes back as its header with flags 0 (§6)', async () => {
    const probes = ['probe_oism_82A2_empty.hex', 'probe_oism_82FB_onlyofd_empty.hex', 'probe_okp_82A1_empty.hex'];
    const messages = (await Promise.all(probes.map((f) => readCapturedMessages(path.join(FIXTURES_DIR, 'vectors', f))))).flat();
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 0, ofdInn: '7704211201' });
    expect(await runReplay(messages, { port: ofd.port, keepAlive: true })).toMatchObject({ messages: 3, ok: 3 });
    await ofd.close();
    ofd = await startFakeOfd({ masterKey: MASTER_KEY, dropEvery: 0, ofdInn: '7704211201', probeEchoFlags: 0x0010 });
    expect(await runReplay(messages, { port: ofd.port })).toMatchObject({ failed: 3, byError: { REPLAY_BAD_PROBE_ECHO: 3 } });
  });
});
