/**
 * Dead letters (architecture decision 8): jobs parked after their last retry or a terminal failure.
 *
 *   ofd dlq list [--queue Q] [--all] [--limit N]
 *       The parked letters (with --all also those replayed already), newest failure first, one JSON object per line.
 *   ofd dlq replay <id> [<id> …] | --all  [--queue Q] [--limit N]
 *       Puts each letter's job back into its queue under its ORIGINAL job id (fn-<FN>-fd-<FD>: idempotency holds),
 *       with its payload and the queue's default options (a fresh set of attempts). A failed or completed job still
 *       holding the id is removed first so the id is free; a job still waiting / delayed / active under it is left alone
 *       (skipped: it is queued already). Replayed letters get replayed_at and replay_count + 1; a replayed job that fails
 *       again is parked again under the same letter. Prints { replayed, skipped, missing } as JSON; exit 1 when an id
 *       given does not exist.
 *
 * Uses DATABASE_URL, REDIS_URL and OFD_QUEUE_PREFIX like the server.
 */
import { parseArgs } from 'node:util';
import { Queue, type JobType } from 'bullmq';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../config.js';
import type { Database } from '../../db/database.js';
import { createDb } from '../../db/database.js';
import { findDeadLetters, listDeadLetters, markDeadLettersReplayed } from '../../db/dead-letters.repository.js';
import type { DeadLetter } from '../../db/tables/dead-letters.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames } from '../../queue/jobs.js';
import { QUEUE_NAMES, type QueueName } from '../../queue/queue-names.js';
import { closeRedis, createProducerRedis, type RedisClient } from '../../queue/redis-connection.js';

const DEFAULT_LIMIT = 1000;
/** States in which the job will still run: replaying it would only duplicate it. */
const QUEUED_STATES: ReadonlySet<string> = new Set<JobType | 'unknown'>(['waiting', 'wait', 'active', 'delayed', 'prioritized', 'waiting-children']);

export interface ReplayOptions {
  readonly db: Kysely<Database>;
  /** A Redis URL (a client is created and closed) or a client the caller owns. */
  readonly redis: string | RedisClient;
  readonly prefix: string;
  /** Letter ids; or `all`. */
  readonly ids?: readonly number[];
  readonly all?: boolean;
  readonly queue?: QueueName;
  /** With `all`: at most this many letters per run. Default 1000. */
  readonly limit?: number;
}

export interface ReplayedLetter {
  readonly id: number;
  readonly queue: string;
  readonly jobId: string;
}

export interface ReplayReport {
  readonly replayed: ReplayedLetter[];
  readonly skipped: (ReplayedLetter & { readonly reason: string })[];
  /** Ids asked for that are not dead letters (or not of --queue). */
  readonly missing: number[];
}

function cliError(message: string): Error {
  return Object.assign(new Error(message), { code: 'CLI_BAD_ARGS' });
}

function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

/** The letters asked for (by id, or --all), and the ids asked for that are not among them. */
async function selectLetters(o: ReplayOptions): Promise<{ letters: DeadLetter[]; missing: number[] }> {
  if (o.all) {
    return { letters: await listDeadLetters(o.db, { ...(o.queue ? { queue: o.queue } : {}), limit: o.limit ?? DEFAULT_LIMIT }), missing: [] };
  }
  const ids = o.ids ?? [];
  const letters = (await findDeadLetters(o.db, ids)).filter((l) => o.queue === undefined || l.queue === o.queue);
  const found = new Set(letters.map((l) => Number(l.id)));
  return { letters, missing: ids.filter((id) => !found.has(id)) };
}

export async function replayDeadLetters(o: ReplayOptions): Promise<ReplayReport> {
  const { letters, missing } = await selectLetters(o);
  const report: ReplayReport = { replayed: [], skipped: [], missing };
  if (letters.length === 0) return report;

  const ownsRedis = typeof o.redis === 'string';
  const redis = typeof o.redis === 'string' ? createProducerRedis(o.redis, { connectionName: `${o.prefix}:dlq` }) : o.redis;
  const onError = (): void => undefined;
  redis.on('error', onError);
  const queues = new Map<QueueName, Queue>();
  const queueFor = (name: QueueName): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: redis, prefix: o.prefix, defaultJobOptions: JOB_OPTIONS[name] });
      q.on('error', onError);
      queues.set(name, q);
    }
    return q;
  };
  try {
    for (const letter of letters) await replayLetter(letter, queueFor, report);
  } finally {
    await markDeadLettersReplayed(
      o.db,
      report.replayed.map((r) => r.id),
    );
    await Promise.allSettled([...queues.values()].map((q) => q.close()));
    if (ownsRedis) await closeRedis(redis);
    redis.off('error', onError);
  }
  return report;
}

/** Puts one letter's job back under its original id, or records why it was skipped. */
async function replayLetter(letter: DeadLetter, queueFor: (name: QueueName) => Queue, report: ReplayReport): Promise<void> {
  const ref = { id: Number(letter.id), queue: letter.queue, jobId: letter.job_id };
  if (!isQueueName(letter.queue)) {
    report.skipped.push({ ...ref, reason: `unknown queue ${JSON.stringify(letter.queue)}` });
    return;
  }
  if (letter.job_id === '') {
    report.skipped.push({ ...ref, reason: 'the letter has no job id' });
    return;
  }
  const queue = queueFor(letter.queue);
  const existing = await queue.getJob(letter.job_id);
  if (existing) {
    const state = await existing.getState();
    if (QUEUED_STATES.has(state)) {
      report.skipped.push({ ...ref, reason: `job is ${state} already` });
      return;
    }
    await existing.remove();
  }
  await queue.add(letter.job_name ?? JobNames[letter.queue], letter.payload, { jobId: letter.job_id });
  report.replayed.push(ref);
}

function letterJson(l: DeadLetter): Record<string, unknown> {
  return {
    id: Number(l.id),
    queue: l.queue,
    jobId: l.job_id,
    jobName: l.job_name,
    errorCode: l.error_code,
    errorMessage: l.error_message,
    attempts: l.attempts,
    firstFailedAt: l.first_failed_at.toISOString(),
    lastFailedAt: l.last_failed_at.toISOString(),
    replayedAt: l.replayed_at?.toISOString() ?? null,
    replayCount: l.replay_count,
    payload: l.payload,
  };
}

function parseQueue(value: string | undefined): QueueName | undefined {
  if (value === undefined) return undefined;
  if (!isQueueName(value)) throw cliError(`--queue must be one of ${QUEUE_NAMES.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw cliError(`--limit must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

const USAGE = 'usage: ofd dlq list [--queue Q] [--all] [--limit N] | ofd dlq replay <id…>|--all [--queue Q] [--limit N]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { queue: { type: 'string' }, all: { type: 'boolean', default: false }, limit: { type: 'string' } },
  });
  const [sub, ...rest] = positionals;
  const queue = parseQueue(values.queue);
  const limit = parseLimit(values.limit);
  if (sub !== 'list' && sub !== 'replay') throw cliError(USAGE);
  const ids = rest.map((r) => {
    if (!/^\d+$/.test(r)) throw cliError(`dead letter ids are integers, got ${JSON.stringify(r)}`);
    return Number(r);
  });
  if (sub === 'list' && ids.length > 0) throw cliError(USAGE);
  if (sub === 'replay' && (ids.length > 0) === values.all) throw cliError('dlq replay takes letter ids or --all (not both)');

  const config = loadConfig();
  const handle = createDb(config.databaseUrl, { applicationName: 'ofd-dlq', maxConnections: 2 });
  try {
    if (sub === 'list') {
      const letters = await listDeadLetters(handle.db, {
        ...(queue ? { queue } : {}),
        includeReplayed: values.all,
        ...(limit ? { limit } : {}),
      });
      for (const l of letters) process.stdout.write(`${JSON.stringify(letterJson(l))}\n`);
      // On stderr, so stdout stays one JSON object per line for scripts.
      if (letters.length === 0) {
        process.stderr.write(`the dead-letter queue is empty${values.all ? '' : ' (no letters waiting; --all also lists replayed ones)'}\n`);
      }
      return 0;
    }
    const report = await replayDeadLetters({
      db: handle.db,
      redis: config.redisUrl,
      prefix: config.queuePrefix,
      ids,
      all: values.all,
      ...(queue ? { queue } : {}),
      ...(limit ? { limit } : {}),
    });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.missing.length > 0 ? 1 : 0;
  } finally {
    await handle.close();
  }
}
