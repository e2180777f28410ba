/**
 * `npm run loadtest` — the whole pipeline on this machine: a fresh PostgreSQL database, a private redis-server with
 * AOF (appendfsync everysec), a gateway process and a worker process (OFD_ROLES=gateway / worker), and the register
 * emulator in this process. Samples every second: acknowledged (emulator), persisted (ofd_documents_persisted_total
 * and count(*) of document_keys, one row per stored document), documents queue waiting, CPU and RSS per process. After the load window it waits for
 * the queue to drain. Writes docs/benchmarks/loadtest-<date>.md and .svg, prints JSON.
 *
 * Options (flag or env LOADTEST_*): --registers 1000, --seconds 60, --rate 0 (documents/s over the fleet; 0 = closed
 * loop, every register sending as soon as it is acked), --keepalive 1, --drain-seconds 180, --settle-seconds 15 (the database is
 * measured when drained, and again that much later), --dist 0 (run dist/main.js),
 * --prebuild 200 (documents per register the emulator builds and signs before the load window opens, so building them
 * does not take CPU from the pipeline under test; sampling starts after it),
 * --workers 1 (worker processes), --npm-start 0 (1: instead of a gateway and worker processes, one `npm start` as
 * shipped — the supervisor with OFD_PROCESSES=auto, the worker role in niced children of its own; CPU is then reported
 * per kind of child: `gateway` is the primary and the gateway+api children, `worker` the worker children), --forward 0, --out docs/benchmarks, --keep-db 0, --tag '' (report name suffix).
 *
 * --forward 1: the rest of the pipeline too. A fake FNS (`ofd fake-fns`), a fake CRPT (`ofd fake-crpt`) and an SMTP
 * relay that accepts everything (scripts/smtp-sink.ts) run as processes of their own, and the worker gets FNS_URL,
 * CRPT_URL and SMTP_URL. Every document is then forwarded to the FNS, every receipt with marking codes to CRPT and every
 * receipt with a buyer e-mail is e-mailed. Their CPU is reported as `fakeFnsAndSmtp`: not the OFD's, but on the same
 * two cores. After the documents queue has drained the loadtest keeps sampling until the FNS has answered every stored
 * document and the fns, crpt and notify queues hold nothing waiting or active (--forward-drain-seconds 300 at most):
 * forwarding yields to storing during a backlog, so "stored", "at the FNS" and "forwarded" end at different times, and
 * all three are reported.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runEmulator } from '../src/emulator/run-emulator.js';
import {
  backendPids,
  createFreshDatabase,
  type FreshDatabase,
  DEFAULT_SERVER_URL,
  histogramQuantile,
  loadAverage,
  metricSum,
  HelperProcess,
  OfdProcess,
  supervisedChildren,
  option,
  procSample,
  sleep,
  startPrivateRedis,
  sumProc,
  today,
} from './pipeline-harness.js';
import { lineChartSvg } from './svg-chart.js';

const P = 'LOADTEST';
const REGISTERS = Number(option('registers', P, '1000'));
const SECONDS = Number(option('seconds', P, '60'));
const RATE = Number(option('rate', P, '0'));
const KEEPALIVE = option('keepalive', P, '1') === '1';
const PREBUILD = Number(option('prebuild', P, '200'));
const DRAIN_SECONDS = Number(option('drain-seconds', P, '180'));
/** Seconds after the drain before the database is measured again (the workers' own VACUUMs follow their last batch). */
const SETTLE_SECONDS = Number(option('settle-seconds', P, '15'));
const DIST = option('dist', P, '0') === '1';
const WORKERS = Number(option('workers', P, '1'));
const NPM_START = option('npm-start', P, '0') === '1';
const FORWARD = option('forward', P, '0') === '1';
/** --forward: seconds after the drain to wait for the FNS to answer every stored document and the forwarding queues to empty. */
const FORWARD_DRAIN_SECONDS = Number(option('forward-drain-seconds', P, '300'));
const OUT = option('out', P, 'docs/benchmarks');
const KEEP_DB = option('keep-db', P, '0') === '1';
/** Suffix of the report's file name, for several runs a day: loadtest-<date>-<tag>.md. */
const TAG = option('tag', P, '');
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

interface FastSample {
  t: number;
  acked: number;
  cpu: Record<string, number>;
  rssMb: Record<string, number>;
}

interface SlowSample {
  t: number;
  persistedMetric: number;
  dbCount: number;
  queueWaiting: number;
  /** --forward: documents the FNS has answered (fns_outcomes accepted, with warnings, or rejected). */
  fnsAnswered: number;
  /** --forward: waiting jobs of the fns queue (documents persisted, not yet taken to be sent). */
  fnsWaiting: number;
  /** --forward: jobs waiting or active in the fns, crpt and notify queues (delayed ones, retries, not counted). */
  forwardingQueued: number;
  /** --forward: delayed jobs of those queues (retries waiting for their backoff). */
  forwardingDelayed: number;
}

const byTableText = (byTable: Record<string, number>): string =>
  Object.entries(byTable)
    .map(([t, b]) => `${t} ${b}`)
    .join(', ');

/** pg_database_size of the run's database. */
async function databaseBytes(db: FreshDatabase): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select pg_database_size(current_database()) as n');
  return Number(rows[0]?.n);
}

/** Each table's bytes with its indexes and TOAST, partitions summed into their parent. */
async function tableBytes(db: FreshDatabase): Promise<Map<string, number>> {
  const { rows } = await db.query<{ name: string; bytes: string }>(`
    select coalesce(i.inhparent::regclass::text, c.relname) as name, sum(pg_total_relation_size(c.oid)) as bytes
      from pg_class c left join pg_inherits i on i.inhrelid = c.oid
     where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace
     group by 1`);
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

/** What the run added to the database, per stored document and per receipt (forms 3, 4, 31, 41). */
async function diskPerDocument(db: FreshDatabase, before: { database: number; tables: Map<string, number> }) {
  const grownBytes = (await databaseBytes(db)) - before.database;
  const { rows } = await db.query<{ documents: string; receipts: string }>(
    'select count(*) as documents, count(*) filter (where form in (3, 4, 31, 41)) as receipts from documents',
  );
  const documents = Number(rows[0]?.documents);
  const receipts = Number(rows[0]?.receipts);
  // Rollups and shifts are updated in place; without autovacuum (a server set up for tests often has it off) page pruning
  // and the persist worker's own VACUUM of those tables (src/db/churned-tables-vacuum.ts, every 5 s at most) reclaim
  // their dead versions, so the growth depends more on how many updates the run made: said beside the figure (the
  // server-wide setting; a table's own autovacuum_enabled is not looked at).
  const autovacuum = await db.query<{ autovacuum: string }>('show autovacuum').then((r) => r.rows[0]?.autovacuum ?? 'unknown', () => 'unknown');
  // What each table grew by (indexes and TOAST included), per document: where the bytes went; the largest twelve, the
  // rest summed (the catalogue and free-space maps make up the difference to the total).
  const grown = [...(await tableBytes(db))].map(([name, bytes]) => [name, bytes - (before.tables.get(name) ?? 0)] as const).sort((a, b) => b[1] - a[1]);
  const byTable = Object.fromEntries([
    ...grown.slice(0, 12).map(([name, bytes]) => [name, round(bytes / documents)]),
    ['other tables', round(grown.slice(12).reduce((sum, [, bytes]) => sum + bytes, 0) / documents)],
  ]);
  // The acks that wait for their documents during a backlog (document-acks-vacuum.ts): what is left of them.
  const acks = await db.query<{ rows: string; bytes: string }>(`select count(*) as rows, pg_total_relation_size('document_acks') as bytes from document_acks`);
  const documentAcks = { rows: Number(acks.rows[0]?.rows), bytes: Number(acks.rows[0]?.bytes) };
  return { grownBytes, documents, receipts, bytesPerDocument: round(grownBytes / documents), bytesPerReceipt: round(grownBytes / receipts), autovacuum, byTable, documentAcks };
}

const round = (v: number, d = 0) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : null);
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

async function main() {
  const startedAt = new Date();
  const loadAverageBefore = loadAverage();
  log(`loadtest: ${REGISTERS} registers, ${SECONDS} s, ${RATE > 0 ? `${RATE}/s offered` : 'closed loop'}, keep-alive ${KEEPALIVE}; load average ${loadAverage()}`);
  const db = await createFreshDatabase(DEFAULT_SERVER_URL, 'loadtest');
  const redis = await startPrivateRedis('everysec');
  const env: Record<string, string> = { DATABASE_URL: db.url, REDIS_URL: redis.url, OFD_QUEUE_PREFIX: 'ofd' };
  const procs: OfdProcess[] = [];
  const helpers: HelperProcess[] = [];
  try {
    if (FORWARD) {
      const fns = await HelperProcess.start('fake-fns', ['src/cli/ofd.ts', 'fake-fns'], log);
      const smtp = await HelperProcess.start('smtp-sink', ['scripts/smtp-sink.ts'], log);
      const crpt = await HelperProcess.start('fake-crpt', ['src/cli/ofd.ts', 'fake-crpt'], log);
      helpers.push(fns, smtp, crpt);
      env['FNS_URL'] = `http://127.0.0.1:${fns.port}`;
      env['CRPT_URL'] = `http://127.0.0.1:${crpt.port}`;
      env['SMTP_URL'] = `smtp://127.0.0.1:${smtp.port}`;
    }
    // The worker first: it runs the migrations on the fresh database.
    const workers: OfdProcess[] = [];
    if (!NPM_START) for (let i = 0; i < WORKERS; i++) workers.push(await OfdProcess.start({ roles: 'worker', env, dist: DIST, log }));
    const gateway = NPM_START
      ? await OfdProcess.start({ roles: 'gateway,worker,api', env: { ...env, OFD_PROCESSES: 'auto' }, dist: DIST, log })
      : await OfdProcess.start({ roles: 'gateway', env, dist: DIST, log });
    procs.push(gateway, ...workers);
    if (NPM_START) await sleep(3000); // every child up, not only the first that answered /health/ready
    const redisPid = await redis.pid();
    // The database as migrated, before any document: what the run adds is measured against it.
    const databaseBytesBefore = { database: await databaseBytes(db), tables: await tableBytes(db) };
    log(`ready: ${NPM_START ? 'npm start' : 'gateway'} :${gateway.gatewayPort} (pid ${gateway.pid}), ${NPM_START ? JSON.stringify(supervisedChildren(gateway.pid)) : `${WORKERS} worker(s)`}, redis :${redis.port} (pid ${redisPid}), database ${db.name}`);
    /** The processes acknowledging and those storing: under npm start, the supervisor's children by kind. */
    const pidsOf = (): { gateway: number[]; worker: number[] } => {
      if (!NPM_START) return { gateway: gateway.pid === undefined ? [] : [gateway.pid], worker: workers.map((x) => x.pid).filter((p): p is number => p !== undefined) };
      const kids = supervisedChildren(gateway.pid);
      return { gateway: [...(gateway.pid === undefined ? [] : [gateway.pid]), ...kids.front], worker: kids.worker };
    };
    /** Whose /metrics count what was stored: under npm start any child answers for all of them. */
    const storing = NPM_START ? [gateway] : workers;

    let acked = 0;
    const fast: FastSample[] = [];
    const slow: SlowSample[] = [];
    let t0 = performance.now();
    const now = () => (performance.now() - t0) / 1000;
    const pgPids = new Set<number>();
    let ownCpu0 = process.cpuUsage();
    // Fast, synchronous, every second: the emulator's ack counter and /proc. Slow, as often as they answer (at most
    // every second): count(*) of document_keys (stored documents), the worker's /metrics (persisted counter, queue depth
    // read from Redis).
    const fastSample = (): FastSample => {
      const pids = pidsOf();
      const g = sumProc(pids.gateway);
      const w = sumProc(pids.worker);
      const r = procSample(redisPid);
      const pgs = sumProc([...pgPids]);
      const own = process.cpuUsage(ownCpu0);
      const h = sumProc(helpers.map((x) => x.pid).filter((p): p is number => p !== undefined));
      return {
        t: now(),
        acked,
        cpu: {
          gateway: g.cpuSeconds, worker: w.cpuSeconds, redis: r?.cpuSeconds ?? NaN, postgresBackends: pgs.cpuSeconds, emulator: (own.user + own.system) / 1e6,
          ...(FORWARD ? { fakeFnsAndSmtp: h.cpuSeconds } : {}),
        },
        rssMb: {
          gateway: g.rssMb, worker: w.rssMb, redis: r?.rssMb ?? NaN, postgresBackends: pgs.rssMb, emulator: process.memoryUsage().rss / 2 ** 20,
          ...(FORWARD ? { fakeFnsAndSmtp: h.rssMb } : {}),
        },
      };
    };
    const countFnsAnswered = () =>
      db
        .query<{ n: string }>(`select count(*) as n from fns_outcomes where status in ('accepted', 'accepted_with_warnings', 'rejected')`)
        .then((r) => Number(r.rows[0]?.n), () => NaN);
    const slowSample = async (): Promise<SlowSample> => {
      const [wm, count, fnsAnswered] = await Promise.all([
        Promise.all(storing.map((w) => w.metrics())),
        // document_keys, not documents: one row per stored document, written in the same statement, and ≈ 1/14 of the
        // heap to scan. count(*) of documents every second cost PostgreSQL ≈ 100 ms a time at 100 000 rows (measured
        // with pg_stat_statements): ≈ 10 % of a core taken from the pipeline by the measuring tool.
        db.query<{ n: string }>('select count(*) as n from document_keys').then((r) => Number(r.rows[0]?.n), () => NaN),
        FORWARD ? countFnsAnswered() : Promise.resolve(NaN),
      ]);
      const t = now();
      for (const pid of await backendPids(DEFAULT_SERVER_URL, db.name).catch(() => [])) pgPids.add(pid);
      const persistedMetric = wm.reduce((s, m) => s + (m ? metricSum(m, 'ofd_documents_persisted_total') : NaN), 0);
      // NaN, not 0, when the scrape has no such series (a queue-depth read that failed drops the gauge's series), so
      // a condition "nothing waiting" is never met by a missing reading.
      const jobs = (queue: string, state: string) => {
        const label = `queue="${queue}",state="${state}"`;
        return wm[0]?.includes(`ofd_queue_jobs{${label}}`) ? metricSum(wm[0], 'ofd_queue_jobs', label) : NaN;
      };
      const queueWaiting = jobs('documents', 'waiting');
      const fnsWaiting = FORWARD ? jobs('fns', 'waiting') : NaN;
      const forwardingJobs = (state: string) => (FORWARD ? ['fns', 'crpt', 'notify'].reduce((n, q) => n + jobs(q, state), 0) : NaN);
      const forwardingQueued = forwardingJobs('waiting') + forwardingJobs('active');
      return { t, persistedMetric, dbCount: count, queueWaiting, fnsAnswered, fnsWaiting, forwardingQueued, forwardingDelayed: forwardingJobs('delayed') };
    };
    let fastTimer: NodeJS.Timeout | undefined;
    let sampling = true;
    let sampler: Promise<void> = Promise.resolve();
    // Called by the emulator when its clock starts (after prebuilding): time 0 of every sample.
    const startSampling = () => {
      t0 = performance.now();
      ownCpu0 = process.cpuUsage();
      fast.push(fastSample());
      fastTimer = setInterval(() => fast.push(fastSample()), 1000);
      sampler = (async () => {
        while (sampling) {
          const next = performance.now() + 1000;
          slow.push(await slowSample());
          await sleep(next - performance.now());
        }
      })();
    };

    const summary = await runEmulator({
      port: gateway.gatewayPort,
      registers: REGISTERS,
      durationMs: SECONDS * 1000,
      documentsPerRegister: Infinity,
      rate: RATE > 0 ? RATE : undefined,
      rampMs: 2000,
      thinkMs: 0,
      keepAlive: KEEPALIVE,
      seed: `loadtest-${startedAt.getTime()}`,
      prebuild: PREBUILD,
      onStart: startSampling,
      onEvent: (e) => {
        if (e.type === 'ack') acked++;
      },
    });
    const loadEnd = now();
    log(`load window over: ${summary.acknowledged} acknowledged (${Math.round(summary.throughput)}/s); draining`);
    const gatewayMetrics = (await gateway.metrics()) ?? '';
    const ackedAtEnd = fast.at(-1)!;

    // Drain: until the database holds every acknowledged document (acks of re-sends count once).
    let drainedAt: number | undefined;
    const drainDeadline = performance.now() + DRAIN_SECONDS * 1000;
    while (performance.now() < drainDeadline) {
      const last = slow.at(-1);
      if (last && last.t > loadEnd && last.dbCount >= summary.acknowledged) {
        drainedAt = last.t;
        break;
      }
      await sleep(500);
    }
    // What the processes had used when the documents were stored: "over the run" ends here, forwarding or not.
    // (Not pushed into `slow`: the sampler still runs, and a sample taken beside it could land out of order.)
    const finalFast = fastSample();
    const finalSlow = await slowSample();
    const drainEnd = performance.now();
    const disk = await diskPerDocument(db, databaseBytesBefore);
    const loadAverageAtEnd = loadAverage();

    // --forward: forwarding yields to storing while documents wait to be stored, so the FNS gets most of a burst after
    // the drain. Keep sampling until it has answered every stored document: when that was is the other half of the
    // end-to-end figure.
    let forwardedAt: number | undefined;
    let forwardingIdleAt: number | undefined;
    if (FORWARD && drainedAt !== undefined) {
      const deadline = performance.now() + FORWARD_DRAIN_SECONDS * 1000;
      log(`drained; waiting for the FNS to answer every stored document and the forwarding queues to empty (at most ${FORWARD_DRAIN_SECONDS} s)`);
      while (performance.now() < deadline) {
        // Against the latest count: "drained" means every acknowledged document is stored, and the documents enqueued
        // but not acknowledged when the emulator stopped (in flight then) may be stored after it.
        const last = slow.at(-1)!;
        if (last.t > finalSlow.t && forwardedAt === undefined && last.fnsAnswered >= last.dbCount && last.queueWaiting === 0) forwardedAt = last.t;
        // CRPT and e-receipts too: nothing waiting or being sent (a retry waiting for its backoff is reported, not awaited).
        if (forwardedAt !== undefined && forwardingIdleAt === undefined && last.forwardingQueued === 0 && last.queueWaiting === 0) forwardingIdleAt = last.t;
        if (forwardedAt !== undefined && forwardingIdleAt !== undefined) break;
        await sleep(500);
      }
    }
    sampling = false;
    await sampler;
    clearInterval(fastTimer);
    const forwardFast = fastSample();
    const forwardSlow = slow.at(-1)!;

    // ---- numbers
    const firstSlow = slow[0]!;
    const slowAtLoadEnd = [...slow].reverse().find((s) => s.t <= loadEnd + 0.5) ?? finalSlow;
    const window = slowAtLoadEnd.t - firstSlow.t;
    const rates = <S extends { t: number }>(xs: S[], f: (s: S) => number) =>
      xs.slice(1).map((s, i) => ({ t: s.t, v: (f(s) - f(xs[i]!)) / (s.t - xs[i]!.t) })).filter((p) => Number.isFinite(p.v));
    const ackRate = rates(fast, (s) => s.acked);
    const dbRate = rates(slow, (s) => s.dbCount);
    const metricRate = rates(slow, (s) => s.persistedMetric);
    const mid = (p: { t: number }) => p.t > 5 && p.t <= loadEnd;
    const firstFast = fast[0]!;
    const cpuDelta = (k: string) => (finalFast.cpu[k]! - firstFast.cpu[k]!) / (finalFast.t - firstFast.t);
    const procs_ = ['gateway', 'worker', 'redis', 'postgresBackends', 'emulator', ...(FORWARD ? ['fakeFnsAndSmtp'] : [])];
    /** CPU each process used between two fast samples, per document of the phase, in µs. */
    const perDocumentUs = (from: FastSample, to: FastSample, documents: number) =>
      documents > 0 ? Object.fromEntries(procs_.map((k) => [k, round(((to.cpu[k]! - from.cpu[k]!) / documents) * 1e6)])) : null;
    const forwarded = FORWARD
      ? {
          fnsAnsweredDuringLoadPerSec: round((slowAtLoadEnd.fnsAnswered - firstSlow.fnsAnswered) / window),
          fnsAnsweredAtEnd: finalSlow.fnsAnswered,
          fnsAnsweredAfterWait: forwardSlow.fnsAnswered,
          /** Seconds from the end of the load until the FNS had answered every stored document (null: not within the wait). */
          forwardedAfterLoadSeconds: forwardedAt !== undefined ? round(forwardedAt - loadEnd, 1) : null,
          /** Every stored document, divided by the time from the start of the load until the FNS had answered the last. */
          storedAndForwardedPerSec: forwardedAt !== undefined ? round(forwardSlow.dbCount / forwardedAt) : null,
          storedAfterWait: forwardSlow.dbCount,
          /** Seconds from the end of the load until the fns, crpt and notify queues held nothing waiting or active. */
          forwardingIdleAfterLoadSeconds: forwardingIdleAt !== undefined ? round(forwardingIdleAt - loadEnd, 1) : null,
          /** Retries waiting for their backoff in those queues then. */
          forwardingDelayedAfterWait: forwardSlow.forwardingDelayed,
          /** CPU per document the FNS answered after the drain (forwarding alone then), µs by process. */
          cpuUsPerForwardedDocumentAfterDrain: perDocumentUs(finalFast, forwardFast, forwardSlow.fnsAnswered - finalSlow.fnsAnswered),
          fnsQueueWaitingAtLoadEnd: slowAtLoadEnd.fnsWaiting,
          fnsQueueWaitingMax: Math.max(0, ...slow.map((x) => x.fnsWaiting).filter(Number.isFinite)),
          eReceiptsDeliveredAtEnd: await db
            .query<{ n: string }>(`select count(*) as n from notify_deliveries where channel = 'email' and status = 'delivered'`)
            .then((r) => Number(r.rows[0]?.n), () => NaN),
          eReceiptsNotDeliveredAtEnd: await db
            .query<{ n: string }>(`select count(*) as n from notify_deliveries where channel = 'email' and status <> 'delivered'`)
            .then((r) => Number(r.rows[0]?.n), () => NaN),
        }
      : null;
    // Measured again once the workers' housekeeping after their last batch has run: the acks that waited for their
    // documents in document_acks during the backlog are deleted by then, and that table is vacuumed and truncated
    // (document-acks-vacuum.ts, every 3 s at most), the rollups vacuumed (churned-tables-vacuum.ts, 5 s).
    const settleLeft = SETTLE_SECONDS * 1000 - (performance.now() - drainEnd);
    log(`measured the database after the drain; again in ${Math.max(0, Math.round(settleLeft / 1000))} s`);
    await sleep(Math.max(0, settleLeft));
    const settled = { afterSeconds: round((performance.now() - drainEnd) / 1000), ...(await diskPerDocument(db, databaseBytesBefore)) };
    const result = {
      date: startedAt.toISOString(),
      machine: { cores: cpus().length, loadAverageBefore, loadAverageAtEnd, shared: true },
      config: { registers: REGISTERS, seconds: SECONDS, offered: RATE > 0 ? `${RATE}/s` : 'closed loop (think 0)', keepAlive: KEEPALIVE, prebuiltDocumentsPerRegister: PREBUILD, workers: NPM_START ? 0 : WORKERS, npmStart: NPM_START, forward: FORWARD, runtime: DIST ? 'dist/main.js' : 'node --import tsx src/main.ts', redis: 'private, appendonly yes, appendfsync everysec', database: db.name },
      emulator: { acknowledged: summary.acknowledged, documents: summary.documents, sent: summary.sent, resends: summary.resends, unacknowledged: summary.unacknowledged, invalidAcks: summary.invalidAcks, missingReplies: summary.missingReplies, missingReplyReasons: summary.missingReplyReasons, byResponseCode: summary.byResponseCode },
      acknowledgedPerSec: { overall: round(summary.throughput), medianPerSecond: round(median(ackRate.filter(mid).map((p) => p.v))), acksCountedAtLoadEnd: ackedAtEnd.acked },
      persistedPerSec: {
        dbDuringLoad: round((slowAtLoadEnd.dbCount - firstSlow.dbCount) / window),
        metricDuringLoad: round((slowAtLoadEnd.persistedMetric - firstSlow.persistedMetric) / window),
        medianIntervalDb: round(median(dbRate.filter(mid).map((p) => p.v))),
        medianIntervalMetric: round(median(metricRate.filter(mid).map((p) => p.v))),
        untilDrained: drainedAt !== undefined ? round(finalSlow.dbCount / drainedAt) : null,
      },
      forwarded,
      stored: {
        dbCount: finalSlow.dbCount,
        persistedMetric: finalSlow.persistedMetric,
        drainedAfterLoadSeconds: drainedAt !== undefined ? round(drainedAt - loadEnd, 1) : null,
        /** CPU per document stored after the load (the drain: no acknowledging then), µs by process. */
        cpuUsPerDocumentStoredInDrain: drainedAt !== undefined ? perDocumentUs(ackedAtEnd, finalFast, finalSlow.dbCount - slowAtLoadEnd.dbCount) : null,
      },
      disk: { ...disk, settled },
      ackLatencyMs: {
        client: { p50: round(summary.latencyMs.p50, 1), p95: round(summary.latencyMs.p95, 1), p99: round(summary.latencyMs.p99, 1), max: round(summary.latencyMs.max, 1) },
        server: Object.fromEntries([0.5, 0.95, 0.99].map((q) => [`p${Math.round(q * 100)}`, round((histogramQuantile(gatewayMetrics, 'ofd_gateway_ack_latency_seconds', q) ?? NaN) * 1000, 1)])),
      },
      queueWaiting: {
        max: Math.max(0, ...slow.map((s) => s.queueWaiting).filter(Number.isFinite)),
        atLoadEnd: slowAtLoadEnd.queueWaiting,
        samples: slow.length,
        series: slow.filter((_, i) => i % Math.max(1, Math.floor(slow.length / 20)) === 0).map((s) => [round(s.t), s.queueWaiting]),
      },
      cpuCoresAvg: Object.fromEntries(procs_.map((k) => [k, round(cpuDelta(k), 2)])),
      rssMbMax: Object.fromEntries(procs_.map((k) => [k, round(Math.max(...fast.map((s) => s.rssMb[k]!).filter(Number.isFinite)))])),
      target: { documentsPerSec: 5000, met: false },
    };
    result.target.met = (result.acknowledgedPerSec.overall ?? 0) >= 5000 && (result.persistedPerSec.dbDuringLoad ?? 0) >= 5000;

    // ---- report
    mkdirSync(OUT, { recursive: true });
    const base = `loadtest-${today()}${TAG ? `-${TAG}` : ''}`;
    const svg = lineChartSvg(
      `ofd-gateway load test, ${REGISTERS} registers, ${today()}`,
      'seconds since start',
      'documents/s',
      'documents queue waiting',
      [
        { name: 'acknowledged/s', color: '#1f77b4', points: ackRate.map((p) => [p.t, p.v]) },
        { name: 'persisted/s (DB count)', color: '#2ca02c', points: dbRate.map((p) => [p.t, Math.max(0, p.v)]) },
        ...(FORWARD ? [{ name: 'FNS answered/s', color: '#9467bd', points: rates(slow, (s) => s.fnsAnswered).map((p) => [p.t, Math.max(0, p.v)] as [number, number]) }] : []),
        { name: 'queue waiting (right)', color: '#ff7f0e', points: slow.map((s) => [s.t, s.queueWaiting] as [number, number]).filter((p) => Number.isFinite(p[1])), right: true },
      ],
      [{ x: loadEnd, label: 'load ends' }, ...(drainedAt !== undefined ? [{ x: drainedAt, label: 'stored' }] : []), ...(forwardedAt !== undefined ? [{ x: forwardedAt, label: 'at the FNS' }] : []), ...(forwardingIdleAt !== undefined ? [{ x: forwardingIdleAt, label: 'forwarded' }] : [])],
    );
    writeFileSync(join(OUT, `${base}.svg`), svg);
    writeFileSync(join(OUT, `${base}.json`), JSON.stringify({ ...result, acked: fast.map((s) => [round(s.t, 1), s.acked]), persisted: slow.map((s) => [round(s.t, 1), s.dbCount, s.persistedMetric, s.queueWaiting]) }, null, 1));
    writeFileSync(join(OUT, `${base}.md`), markdown(result, base));
    console.log(JSON.stringify(result));
    log(`wrote ${join(OUT, base)}.{md,svg,json}`);
  } finally {
    for (const p of procs) await p.stop().catch(() => {});
    for (const h of helpers) await h.stop().catch(() => {});
    await redis.cleanup().catch(() => {});
    if (!KEEP_DB) await db.drop().catch((e: unknown) => log(`drop failed: ${String(e)}`));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function markdown(r: any, base: string): string {
  const rows = (o: Record<string, unknown>) => ['| setting | value |', '|---|---|', ...Object.entries(o).map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
  return `# Load test, ${r.date.slice(0, 10)}

Generated by \`npm run loadtest\` (scripts/loadtest.ts). Raw numbers: [${base}.json](${base}.json).

**Machine:** ${r.machine.cores} cores, **shared** with other engineers' builds and tests while this ran (load average before:
${r.machine.loadAverageBefore}, at the end: ${r.machine.loadAverageAtEnd}). The emulator, the gateway, the worker, Redis and PostgreSQL all run on these ${r.machine.cores} cores,
so every number below is a floor for this code on a dedicated machine, not a capacity figure.

**Setup:** ${r.config.registers} emulated registers, ${r.config.seconds} s load window, ${r.config.offered}, keep-alive ${r.config.keepAlive}, ${r.config.prebuiltDocumentsPerRegister} documents per register prebuilt by the emulator before the window;
${r.config.npmStart ? `one \`npm start\` as shipped (the supervisor, \`OFD_PROCESSES=auto\`: the worker role in half of the children, at niceness ${process.env['OFD_WORKER_NICE'] ?? 10}, pausing while the gateway is busy for at most ${Number(process.env['OFD_WORKER_MAX_PAUSE_MS'] ?? 10_000) / 1000} s at a time; the gateway and the API in the others), run as` : `gateway and ${r.config.workers} worker process(es) run as`} \`${r.config.runtime}\`${r.config.npmStart ? '' : ' with `OFD_ROLES`'}; ${r.config.redis}; a fresh
database (\`${r.config.database}\`, dropped afterwards) on the local PostgreSQL 15. ${
    r.config.forward
      ? 'Forwarding on (`--forward 1`): a fake FNS (`ofd fake-fns`), a fake CRPT (`ofd fake-crpt`) and an SMTP relay that accepts everything (scripts/smtp-sink.ts), each a process of its own on the same cores; every document is forwarded to the FNS, every receipt with marking codes to CRPT, every receipt with a buyer e-mail (15 %) is e-mailed.'
      : 'Ingest only: FNS_URL unset, so documents are stored and the fns queue keeps them; SMTP_URL unset, so the receipts with a buyer e-mail (15 %) each get a notify job that ends `NOTIFY_EMAIL_NOT_CONFIGURED` (its reads and its delivery row are done, the e-mail is not). `--forward 1` runs the rest of the pipeline.'
  }

## Result

Target: ≥ 5 000 documents/s acknowledged **and** persisted, sustained — **${r.target.met ? 'met' : 'not met on this machine'}**.

| | documents/s |
|---|---|
| acknowledged, whole window | ${r.acknowledgedPerSec.overall} |
| acknowledged, median of 1 s intervals | ${r.acknowledgedPerSec.medianPerSecond} |
| persisted during the window, from count(*) of document_keys (one per stored document) | ${r.persistedPerSec.dbDuringLoad} |
| persisted during the window, from ofd_documents_persisted_total | ${r.persistedPerSec.metricDuringLoad} |
| persisted, median over sampling intervals (DB / metric) | ${r.persistedPerSec.medianIntervalDb} / ${r.persistedPerSec.medianIntervalMetric} |
| persisted, start to fully drained | ${r.persistedPerSec.untilDrained} |

Stored at the end: ${r.stored.dbCount} rows (metric: ${r.stored.persistedMetric}); the emulator had ${r.emulator.acknowledged} documents
acknowledged (${r.emulator.resends} re-sends, ${r.emulator.unacknowledged} unacknowledged at the end, ${r.emulator.invalidAcks} invalid acks,
${r.emulator.missingReplies} missing replies ${JSON.stringify(r.emulator.missingReplyReasons)}; codes ${JSON.stringify(r.emulator.byResponseCode)}).
Rows above the acknowledged count are documents that were enqueued and stored but whose ack had not reached the register
when the window closed (a real register re-sends them and gets a fresh ack; they are stored once). The queue drained
${r.stored.drainedAfterLoadSeconds ?? 'NOT (within the drain limit)'} s after the load stopped. CPU per document stored during the drain (nothing acknowledged then), µs:
${JSON.stringify(r.stored.cpuUsPerDocumentStoredInDrain)}.

Disk: the database grew by ${r.disk.grownBytes} bytes over the run (pg_database_size, measured after the drain without a VACUUM:
every table, index, TOAST and free-space map; WAL not included) for ${r.disk.documents} stored documents, ${r.disk.receipts} of them receipts:
**${r.disk.bytesPerDocument} bytes per document, ${r.disk.bytesPerReceipt} per receipt** (issue 12 target ≤ 1 500 per receipt; by table and
index, and after a closed month's compaction: \`npm run bench:disk\`). The server's autovacuum: ${r.disk.autovacuum}${
    r.disk.autovacuum === 'off' ? ' — the dead versions of the rollups and shifts, updated in place, were reclaimed by page pruning and the persist worker\'s own VACUUM every 5 s at most, so this figure varies with how many updates the run made' : ''
  }. \`document_acks\` (acks waiting for their documents during the backlog) then held ${r.disk.documentAcks.rows} rows in ${r.disk.documentAcks.bytes} bytes.
${r.disk.settled.afterSeconds} s later, when the workers' own VACUUMs after their last batch had had time to run${
    r.config.forward
      ? ' (with forwarding: after the wait for it, so this includes what forwarding wrote — FNS answers, CRPT sales and code statuses, e-receipt deliveries; reports of `--forward 1` before session 23 measured 15 s after the drain, with neither CRPT nor most of the FNS answers)'
      : ''
  }: **${r.disk.settled.bytesPerDocument} bytes per
document, ${r.disk.settled.bytesPerReceipt} per receipt**, \`document_acks\` ${r.disk.settled.documentAcks.rows} rows in ${r.disk.settled.documentAcks.bytes} bytes.
What each table grew by, per document, indexes and TOAST included — at the drain: ${byTableText(r.disk.byTable)}; ${r.disk.settled.afterSeconds} s later: ${byTableText(r.disk.settled.byTable)}.

${
    r.forwarded
      ? `Forwarding: the FNS answered ${r.forwarded.fnsAnsweredDuringLoadPerSec} documents/s during the load window and ${r.forwarded.fnsAnsweredAtEnd} documents in all when the documents queue had drained (the fns queue held the rest: ${r.forwarded.fnsQueueWaitingAtLoadEnd} waiting at the end of the load window, ${r.forwarded.fnsQueueWaitingMax} at most). **The FNS had answered every stored document ${r.forwarded.forwardedAfterLoadSeconds ?? 'NOT (within the wait)'} s after the load stopped** (${r.forwarded.fnsAnsweredAfterWait} answered of ${r.forwarded.storedAfterWait} stored then): stored and forwarded, start to the last FNS answer, **${r.forwarded.storedAndForwardedPerSec ?? '—'} documents/s**. The fns, crpt and notify queues held nothing waiting or active ${r.forwarded.forwardingIdleAfterLoadSeconds ?? 'NOT (within the wait)'} s after the load stopped (${r.forwarded.forwardingDelayedAfterWait} retries waiting for their backoff). CPU spent after the drain per document the FNS answered after it (crpt and notify work included), µs: ${JSON.stringify(r.forwarded.cpuUsPerForwardedDocumentAfterDrain)}. E-receipts delivered by then: ${r.forwarded.eReceiptsDeliveredAtEnd}, not (yet) delivered: ${r.forwarded.eReceiptsNotDeliveredAtEnd}.`
      : ''
  }

![ack/s and persisted/s over time](${base}.svg)

## Acknowledgement latency (ms)

| | p50 | p95 | p99 |
|---|---|---|---|
| client (emulator: send → ack checked) | ${r.ackLatencyMs.client.p50} | ${r.ackLatencyMs.client.p95} | ${r.ackLatencyMs.client.p99} |
| server (ofd_gateway_ack_latency_seconds, bucket-interpolated) | ${r.ackLatencyMs.server.p50} | ${r.ackLatencyMs.server.p95} | ${r.ackLatencyMs.server.p99} |

${r.config.offered.startsWith('closed') ? 'Closed loop: by Little\'s law the mean client latency is registers / throughput whatever the gateway does; the server histogram is the gateway\'s own time. Offer a fixed rate (`--rate`) to read latency at a given load.' : ''}

## Queue lag (documents queue, waiting jobs)

Max ${r.queueWaiting.max}, at the end of the load window ${r.queueWaiting.atLoadEnd} (${r.queueWaiting.samples} samples; a sample waits for /metrics and count(*), so they are 1 s apart at best). Over time (s:waiting): ${r.queueWaiting.series.map((p: number[]) => `${p[0]}s:${p[1]}`).join(', ')}.

## CPU (average cores from the start of the load to the end of the drain) and memory (max RSS, MB)

| process | CPU cores | RSS MB |
|---|---|---|
${Object.keys(r.cpuCoresAvg).map((k) => `| ${k} | ${r.cpuCoresAvg[k]} | ${r.rssMbMax[k]} |`).join('\n')}

(postgresBackends: the backends of the test database only, from /proc; the PostgreSQL background writer/WAL writer are not
counted. emulator: this process, which builds, signs and checks every document.)

## Settings

${rows(r.config)}
`;
}

await main();
