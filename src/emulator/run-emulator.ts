/**
 * `runEmulator(options)`: N emulated registers against one OFD endpoint; resolves with the run's summary.
 *
 * Stops when every register has spent its document budget, when `durationMs` has passed (nothing new is sent, a
 * document being re-sent is left unacknowledged), or when `signal` aborts. Pacing: `rate` (documents/s over the
 * whole fleet, open loop), else `thinkMs` per register after each ack (closed loop; 0 = as fast as acks return).
 */
import { DEFAULT_DEVSIGN_MASTER_KEY } from '../../protocol/devsign.js';
import { localUnixSeconds } from '../domain/local-time.js';
import { EmulatedRegister, type EmulatorEvent, type Pacing, type RegisterContext } from './emulated-register.js';
import { EmulatorStats, type EmulatorSummary } from './emulator-stats.js';
import { ToolError } from './errors.js';
import { FixtureRecorder, type RecordFormat } from './fixture-recorder.js';
import { MIN_DOCUMENTS_PER_DAY, type StreamOptions } from './document-stream.js';
import type { MarkingEvent } from './marking-channel.js';
import { MarkingStats } from './marking-stats.js';
import { makeRegisterIdentity } from './register-identity.js';
import { RunControl } from './run-control.js';

export interface EmulatorOptions {
  host: string;
  port: number;
  /** The OFD's marking port (spec §6): marked receipts' codes are checked there (81→83) and their sales notified (82→84); undefined = off. */
  markingPort: number | undefined;
  /** Check the 83/84 answers' ФПО/ФПП (devsign); false for an OFD under OFD_CRYPTO=none. */
  verifyMarkingSigns: boolean;
  registers: number;
  /** Documents per register (Infinity: until `durationMs`). */
  documentsPerRegister: number;
  /** Run length; undefined = until the document budget is spent. */
  durationMs: number | undefined;
  /** Target documents/s over the fleet; undefined = closed loop with `thinkMs`. */
  rate: number | undefined;
  thinkMs: number;
  /** Register i starts at i/registers of this (default: one rate interval, else 0). */
  rampMs: number | undefined;
  keepAlive: boolean;
  /** Send → reply; registers give up after about 3 s (§8). */
  timeoutMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  masterKey: string | Buffer;
  seed: string;
  /** Registration time of every register, local wall-clock seconds (§5); default: see `defaultTimeWindow`. */
  startTime: number | undefined;
  /** The registers' UTC offset, for the default start time. */
  utcOffsetMinutes: number;
  ffd12Share: number;
  markedShare: number;
  emailShare: number;
  correctionShare: number;
  currentStateShare: number;
  /** Clean baskets each register keeps and reuses (0 = every receipt's basket fresh), see document-stream.ts. */
  basketPool: number;
  /**
   * Documents each register builds and signs before the clock starts (0 = each when it is due). A load generator's
   * trick: on a machine shared with the OFD under test, the fleet's own document building would otherwise compete
   * with it for CPU. The documents are the same either way (seeded); memory ≈ registers × prebuild × 2 KB.
   */
  prebuild: number;
  tamperRate: number;
  flkErrorRate: number;
  ofdInn: string;
  ofdName: string;
  recordDir: string | undefined;
  recordFormat: RecordFormat;
  onEvent: ((e: EmulatorEvent) => void) | undefined;
  /** Each 81→83 check and each 82→84 attempt (with `markingPort`). */
  onMarkingEvent: ((e: MarkingEvent) => void) | undefined;
  /** Called once the set-up (prebuilding) is done and the run's clock starts: load runs start measuring here. */
  onStart: (() => void) | undefined;
  signal: AbortSignal | undefined;
}

export const DEFAULT_EMULATOR_OPTIONS: EmulatorOptions = {
  host: '127.0.0.1',
  port: 4000,
  markingPort: undefined,
  verifyMarkingSigns: true,
  registers: 10,
  documentsPerRegister: 20,
  durationMs: undefined,
  rate: undefined,
  thinkMs: 0,
  rampMs: undefined,
  keepAlive: false,
  timeoutMs: 3000,
  retryDelayMs: 200,
  maxRetryDelayMs: 5000,
  masterKey: DEFAULT_DEVSIGN_MASTER_KEY,
  seed: 'ofd-emulator',
  startTime: undefined,
  utcOffsetMinutes: 180,
  ffd12Share: 0.5,
  markedShare: 0.3,
  emailShare: 0.15,
  correctionShare: 0.01,
  currentStateShare: 0.3,
  basketPool: 16,
  prebuild: 0,
  tamperRate: 0,
  flkErrorRate: 0,
  ofdInn: '7704211201',
  ofdName: 'ОФД (эмулятор)',
  recordDir: undefined,
  recordFormat: 'bin',
  onEvent: undefined,
  onMarkingEvent: undefined,
  onStart: undefined,
  signal: undefined,
};

/** Registers above this would overflow the 6 index digits of the emulated registration numbers. */
export const MAX_REGISTERS = 1_000_000;
const DAY = 86400;
const MAX_DAYS_BACK = 365;
const ENDLESS_DAYS_BACK = 30;

/**
 * Without `startTime`: registration at 08:00 far enough back that every document of the budget fits before now (a day
 * per shift at worst; 30 days when the budget is endless), and a clock capped at now — the ФЛК flags documents dated
 * in the future. The cap depends on the wall clock, so pass `startTime` for byte-identical runs.
 */
export function defaultTimeWindow(nowMs: number, utcOffsetMinutes: number, documentsPerRegister: number): { startTime: number; latestTime: number } {
  const local = localUnixSeconds(nowMs, utcOffsetMinutes);
  const days = Number.isFinite(documentsPerRegister) ? Math.min(MAX_DAYS_BACK, Math.ceil(documentsPerRegister / MIN_DOCUMENTS_PER_DAY) + 1) : ENDLESS_DAYS_BACK;
  return { startTime: (Math.floor(local / DAY) - days) * DAY + 8 * 3600, latestTime: local };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new ToolError('CLI_USAGE', what);
}

export function validateEmulatorOptions(o: EmulatorOptions): void {
  check(Number.isInteger(o.registers) && o.registers >= 1 && o.registers <= MAX_REGISTERS, `registers must be 1…${MAX_REGISTERS}`);
  check(o.documentsPerRegister === Infinity || (Number.isInteger(o.documentsPerRegister) && o.documentsPerRegister >= 1), 'documents per register must be an integer ≥ 1');
  check(o.documentsPerRegister !== Infinity || o.durationMs !== undefined || o.signal !== undefined, 'endless documents need a duration');
  check(o.durationMs === undefined || o.durationMs > 0, 'duration must be > 0');
  check(o.rate === undefined || o.rate > 0, 'rate must be > 0 documents/s');
  check(Number.isInteger(o.port) && o.port > 0 && o.port < 65536, 'port must be 1…65535');
  check(o.markingPort === undefined || (Number.isInteger(o.markingPort) && o.markingPort > 0 && o.markingPort < 65536), 'marking port must be 1…65535');
  for (const [name, v] of [
    ['thinkMs', o.thinkMs],
    ['timeoutMs', o.timeoutMs],
    ['retryDelayMs', o.retryDelayMs],
    ['maxRetryDelayMs', o.maxRetryDelayMs],
    ['rampMs', o.rampMs ?? 0],
  ] as const) {
    check(Number.isFinite(v) && v >= 0, `${name} must be a number ≥ 0`);
  }
  check(o.timeoutMs > 0, 'timeoutMs must be > 0');
  check(Number.isInteger(o.basketPool) && o.basketPool >= 0, 'basketPool must be an integer ≥ 0');
  check(Number.isInteger(o.prebuild) && o.prebuild >= 0, 'prebuild must be an integer ≥ 0');
  for (const [name, v] of [
    ['ffd12Share', o.ffd12Share],
    ['markedShare', o.markedShare],
    ['emailShare', o.emailShare],
    ['correctionShare', o.correctionShare],
    ['currentStateShare', o.currentStateShare],
    ['tamperRate', o.tamperRate],
    ['flkErrorRate', o.flkErrorRate],
  ] as const) {
    check(Number.isFinite(v) && v >= 0 && v <= 1, `${name} must be within 0…1`);
  }
}

/** What every register's document stream is built with, from the run's options and its time window. */
export function streamOptionsOf(o: EmulatorOptions, timeWindow: { startTime: number; latestTime: number | undefined }): StreamOptions {
  return {
    seed: o.seed,
    ...timeWindow,
    maxDocuments: o.documentsPerRegister,
    markedShare: o.markedShare,
    emailShare: o.emailShare,
    correctionShare: o.correctionShare,
    currentStateShare: o.currentStateShare,
    basketPool: o.basketPool,
    flkErrorRate: o.flkErrorRate,
    tamperRate: o.tamperRate,
    ofdInn: o.ofdInn,
    ofdName: o.ofdName,
  };
}

export async function runEmulator(options: Partial<EmulatorOptions> = {}): Promise<EmulatorSummary> {
  const o: EmulatorOptions = { ...DEFAULT_EMULATOR_OPTIONS, ...options };
  validateEmulatorOptions(o);
  const stats = new EmulatorStats();
  if (o.markingPort !== undefined) stats.marking = new MarkingStats();
  const control = new RunControl(o.durationMs, o.signal);
  const pacing: Pacing = o.rate !== undefined ? { kind: 'interval', intervalMs: (1000 * o.registers) / o.rate } : { kind: 'think', thinkMs: o.thinkMs };
  const rampMs = o.rampMs ?? (pacing.kind === 'interval' ? pacing.intervalMs : 0);
  const timeWindow = o.startTime !== undefined ? { startTime: o.startTime, latestTime: undefined } : defaultTimeWindow(Date.now(), o.utcOffsetMinutes, o.documentsPerRegister);
  const ctx: RegisterContext = {
    stats,
    control,
    link: { host: o.host, port: o.port, keepAlive: o.keepAlive, timeoutMs: o.timeoutMs },
    stream: streamOptionsOf(o, timeWindow),
    masterKey: o.masterKey,
    pacing,
    retryDelayMs: o.retryDelayMs,
    maxRetryDelayMs: o.maxRetryDelayMs,
    recorder: o.recordDir !== undefined ? new FixtureRecorder(o.recordDir, o.recordFormat) : undefined,
    onEvent: o.onEvent,
    marking:
      o.markingPort !== undefined
        ? { link: { host: o.host, port: o.markingPort, keepAlive: o.keepAlive, timeoutMs: o.timeoutMs }, verifySigns: o.verifyMarkingSigns, onEvent: o.onMarkingEvent }
        : undefined,
  };
  const registers: EmulatedRegister[] = [];
  for (let i = 0; i < o.registers; i++) {
    const register = new EmulatedRegister(makeRegisterIdentity(i, { seed: o.seed, ffd12Share: o.ffd12Share }), ctx);
    register.prebuild(o.prebuild);
    registers.push(register);
  }
  control.start();
  o.onStart?.();
  const startedAt = Date.now();
  const t0 = performance.now();
  const runs: Promise<void>[] = [];
  for (const [i, register] of registers.entries()) {
    // One register failing (an encoder or --record error) stops the fleet: its summary would be meaningless.
    runs.push(
      register.run(startedAt + (rampMs * i) / o.registers).catch((e: unknown) => {
        control.stop();
        throw e;
      }),
    );
  }
  try {
    const results = await Promise.allSettled(runs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    control.dispose();
  }
  return stats.summary({ registers: o.registers, seed: o.seed, keepAlive: o.keepAlive, durationMs: performance.now() - t0 });
}
