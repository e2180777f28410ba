// /metrics of a supervised npm start sums every child's registry through the primary (src/cluster/cluster-metrics.ts).
// Real node:cluster processes: a child that blocks its event loop (a niced worker during a burst) must not hold the
// scrape; it is counted from its previous answer, its late answer is used next time, and the gauge says so.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/metrics-group.ts', import.meta.url));

interface Line {
  from?: string;
  type?: string;
  text?: string;
  error?: string;
  ready?: boolean;
}

let group: ChildProcessWithoutNullStreams;
const seen: Line[] = [];
const waiters: Array<{ match(l: Line): boolean; resolve(l: Line): void }> = [];

function next(match: (l: Line) => boolean): Promise<Line> {
  return new Promise((resolve) => waiters.push({ match, resolve }));
}

const command = (line: string) => group.stdin.write(`${line}\n`);

async function scrape(): Promise<string> {
  const answer = next((l) => l.from === 'fast' && l.type === 'scrape');
  command('fast scrape');
  const l = await answer;
  if (l.error) throw new Error(l.error);
  return l.text!;
}

const sample = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

beforeAll(async () => {
  group = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ANSWER_MS: '2000' } });
  group.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  createInterface({ input: group.stdout }).on('line', (raw) => {
    const l = JSON.parse(raw) as Line;
    seen.push(l);
    const i = waiters.findIndex((w) => w.match(l));
    if (i !== -1) waiters.splice(i, 1)[0]!.resolve(l);
  });
  await next((l) => l.ready === true);
}, 60_000);

afterAll(() => {
  group?.stdin.end();
  group?.kill();
});

it('sums every child, and a child that blocks its event loop does not hold the scrape', async () => {
  const fastInc = next((l) => l.from === 'fast' && l.type === 'done');
  command('fast inc 1');
  await fastInc;
  const slowInc = next((l) => l.from === 'slow' && l.type === 'done');
  command('slow inc 10');
  await slowInc;

  const both = await scrape();
  expect(sample(both, 'test_documents_total')).toBe(11);
  expect(sample(both, 'ofd_cluster_metrics_stale_children')).toBe(0);

  // The slow child counts 5 more, then holds its event loop for 8 s (the primary waits 2 s for it).
  const more = next((l) => l.from === 'slow' && l.type === 'done');
  command('slow inc 5');
  await more;
  const blocking = next((l) => l.from === 'slow' && l.type === 'blocking');
  const unblocked = next((l) => l.from === 'slow' && l.type === 'unblocked');
  command('slow block 8000');
  await blocking;
  const during = await scrape();
  // Answered while the slow child was still blocked: the order of the lines proves it, not a clock.
  expect(seen.findIndex((l) => l.type === 'unblocked')).toBe(-1);
  expect(sample(during, 'test_documents_total')).toBe(11);
  expect(sample(during, 'ofd_cluster_metrics_stale_children')).toBe(1);

  await unblocked;
  // The late answer is kept; the next scrape hears the child again.
  const after = await scrape();
  expect(sample(after, 'test_documents_total')).toBe(16);
  expect(sample(after, 'ofd_cluster_metrics_stale_children')).toBe(0);
}, 60_000);
