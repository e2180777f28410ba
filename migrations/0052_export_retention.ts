// Retention of export files (issue 15 leftover): a finished export's file (export_chunks) is deleted
// OFD_EXPORT_RETENTION_DAYS after it was made, by the exports worker's housekeeping (src/exports/export-retention.ts);
// its row stays, as `expired`, so the Выгрузки list still shows what was made and a download link that is followed
// later gets a 410 saying to make the export again — not a 404 that looks like a wrong link. No column for when: it is
// finished_at + the retention (a column added here would move on up → down → up, see 0022).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table export_jobs drop constraint export_jobs_status_check`.execute(db);
  await sql`alter table export_jobs add constraint export_jobs_status_check check (status in ('queued', 'running', 'done', 'failed', 'expired'))`.execute(db);
  // What the housekeeping looks for: finished jobs (done, or failed with a partial file) by age.
  await sql`create index export_jobs_finished_idx on export_jobs (finished_at) where status in ('done', 'failed')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index export_jobs_finished_idx`.execute(db);
  // Expired rows have no file: as failed they keep the list readable under the old constraint.
  await sql`update export_jobs set status = 'failed', error = coalesce(error, 'file expired') where status = 'expired'`.execute(db);
  await sql`alter table export_jobs drop constraint export_jobs_status_check`.execute(db);
  await sql`alter table export_jobs add constraint export_jobs_status_check check (status in ('queued', 'running', 'done', 'failed'))`.execute(db);
}
