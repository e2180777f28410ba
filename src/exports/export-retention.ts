/**
 * Retention of export files (OFD_EXPORT_RETENTION_DAYS, default 7): the housekeeping of the exports worker. A `done`
 * export finished more than that many days ago loses its file (export_chunks) and becomes `expired`;
 * its row stays for the Выгрузки list, and its download answers 410 EXPORT_EXPIRED (make it again). A `failed` export's
 * partial file, if an attempt left one, goes after the same time; the row stays `failed`.
 *
 * In batches of `batchSize` jobs, each one statement (its own short transaction); rows another worker process is
 * expiring at the same moment are skipped (`skip locked`), so several processes may run it at once.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';

const DAY_MS = 86_400_000;

/** When a file finished at `finishedAt` stops being downloadable. */
export const exportExpiresAt = (finishedAt: Date, retentionDays: number): Date => new Date(finishedAt.getTime() + retentionDays * DAY_MS);

export interface ExpiredExports {
  /** Done exports whose file was deleted (now `expired`). */
  readonly expired: number;
  /** Failed exports whose partial file was deleted. */
  readonly failedFilesDeleted: number;
}

export async function expireExports(db: Kysely<Database>, retentionDays: number, now: Date = new Date(), batchSize = 100): Promise<ExpiredExports> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  let expired = 0;
  let failedFilesDeleted = 0;
  for (;;) {
    const { rows } = await sql<{ expired: number; failed: number; matched: number }>`
      with due as (
        select id, status from export_jobs
         where status in ('done', 'failed') and finished_at < ${cutoff}
           and (status = 'done' or exists (select 1 from export_chunks c where c.export_id = export_jobs.id))
         order by finished_at limit ${batchSize} for update skip locked
      ), files as (
        delete from export_chunks c using due where c.export_id = due.id returning c.export_id
      ), marked as (
        update export_jobs j set status = 'expired', lease_until = null
          from due where j.id = due.id and due.status = 'done' returning j.id
      )
      select (select count(*) from marked)::int as expired,
             (select count(*) from due where status = 'failed')::int as failed,
             (select count(*) from due)::int as matched`.execute(db);
    const r = rows[0]!;
    expired += r.expired;
    failedFilesDeleted += r.failed;
    if (r.matched < batchSize) return { expired, failedFilesDeleted };
  }
}
