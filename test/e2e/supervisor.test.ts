// `npm start` on every core (issue 12, decision 9): the built-in supervisor forks children that share the ports (the worker
// role in a niced child of its own), a child killed with SIGKILL is forked again and nothing acknowledged is lost,
// /metrics answers for every child, SIGTERM stops them all. The real entry point in a child process, real TCP, Redis and PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { parseAck } from '../../protocol/ack.js';
import { decodeContainer } from '../../protocol/container.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../integration/queue/queue-test-helpers.js';
import { exchange, receiptChildren, signedMessage } from '../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { freePort } from '../support/redis-process.js';

const FN = '9999078900000777';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let database: TestDatabase;
let prefix: string;
let primary: ChildProcess;
let ports: { gateway: number; marking: number; http: number };
/** pids of children that logged 'ofd started', in order, and the roles each logged. */
const started: number[] = [];
const rolesOf = new Map<number, string>();
const logTail: string[] = [];

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log tail:\n${logTail.join('\n')}`);
    await sleep(100);
  }
}

/** Sends a document until it is acknowledged, as a register re-sends after a dropped connection. */
async function sendUntilAcked(message: Buffer, fd: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { reply } = await exchange(ports.gateway, message, { timeoutMs: 3000 });
    if (reply.length > 30 && parseAck(decodeContainer(reply.subarray(30))).fiscalDocumentNumber === fd) return;
    await sleep(50);
  }
  throw new Error(`FD ${fd} was never acknowledged`);
}

const scrape = async () => (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text();
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  // Not migrated: the supervisor migrates once before forking.
  database = await createTestDatabase({ migrate: false });
  prefix = uniquePrefix('supervisor');
  ports = { gateway: await freePort(), marking: await freePort(), http: await freePort() };
  primary = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      OFD_PROCESSES: '2',
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      OFD_QUEUE_PREFIX: prefix,
      OFD_HOST: '127.0.0.1',
      OFD_GATEWAY_PORT: String(ports.gateway),
      OFD_MARKING_PORT: String(ports.marking),
      OFD_HTTP_PORT: String(ports.http),
      // A killed child's batch is taken up again within seconds here (the defaults are for production).
      OFD_PERSIST_LOCK_MS: '3000',
      OFD_PERSIST_STALLED_INTERVAL_MS: '3000',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [primary.stdout!, primary.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      logTail.push(line);
      if (logTail.length > 40) logTail.shift();
      try {
        const entry = JSON.parse(line) as { msg?: string; pid?: number; roles?: string[] };
        if (entry.msg === 'ofd started' && entry.pid !== undefined) {
          started.push(entry.pid);
          rolesOf.set(entry.pid, (entry.roles ?? []).join('+'));
        }
      } catch {
        // not a log line of ours
      }
    });
  }
  // Generous: three Node processes compile the sources with tsx, slow on a busy 2-core machine.
  await until('two children started', () => new Set(started).size >= 2, 150_000);
  await until('ready', async () => (await fetch(`http://127.0.0.1:${ports.http}/health/ready`).catch(() => undefined))?.ok === true);
}, 200_000);

afterAll(async () => {
  if (primary && primary.exitCode === null) primary.kill('SIGKILL');
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await database?.drop();
  await deleteKeysWithPrefix(inject('redisUrl'), prefix);
});

it('answers /metrics for every child, not for the one the scrape landed on', async () => {
  for (let i = 0; i < 4; i++) expect(await scrape()).toMatch(/^ofd_processes 2$/m);
});

/**
 * The niceness of every thread of a process, deduplicated: field 19 of /proc/<pid>/task/<tid>/stat (after the command,
 * which is in parentheses). Linux nices threads one by one, and V8's and libuv's threads do the work too.
 */
const niceness = (pid: number) => [...new Set(readdirSync(`/proc/${pid}/task`).map((tid) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16])))];
const liveChild = (roles: string) => [...rolesOf].filter(([pid, r]) => r === roles && alive(pid)).at(-1)?.[0];

it('runs the worker role in a child of its own at niceness 10 (every thread), the gateway and the API in the other at 0', async () => {
  expect([...rolesOf.values()].sort()).toEqual(['gateway+api', 'worker']);
  expect(niceness(liveChild('gateway+api')!)).toEqual([0]);
  expect(niceness(liveChild('worker')!)).toEqual([10]);
  // Only the gateway+api child listens on the HTTP port: every API request lands where there is an API.
  // (a child without the API would answer 404 ROUTE_NOT_FOUND; the API answers an anonymous session check with 401).
  for (let i = 0; i < 20; i++) expect((await fetch(`http://127.0.0.1:${ports.http}/api/v1/auth/session`)).status).toBe(401);
});

it('forks a child killed with SIGKILL again and stores every acknowledged document exactly once', async () => {
  const N = 120;
  const messages = Array.from({ length: N }, (_, i) => signedMessage({ fn: FN, fd: i + 1, children: receiptChildren(FN, i + 1) }));
  await Promise.all(messages.slice(0, N / 2).map((m, i) => sendUntilAcked(m, i + 1)));
  // Both children die: the one acknowledging while registers send, then the one storing.
  const victims = [liveChild('gateway+api')!, liveChild('worker')!];
  const sending = Promise.all(messages.slice(N / 2).map((m, i) => sleep(i * 5).then(() => sendUntilAcked(m, N / 2 + i + 1))));
  await sleep(100);
  process.kill(victims[0]!, 'SIGKILL');
  await sending;
  process.kill(victims[1]!, 'SIGKILL');
  await until('both children started again', () => started.length >= 4, 120_000);
  for (const victim of victims) expect(alive(victim)).toBe(false);
  expect(niceness(liveChild('worker')!)).toEqual([10]);

  const stored = async () =>
    (await database.pool.query<{ n: number; distinct_fd: number }>('select count(*)::int as n, count(distinct fd)::int as distinct_fd from documents where fn = $1', [FN])).rows[0]!;
  await until('every acknowledged document stored', async () => (await stored()).n >= N, 60_000);
  expect(await stored()).toEqual({ n: N, distinct_fd: N });
  expect(await scrape()).toMatch(/^ofd_processes 2$/m);
}, 240_000);

it('stops every child on SIGTERM and exits 0', async () => {
  const children = [...new Set(started)].filter(alive);
  expect(children.length).toBe(2);
  const exit = new Promise<number | null>((r) => primary.once('exit', (code) => r(code)));
  primary.kill('SIGTERM');
  expect(await exit).toBe(0);
  for (const pid of children) expect(alive(pid)).toBe(false);
}, 60_000);
