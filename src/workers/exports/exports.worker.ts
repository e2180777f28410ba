/**
 * The exports worker (issue 15): a BullMQ Worker on `exports` runs export jobs (src/exports/export-jobs.ts), and a
 * sweep every `pollIntervalMs` feeds it from export_jobs — the table is the source of truth, the queue the transport:
 *   - daily and monthly «Выгрузки» of the last complete day / month are made (export-schedule.ts, exactly once each);
 *   - jobs queued (by the API, the schedule, or a failed attempt) and jobs whose worker died (lease expired) are added
 *     as `export-<id>-<attempt>`, so an add seen twice is one BullMQ job, and a retry is a new one;
 *   - e-mails of done jobs still pending are sent again;
 *   - housekeeping, at start and then every `retentionIntervalMs`: files of exports finished more than
 *     OFD_EXPORT_RETENTION_DAYS ago are deleted, their jobs marked expired (export-retention.ts).
 * Shift-closed «Выгрузки» are made by the notify worker's scan of `shift.closed` events (../notify/webhooks.ts).
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Kysely } from 'kysely';
import type { EmailSender } from '../../adapters/email/email-sender.js';
import type { Database } from '../../db/database.js';
import { exportEmailsDue, runnableExportJobs } from '../../db/worker-sweeps.repository.js';
import { deliverExportEmail, runExportJob } from '../../exports/export-jobs.js';
import { expireExports, type ExpiredExports } from '../../exports/export-retention.js';
import { scheduleCalendarExports } from '../../exports/export-schedule.js';
import type { Logger } from '../../observability/logger.js';
import { JOB_OPTIONS } from '../../queue/job-options.js';
import { JobNames } from '../../queue/jobs.js';
import { QueueNames } from '../../queue/queue-names.js';
import { closeRedis, createWorkerRedis } from '../../queue/redis-connection.js';

const QUEUE = QueueNames.exports;

export interface ExportsWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly email?: EmailSender | undefined;
  readonly publicUrl?: string | undefined;
  /** Exports written at once. Default 2: each streams a file; the API and the persist path share the database. */
  readonly concurrency?: number;
  /** Sweep interval. Default 2000 ms; 0: only `sweep()` (tests). */
  readonly pollIntervalMs?: number;
  /** The clock of the daily/monthly schedule and of the retention (tests). */
  readonly now?: () => Date;
  /** Days a finished export's file is kept (OFD_EXPORT_RETENTION_DAYS). Default 7. */
  readonly retentionDays?: number;
  /** How often the sweep also expires old files. Default 10 minutes. */
  readonly retentionIntervalMs?: number;
}

export interface ExportsWorker {
  /** One sweep now: schedule, enqueue due jobs, retry pending e-mails. Returns the export ids enqueued. */
  sweep(): Promise<number[]>;
  /** The retention housekeeping now: deletes the files of exports older than the retention. */
  expire(): Promise<ExpiredExports>;
  close(): Promise<void>;
}

interface Sweeps {
  sweep(): Promise<number[]>;
  expire(): Promise<ExpiredExports>;
}

/** The sweep (calendar exports scheduled, files past retention deleted, runnable jobs queued, e-mails sent) and the expiry. */
function exportSweeps(options: ExportsWorkerOptions, deps: Parameters<typeof runExportJob>[0], queue: Queue<{ exportId: number }>, log: Logger): Sweeps {
  const { db } = options;
  const now = options.now ?? (() => new Date());
  const retentionDays = options.retentionDays ?? 7;
  const retentionIntervalMs = options.retentionIntervalMs ?? 10 * 60_000;
  let lastExpiry = -Infinity;
  async function expire(): Promise<ExpiredExports> {
    lastExpiry = performance.now();
    const r = await expireExports(db, retentionDays, now());
    if (r.expired + r.failedFilesDeleted > 0) log.info({ ...r, retentionDays }, 'export files past their retention deleted');
    return r;
  }
  async function sweep(): Promise<number[]> {
    await scheduleCalendarExports(db, now());
    if (performance.now() - lastExpiry >= retentionIntervalMs) await expire();
    const rows = await runnableExportJobs(db, 100);
    if (rows.length > 0) {
      await queue.addBulk(rows.map((r) => ({ name: JobNames.exports, data: { exportId: r.id }, opts: { jobId: `export-${r.id}-${r.attempts}` } })));
    }
    for (const id of await exportEmailsDue(db, 20)) await deliverExportEmail(deps, id);
    return rows.map((r) => r.id);
  }
  return { sweep, expire };
}

export function startExportsWorker(options: ExportsWorkerOptions): ExportsWorker {
  const { db } = options;
  const log = options.logger.child({ role: 'worker', queue: QUEUE });
  const deps = { db, logger: log, email: options.email, publicUrl: options.publicUrl };
  const connection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:exports` });
  const queueConnection = createWorkerRedis(options.redisUrl, { connectionName: `${options.prefix}:worker:exports:producer` });
  for (const c of [connection, queueConnection]) c.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const queue = new Queue<{ exportId: number }>(QUEUE, { connection: queueConnection, prefix: options.prefix, defaultJobOptions: JOB_OPTIONS.exports });
  queue.on('error', (e: Error) => log.warn({ err: e.message }, 'queue error'));

  const worker = new Worker<{ exportId: number }, { ran: boolean }, string>(
    QUEUE,
    async (job: Job<{ exportId: number }>) => ({ ran: await runExportJob(deps, job.data.exportId) }),
    { connection, prefix: options.prefix, concurrency: options.concurrency ?? 2 },
  );
  worker.on('error', (e: Error) => log.warn({ err: e.message }, 'worker error'));
  const { sweep, expire } = exportSweeps(options, deps, queue, log);

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  const interval = options.pollIntervalMs ?? 2000;
  if (interval > 0) {
    timer = setInterval(() => {
      sweeping = sweep().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'exports sweep failed'));
    }, interval);
  }
  let closed: Promise<void> | undefined;
  return {
    sweep,
    expire,
    close() {
      closed ??= (async () => {
        if (timer) clearInterval(timer);
        await sweeping;
        await worker.close();
        await queue.close();
        await closeRedis(connection);
        await closeRedis(queueConnection);
      })();
      return closed;
    },
  };
}
