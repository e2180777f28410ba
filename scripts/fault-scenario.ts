/**
 * The fault scenario shared by `npm run faulttest` (scripts/faulttest.ts) and the CI test (test/e2e/faults.test.ts):
 * the pipeline as separate processes (pipeline-harness.ts) under the emulator with a finite document budget per
 * register, faults injected one after the other while it runs, then an exactly-once check of every acknowledged
 * document against `documents`. The emulator re-sends every unacknowledged document until it is validly acked, so
 * "the run finished" means "every document was acknowledged at least once".
 */
import net from 'node:net';
import { runEmulator } from '../src/emulator/run-emulator.js';
import type { EmulatorSummary } from '../src/emulator/emulator-stats.js';
import { receiptChildren, signedMessage } from '../test/support/kkt.js';
import {
  createFreshDatabase,
  DEFAULT_SERVER_URL,
  OfdProcess,
  sleep,
  startPrivateRedis,
  supervisedChildren,
  terminateBackends,
  type FreshDatabase,
  type PrivateRedis,
} from './pipeline-harness.js';
import { SentDocuments, type ContentCheckResult } from './stored-content-check.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export type FaultKind = 'worker-kill' | 'gateway-kill' | 'redis-restart' | 'postgres' | 'client-drop';

export interface FaultScenarioOptions {
  serverUrl?: string;
  registers: number;
  documentsPerRegister: number;
  /** Per-register pause after each ack (closed loop): stretches the run so that every fault hits it under load. */
  thinkMs: number;
  faults: FaultKind[];
  /** Pause between faults (after the previous one recovered). */
  gapMs: number;
  /** Acks before the first fault. */
  warmupAcks: number;
  /** Real `pg_ctlcluster … restart` instead of terminating the app's backends (the server is shared!). */
  pgRestart: boolean;
  pgCluster?: string;
  /** The whole run, emulator included, is aborted after this. */
  timeoutMs: number;
  /** Raw sockets sending half a message in the client-drop fault. */
  droppedClients?: number;
  dist?: boolean;
  /**
   * The persist worker's BullMQ lock and stalled-check interval, ms (OFD_PERSIST_LOCK_MS, OFD_PERSIST_STALLED_INTERVAL_MS):
   * the CI test shortens them so the jobs a killed worker held come back within its time limit. Default: the worker's.
   */
  workerLockMs?: number;
  /**
   * One `npm start` as shipped (the supervisor, OFD_PROCESSES=auto: gateway and API children, worker-only children)
   * instead of a gateway and a worker process: the kills hit the supervisor's children, and the supervisor restarts them.
   */
  npmStart?: boolean;
  /** Compare `ofd show` of the acknowledged documents whose FD is a multiple of this with what was sent (default 1: all). */
  viewEvery?: number;
  log?: (s: string) => void;
}

export interface FaultRecord {
  fault: FaultKind;
  detail: string;
  /** Seconds since the emulator started. */
  at: number;
  /** Fault injected → the pipeline does again what the fault stopped (acks, or stores), seconds. */
  recoverySeconds: number | null;
  recoveredBy: string;
  ackedBefore: number;
  storedBefore: number;
  /** Fault injected → every document acknowledged before it is in `documents`, seconds (null: not within 150 s). */
  allAckedBeforeStoredSeconds: number | null;
  /** Fault injected → the restarted process ready, seconds (process kills only). */
  restartedSeconds?: number;
}

export interface FaultScenarioResult {
  options: Omit<FaultScenarioOptions, 'log'>;
  faults: FaultRecord[];
  emulator: Pick<EmulatorSummary, 'documents' | 'sent' | 'acknowledged' | 'unacknowledged' | 'resends' | 'invalidAcks' | 'missingReplies' | 'byResponseCode' | 'invalidAckReasons' | 'missingReplyReasons'> & { durationSeconds: number; aborted: boolean };
  /** Distinct (fn, fd) with a valid ack. */
  acknowledged: number;
  /** Acknowledged documents that needed more than one send (their earlier sends were unacknowledged). */
  resentThenAcknowledged: number;
  expectedDocuments: number;
  stored: { rows: number; distinct: number; duplicates: number; missing: number; unexpected: number; missingSample: string[]; halfMessageRows: number };
  drainSeconds: number | null;
  unexpectedExits: { gateway: number; worker: number };
  exactlyOnce: boolean;
  /** Stored bytes and `ofd show` views against what the registers sent (scripts/stored-content-check.ts). */
  content: ContentCheckResult;
}

const DROP_FN = '9999000000000777';

async function sendHalfMessages(port: number, n: number): Promise<number> {
  let sent = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const msg = signedMessage({ fn: DROP_FN, fd: i + 1, children: receiptChildren(DROP_FN, i + 1) });
      await new Promise<void>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('error', () => resolve());
        s.once('connect', () => {
          // Header and part of the container, then the client vanishes: half with a reset, half with a FIN.
          s.write(msg.subarray(0, Math.max(31, Math.floor(msg.length / 2))), () => {
            sent++;
            setTimeout(() => {
              if (i % 2) s.resetAndDestroy();
              else s.end();
              resolve();
            }, 100);
          });
        });
      });
    }),
  );
  return sent;
}

export async function runFaultScenario(o: FaultScenarioOptions): Promise<FaultScenarioResult> {
  const log = o.log ?? (() => {});
  const serverUrl = o.serverUrl ?? DEFAULT_SERVER_URL;
  let db: FreshDatabase | undefined;
  let redis: PrivateRedis | undefined;
  let gateway: OfdProcess | undefined;
  let worker: OfdProcess | undefined;
  try {
    db = await createFreshDatabase(serverUrl, 'faulttest');
    redis = await startPrivateRedis('everysec');
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, OFD_QUEUE_PREFIX: 'ofd' };
    const workerEnv = o.workerLockMs ? { ...env, OFD_PERSIST_LOCK_MS: String(o.workerLockMs), OFD_PERSIST_STALLED_INTERVAL_MS: String(o.workerLockMs) } : env;
    if (o.npmStart) {
      gateway = worker = await OfdProcess.start({ roles: 'gateway,worker,api', env: { ...workerEnv, OFD_PROCESSES: 'auto' }, dist: o.dist, supervise: true, log });
      await sleep(3000); // every child up, not only the first that answered /health/ready
    } else {
      worker = await OfdProcess.start({ roles: 'worker', env: workerEnv, dist: o.dist, supervise: true, log });
      gateway = await OfdProcess.start({ roles: 'gateway', env, dist: o.dist, supervise: true, log });
    }
    const supervisor = o.npmStart ? gateway : undefined;
    /** Under npm start: SIGKILL one child of the kind, and wait until the supervisor has forked its successor. */
    const killChild = async (kind: 'front' | 'worker'): Promise<{ pid: number; successor: number | undefined }> => {
      const before = supervisedChildren(supervisor!.pid)[kind];
      const pid = before[0]!;
      process.kill(pid, 'SIGKILL');
      let successor: number | undefined;
      await waitFor(() => {
        successor = supervisedChildren(supervisor!.pid)[kind].find((p) => !before.includes(p));
        return successor !== undefined;
      }, 30_000);
      return { pid, successor };
    };
    const dbRef = db;
    const count = () => dbRef.query<{ n: string }>('select count(*) as n from documents').then((r) => Number(r.rows[0]?.n), () => NaN);

    const acks = new Map<string, number>();
    const sentDocuments = new SentDocuments(o.viewEvery ?? 1);
    const attemptsOf = new Map<string, number>();
    let lastAckAt = 0;
    let ackCount = 0;
    const abort = new AbortController();
    const abortTimer = setTimeout(() => abort.abort(), o.timeoutMs);
    const t0 = Date.now();
    let emulatorDone = false;
    const emulator = runEmulator({
      port: gateway.gatewayPort,
      registers: o.registers,
      documentsPerRegister: o.documentsPerRegister,
      durationMs: undefined,
      thinkMs: o.thinkMs,
      rampMs: 1000,
      keepAlive: true,
      timeoutMs: 3000,
      retryDelayMs: 200,
      maxRetryDelayMs: 2000,
      seed: `faulttest-${t0}`,
      signal: abort.signal,
      onEvent: (e) => {
        const key = `${e.fiscalDriveNumber}:${e.fiscalDocumentNumber}`;
        attemptsOf.set(key, Math.max(attemptsOf.get(key) ?? 0, e.attempt));
        if (e.type === 'ack') {
          acks.set(key, (acks.get(key) ?? 0) + 1);
          sentDocuments.acknowledged(e.fiscalDriveNumber, e.fiscalDocumentNumber, e.sent, e.document);
          lastAckAt = Date.now();
          ackCount++;
        }
      },
    }).finally(() => {
      emulatorDone = true;
    });

    const waitFor = async (cond: () => boolean | Promise<boolean>, limitMs: number): Promise<boolean> => {
      const deadline = Date.now() + limitMs;
      while (Date.now() < deadline) {
        if (await cond()) return true;
        await sleep(50);
      }
      return false;
    };

    const faults: FaultRecord[] = [];
    // Per fault, in the background: how long until every document acknowledged before it is stored.
    const storedChecks: Promise<void>[] = [];
    const watchPriorAcks = (rec: FaultRecord, at: number) => {
      const keys = [...acks.keys()].map((k) => k.split(':'));
      const fns = keys.map((k) => k[0]);
      const fds = keys.map((k) => k[1]);
      storedChecks.push(
        (async () => {
          const deadline = at + 150_000;
          while (Date.now() < deadline) {
            const n = await dbRef
              .query<{ n: number }>('select count(*)::int as n from documents d join unnest($1::text[], $2::bigint[]) as k(fn, fd) on d.fn = k.fn and d.fd = k.fd', [fns, fds])
              .then((r) => r.rows[0]?.n ?? -1, () => -1);
            if (n >= keys.length) {
              rec.allAckedBeforeStoredSeconds = (Date.now() - at) / 1000;
              return;
            }
            await sleep(1000);
          }
        })(),
      );
    };
    await waitFor(() => ackCount >= o.warmupAcks || emulatorDone, o.timeoutMs);
    for (const fault of o.faults) {
      if (emulatorDone) {
        log(`${fault}: skipped, the load is over`);
        faults.push({ fault, detail: 'skipped: the emulator had finished', at: (Date.now() - t0) / 1000, recoverySeconds: null, recoveredBy: '-', ackedBefore: ackCount, storedBefore: await count(), allAckedBeforeStoredSeconds: null });
        continue;
      }
      const at = Date.now();
      const rec: FaultRecord = { fault, detail: '', at: (at - t0) / 1000, recoverySeconds: null, recoveredBy: '', ackedBefore: ackCount, storedBefore: await count(), allAckedBeforeStoredSeconds: null };
      watchPriorAcks(rec, at);
      const ackAfter = (since: number) => waitFor(() => lastAckAt > since || emulatorDone, 60_000);
      const storeAfter = async (since: number) => {
        const before = await count();
        return waitFor(async () => {
          const n = await count();
          return n > before || (emulatorDone && n >= acks.size);
        }, 60_000).then((ok) => ok && Date.now() > since);
      };
      log(`fault ${fault} at ${rec.at.toFixed(1)} s (acked ${ackCount}, stored ${rec.storedBefore})`);
      switch (fault) {
        case 'worker-kill': {
          if (supervisor) {
            const { pid, successor } = await killChild('worker');
            rec.restartedSeconds = (Date.now() - at) / 1000;
            rec.detail = `SIGKILL of npm start's worker child pid ${pid}, forked again by the supervisor (pid ${successor ?? 'NONE'} after ${rec.restartedSeconds.toFixed(1)} s)`;
            if (await storeAfter(at)) rec.recoverySeconds = (Date.now() - at) / 1000;
            rec.recoveredBy = 'first new row in documents after the kill';
            break;
          }
          const pid = worker.pid;
          await worker.kill('SIGKILL');
          await worker.spawn();
          rec.restartedSeconds = (Date.now() - at) / 1000;
          rec.detail = `SIGKILL worker pid ${pid}, restarted (pid ${worker.pid}, ready after ${rec.restartedSeconds.toFixed(1)} s)`;
          if (await storeAfter(at)) rec.recoverySeconds = (Date.now() - at) / 1000;
          rec.recoveredBy = 'first new row in documents after the restart';
          break;
        }
        case 'gateway-kill': {
          if (supervisor) {
            const { pid, successor } = await killChild('front');
            rec.restartedSeconds = (Date.now() - at) / 1000;
            rec.detail = `SIGKILL of npm start's gateway child pid ${pid}, forked again by the supervisor (pid ${successor ?? 'NONE'} after ${rec.restartedSeconds.toFixed(1)} s)`;
            const since = Date.now();
            if (await ackAfter(since)) rec.recoverySeconds = (lastAckAt - at) / 1000;
            rec.recoveredBy = 'first ack after the new child was forked';
            break;
          }
          const pid = gateway.pid;
          await gateway.kill('SIGKILL');
          await gateway.spawn();
          rec.detail = `SIGKILL gateway pid ${pid}, restarted on the same port (pid ${gateway.pid})`;
          const ready = Date.now();
          if (await ackAfter(ready)) rec.recoverySeconds = (lastAckAt - at) / 1000;
          rec.recoveredBy = 'first ack from the restarted gateway';
          break;
        }
        case 'redis-restart': {
          await redis.stop('SIGKILL');
          const down = Date.now();
          await redis.start();
          rec.detail = `SIGKILL redis-server, restarted with the same AOF dir after ${Date.now() - down} ms`;
          const up = Date.now();
          if (await ackAfter(up)) rec.recoverySeconds = (lastAckAt - at) / 1000;
          rec.recoveredBy = 'first ack after Redis answered again';
          break;
        }
        case 'postgres': {
          if (o.pgRestart) {
            const cluster = o.pgCluster ?? '15 main';
            await promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', ...cluster.split(' '), 'restart']);
            rec.detail = `pg_ctlcluster ${cluster} restart (real restart, OFD_FAULTTEST_PG_RESTART=1)`;
          } else {
            const n = await terminateBackends(serverUrl, db.name);
            rec.detail = `simulated: pg_terminate_backend of the app's ${n} connections (shared server, no real restart)`;
          }
          if (await storeAfter(at)) rec.recoverySeconds = (Date.now() - at) / 1000;
          rec.recoveredBy = 'first new row in documents afterwards';
          break;
        }
        case 'client-drop': {
          const n = await sendHalfMessages(gateway.gatewayPort, o.droppedClients ?? 20);
          rec.detail = `${n} raw sockets sent half a message (FN ${DROP_FN}) and dropped (reset / FIN); gateway ${gateway.child ? 'still up' : 'DOWN'}`;
          const now = Date.now();
          if (await ackAfter(now)) rec.recoverySeconds = (lastAckAt - at) / 1000;
          rec.recoveredBy = 'next ack to an emulated register';
          break;
        }
      }
      log(`  ${rec.detail}; recovered in ${rec.recoverySeconds ?? 'NOT'} s`);
      faults.push(rec);
      await sleep(o.gapMs);
    }

    const summary = await emulator.finally(() => clearTimeout(abortTimer));
    const durationSeconds = (Date.now() - t0) / 1000;
    log(`emulator finished after ${durationSeconds.toFixed(1)} s: ${summary.acknowledged} acknowledged, ${summary.unacknowledged} unacknowledged`);

    // Drain: the worker stores what is still queued.
    const drainStart = Date.now();
    const drained = await waitFor(async () => (await count()) >= acks.size, 120_000);
    const drainSeconds = drained ? (Date.now() - drainStart) / 1000 : null;
    await Promise.all(storedChecks);
    await sleep(1000); // late duplicates, if any, would land now

    const rows = (await db.query<{ fn: string; fd: string; n: number }>('select fn, fd::text as fd, count(*)::int as n from documents group by fn, fd')).rows;
    const stored = new Map(rows.map((r) => [`${r.fn}:${r.fd}`, r.n]));
    const missing = [...acks.keys()].filter((k) => !stored.has(k));
    const unexpected = [...stored.keys()].filter((k) => !acks.has(k));
    const duplicates = rows.filter((r) => r.n > 1).length;
    const total = rows.reduce((s, r) => s + r.n, 0);
    const halfMessageRows = rows.filter((r) => r.fn === DROP_FN).length;
    const expectedDocuments = o.registers * o.documentsPerRegister;
    const content = await sentDocuments.check(db.url);
    const resentThenAcknowledged = [...acks.keys()].filter((k) => (attemptsOf.get(k) ?? 1) > 1).length;
    const exactlyOnce =
      !abort.signal.aborted && summary.unacknowledged === 0 && acks.size === expectedDocuments && missing.length === 0 && unexpected.length === 0 && duplicates === 0 && total === acks.size;
    return {
      options: (({ log: _log, ...rest }) => rest)(o),
      faults,
      emulator: {
        documents: summary.documents,
        sent: summary.sent,
        acknowledged: summary.acknowledged,
        unacknowledged: summary.unacknowledged,
        resends: summary.resends,
        invalidAcks: summary.invalidAcks,
        missingReplies: summary.missingReplies,
        byResponseCode: summary.byResponseCode,
        invalidAckReasons: summary.invalidAckReasons,
        missingReplyReasons: summary.missingReplyReasons,
        durationSeconds,
        aborted: abort.signal.aborted,
      },
      acknowledged: acks.size,
      resentThenAcknowledged,
      expectedDocuments,
      stored: { rows: total, distinct: rows.length, duplicates, missing: missing.length, unexpected: unexpected.length, missingSample: missing.slice(0, 10), halfMessageRows },
      drainSeconds,
      unexpectedExits: { gateway: gateway.unexpectedExits, worker: worker.unexpectedExits },
      exactlyOnce,
      content,
    };
  } finally {
    await gateway?.stop().catch(() => {});
    if (worker !== gateway) await worker?.stop().catch(() => {});
    await redis?.cleanup().catch(() => {});
    await db?.drop().catch((e: unknown) => log(`drop failed: ${String(e)}`));
  }
}
