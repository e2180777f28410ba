/**
 * `runReplay(options)`: sends captured messages to an OFD one after another and checks each reply the way a fiscal
 * drive would (src/emulator/ack-check.ts). Expectations per request:
 *   document container      → a valid operator ack for its FN and FD (signs checked under `crypto: devsign`)
 *   empty probe (length 0)  → its own header echoed with flags 0 (§6), when its flags ask for a reply
 *   container that does not decode → no reply: the gateway closes (§8)
 */
import net from 'node:net';
import { decodeContainer } from '../../protocol/container.js';
import { DEFAULT_DEVSIGN_MASTER_KEY } from '../../protocol/devsign.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { Frame } from '../../protocol/framer.js';
import { encodeSessionHeader } from '../../protocol/session-header.js';
import { checkAckFrame } from '../emulator/ack-check.js';
import { twoDecimals } from '../emulator/emulator-stats.js';
import { LinkErrorCodes, OfdLink } from '../emulator/ofd-link.js';
import { FnKeyCache } from '../adapters/crypto-box/fn-key-cache.js';
import type { CapturedMessage } from './captured-messages.js';

export type ReplayCrypto = 'devsign' | 'none';

export interface ReplayOptions {
  host: string;
  port: number;
  crypto: ReplayCrypto;
  masterKey: string | Buffer;
  keepAlive: boolean;
  timeoutMs: number;
  /** Called with each message's result as soon as it is known. */
  onResult: ((r: ReplayResult) => void) | undefined;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = {
  host: '127.0.0.1',
  port: 4000,
  crypto: 'devsign',
  masterKey: DEFAULT_DEVSIGN_MASTER_KEY,
  keepAlive: false,
  timeoutMs: 3000,
  onResult: undefined,
};

export const ReplayErrorCodes = {
  /** An empty probe was not answered with its header, flags 0. */
  REPLAY_BAD_PROBE_ECHO: 'REPLAY_BAD_PROBE_ECHO',
  /** A request whose container does not decode was answered; the gateway should have closed. */
  REPLAY_UNEXPECTED_REPLY: 'REPLAY_UNEXPECTED_REPLY',
} as const;

export interface ReplayResult {
  file: string;
  index: number;
  kind: 'document' | 'probe' | 'broken';
  /** FN number from the container (documents) or the session header (probes). */
  fiscalDriveNumber: string;
  fiscalDocumentNumber?: number;
  form?: number;
  ok: boolean;
  ofdResponseCode?: number;
  operatorMessage?: number;
  latencyMs: number;
  error?: { code: string; message: string };
}

export interface ReplaySummary {
  summary: true;
  messages: number;
  ok: number;
  failed: number;
  byResponseCode: Record<string, number>;
  byError: Record<string, number>;
  durationMs: number;
}

/** §6: the answer to a probe is its own header — kind, P-version, the 16 FN bytes — with flags 0 and length 0. */
function probeEcho(request: Frame): Buffer {
  const h = request.header;
  return encodeSessionHeader({ kind: h.kind, pVersion: h.pVersion, fn: h.fnRaw, bodyLength: 0, flags: 0 });
}

/** A message whose header says "no reply expected": connect, write, close; resolves with the error if any. */
function sendOnly(host: string, port: number, message: Buffer, timeoutMs: number): Promise<{ code: string; message: string } | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('error', (e) => resolve({ code: LinkErrorCodes.LINK_CONNECT_FAILED, message: e.message }));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    socket.end(message);
  });
}

export class Replayer {
  private readonly o: ReplayOptions;
  private readonly link: OfdLink;
  private readonly keys: FnKeyCache;

  constructor(options: Partial<ReplayOptions> = {}) {
    this.o = { ...DEFAULT_REPLAY_OPTIONS, ...options };
    this.keys = new FnKeyCache(this.o.masterKey);
    this.link = new OfdLink({ host: this.o.host, port: this.o.port, keepAlive: this.o.keepAlive, timeoutMs: this.o.timeoutMs });
  }

  private key(fiscalDriveNumber: string): Buffer | undefined {
    return this.o.crypto === 'none' ? undefined : this.keys.get(fiscalDriveNumber);
  }

  async replay(m: CapturedMessage): Promise<ReplayResult> {
    const { frame } = m;
    const base = { file: m.file, index: m.index, fiscalDriveNumber: frame.header.fiscalDriveNumber };
    const startedAt = performance.now();
    const elapsed = (): number => twoDecimals(performance.now() - startedAt);
    if (frame.header.bodyLength === 0) {
      if (!frame.header.flags.expectsReply) {
        const error = await sendOnly(this.o.host, this.o.port, frame.bytes, this.o.timeoutMs);
        return { ...base, kind: 'probe', ok: !error, latencyMs: elapsed(), ...(error ? { error } : {}) };
      }
      const r = await this.link.exchange(frame.bytes);
      if (!r.ok) return { ...base, kind: 'probe', ok: false, latencyMs: elapsed(), error: { code: r.code, message: r.message } };
      const expected = probeEcho(frame);
      if (!r.frame.bytes.equals(expected)) {
        const message = `probe answered ${r.frame.bytes.toString('hex')}, expected ${expected.toString('hex')}`;
        return { ...base, kind: 'probe', ok: false, latencyMs: elapsed(), error: { code: ReplayErrorCodes.REPLAY_BAD_PROBE_ECHO, message } };
      }
      return { ...base, kind: 'probe', ok: true, latencyMs: elapsed() };
    }
    let container;
    try {
      container = decodeContainer(frame.body);
    } catch (e) {
      const r = await this.link.exchange(frame.bytes);
      const answered = r.ok ? { error: { code: ReplayErrorCodes.REPLAY_UNEXPECTED_REPLY, message: `answered a request whose container does not decode (${e instanceof ProtocolError ? e.code : String(e)})` } } : {};
      return { ...base, kind: 'broken', ok: !r.ok, latencyMs: elapsed(), ...answered };
    }
    const fn = container.header.fiscalDriveNumber;
    const fd = container.header.fiscalDocumentNumber;
    const doc = { ...base, kind: 'document' as const, fiscalDriveNumber: fn, fiscalDocumentNumber: fd, form: container.header.documentType };
    const r = await this.link.exchange(frame.bytes);
    if (!r.ok) return { ...doc, ok: false, latencyMs: elapsed(), error: { code: r.code, message: r.message } };
    const verdict = checkAckFrame(r.frame, {
      fnField: frame.header.fnRaw,
      fiscalDriveNumber: fn,
      fiscalDocumentNumber: fd,
      kFn: this.key(frame.header.fiscalDriveNumber || fn),
    });
    if (!verdict.ok) return { ...doc, ok: false, latencyMs: elapsed(), error: { code: verdict.code, message: verdict.message } };
    return {
      ...doc,
      ok: true,
      ofdResponseCode: verdict.ofdResponseCode,
      ...(verdict.operatorMessage !== undefined ? { operatorMessage: verdict.operatorMessage } : {}),
      latencyMs: elapsed(),
    };
  }

  close(): void {
    this.link.close();
  }
}

/** Replays `messages` in order; resolves with the summary (per-message results go to `onResult`). */
export async function runReplay(messages: readonly CapturedMessage[], options: Partial<ReplayOptions> = {}): Promise<ReplaySummary> {
  const replayer = new Replayer(options);
  const summary: ReplaySummary = { summary: true, messages: 0, ok: 0, failed: 0, byResponseCode: {}, byError: {}, durationMs: 0 };
  const t0 = performance.now();
  try {
    for (const m of messages) {
      const r = await replayer.replay(m);
      summary.messages++;
      if (r.ok) summary.ok++;
      else summary.failed++;
      if (r.ofdResponseCode !== undefined) summary.byResponseCode[r.ofdResponseCode] = (summary.byResponseCode[r.ofdResponseCode] ?? 0) + 1;
      if (r.error) summary.byError[r.error.code] = (summary.byError[r.error.code] ?? 0) + 1;
      options.onResult?.(r);
    }
  } finally {
    replayer.close();
  }
  summary.durationMs = twoDecimals(performance.now() - t0);
  return summary;
}
