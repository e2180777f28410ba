// Storing yields to acknowledging under npm start (issue 12): while the gateway child is busy the supervisor pauses the
// worker child, documents are acknowledged and wait in Redis, and the pause ends by the lag bound
// (OFD_WORKER_MAX_PAUSE_MS) with every acknowledged document stored exactly once. "Busy" is forced here with
// OFD_WORKER_YIELD_ELU=0 (every report counts as busy); the real entry point, real TCP, Redis and PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { parseAck } from '../../protocol/ack.js';
import { decodeContainer } from '../../protocol/container.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { exchange, receiptChildren, signedMessage } from '../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { freePort } from '../support/redis-process.js';

const FN = '9999078900000778';
const MAX_PAUSE_MS = 8000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let database: TestDatabase;
let prefix: string;
let primary: ChildProcess;
let ports: { gateway: number; http: number };
const started = new Set<number>();
const logTail: string[] = [];

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log tail:\n${logTail.join('\n')}`);
    await sleep(everyMs);
  }
}

async function sendUntilAcked(message: Buffer, fd: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { reply } = await exchange(ports.gateway, message, { timeoutMs: 3000 });
    if (reply.length > 30 && parseAck(decodeContainer(reply.subarray(30))).fiscalDocumentNumber === fd) return;
    await sleep(50);
  }
  throw new Error(`FD ${fd} was never acknowledged`);
}

const metric = async (name: string) => {
  const text = await (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};
const stored = async () => (await database.pool.query<{ n: number; distinct_fd: number }>('select count(*)::int as n, count(distinct fd)::int as distinct_fd from documents where fn = $1', [FN])).rows[0]!;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  prefix = uniquePrefix('worker-yield');
  ports = { gateway: await freePort(), http: await freePort() };
  primary = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      OFD_PROCESSES: '2',
      OFD_WORKER_YIELD_ELU: '0',
      OFD_WORKER_MAX_PAUSE_MS: String(MAX_PAUSE_MS),
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      OFD_QUEUE_PREFIX: prefix,
      OFD_HOST: '127.0.0.1',
      OFD_GATEWAY_PORT: String(ports.gateway),
      OFD_MARKING_PORT: String(await freePort()),
      OFD_HTTP_PORT: String(ports.http),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [primary.stdout!, primary.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      logTail.push(line);
      if (logTail.length > 40) logTail.shift();
      try {
        const entry = JSON.parse(line) as { msg?: string; pid?: number };
        if (entry.msg === 'ofd started' && entry.pid !== undefined) started.add(entry.pid);
      } catch {
        // not a log line of ours
      }
    });
  }
  await until('two children started', () => started.size >= 2, 150_000);
  await until('ready', async () => (await fetch(`http://127.0.0.1:${ports.http}/health/ready`).catch(() => undefined))?.ok === true);
}, 200_000);

afterAll(async () => {
  if (primary && primary.exitCode === null) primary.kill('SIGKILL');
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await database?.drop();
  await deleteKeysWithPrefix(inject('redisUrl'), prefix);
});

it('acknowledges while the worker is paused, stores nothing until the pause ends, then stores everything once', async () => {
  // Catch the start of a pause (the gateway child reports twice a second; a fresh pause has ≈ MAX_PAUSE_MS to run).
  await until('the worker running', async () => (await metric('ofd_worker_yielding')) === 0, 30_000, 50);
  await until('a pause beginning', async () => (await metric('ofd_worker_yielding')) === 1, 30_000, 50);
  const pauseSeenAt = Date.now();

  const N = 30;
  await Promise.all(Array.from({ length: N }, (_, i) => sendUntilAcked(signedMessage({ fn: FN, fd: i + 1, children: receiptChildren(FN, i + 1) }), i + 1)));
  // Well inside the pause (the margin is the rest of MAX_PAUSE_MS): acknowledged, durable in Redis, not yet stored.
  expect(Date.now() - pauseSeenAt).toBeLessThan(MAX_PAUSE_MS / 2);
  await sleep(1000);
  expect((await stored()).n).toBe(0);
  expect(await metric('ofd_worker_yielding')).toBe(1);

  // The lag bound ends the pause although the gateway stays "busy"; the worker then stores every document, once.
  await until('every acknowledged document stored', async () => (await stored()).n >= N, 60_000, 200);
  expect(await stored()).toEqual({ n: N, distinct_fd: N });
  expect(await metric('ofd_worker_yields_total')).toBeGreaterThanOrEqual(1);
}, 120_000);
