// Background exports (issue 15): export_jobs and the file chunks they write (export_chunks). The job's life — claim,
// stream, finish, e-mail — lives in exports/export-jobs.ts; these are its reads and writes.
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import type { ExportJob } from './tables/exports.js';

type Db = Kysely<Database>;

const leaseUntil = (leaseMs: number) => sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`;

export async function findExportJob(db: Db, id: number): Promise<ExportJob | undefined> {
  return db.selectFrom('export_jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The organization's exports, newest first (`beforeId`: the page after that id). */
export async function listExportJobs(db: Db, organizationId: number, limit: number, beforeId?: number): Promise<ExportJob[]> {
  let q = db.selectFrom('export_jobs').selectAll().where('organization_id', '=', organizationId).orderBy('id', 'desc').limit(limit);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  return q.execute();
}

/** An export asked for through the API (no setting, no period). */
export async function insertRequestedExportJob(
  db: Db,
  j: { organizationId: number; content: ExportJob['content']; format: ExportJob['format']; filtersJson: string; title: string; emails: string[]; requestedBy: number | null },
): Promise<ExportJob> {
  return db
    .insertInto('export_jobs')
    .values({
      organization_id: j.organizationId,
      content: j.content,
      format: j.format,
      filters: j.filtersJson,
      title: j.title,
      emails: sql<string[]>`${j.emails}::text[]`,
      requested_by: j.requestedBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Takes the job if it is queued, or running under an expired lease (its worker died); undefined otherwise. */
export async function claimExportJobRow(db: Db, id: number, leaseMs: number): Promise<ExportJob | undefined> {
  return db
    .updateTable('export_jobs')
    .set({
      status: 'running',
      attempts: sql<number>`attempts + 1`,
      lease_until: leaseUntil(leaseMs),
      started_at: sql<Date>`coalesce(started_at, now())`,
      rows_done: 0,
      error: null,
    })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', sql<Date>`now()`)])]))
    .returningAll()
    .executeTakeFirst();
}

/** Rows written so far; the lease is renewed with it. */
export async function recordExportProgress(db: Db, id: number, rowsDone: number, leaseMs: number): Promise<void> {
  await db.updateTable('export_jobs').set({ rows_done: rowsDone, lease_until: leaseUntil(leaseMs) }).where('id', '=', id).execute();
}

export async function setExportRowsTotal(db: Db, id: number, total: number): Promise<void> {
  await db.updateTable('export_jobs').set({ rows_total: total }).where('id', '=', id).execute();
}

export async function finishExportJob(db: Db, id: number, f: { byteSize: number; fileName: string; emailStatus: 'pending' | 'none' }): Promise<void> {
  await db
    .updateTable('export_jobs')
    .set({
      status: 'done',
      byte_size: f.byteSize,
      file_name: f.fileName,
      finished_at: sql<Date>`now()`,
      lease_until: null,
      rows_done: sql<number>`coalesce(rows_total, rows_done)`,
      email_status: f.emailStatus,
    })
    .where('id', '=', id)
    .execute();
}

/** A failed attempt: queued again, or failed for good (`final`). */
export async function failExportJob(db: Db, id: number, error: string, final: boolean): Promise<void> {
  await db
    .updateTable('export_jobs')
    .set({ status: final ? 'failed' : 'queued', error, lease_until: null, ...(final ? { finished_at: sql<Date>`now()` } : {}) })
    .where('id', '=', id)
    .execute();
}

/** A done job whose e-mail is still to go. */
export async function exportJobAwaitingEmail(db: Db, id: number): Promise<ExportJob | undefined> {
  return db.selectFrom('export_jobs').selectAll().where('id', '=', id).where('status', '=', 'done').where('email_status', '=', 'pending').executeTakeFirst();
}

export async function markExportEmailSent(db: Db, id: number): Promise<void> {
  await db.updateTable('export_jobs').set({ email_status: 'sent' }).where('id', '=', id).execute();
}

/** Drops the partial file of an earlier attempt. */
export async function deleteExportChunks(db: Db, exportId: number): Promise<void> {
  await db.deleteFrom('export_chunks').where('export_id', '=', exportId).execute();
}

export async function insertExportChunk(db: Db, exportId: number, seq: number, data: Buffer): Promise<void> {
  await db.insertInto('export_chunks').values({ export_id: exportId, seq, data }).execute();
}

export async function exportChunk(db: Db, exportId: number, seq: number): Promise<Buffer | undefined> {
  const c = await db.selectFrom('export_chunks').select('data').where('export_id', '=', exportId).where('seq', '=', seq).executeTakeFirst();
  return c?.data;
}

/** The whole file, its chunks in order. */
export async function exportChunks(db: Db, exportId: number): Promise<Buffer[]> {
  const chunks = await db.selectFrom('export_chunks').select('data').where('export_id', '=', exportId).orderBy('seq').execute();
  return chunks.map((c) => c.data);
}
