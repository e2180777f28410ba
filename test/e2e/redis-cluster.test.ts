// The scale-out path on real engines (issue 12, "When one machine is not enough"): the whole pipeline, unchanged, on a
// local Redis Cluster — three masters with one replica each, AOF on, `redis-cli --cluster create`, the hash-tagged
// prefix {ofd} — with two gateway and two worker processes (src/main.ts with OFD_ROLES) and a fresh database. Emulated
// registers send over real TCP to both gateways. Mid-run the workers are paused so that acknowledged documents pile up
// in Redis only, and the master owning the queue's slot is SIGKILLed: its replica takes over. The gateways WAIT for one
// replica before acknowledging (OFD_REDIS_WAIT_REPLICAS=1), so the promoted replica has every acknowledged document.
// While the new master has no replica the gateways refuse to acknowledge (the registers re-send); the killed node is
// then started again and rejoins as the new master's replica. At the end every acknowledged (fn, fd) is in PostgreSQL
// exactly once and every document was acknowledged.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { runEmulator } from '../../src/emulator/run-emulator.js';
import { fleetTag } from '../../src/emulator/register-identity.js';
import { redisCounterStore } from '../../src/api/counters.js';
import { closeRedis, createProducerRedis } from '../../src/queue/redis-connection.js';
import { keySlot } from '../../src/domain/redis-target.js';
import { createFreshDatabase, metricSum, OfdProcess, sleep, type FreshDatabase } from '../../scripts/pipeline-harness.js';
import { freePort } from '../support/redis-process.js';
import { redisClusterSupported, startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';

const PREFIX = '{ofd}';
const REGISTERS_PER_GATEWAY = 10;
const DOCUMENTS_PER_REGISTER = 40;

const support = await redisClusterSupported();
if (!support.ok) console.warn(`redis-cluster.test.ts skipped: ${support.reason}`);

let cluster: RedisCluster | undefined;
let db: FreshDatabase | undefined;
const processes: OfdProcess[] = [];
const log: string[] = [];
const note = (line: string) => {
  log.push(line);
  if (log.length > 200) log.shift();
};

beforeAll(async () => {
  if (!support.ok) return;
  [cluster, db] = await Promise.all([
    startRedisCluster({ masters: 3, nodeTimeoutMs: 1000 }).then(async (c) => {
      await c.waitHealthy(30_000);
      return c;
    }),
    createFreshDatabase(inject('databaseUrl'), 'cluster'),
  ]);
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: cluster.url,
    OFD_QUEUE_PREFIX: PREFIX,
    OFD_REDIS_WAIT_REPLICAS: '1',
    OFD_REDIS_WAIT_TIMEOUT_MS: '250',
    // A paused worker's jobs come back soon after it resumes.
    OFD_PERSIST_LOCK_MS: '2000',
    OFD_PERSIST_STALLED_INTERVAL_MS: '1000',
  };
  // All four at once: the workers' migrations take turns (an advisory lock); the gateways need no schema to start.
  // Two gateways on one host: each needs its own marking port too (the harness picks the others).
  processes.push(...(await Promise.all([
    OfdProcess.start({ roles: 'worker', env, log: note }),
    OfdProcess.start({ roles: 'worker', env, log: note }),
    OfdProcess.start({ roles: 'gateway', env: { ...env, OFD_MARKING_PORT: String(await freePort()) }, log: note }),
    OfdProcess.start({ roles: 'gateway', env: { ...env, OFD_MARKING_PORT: String(await freePort()) }, log: note }),
  ])));
}, 180_000);

afterAll(async () => {
  // A failed run may have left the workers paused.
  for (const p of processes) {
    if (p.pid !== undefined) {
      try {
        process.kill(p.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
  await cluster?.cleanup();
  await db?.drop().catch(() => undefined);
});

/** Two seeds whose fleets have different FN numbers (the fleet tag is 4 digits of the seed). */
function seeds(): [string, string] {
  const a = 'cluster-a';
  for (let i = 0; ; i++) {
    const b = `cluster-b${i}`;
    if (fleetTag(b) !== fleetTag(a)) return [a, b];
  }
}

// The API's shared limits (failed logins per account, lockouts) on the same cluster: their keys carry no hash tag and
// spread over the slots; a reset of keys in different slots must not be a CROSSSLOT error.
it.skipIf(!support.ok)('keeps login counters and lockouts on the cluster, keys in any slot', async () => {
  const redis = createProducerRedis(cluster!.url, { connectionName: 'test:limits' });
  redis.on('error', () => undefined);
  try {
    // A fail-fast client refuses commands until it has the slot table.
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
    const store = redisCounterStore(redis, 'ofd:api');
    const [fail, lock] = ['login:a@example.ru:fail', 'login:a@example.ru:lock'];
    expect(keySlot(`ofd:api:${fail}`)).not.toBe(keySlot(`ofd:api:${lock}`));
    expect((await store.hit(fail, 60_000)).count).toBe(1);
    expect((await store.hit(fail, 60_000)).count).toBe(2);
    await store.flag(lock, 60_000);
    expect(await store.flagged(lock)).toBeGreaterThan(59_000);
    await store.reset(fail, lock);
    expect(await store.flagged(lock)).toBe(0);
    expect((await store.hit(fail, 60_000)).count).toBe(1);
  } finally {
    await closeRedis(redis);
  }
});

it.skipIf(!support.ok)('loses no acknowledged document when the master of the queue slot dies mid-run', { timeout: 150_000 }, async () => {
  const c = cluster!;
  const database = db!;
  const [workerA, workerB, gatewayA, gatewayB] = processes as [OfdProcess, OfdProcess, OfdProcess, OfdProcess];
  const context = () => `log tail:\n${log.slice(-40).join('\n')}`;

  // Every key of the queue is in one slot, and our slot arithmetic is Redis's.
  const slot = await c.keySlot(`${PREFIX}:documents:id`);
  expect(keySlot(`${PREFIX}:documents:id`)).toBe(slot);
  expect(await c.keySlot(`${PREFIX}:documents:wait`)).toBe(slot);
  const oldMaster = await c.masterOfSlot(slot);
  expect(oldMaster, 'the queue slot has a master').toBeDefined();
  const replicaOfOld = (await c.topology()).find((n) => n.masterId === oldMaster!.id);
  expect(replicaOfOld, 'the queue slot master has a replica').toBeDefined();

  const acks = new Map<string, number>();
  const abort = new AbortController();
  const abortTimer = setTimeout(() => abort.abort(), 120_000);
  const [seedA, seedB] = seeds();
  const emulate = (port: number, seed: string) =>
    runEmulator({
      port,
      registers: REGISTERS_PER_GATEWAY,
      documentsPerRegister: DOCUMENTS_PER_REGISTER,
      durationMs: undefined,
      thinkMs: 100,
      rampMs: 500,
      keepAlive: true,
      timeoutMs: 3000,
      retryDelayMs: 200,
      maxRetryDelayMs: 1000,
      seed,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === 'ack') {
          const key = `${e.fiscalDriveNumber}:${e.fiscalDocumentNumber}`;
          acks.set(key, (acks.get(key) ?? 0) + 1);
        }
      },
    });
  const runs = Promise.all([emulate(gatewayA.gatewayPort, seedA), emulate(gatewayB.gatewayPort, seedB)]);
  const total = 2 * REGISTERS_PER_GATEWAY * DOCUMENTS_PER_REGISTER;
  const stored = async () => Number((await database.query<{ n: string }>('select count(*) as n from documents')).rows[0]?.n);
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${context()}`);
      await sleep(50);
    }
  };

  await until('warm-up acks', () => acks.size >= total / 5, 60_000);
  // Pause both workers: what is acknowledged from now on exists only in Redis when the master dies.
  for (const w of [workerA, workerB]) process.kill(w.pid!, 'SIGSTOP');
  const pausedAt = acks.size;
  await until('acks while the workers are paused', () => acks.size >= pausedAt + 60, 30_000);
  const ackedAtKill = acks.size;
  const storedAtKill = await stored();
  const killedAt = Date.now();
  await c.node(oldMaster!.port).stop('SIGKILL');
  await c.waitHealthy(30_000, slot).catch(() => undefined); // the dead node is skipped; the replica must take the slot
  await until('the replica promoted', async () => (await c.masterOfSlot(slot))?.id === replicaOfOld!.id, 30_000);
  const failoverSeconds = (Date.now() - killedAt) / 1000;
  for (const w of [workerA, workerB]) process.kill(w.pid!, 'SIGCONT');
  // The new master has no replica: nothing can be acknowledged until the killed node rejoins as its replica.
  await sleep(1500);
  await c.node(oldMaster!.port).start();
  await c.waitHealthy(60_000, slot);
  const rejoinedSeconds = (Date.now() - killedAt) / 1000;
  const rejoined = (await c.topology()).find((n) => n.id === oldMaster!.id);

  const summaries = await runs.finally(() => clearTimeout(abortTimer));
  await until('every acknowledged document stored', async () => (await stored()) >= acks.size, 60_000);
  await sleep(1000); // a late duplicate, if any, would land now

  const rows = (await database.query<{ fn: string; fd: string; n: number }>('select fn, fd::text as fd, count(*)::int as n from documents group by fn, fd')).rows;
  const inDb = new Map(rows.map((r) => [`${r.fn}:${r.fd}`, r.n]));
  const missing = [...acks.keys()].filter((k) => !inDb.has(k));
  const duplicates = rows.filter((r) => r.n > 1).map((r) => `${r.fn}:${r.fd}×${r.n}`);
  const notReplicated = (await Promise.all([gatewayA, gatewayB].map((g) => g.metrics())))
    .reduce((sum, text) => sum + metricSum(text ?? '', 'ofd_gateway_enqueue_failures_total', 'QUEUE_NOT_REPLICATED'), 0);
  const report = JSON.stringify({
    slot, oldMaster: oldMaster!.port, newMaster: replicaOfOld!.port, failoverSeconds, rejoinedSeconds, ackedAtKill, storedAtKill,
    acked: acks.size, stored: rows.length, missing: missing.slice(0, 10), duplicates: duplicates.slice(0, 10), notReplicated,
    emulators: summaries.map((s) => ({ acknowledged: s.acknowledged, unacknowledged: s.unacknowledged, resends: s.resends })),
  });
  note(report);
  console.log(`redis-cluster: ${report}`);

  expect(abort.signal.aborted, context()).toBe(false);
  // The kill hit documents that were acknowledged and not yet stored: they had to come from the promoted replica.
  expect(ackedAtKill - storedAtKill, report).toBeGreaterThan(0);
  expect(rejoined?.role, report).toBe('replica');
  expect(rejoined?.masterId, report).toBe(replicaOfOld!.id);
  // With no replica to confirm, the gateways refused to acknowledge rather than ack what a second failure would lose.
  expect(notReplicated, report).toBeGreaterThan(0);
  expect(summaries.map((s) => s.unacknowledged), report).toEqual([0, 0]);
  expect(acks.size, report).toBe(total);
  expect(missing, report).toEqual([]);
  expect(duplicates, report).toEqual([]);
  expect(rows.length, report).toBe(total);
});
