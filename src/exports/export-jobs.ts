/**
 * Background exports (issue 15): a row of export_jobs is claimed (with a lease, so a worker that died mid-way leaves it
 * to the next), its file streamed through the csv/xlsx writers into export_chunks (1 MiB each, the partial file of an
 * earlier attempt deleted first), its progress written after every page, then marked done; the e-mail goes after that
 * (email_status pending → sent), so a crash between the two re-sends nothing but the e-mail.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EmailSender } from '../adapters/email/email-sender.js';
import { countDocuments } from '../db/api-documents.repository.js';
import { innsOf } from '../db/api-organizations.repository.js';
import type { Database } from '../db/database.js';
import {
  claimExportJobRow,
  deleteExportChunks,
  exportChunks,
  exportJobAwaitingEmail,
  failExportJob,
  finishExportJob,
  insertExportChunk,
  markExportEmailSent,
  recordExportProgress,
  setExportRowsTotal,
} from '../db/export-jobs.repository.js';
import type { ExportJob } from '../db/tables/exports.js';
import type { Logger } from '../observability/logger.js';
import { CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, reportToCsv, reportToXlsx, type ExportTable } from '../reports/export.js';
import { runReport, type ReportRow } from '../reports/reports.js';
import { receiptExportTable, type ReceiptFilter } from './receipt-rows.js';

export const EXPORT_CHUNK_BYTES = 1024 * 1024;
/** Files up to this size travel as an e-mail attachment; larger ones as a link. */
export const EXPORT_ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
export const EXPORT_MAX_ATTEMPTS = 3;
const LEASE_MS = 10 * 60_000;

type Db = Kysely<Database>;

/** What a job's `filters` may hold: the GET /documents filters, plus a shift for scheduled shift exports. */
export const exportFiltersSchema = z.object({
  registerId: z.number().int().optional(),
  registerIds: z.array(z.number().int()).optional(),
  fn: z.string().optional(),
  outletId: z.number().int().optional(),
  dateFrom: z.string().optional(),
  dateTo: z.string().optional(),
  receivedFrom: z.string().optional(),
  receivedTo: z.string().optional(),
  form: z.number().int().optional(),
  operationType: z.number().int().optional(),
  taxationType: z.number().int().optional(),
  amountMin: z.number().int().optional(),
  amountMax: z.number().int().optional(),
  fiscalSign: z.number().int().optional(),
  fd: z.number().int().optional(),
  flkStatus: z.enum(['passed', 'failed']).optional(),
  fnsStatus: z.string().optional(),
  item: z.string().optional(),
  marking: z.string().optional(),
  hasMarking: z.boolean().optional(),
  /** A scheduled shift export: this shift only (shift summary). */
  shiftNumber: z.number().int().optional(),
});
export type ExportFilters = z.infer<typeof exportFiltersSchema>;

export const fileNameOf = (job: Pick<ExportJob, 'id' | 'content' | 'format'>) => `${job.content}-${job.id}.${job.format}`;
export const contentTypeOf = (format: string) => (format === 'csv' ? CSV_CONTENT_TYPE : XLSX_CONTENT_TYPE);

/** Takes the job if it is queued, or running under an expired lease (its worker died); undefined otherwise. */
export async function claimExportJob(db: Db, id: number): Promise<ExportJob | undefined> {
  return claimExportJobRow(db, id, LEASE_MS);
}

/** Streams into export_chunks, one insert per MiB (back-pressure: the writer waits for each insert). */
function chunkSink(db: Db, exportId: number, onBytes: (n: number) => void): Writable {
  let parts: Buffer[] = [];
  let size = 0;
  let seq = 0;
  const flush = async () => {
    if (size === 0) return;
    const data = Buffer.concat(parts, size);
    parts = [];
    size = 0;
    await insertExportChunk(db, exportId, seq++, data);
    onBytes(data.length);
  };
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      size += chunk.length;
      if (size < EXPORT_CHUNK_BYTES) return cb();
      flush().then(() => cb(), cb);
    },
    final(cb) {
      flush().then(() => cb(), cb);
    },
  });
}

function documentFilter(inns: string[], f: ExportFilters): ReceiptFilter {
  const { shiftNumber: _s, registerIds: _r, receivedFrom, receivedTo, fnsStatus, ...rest } = f;
  return {
    inns,
    ...rest,
    ...(receivedFrom ? { receivedFrom: new Date(receivedFrom) } : {}),
    ...(receivedTo ? { receivedTo: new Date(receivedTo) } : {}),
    ...(fnsStatus ? { fnsStatus } : {}),
  };
}

/** A shift summary: the Z-report rows of the period and registers (one shift when the job names it). */
async function shiftSummary(db: Db, job: ExportJob, f: ExportFilters): Promise<ExportTable> {
  const report = await runReport(db, 'z-report', {
    scope: [job.organization_id],
    ...(f.registerId !== undefined ? { registerId: f.registerId } : {}),
    ...(f.dateFrom ? { from: f.dateFrom.slice(0, 10) } : {}),
    ...(f.dateTo ? { to: f.dateTo.slice(0, 10) } : {}),
  });
  const registers = f.registerIds ? new Set(f.registerIds) : null;
  async function* rows(): AsyncIterable<ReportRow> {
    for await (const r of report.rows) {
      if (f.fn !== undefined && r['fn'] !== f.fn) continue;
      if (f.shiftNumber !== undefined && Number(r['shiftNumber']) !== f.shiftNumber) continue;
      if (registers && !registers.has(Number(r['registerId']))) continue;
      yield r;
    }
  }
  return { columns: report.columns, rows: rows(), sheet: 'Сводка по сменам' };
}

/** The job's table, and how many documents it covers (null: not counted). */
async function tableOf(db: Db, job: ExportJob, onProgress: (n: number) => Promise<void>): Promise<{ table: ExportTable; total: number | null }> {
  const f = exportFiltersSchema.parse(job.filters);
  if (job.content === 'shift_summary') return { table: await shiftSummary(db, job, f), total: null };
  const filter = documentFilter(await innsOf(db, [job.organization_id]), f);
  const table = receiptExportTable(db, filter, { items: job.content === 'receipt_items', onProgress });
  if (f.registerIds) {
    // Several registers (a Выгрузка's choice): the list filter takes one, so the rest are skipped here.
    const ids = new Set(f.registerIds);
    const all = table.rows;
    const only = (async function* () {
      for await (const r of all) if (r['registerId'] === undefined || ids.has(Number(r['registerId']))) yield r;
    })();
    return { table: { ...table, rows: only }, total: null };
  }
  return { table, total: await countDocuments(db, filter) };
}

export interface RunExportDeps {
  readonly db: Db;
  readonly logger: Logger;
  readonly email?: EmailSender | undefined;
  /** Base URL of download links in e-mails. */
  readonly publicUrl?: string | undefined;
}

/** Runs one export job to its file (idempotent: a job not claimable is left alone). Returns whether it ran. */
export async function runExportJob(deps: RunExportDeps, id: number): Promise<boolean> {
  const { db } = deps;
  const job = await claimExportJob(db, id);
  if (!job) {
    await deliverExportEmail(deps, id);
    return false;
  }
  try {
    await deleteExportChunks(db, id);
    let bytes = 0;
    const progress = async (n: number) => {
      await recordExportProgress(db, id, n, LEASE_MS);
    };
    const { table, total } = await tableOf(db, job, progress);
    if (total !== null) await setExportRowsTotal(db, id, total);
    const file = job.format === 'csv' ? reportToCsv(table) : reportToXlsx(table);
    await pipeline(file, chunkSink(db, id, (n) => (bytes += n)));
    await finishExportJob(db, id, { byteSize: bytes, fileName: fileNameOf(job), emailStatus: job.emails.length > 0 ? 'pending' : 'none' });
  } catch (e) {
    const final = job.attempts >= EXPORT_MAX_ATTEMPTS;
    await failExportJob(db, id, (e as Error).message.slice(0, 500), final);
    deps.logger.warn({ err: e, exportId: id, attempt: job.attempts }, 'export failed');
    if (!final) throw e;
    return true;
  }
  await deliverExportEmail(deps, id);
  return true;
}

/** Reads the whole file (attachments only: bounded by EXPORT_ATTACHMENT_MAX_BYTES). */
async function fileBytes(db: Db, id: number): Promise<Buffer> {
  return Buffer.concat(await exportChunks(db, id));
}

/** Sends the «ready» e-mail of a done job once (pending → sent); a failed send stays pending for the next round. */
export async function deliverExportEmail(deps: RunExportDeps, id: number): Promise<void> {
  const { db, email } = deps;
  if (!email) return;
  const job = await exportJobAwaitingEmail(db, id);
  if (!job) return;
  const link = `${deps.publicUrl ?? ''}/api/v1/exports/${id}/download`;
  const attach = (job.byte_size ?? 0) <= EXPORT_ATTACHMENT_MAX_BYTES;
  const content = attach ? await fileBytes(db, id) : undefined;
  try {
    for (const to of job.emails) {
      await email.send({
        to,
        subject: `Выгрузка готова: ${job.title}`,
        text: `${job.title}\n\nФайл ${job.file_name}${attach ? ' во вложении' : ''}; скачать: ${link}\n(ссылка работает после входа в личный кабинет)\n`,
        ...(content ? { attachments: [{ filename: job.file_name ?? fileNameOf(job), content, contentType: contentTypeOf(job.format) }] } : {}),
      });
    }
    await markExportEmailSent(db, id);
  } catch (e) {
    deps.logger.warn({ err: e, exportId: id }, 'export e-mail not sent; retried on the next round');
  }
}
