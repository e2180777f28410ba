/**
 * Taking and completing BullMQ jobs a batch at a time (the persist worker's hot path).
 *
 * Why: BullMQ's Worker moves one job per Lua script call, with a Job object, a lock and an ioredis command of 14 keys
 * each. From a filled queue with a no-op processor that costs about 130 ms of Node CPU and 80–110 ms of Redis CPU per
 * 1000 jobs (155 + 113 with a downstream addBulk per job) — by itself more than the persist worker's whole budget
 * (10 000 receipts/s on two cores). Taking and completing up to 100 jobs per script call does the same state changes for
 * about 30 ms + 42 ms per 1000 (42 + 65 with the downstream adds of BatchAdder).
 *
 * What stays BullMQ's: the data layout is BullMQ's own (the scripts below are assembled from the Lua functions BullMQ
 * ships, `bullmq/dist/esm/commands/includes`, and do per job what its moveToActive / moveToFinished scripts do), and the
 * rare paths run BullMQ's own code: a failed job is moved by Job.moveToFailed (attempts, backoff, the failed set), jobs
 * of flows and deduplicated jobs are completed by Job.moveToCompleted, lock renewal is Worker.extendJobLocks and
 * stalled jobs (their worker died) are found by the Worker's stalled checker — jobs taken here hold the same
 * `<job>:lock` and sit in the same active list, so all of that sees them as it sees its own.
 *
 * Downstream jobs are added the same way (BatchAdder): what addStandardJob does per job, for plain jobs (a custom id, the
 * queue's default options: no parent, delay, priority or deduplication), up to 100 per call.
 *
 * Per job, the take script does what moveToActive does after its queue-wide checks: pop wait → active (or the
 * highest-priority job), lock it, mark it started, emit `active`. The checks (paused, a global rate limit or concurrency,
 * promoting due delayed jobs — the retries) run once per call; with a global rate limit or concurrency it takes one job
 * per call, as moveToActive does. The complete script does what moveToFinished does for a completed job: release the
 * lock, leave the active list, count the attempt, keep or remove it (removeOnComplete), emit `completed`; the kept-jobs
 * trimming and the event-stream trimming run once per call instead of once per job (same end state). Not done here:
 * BullMQ's optional per-worker metrics (`metrics` option: not used).
 *
 * The scripts were written against BullMQ 6.7; `assertSupportedBullmq` refuses other majors, and
 * test/integration/workers/job-batches.test.ts checks the states BullMQ reads back.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Job, type JobsOptions, type Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/** Jobs per script call: long enough to amortise the call, short enough (≈ 1–2 ms) not to hold up the gateway's adds. */
export const JOBS_PER_CALL = 100;

const require = createRequire(import.meta.url);

/** The directory of BullMQ's Lua include files, next to the entry point Node resolves (dist/cjs or dist/esm). */
function bullmqIncludesDir(): string {
  return path.join(path.dirname(require.resolve('bullmq')), 'commands', 'includes');
}

export function assertSupportedBullmq(): void {
  const { version } = require('bullmq/package.json') as { version: string };
  if (!version.startsWith('6.')) {
    throw new Error(`src/workers/job-batches.ts was written against BullMQ 6.x, found ${version}: check its scripts first`);
  }
}

/**
 * The named BullMQ include functions and, first, everything they include (depth first, each once): a Lua `local
 * function` must be defined before a function that calls it is compiled.
 */
function bullmqFunctions(names: readonly string[]): string {
  const dir = bullmqIncludesDir();
  const emitted = new Set<string>();
  const out: string[] = [];
  const emit = (name: string) => {
    if (emitted.has(name)) return;
    emitted.add(name);
    const source = readFileSync(path.join(dir, `${name}.lua`), 'utf8');
    for (const [, dep] of source.matchAll(/^--- @include "(?:includes\/)?([\w]+)"$/gm)) emit(dep!);
    out.push(source.replace(/^--- @include .*$/gm, ''));
  };
  names.forEach(emit);
  return out.join('\n');
}

/** The fields of a taken job's hash the worker reads (BullMQ's names: atm attempts made, ats attempts started, defa a
 * deferred failure, deid a deduplication id; attemptsMade is the pre-v5 name of atm). */
const TAKEN_FIELDS = ['name', 'data', 'opts', 'atm', 'attemptsMade', 'ats', 'defa', 'parentKey', 'parent', 'deid'] as const;

// KEYS (moveToActive's): wait, active, prioritized, events, stalled, limiter, delayed, paused, meta, pc, marker.
// ARGV: key prefix, timestamp, lock token, lock duration (ms), jobs wanted.
// Returns { { {jobId, and the TAKEN_FIELDS of the job's hash (false when absent)}… }, rate-limit ttl (ms) }.
const TAKE_BODY = `
local waitKey, activeKey, prioritizedKey, eventStreamKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local rateLimiterKey, delayedKey, metaKey, pcKey, markerKey = KEYS[6], KEYS[7], KEYS[9], KEYS[10], KEYS[11]
local prefix, timestamp = ARGV[1], ARGV[2]
local opts = { token = ARGV[3], lockDuration = tonumber(ARGV[4]) }
local wanted = tonumber(ARGV[5])

local isPausedOrMaxed, rateLimitMax, rateLimitDuration = getQueueMetadata(metaKey, activeKey, waitKey)
promoteDelayedJobs(delayedKey, markerKey, waitKey, prioritizedKey, eventStreamKey, prefix, timestamp, pcKey, isPausedOrMaxed)
local maxJobs = tonumber(rateLimitMax)
-- A queue-wide rate limit or concurrency is checked before every job: one job per call then, as moveToActive does.
if maxJobs or rcall("HEXISTS", metaKey, "concurrency") == 1 then wanted = 1 end
local expireTime = getRateLimitTTL(maxJobs, rateLimiterKey)
if expireTime > 0 then return { {}, expireTime } end
if isPausedOrMaxed then return { {}, 0 } end

local jobs = {}
for i = 1, wanted do
  local jobId = rcall("RPOPLPUSH", waitKey, activeKey)
  -- Markers in the wait list (BullMQ < 5), as moveToActive skips them.
  if jobId and string.sub(jobId, 1, 2) == "0:" then
    rcall("LREM", activeKey, 1, jobId)
    jobId = rcall("RPOPLPUSH", waitKey, activeKey)
  end
  if not jobId then jobId = moveJobFromPrioritizedToActive(prioritizedKey, activeKey, pcKey) end
  if not jobId then break end
  prepareJobForProcessing(prefix, rateLimiterKey, eventStreamKey, jobId, timestamp, maxJobs, rateLimitDuration,
    markerKey, opts)
  -- Not its whole hash (which prepareJobForProcessing reads): only what the worker reads, a third of the reply.
  local fields = rcall("HMGET", prefix .. jobId, ${TAKEN_FIELDS.map((f) => `"${f}"`).join(', ')})
  table.insert(fields, 1, jobId)
  jobs[#jobs + 1] = fields
end
return { jobs, 0 }
`;

// KEYS: wait, active, prioritized, events, stalled, meta, completed.
// ARGV: key prefix, timestamp, keep count, keep age (s), keep limit ('' = not set), then per job: id, lock token,
// return value (JSON). Returns one code per job: 0 completed, or moveToFinished's error codes (-1 no such job, -2 lock
// missing, -3 not active, -4 pending children, -6 lock held by another worker, -9 failed children).
const COMPLETE_BODY = `
local waitKey, activeKey, prioritizedKey, eventStreamKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local stalledKey, metaKey, completedKey = KEYS[5], KEYS[6], KEYS[7]
local prefix, timestamp = ARGV[1], ARGV[2]
local maxCount, maxAge, maxLimit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]) or 1000

trimEvents(metaKey, eventStreamKey)
local codes = {}
for i = 6, #ARGV, 3 do
  local jobId, token, returnValue = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local jobKey = prefix .. jobId
  local code = 0
  if rcall("EXISTS", jobKey) == 0 then
    code = -1
  elseif rcall("SCARD", jobKey .. ":dependencies") ~= 0 then
    code = -4
  elseif rcall("ZCARD", jobKey .. ":unsuccessful") ~= 0 then
    code = -9
  else
    code = removeLock(jobKey, stalledKey, token, jobId)
    if code == 0 then
      if rcall("LREM", activeKey, -1, jobId) < 1 then
        code = -3
      else
        rcall("HINCRBY", jobKey, "atm", 1)
        if maxCount ~= 0 then
          rcall("ZADD", completedKey, timestamp, jobId)
          rcall("HSET", jobKey, "returnvalue", returnValue, "finishedOn", timestamp)
        else
          removeJobKeys(jobKey)
        end
        rcall("XADD", eventStreamKey, "*", "event", "completed", "jobId", jobId, "returnvalue", returnValue, "prev", "active")
      end
    end
  end
  codes[#codes + 1] = code
end
if maxCount ~= 0 then
  if maxAge ~= nil then removeJobsByMaxAge(timestamp, maxAge, completedKey, prefix, maxLimit) end
  if maxCount ~= nil and maxCount > 0 then removeJobsByMaxCount(maxCount, completedKey, prefix) end
end
if rcall("LLEN", waitKey) == 0 and rcall("LLEN", activeKey) == 0 and rcall("ZCARD", prioritizedKey) == 0 then
  rcall("XADD", eventStreamKey, "*", "event", "drained")
end
return codes
`;

// KEYS (addStandardJob's): wait, paused, meta, id, completed, delayed, active, events, marker.
// ARGV: key prefix, timestamp, then per job: id, name, data (JSON), options (JSON, as BullMQ stores them).
// A job whose id exists already is not added again (BullMQ's `duplicated`). Returns the number of jobs given.
const ADD_BODY = `
local waitKey, metaKey, idKey, completedKey = KEYS[1], KEYS[3], KEYS[4], KEYS[5]
local activeKey, eventsKey, markerKey = KEYS[7], KEYS[8], KEYS[9]
local prefix, timestamp = ARGV[1], ARGV[2]
local count = (#ARGV - 2) / 4
rcall("INCRBY", idKey, count)
local maxEvents = getOrSetMaxEvents(metaKey)
local isPausedOrMaxed = isQueuePausedOrMaxed(metaKey, activeKey)
for i = 3, #ARGV, 4 do
  local jobId, name, data, opts = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local jobKey = prefix .. jobId
  if rcall("EXISTS", jobKey) == 1 then
    handleDuplicatedJob(jobKey, jobId, nil, nil, nil, nil, completedKey, eventsKey, maxEvents, timestamp, nil)
  else
    rcall("HMSET", jobKey, "name", name, "data", data, "opts", opts, "timestamp", timestamp, "delay", 0, "priority", 0)
    rcall("XADD", eventsKey, "*", "event", "added", "jobId", jobId, "name", name)
    addJobInTargetList(waitKey, markerKey, "LPUSH", isPausedOrMaxed, jobId)
    rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "waiting", "jobId", jobId)
  end
end
return count
`;

function script(functions: readonly string[], body: string): string {
  return `local rcall = redis.call\n${bullmqFunctions(functions)}\n${body}`;
}

let scripts: { take: string; complete: string; add: string } | undefined;
function loadScripts(): { take: string; complete: string; add: string } {
  return (scripts ??= {
    take: script(
      ['getQueueMetadata', 'getRateLimitTTL', 'moveJobFromPrioritizedToActive', 'prepareJobForProcessing', 'promoteDelayedJobs'],
      TAKE_BODY,
    ),
    complete: script(['removeLock', 'trimEvents', 'removeJobsByMaxAge', 'removeJobsByMaxCount', 'removeJobKeys'], COMPLETE_BODY),
    add: script(['getOrSetMaxEvents', 'isQueuePausedOrMaxed', 'handleDuplicatedJob', 'addJobInTargetList'], ADD_BODY),
  });
}

/** BullMQ's KeepJobs, every field optional: `count` jobs and/or jobs younger than `age` seconds (`limit` per trim). */
interface Keep {
  readonly count?: number;
  readonly age?: number;
  readonly limit?: number;
}

/** BullMQ's choice of what to keep of a completed job, from its removeOnComplete (unset: keep it). */
function keepJobs(removeOnComplete: JobsOptions['removeOnComplete']): Keep {
  if (removeOnComplete === undefined) return { count: -1 };
  if (typeof removeOnComplete === 'object') return removeOnComplete;
  if (typeof removeOnComplete === 'number') return { count: removeOnComplete };
  return { count: removeOnComplete ? 0 : -1 };
}

/** A job taken from the queue: active, locked with `token`, not yet completed or failed. */
export interface TakenJob {
  readonly id: string;
  readonly token: string;
  readonly name: string;
  /** The payload, parsed. */
  readonly data: unknown;
  /** Its `attempts` option (1 when not set). */
  readonly maxAttempts: number;
  /** What to keep of it once completed (its removeOnComplete). */
  readonly keep: Keep;
  /** Attempts finished before this one (failed ones: a retry has attemptsMade > 0). */
  readonly attemptsMade: number;
  /** Times taken, this one included (> 1: an earlier run died or its lock expired). */
  readonly attemptsStarted: number;
  /** Set by BullMQ when the job must fail without running (it stalled more often than allowed). */
  readonly deferredFailure: string | undefined;
  /** Part of a flow or deduplicated: BullMQ's own moveToCompleted handles what that involves. */
  readonly completesOneByOne: boolean;
  /** BullMQ's Job for it, for BullMQ's own moves (failure, one-by-one completion); undefined if it no longer exists. */
  job(): Promise<Job | undefined>;
}

export interface TakeResult {
  readonly jobs: TakenJob[];
  /** When the queue has a global rate limit and reached it: how long until jobs may be taken again. */
  readonly rateLimitedMs: number;
}

/** Why BullMQ would refuse to complete a job (moveToFinished's codes). */
const COMPLETE_ERRORS: Record<number, string> = {
  [-1]: 'job no longer exists',
  [-2]: 'job lock missing (it stalled and may run again elsewhere)',
  [-3]: 'job not in the active list',
  [-4]: 'job has pending children',
  [-6]: 'job lock held by another worker',
  [-9]: 'job has failed children',
};

export interface Completion {
  readonly job: TakenJob;
  /** The job's return value, stored with the completed job (keep it small). */
  readonly returnValue: unknown;
}

/** Per job: its id, then TAKEN_FIELDS in order (null when absent). */
type RawTakeReply = [(string | null)[][], number | string];

interface BatchCommands {
  ofdTakeJobs(...args: (string | number)[]): Promise<RawTakeReply>;
  ofdCompleteJobs(...args: (string | number)[]): Promise<number[]>;
  ofdAddJobs(...args: (string | number)[]): Promise<number>;
}

/**
 * Batch moves on one queue, through `worker` (a Worker without a processor: its connection, key names, lock
 * extension, stalled checker and Job objects) and `redis`, the ioredis client the worker was given.
 */
export class JobBatches {
  private readonly commands: BatchCommands;
  private readonly prefix: string;

  constructor(
    private readonly worker: Worker,
    redis: Redis,
    private readonly lockDurationMs: number,
  ) {
    assertSupportedBullmq();
    const { take, complete } = loadScripts();
    redis.defineCommand('ofdTakeJobs', { numberOfKeys: 11, lua: take });
    redis.defineCommand('ofdCompleteJobs', { numberOfKeys: 7, lua: complete });
    this.commands = redis as unknown as BatchCommands;
    this.prefix = worker.keys['']!;
  }

  /** Takes up to `wanted` jobs (at most JOBS_PER_CALL), locked with `token`. */
  async take(wanted: number, token: string): Promise<TakeResult> {
    const k = this.worker.keys;
    const [rows, rateLimitedMs] = await this.commands.ofdTakeJobs(
      k.wait!, k.active!, k.prioritized!, k.events!, k.stalled!, k.limiter!, k.delayed!, k.paused!, k.meta!, k.pc!, k.marker!,
      this.prefix, Date.now(), token, this.lockDurationMs, Math.min(wanted, JOBS_PER_CALL),
    );
    return {
      jobs: rows.map((row) => this.fromFields(row, token)),
      rateLimitedMs: Number(rateLimitedMs),
    };
  }

  /** A job BullMQ's own getNextJob took, in the same shape. */
  fromJob(job: Job, token: string): TakenJob {
    return {
      id: job.id!,
      token,
      name: job.name,
      data: job.data,
      maxAttempts: job.opts.attempts ?? 1,
      keep: keepJobs(job.opts.removeOnComplete),
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      deferredFailure: job.deferredFailure,
      completesOneByOne: job.parentKey !== undefined || job.parent !== undefined || job.deduplicationId !== undefined,
      job: () => Promise.resolve(job),
    };
  }

  private fromFields(row: readonly (string | null)[], token: string): TakenJob {
    const [id, name, data, optsText, atm, attemptsMade, ats, defa, parentKey, parent, deid] = row as (string | undefined)[];
    // Only `attempts` and `removeOnComplete` are read here: BullMQ stores both under their own names (it shortens others).
    const opts = JSON.parse(optsText ?? '{}') as Pick<JobsOptions, 'attempts' | 'removeOnComplete'>;
    return {
      id: id!,
      token,
      name: name ?? '',
      data: JSON.parse(data ?? '{}') as unknown,
      maxAttempts: opts.attempts ?? 1,
      keep: keepJobs(opts.removeOnComplete),
      attemptsMade: Number(atm ?? attemptsMade ?? 0),
      attemptsStarted: Number(ats ?? 0),
      deferredFailure: defa ?? undefined,
      completesOneByOne: parentKey != null || parent != null || deid != null,
      job: async () => {
        const job = await Job.fromId(this.worker, id!);
        if (job) job.token = token;
        return job;
      },
    };
  }

  /**
   * Completes the jobs. Returns the jobs BullMQ would refuse to complete, with the reason: typically a lock that expired
   * while the batch ran (the stalled checker may have handed the job to another run, which finds it stored already).
   */
  async complete(done: readonly Completion[]): Promise<{ job: TakenJob; reason: string }[]> {
    const refused: { job: TakenJob; reason: string }[] = [];
    // One script call carries one retention policy: group by it (in practice the queue's default, a single group).
    const byKeep = new Map<string, { keep: Keep; group: Completion[] }>();
    for (const c of done) {
      if (c.job.completesOneByOne) continue;
      const key = JSON.stringify(c.job.keep);
      const entry = byKeep.get(key);
      if (entry) entry.group.push(c);
      else byKeep.set(key, { keep: c.job.keep, group: [c] });
    }
    const k = this.worker.keys;
    for (const { keep, group } of byKeep.values()) {
      for (let i = 0; i < group.length; i += JOBS_PER_CALL) {
        const chunk = group.slice(i, i + JOBS_PER_CALL);
        const args: (string | number)[] = [
          k.wait!, k.active!, k.prioritized!, k.events!, k.stalled!, k.meta!, k.completed!,
          this.prefix, Date.now(), keep.count ?? '', keep.age ?? '', keep.limit ?? '',
        ];
        for (const c of chunk) args.push(c.job.id, c.job.token, JSON.stringify(c.returnValue) ?? 'null');
        const codes = await this.commands.ofdCompleteJobs(...args);
        codes.forEach((code, j) => {
          if (code !== 0) refused.push({ job: chunk[j]!.job, reason: COMPLETE_ERRORS[code] ?? `error ${code}` });
        });
      }
    }
    for (const c of done) {
      if (!c.job.completesOneByOne) continue;
      try {
        const job = await c.job.job();
        if (!job) throw new Error('job no longer exists');
        await job.moveToCompleted(c.returnValue, c.job.token, false);
      } catch (e) {
        refused.push({ job: c.job, reason: (e as Error).message });
      }
    }
    return refused;
  }

  /** Fails the job through BullMQ (a retry after its backoff while attempts are left, unless `error` is unrecoverable). */
  async fail(job: TakenJob, error: Error): Promise<void> {
    const bullJob = await job.job();
    if (!bullJob) throw new Error(`job ${job.id} no longer exists`);
    await bullJob.moveToFailed(error, job.token, false);
  }

  /** Extends the locks of jobs still held; returns the ids whose lock was lost. */
  async extendLocks(jobs: readonly TakenJob[]): Promise<string[]> {
    if (jobs.length === 0) return [];
    return this.worker.extendJobLocks(
      jobs.map((j) => j.id),
      jobs.map((j) => j.token),
      this.lockDurationMs,
    );
  }
}

/** A downstream job: a custom (deterministic) id, the queue's default options. */
export interface PlainJob {
  readonly name: string;
  readonly data: unknown;
  readonly jobId: string;
}

/** Default job options stored by BullMQ as they are (it shortens the names of others: not supported here). */
const PLAIN_OPTIONS: ReadonlySet<string> = new Set(['attempts', 'backoff', 'removeOnComplete', 'removeOnFail']);

/**
 * Adds plain jobs to `queue` in batches, as Queue.addBulk would store them (same hash, lists, markers and events), with
 * one script call per 100 jobs; a job whose id exists is not added again.
 */
export class BatchAdder {
  private readonly commands: BatchCommands;
  /** The stored options of every job, `{…defaults, "jobId": <id>}`, without the id and closing brace. */
  private readonly optsHead: string;

  constructor(
    private readonly queue: Queue,
    redis: Redis,
  ) {
    assertSupportedBullmq();
    const defaults = queue.defaultJobOptions;
    const unsupported = Object.keys(defaults).filter((k) => !PLAIN_OPTIONS.has(k));
    if (unsupported.length > 0) throw new Error(`BatchAdder: default job options ${unsupported.join(', ')} are not plain; use addBulk`);
    const json = JSON.stringify(defaults);
    this.optsHead = json === '{}' ? '{"jobId":' : `${json.slice(0, -1)},"jobId":`;
    redis.defineCommand('ofdAddJobs', { numberOfKeys: 9, lua: loadScripts().add });
    this.commands = redis as unknown as BatchCommands;
  }

  async add(jobs: readonly PlainJob[]): Promise<void> {
    const k = this.queue.keys;
    for (let i = 0; i < jobs.length; i += JOBS_PER_CALL) {
      const args: (string | number)[] = [k.wait!, k.paused!, k.meta!, k.id!, k.completed!, k.delayed!, k.active!, k.events!, k.marker!, k['']!, Date.now()];
      for (const job of jobs.slice(i, i + JOBS_PER_CALL)) {
        // BullMQ refuses integer ids (they would clash with its own counter).
        if (/^\d+$/.test(job.jobId)) throw new Error(`BatchAdder: job id ${job.jobId} is an integer`);
        args.push(job.jobId, job.name, JSON.stringify(job.data), `${this.optsHead}${JSON.stringify(job.jobId)}}`);
      }
      await this.commands.ofdAddJobs(...args);
    }
  }
}
