// `npm start` on every core (issue 12, decision 9): the built-in supervisor forks children that share the ports (the worker
// role in a niced child of its own), a child killed with SIGKILL is forked again and nothing acknowledged is lost,
// /metrics answers for every child, SIGTERM stops them all. The real entry point in a child process, real TCP, Redis and PostgreSQL.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { receiptChildren, signedMessage } from '../support/kkt.js';
import { alive, sleep, startSupervised, type SupervisedStart } from '../support/supervised-start.js';

const FN = '9999078900000777';

let s: SupervisedStart;

const scrape = async () => (await fetch(`http://127.0.0.1:${s.ports.http}/metrics`)).text();

beforeAll(async () => {
  s = await startSupervised({
    label: 'supervisor',
    redisUrl: inject('redisUrl'),
    children: 2,
    env: {
      OFD_PROCESSES: '2',
      // A killed child's batch is taken up again within seconds here (the defaults are for production).
      OFD_PERSIST_LOCK_MS: '3000',
      OFD_PERSIST_STALLED_INTERVAL_MS: '3000',
    },
  });
}, 200_000);

afterAll(() => s?.cleanup());

it('answers /metrics for every child, not for the one the scrape landed on', async () => {
  for (let i = 0; i < 4; i++) expect(await scrape()).toMatch(/^ofd_processes 2$/m);
});

/**
 * The niceness of every thread of a process, deduplicated: field 19 of /proc/<pid>/task/<tid>/stat (after the command,
 * which is in parentheses). Linux nices threads one by one, and V8's and libuv's threads do the work too.
 */
const niceness = (pid: number) => [...new Set(readdirSync(`/proc/${pid}/task`).map((tid) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16])))];
const liveChild = (roles: string) => [...s.rolesOf].filter(([pid, r]) => r === roles && alive(pid)).at(-1)?.[0];

it('runs the worker role in a child of its own at niceness 10 (every thread), the gateway and the API in the other at 0', async () => {
  expect([...s.rolesOf.values()].sort()).toEqual(['gateway+api', 'worker']);
  expect(niceness(liveChild('gateway+api')!)).toEqual([0]);
  expect(niceness(liveChild('worker')!)).toEqual([10]);
  // Only the gateway+api child listens on the HTTP port: every API request lands where there is an API.
  // (a child without the API would answer 404 ROUTE_NOT_FOUND; the API answers an anonymous session check with 401).
  for (let i = 0; i < 20; i++) expect((await fetch(`http://127.0.0.1:${s.ports.http}/api/v1/auth/session`)).status).toBe(401);
});

it('forks a child killed with SIGKILL again and stores every acknowledged document exactly once', async () => {
  const N = 120;
  const messages = Array.from({ length: N }, (_, i) => signedMessage({ fn: FN, fd: i + 1, children: receiptChildren(FN, i + 1) }));
  await Promise.all(messages.slice(0, N / 2).map((m, i) => s.sendUntilAcked(m, i + 1)));
  // Both children die: the one acknowledging while registers send, then the one storing.
  const victims = [liveChild('gateway+api')!, liveChild('worker')!];
  const sending = Promise.all(messages.slice(N / 2).map((m, i) => sleep(i * 5).then(() => s.sendUntilAcked(m, N / 2 + i + 1))));
  await sleep(100);
  process.kill(victims[0]!, 'SIGKILL');
  await sending;
  process.kill(victims[1]!, 'SIGKILL');
  await s.until('both children started again', () => s.started.length >= 4, 120_000);
  for (const victim of victims) expect(alive(victim)).toBe(false);
  expect(niceness(liveChild('worker')!)).toEqual([10]);

  const stored = async () =>
    (await s.database.pool.query<{ n: number; distinct_fd: number }>('select count(*)::int as n, count(distinct fd)::int as distinct_fd from documents where fn = $1', [FN])).rows[0]!;
  await s.until('every acknowledged document stored', async () => (await stored()).n >= N, 60_000);
  expect(await stored()).toEqual({ n: N, distinct_fd: N });
  expect(await scrape()).toMatch(/^ofd_processes 2$/m);
}, 240_000);

it('stops every child on SIGTERM and exits 0', async () => {
  const children = [...new Set(s.started)].filter(alive);
  expect(children.length).toBe(2);
  const exit = new Promise<number | null>((r) => s.primary.once('exit', (code) => r(code)));
  s.primary.kill('SIGTERM');
  expect(await exit).toBe(0);
  for (const pid of children) expect(alive(pid)).toBe(false);
}, 60_000);
