// Storing yields to acknowledging under npm start (issue 12): while the gateway child is busy the supervisor pauses the
// worker child, documents are acknowledged and wait in Redis, and the pause ends by the lag bound
// (OFD_WORKER_MAX_PAUSE_MS) with every acknowledged document stored exactly once. "Busy" is forced here with
// OFD_WORKER_YIELD_ELU=0 (every report counts as busy); the real entry point, real TCP, Redis and PostgreSQL.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { receiptChildren, signedMessage } from '../support/kkt.js';
import { sleep, startSupervised, type SupervisedStart } from '../support/supervised-start.js';

const FN = '9999078900000778';
const MAX_PAUSE_MS = 8000;

let s: SupervisedStart;

const metric = async (name: string) => {
  const text = await (await fetch(`http://127.0.0.1:${s.ports.http}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};
const stored = async () => (await s.database.pool.query<{ n: number; distinct_fd: number }>('select count(*)::int as n, count(distinct fd)::int as distinct_fd from documents where fn = $1', [FN])).rows[0]!;

beforeAll(async () => {
  s = await startSupervised({
    label: 'worker-yield',
    redisUrl: inject('redisUrl'),
    children: 2,
    env: { OFD_PROCESSES: '2', OFD_WORKER_YIELD_ELU: '0', OFD_WORKER_MAX_PAUSE_MS: String(MAX_PAUSE_MS) },
  });
}, 200_000);

afterAll(() => s?.cleanup());

it('acknowledges while the worker is paused, stores nothing until the pause ends, then stores everything once', async () => {
  // Catch the start of a pause (the gateway child reports twice a second; a fresh pause has ≈ MAX_PAUSE_MS to run).
  await s.until('the worker running', async () => (await metric('ofd_worker_yielding')) === 0, 30_000, 50);
  await s.until('a pause beginning', async () => (await metric('ofd_worker_yielding')) === 1, 30_000, 50);
  const pauseSeenAt = Date.now();

  const N = 30;
  await Promise.all(Array.from({ length: N }, (_, i) => s.sendUntilAcked(signedMessage({ fn: FN, fd: i + 1, children: receiptChildren(FN, i + 1) }), i + 1)));
  // Well inside the pause (the margin is the rest of MAX_PAUSE_MS): acknowledged, durable in Redis, not yet stored.
  expect(Date.now() - pauseSeenAt).toBeLessThan(MAX_PAUSE_MS / 2);
  await sleep(1000);
  expect((await stored()).n).toBe(0);
  expect(await metric('ofd_worker_yielding')).toBe(1);

  // The lag bound ends the pause although the gateway stays "busy"; the worker then stores every document, once.
  await s.until('every acknowledged document stored', async () => (await stored()).n >= N, 60_000, 200);
  expect(await stored()).toEqual({ n: N, distinct_fd: N });
  expect(await metric('ofd_worker_yields_total')).toBeGreaterThanOrEqual(1);
}, 120_000);
