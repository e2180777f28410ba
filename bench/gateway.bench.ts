/**
 * `npm run bench:gateway` — the gateway against this machine's floor, side by side in one run (issue 12's table), with
 * the shared C load client (`../shared/bench/loadc.c`: epoll, a new TCP connection per message, C registers at once),
 * so the load generator is not the limit.
 *
 * Servers, each measured in turn, runs interleaved (floor, gateway, npm start, [yandex], floor, …):
 * - floor: `../shared/bench/floor.mjs`, a do-nothing Node responder (reads a message, answers 62 bytes);
 * - gateway: `OFD_ROLES=gateway OFD_PROCESSES=1` — verification, ФЛК, durable enqueue into an AOF Redis, signed ack;
 * - gateway-all: the gateway role with one process per core (`OFD_PROCESSES=auto`);
 * - npm start: every role, one process per core (the supervisor: the worker role in niced children of its own),
 *   persisting into a fresh PostgreSQL database; it also reports when every document it acknowledged was stored
 *   (`storedAllAfterMs`, from the end of the load);
 * - npm-start-alt: npm start again, from BENCH_ALT_DIR and/or with BENCH_ALT_ENV (e.g. `OFD_WORKER_PROCESSES=0`);
 * - yandex: the yandex/ofd Python mock, only when BENCH_YANDEX_CMD is given (`{port}` is replaced by the port).
 *
 * The messages are the emulator's (a fleet of registers, its mix of forms), each (FN, FD) once, written in the client's
 * format (4-byte little-endian length + message) and sent round-robin; every run of a server gets a fresh queue prefix,
 * so no run measures re-sends.
 *
 * Our servers run the build (`node dist/main.js`, what `npm start` runs; `npm run build` first) or, without one or with
 * BENCH_FROM_SOURCE=1, the sources through tsx. Each one-process gateway also reports its mean enqueue batch (documents
 * per batch job, from its /metrics): Redis's CPU per document depends on it.
 *
 * Env: BENCH_SECONDS (10), BENCH_RUNS (3), BENCH_WARMUP_SECONDS (2: unmeasured load of other registers' documents first), BENCH_CONCURRENCY (128), BENCH_MESSAGES (120000, ≤ 200000),
 * BENCH_REGISTERS (2000), BENCH_SERVERS (floor,gateway,gateway-all,npm-start[,yandex]), BENCH_LOADC_SRC (../shared/bench/loadc.c),
 * BENCH_FLOOR (../shared/bench/floor.mjs), BENCH_YANDEX_CMD, BENCH_MESSAGES_FILE (written once, then reused), BENCH_NODE_ARGS (node flags for our servers, e.g. a CPU profile), BENCH_ALT_DIR and BENCH_ALT_ENV (server `gateway-alt`:
 * another built checkout and/or other settings, for an A/B comparison in one run), BENCH_FROM_SOURCE. Prints each run on stderr and the medians, ratios and CPU per
 * acknowledged message (µs, per process group) as one JSON object on stdout.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../test/support/redis-process.js';
import { writeBenchMessages } from './gateway-messages.js';
import { backendPids, createFreshDatabase, metricSum, DEFAULT_SERVER_URL, loadAverage, sleep, startPrivateRedis, sumProc, type FreshDatabase } from '../scripts/pipeline-harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Each server first takes this long of other documents, unmeasured (0 = measure from the first message). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 128);
const MESSAGES = Math.min(200_000, Number(process.env.BENCH_MESSAGES ?? 120_000));
const REGISTERS = Number(process.env.BENCH_REGISTERS ?? 2000);
const LOADC_SRC = resolve(process.env.BENCH_LOADC_SRC ?? '../shared/bench/loadc.c');
const FLOOR = resolve(process.env.BENCH_FLOOR ?? '../shared/bench/floor.mjs');
const YANDEX_CMD = process.env.BENCH_YANDEX_CMD;
/** Extra node flags for our servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a run. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const SERVERS = (process.env.BENCH_SERVERS ?? `floor,gateway,gateway-all,npm-start${YANDEX_CMD ? ',yandex' : ''}`).split(',');
/**
 * What our servers run: the build (`node dist/main.js`, what `npm start` runs) when there is one, else the sources
 * through tsx (whose loader thread and on-demand compiling add CPU of their own). BENCH_FROM_SOURCE=1 forces the latter.
 */
const FROM_SOURCE = process.env.BENCH_FROM_SOURCE === '1' || !existsSync('dist/main.js');
/**
 * Server `gateway-alt`: the gateway role again, from another built checkout (BENCH_ALT_DIR, default this one) and/or with
 * other settings (BENCH_ALT_ENV, e.g. `OFD_ENQUEUE_MAX_DELAY_MS=10`): an A/B comparison within one run.
 */
const ALT_DIR = resolve(process.env.BENCH_ALT_DIR ?? '.');
const ALT_ENV = Object.fromEntries(
  (process.env.BENCH_ALT_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

type ServerName = 'floor' | 'gateway' | 'gateway-alt' | 'gateway-all' | 'npm-start' | 'npm-start-alt' | 'yandex';
const isNpmStart = (name: ServerName) => name === 'npm-start' || name === 'npm-start-alt';

/** node + flags + entry for a checkout (`.` or BENCH_ALT_DIR). */
function ofdCommand(cwd: string): string[] {
  return FROM_SOURCE ? [...NODE_ARGS, '--import', 'tsx', join(cwd, 'src/main.ts')] : [...NODE_ARGS, join(cwd, 'dist/main.js')];
}

interface LoadcResult {
  acks: number;
  errors: number;
  seconds: number;
  rate: number;
  p50_ms: number;
  p99_ms: number;
}

interface Started {
  port: number;
  root: ChildProcess;
  /** CPU seconds of the server's processes so far (the root and its descendants), and the kernel's part of them. */
  cpu(): { total: number; system: number };
  /** CPU seconds of its PostgreSQL backends (npm start only). */
  pgCpu(): Promise<number>;
  /** Documents and batch jobs the producer wrote so far (one-process gateways only; undefined elsewhere). */
  enqueued(): Promise<{ documents: number; batches: number } | undefined>;
  stop(): Promise<void>;
}

function buildClient(dir: string): string {
  if (!existsSync(LOADC_SRC)) throw new Error(`the shared load client is not at ${LOADC_SRC}: set BENCH_LOADC_SRC`);
  const bin = join(dir, 'loadc');
  execFileSync('gcc', ['-O2', '-o', bin, LOADC_SRC], { stdio: 'inherit' });
  return bin;
}

/** The benchmark's messages in loadc's record format: a 4-byte little-endian length, then the message. */
function writeMessages(file: string, total = MESSAGES, seed = 'bench-gateway'): void {
  const records: Buffer[] = [];
  const messages = writeBenchMessages(total, REGISTERS, seed);
  for (const bytes of messages) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    records.push(length, bytes);
  }
  writeFileSync(file, Buffer.concat(records));
  console.error(`bench: ${messages.length} messages from ${REGISTERS} registers in ${file}`);
}

/** pid and every descendant, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean>, child: ChildProcess, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`${what}: the server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(200);
  }
}

const portOpen = (port: number) =>
  new Promise<boolean>((r) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      r(true);
    });
    s.on('error', () => r(false));
  });

async function startServer(name: ServerName, run: number, redisUrl: string, db: FreshDatabase | undefined): Promise<Started> {
  const port = await freePort();
  const httpPort = await freePort();
  let child: ChildProcess;
  const ofdEnv = {
    ...process.env,
    OFD_HOST: '127.0.0.1',
    OFD_GATEWAY_PORT: String(port),
    OFD_MARKING_PORT: String(await freePort()),
    OFD_HTTP_PORT: String(httpPort),
    OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '0', // every register of the client comes from 127.0.0.1
    REDIS_URL: redisUrl,
    OFD_QUEUE_PREFIX: `bench-gw-${name}-${run}`,
    LOG_LEVEL: 'warn',
  };
  if (name === 'floor') child = spawn(process.execPath, [FLOOR, String(port)], { stdio: 'inherit' });
  else if (name === 'yandex') child = spawn('bash', ['-c', YANDEX_CMD!.replaceAll('{port}', String(port))], { stdio: 'inherit' });
  else if (name === 'gateway') child = spawn(process.execPath, ofdCommand('.'), { env: { ...ofdEnv, OFD_ROLES: 'gateway', OFD_PROCESSES: '1' }, stdio: 'inherit' });
  else if (name === 'gateway-alt') {
    child = spawn(process.execPath, ofdCommand(ALT_DIR), { cwd: ALT_DIR, env: { ...ofdEnv, ...ALT_ENV, OFD_ROLES: 'gateway', OFD_PROCESSES: '1' }, stdio: 'inherit' });
  } else if (name === 'gateway-all') child = spawn(process.execPath, ofdCommand('.'), { env: { ...ofdEnv, OFD_ROLES: 'gateway', OFD_PROCESSES: 'auto' }, stdio: 'inherit' });
  else if (name === 'npm-start-alt') {
    child = spawn(process.execPath, ofdCommand(ALT_DIR), { cwd: ALT_DIR, env: { ...ofdEnv, OFD_ROLES: 'gateway,worker,api', OFD_PROCESSES: 'auto', ...ALT_ENV, DATABASE_URL: db!.url }, stdio: 'inherit' });
  } else child = spawn(process.execPath, ofdCommand('.'), { env: { ...ofdEnv, OFD_ROLES: 'gateway,worker,api', OFD_PROCESSES: 'auto', DATABASE_URL: db!.url }, stdio: 'inherit' });
  const ready = name === 'floor' || name === 'yandex' ? () => portOpen(port) : async () => (await fetch(`http://127.0.0.1:${httpPort}/health/ready`)).ok;
  await waitFor(name, ready, child);
  if (isNpmStart(name) || name === 'gateway-all') await sleep(3000); // every child listening, not only the first
  return {
    port,
    root: child,
    cpu: () => {
      const s = sumProc(processTree(child.pid!));
      return { total: s.cpuSeconds, system: s.systemSeconds };
    },
    pgCpu: async () => (db && isNpmStart(name) ? sumProc(await backendPids(DEFAULT_SERVER_URL, db.name)).cpuSeconds : 0),
    enqueued: async () => {
      if (name !== 'gateway' && name !== 'gateway-alt') return undefined;
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      return { documents: metricSum(text, 'ofd_gateway_enqueue_batch_size_sum'), batches: metricSum(text, 'ofd_gateway_enqueue_batch_size_count') };
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function redisCpuSeconds(url: string): Promise<number> {
  const r = new Redis(url);
  try {
    const info = await r.info('cpu');
    const get = (k: string) => Number(new RegExp(`^${k}:(\\S+)`, 'm').exec(info)?.[1] ?? NaN);
    return get('used_cpu_sys') + get('used_cpu_user');
  } finally {
    r.disconnect();
  }
}

async function measure(name: ServerName, run: number, client: string, messages: string, warmupMessages: string, redisUrl: string) {
  const db = isNpmStart(name) ? await createFreshDatabase(DEFAULT_SERVER_URL, 'benchgw') : undefined;
  const server = await startServer(name, run, redisUrl, db);
  try {
    // Warm-up with other registers' documents (no re-sends in the measured run): JIT and lazily loaded code settle first.
    const warmup = WARMUP_SECONDS > 0 ? (JSON.parse(execFileSync(client, [String(server.port), String(WARMUP_SECONDS), String(CONCURRENCY), warmupMessages], { encoding: 'utf8' })) as LoadcResult) : undefined;
    const [cpu0, redis0, pg0, enq0] = [server.cpu(), await redisCpuSeconds(redisUrl), await server.pgCpu(), await server.enqueued()];
    const out = execFileSync(client, [String(server.port), String(SECONDS), String(CONCURRENCY), messages], { encoding: 'utf8' });
    const result = JSON.parse(out) as LoadcResult;
    const [cpu1, redis1, pg1, enq1] = [server.cpu(), await redisCpuSeconds(redisUrl), await server.pgCpu(), await server.enqueued()];
    // Redis's CPU per document falls steeply with the batch size (one script call and AOF append per batch job).
    const meanBatch = enq0 && enq1 && enq1.batches > enq0.batches ? Number(((enq1.documents - enq0.documents) / (enq1.batches - enq0.batches)).toFixed(1)) : null;
    const perAck = (seconds: number) => (result.acks > 0 ? Math.round((seconds / result.acks) * 1e6) : null);
    // npm start stores what it acknowledged: how long after the load every acknowledged document was in PostgreSQL (the
    // worker children yield the CPU to the gateway, so storing may trail acknowledging under a burst).
    const storedAllAfterMs = db ? await waitStored(db, (warmup?.acks ?? 0) + result.acks) : undefined;
    return {
      server: name,
      run,
      ...result,
      ...(storedAllAfterMs === undefined ? {} : { storedAllAfterMs }),
      cpuMicrosPerAck: { server: perAck(cpu1.total - cpu0.total), serverKernel: perAck(cpu1.system - cpu0.system), redis: perAck(redis1 - redis0), postgres: perAck(pg1 - pg0) },
      meanEnqueueBatch: meanBatch,
    };
  } finally {
    await server.stop();
    await db?.drop();
  }
}

/** Milliseconds until `documents` holds at least `acked` rows (null: not within 5 minutes). */
async function waitStored(db: FreshDatabase, acked: number): Promise<number | null> {
  const start = Date.now();
  while (Date.now() - start < 300_000) {
    const { rows } = await db.query<{ n: number }>('select count(*)::int as n from documents');
    if (rows[0]!.n >= acked) return Date.now() - start;
    await sleep(250);
  }
  return null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const dir = mkdtempSync(join(tmpdir(), 'ofd-bench-gateway-'));
const redis = await startPrivateRedis('everysec');
try {
  const client = buildClient(dir);
  // BENCH_MESSAGES_FILE keeps the messages for other tools (a profile run, perf): written once, reused when present.
  const messages = process.env.BENCH_MESSAGES_FILE ? resolve(process.env.BENCH_MESSAGES_FILE) : join(dir, 'messages.bin');
  if (!existsSync(messages)) writeMessages(messages);
  const warmupMessages = `${messages}.warmup`;
  if (WARMUP_SECONDS > 0 && !existsSync(warmupMessages)) writeMessages(warmupMessages, 40_000, 'bench-gateway-warmup');
  const runs: Awaited<ReturnType<typeof measure>>[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const name of SERVERS as ServerName[]) {
      const r = await measure(name, run, client, messages, warmupMessages, redis.url);
      console.error(JSON.stringify(r));
      runs.push(r);
    }
  }
  const summary = Object.fromEntries(
    SERVERS.map((name) => {
      const mine = runs.filter((r) => r.server === name);
      return [
        name,
        {
          medianAcksPerSec: median(mine.map((r) => r.rate)),
          medianP99Ms: median(mine.map((r) => r.p99_ms)),
          medianCpuMicrosPerAck: {
            server: median(mine.map((r) => r.cpuMicrosPerAck.server ?? NaN)),
            serverKernel: median(mine.map((r) => r.cpuMicrosPerAck.serverKernel ?? NaN)),
            redis: median(mine.map((r) => r.cpuMicrosPerAck.redis ?? NaN)),
            postgres: median(mine.map((r) => r.cpuMicrosPerAck.postgres ?? NaN)),
          },
          medianEnqueueBatch: median(mine.map((r) => r.meanEnqueueBatch ?? NaN)),
          medianStoredAllAfterMs: median(mine.map((r) => ('storedAllAfterMs' in r ? (r.storedAllAfterMs ?? Infinity) : NaN))),
          errors: mine.map((r) => r.errors),
        },
      ];
    }),
  ) as Record<string, { medianAcksPerSec: number }>;
  const ratio = (a: string, b: string) => (summary[a] && summary[b] ? Number((summary[a].medianAcksPerSec / summary[b].medianAcksPerSec).toFixed(3)) : undefined);
  console.log(
    JSON.stringify({
      client: 'shared loadc (C, epoll, a new connection per message)',
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      runs: RUNS,
      concurrency: CONCURRENCY,
      messages: MESSAGES,
      redis: 'private, appendonly yes, appendfsync everysec',
      ourServersRun: FROM_SOURCE ? 'tsx src/main.ts' : 'node dist/main.js',
      loadAverageAtEnd: loadAverage(),
      summary,
      ratios: { gatewayToFloor: ratio('gateway', 'floor'), gatewayAltToFloor: ratio('gateway-alt', 'floor'), gatewayAllToFloor: ratio('gateway-all', 'floor'), npmStartToGateway: ratio('npm-start', 'gateway'), npmStartAltToGateway: ratio('npm-start-alt', 'gateway'), npmStartToGatewayAll: ratio('npm-start', 'gateway-all'), gatewayToYandex: ratio('gateway', 'yandex') },
    }),
  );
} finally {
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
