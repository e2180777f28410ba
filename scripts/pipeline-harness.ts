/**
 * The whole pipeline as separate processes, for `npm run loadtest`, `npm run faulttest` and test/e2e/faults.test.ts:
 * a fresh PostgreSQL database, a private redis-server with AOF (never the shared 6379), a gateway process and a worker
 * process (`node --import tsx src/main.ts` with OFD_ROLES, or `node dist/main.js` when asked), each restartable on the
 * same ports, plus /metrics scraping and per-process CPU / memory from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort, startRedisProcess, type RedisProcess } from '../test/support/redis-process.js';

export const DEFAULT_SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- PostgreSQL

export interface FreshDatabase {
  url: string;
  name: string;
  /** A new short-lived client per call: survives terminated backends and server restarts. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'ofd-harness' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createFreshDatabase(serverUrl = DEFAULT_SERVER_URL, label = 'load'): Promise<FreshDatabase> {
  const name = `ofd_${label}_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    url,
    name,
    query: (text, values) => withClient(url, (c) => c.query(text, values)),
    drop: () => withClient(serverUrl, (c) => c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`)).then(() => {}),
  };
}

/** Terminates every backend of `database` except the caller's (the app's pool connections). Returns how many. */
export async function terminateBackends(serverUrl: string, database: string): Promise<number> {
  return withClient(serverUrl, async (c) => {
    const r = await c.query<{ n: number }>(
      `select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and application_name <> 'ofd-harness') t`,
      [database],
    );
    return r.rows[0]?.n ?? 0;
  });
}

/** Backend pids of `database`, for CPU accounting. */
export async function backendPids(serverUrl: string, database: string): Promise<number[]> {
  return withClient(serverUrl, async (c) => {
    const r = await c.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and application_name like 'ofd-%' and application_name <> 'ofd-harness'`, [database]);
    return r.rows.map((x) => x.pid);
  });
}

// ---------------------------------------------------------------- Redis

export interface PrivateRedis extends RedisProcess {
  dir: string;
  pid(): Promise<number | undefined>;
  cleanup(): Promise<void>;
}

export async function startPrivateRedis(fsync: 'everysec' | 'always' = 'everysec'): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'ofd-harness-redis-'));
  const redis = await startRedisProcess({ args: ['--appendonly', 'yes', '--appendfsync', fsync, '--dir', dir, '--maxmemory-policy', 'noeviction'] });
  return {
    ...redis,
    port: redis.port,
    url: redis.url,
    start: () => redis.start(),
    stop: (s) => redis.stop(s),
    signal: (s) => redis.signal(s),
    dir,
    async pid() {
      const r = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      r.on('error', () => {});
      try {
        await r.connect();
        const info = await r.info('server');
        return Number(/^process_id:(\d+)/m.exec(info)?.[1]);
      } catch {
        return undefined;
      } finally {
        r.disconnect();
      }
    },
    async cleanup() {
      await redis.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- OFD processes

export interface OfdProcessOptions {
  roles: string;
  env: Record<string, string>;
  /** Run dist/main.js instead of src/main.ts through tsx. */
  dist?: boolean;
  /** Restart automatically when the process dies without being asked to (as a supervisor would). */
  supervise?: boolean;
  log?: (line: string) => void;
}

const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : undefined;
const live = new Set<ChildProcess>();

/**
 * `node <args>` with `env`, stderr piped. setpriv --pdeathsig: the child dies with this process even when this one is
 * SIGKILLed (a killed test worker must not leave gateways and workers behind); setpriv execs node, so the pid stays the
 * node process's.
 */
/** Extra node flags for the OFD processes a harness starts, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (NODE_OPTIONS refuses those). */
const OFD_NODE_ARGS = (process.env['HARNESS_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

function spawnNode(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  args = [...OFD_NODE_ARGS, ...args];
  const options = { env, stdio: ['ignore', 'ignore', 'pipe'] as Array<'ignore' | 'pipe'> };
  const child = SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', process.execPath, ...args], options) : spawn(process.execPath, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Sends `signal`, then SIGKILL if the child is still there after `graceMs`; resolves once it has exited. */
async function killAndWait(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class OfdProcess {
  child: ChildProcess | undefined;
  readonly gatewayPort: number;
  readonly httpPort: number;
  /** The marking port: its own per process, so two gateways of one harness never contend for 4001. */
  readonly markingPort: number;
  unexpectedExits = 0;
  starts = 0;
  private expectingExit = false;
  private stderrTail = '';

  private constructor(
    private readonly o: OfdProcessOptions,
    ports: { gateway: number; http: number; marking: number },
  ) {
    this.gatewayPort = ports.gateway;
    this.httpPort = ports.http;
    this.markingPort = ports.marking;
  }

  static async start(o: OfdProcessOptions): Promise<OfdProcess> {
    const p = new OfdProcess(o, { gateway: await freePort(), http: await freePort(), marking: await freePort() });
    await p.spawn();
    return p;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async spawn(): Promise<void> {
    const args = this.o.dist ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
    const child = spawnNode(args, {
      ...process.env,
      OFD_ROLES: this.o.roles,
      OFD_HOST: '127.0.0.1',
      OFD_GATEWAY_PORT: String(this.gatewayPort),
      OFD_HTTP_PORT: String(this.httpPort),
      OFD_MARKING_PORT: String(this.markingPort),
      // Every emulated register connects from 127.0.0.1: one address, like a NAT, so no per-address cap.
      OFD_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '0',
      LOG_LEVEL: 'warn',
      // One process per role set: the harness supervises (and kills) its processes itself. OFD_PROCESSES in `env` overrides.
      OFD_PROCESSES: '1',
      ...this.o.env,
    });
    this.child = child;
    this.starts++;
    this.expectingExit = false;
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
      this.o.log?.(`[${this.o.roles}] ${d.toString().trimEnd()}`);
    });
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.expectingExit) {
        this.unexpectedExits++;
        this.o.log?.(`[${this.o.roles}] exited unexpectedly (${code ?? signal}); ${this.o.supervise ? 'restarting' : 'not restarting'}`);
        if (this.o.supervise) void sleep(500).then(() => (this.child ? undefined : this.spawn().catch(() => {})));
      }
    });
    await this.waitReady();
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const child = this.child;
      if (!child) throw new Error(`${this.o.roles} exited while starting: ${this.stderrTail}`);
      try {
        if ((await fetch(`http://127.0.0.1:${this.httpPort}/health/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.o.roles} not ready after ${timeoutMs} ms: ${this.stderrTail}`);
  }

  /** Sends `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    await killAndWait(child, signal, 15_000);
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }

  async metrics(): Promise<string | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.httpPort}/metrics`, { signal: AbortSignal.timeout(3000) });
      return res.ok ? await res.text() : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * A helper process of a run (`ofd fake-fns`, scripts/smtp-sink.ts): `node --import tsx <args>`, dying with this process
 * like the OfdProcesses, ready once its port accepts a TCP connection.
 */
export class HelperProcess {
  private constructor(
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  /** `args` get `--port <a free port>` appended. */
  static async start(name: string, args: string[], log?: (line: string) => void, timeoutMs = 30_000): Promise<HelperProcess> {
    const port = await freePort();
    const child = spawnNode(['--import', 'tsx', ...args, '--port', String(port)], process.env);
    child.stderr?.on('data', (d: Buffer) => log?.(`[${name}] ${d.toString().trimEnd()}`));
    const helper = new HelperProcess(name, port, child);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${name} exited while starting (${child.exitCode})`);
      if (await accepts(port)) return helper;
      await sleep(100);
    }
    await helper.stop();
    throw new Error(`${name} not listening on ${port} after ${timeoutMs} ms`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stop(): Promise<void> {
    return killAndWait(this.child, 'SIGTERM', 10_000);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// ---------------------------------------------------------------- metrics

/** Sum of every series of a metric (optionally only series whose labels contain `labelFilter`); 0 when none. */
export function metricSum(text: string, name: string, labelFilter?: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`, 'gm'))) {
    if (labelFilter && !(m[1] ?? '').includes(labelFilter)) continue;
    sum += Number(m[2]);
  }
  return sum;
}

/** Quantile from a Prometheus histogram's cumulative buckets, linearly interpolated within the bucket (as PromQL). */
export function histogramQuantile(text: string, name: string, q: number): number | undefined {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)`, 'gm'))]
    .map((m) => ({ le: Number(m[1]), n: Number(m[2]) }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const b of buckets) {
    if (b.n >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevN)) / Math.max(1, b.n - prevN);
    }
    prevLe = b.le;
    prevN = b.n;
  }
  return undefined;
}

// ---------------------------------------------------------------- /proc

const CLK_TCK = 100;

export interface ProcSample {
  cpuSeconds: number;
  /** Of cpuSeconds, the part spent in the kernel (system time): sockets, loopback delivery, epoll. */
  systemSeconds: number;
  rssMb: number;
}

export function procSample(pid: number | undefined): ProcSample | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const systemSeconds = Number(fields[12]) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    return { cpuSeconds, systemSeconds, rssMb: rssKb / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * The children of a supervised `npm start` (pid: its primary), by what they run: `worker` those whose OFD_ROLES is the
 * worker role alone, `front` the others (gateway, api). Read from /proc: each child's parent pid and environment.
 */
export function supervisedChildren(primary: number | undefined): { front: number[]; worker: number[] } {
  const out = { front: [] as number[], worker: [] as number[] };
  if (primary === undefined) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== primary) continue;
      const roles = /(?:^|\0)OFD_ROLES=([^\0]*)/.exec(readFileSync(`/proc/${entry}/environ`, 'utf8'))?.[1];
      (roles === 'worker' ? out.worker : out.front).push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function sumProc(pids: number[]): ProcSample {
  let cpuSeconds = 0;
  let systemSeconds = 0;
  let rssMb = 0;
  for (const pid of pids) {
    const s = procSample(pid);
    if (s) {
      cpuSeconds += s.cpuSeconds;
      systemSeconds += s.systemSeconds;
      rssMb += s.rssMb;
    }
  }
  return { cpuSeconds, systemSeconds, rssMb };
}

/** Whole-machine load, for the report: the machine is shared. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Parses `--name value` / `--flag` arguments; env `PREFIX_NAME` (upper case, dashes → underscores) is the fallback. */
export function option(name: string, envPrefix: string, fallback: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i !== -1) {
    const next = argv[i + 1];
    return next === undefined || next.startsWith('--') ? '1' : next;
  }
  return process.env[`${envPrefix}_${name.toUpperCase().replaceAll('-', '_')}`] ?? fallback;
}
