// Retention of export files (OFD_EXPORT_RETENTION_DAYS): the exports worker's housekeeping deletes the file of an export
// finished longer ago than the retention and marks it expired; a younger one is kept; a failed export's partial file
// goes too. The download of an expired export answers 410 EXPORT_EXPIRED saying to make it again. Real PostgreSQL,
// Redis (the worker's queue) and the API.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { runExportJob } from '../../../src/exports/export-jobs.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { startExportsWorker, type ExportsWorker } from '../../../src/workers/exports/exports.worker.js';
import { addMember, bearer, createOrganization, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { seedReceipts } from './seed-receipts.js';

const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('export-retention');
const INN = withInnCheckDigits('770300995');
const RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;
let h: ApiHarness;
let orgId: number;
let token: string;
let worker: ExportsWorker;

interface JobJson {
  id: number;
  status: string;
  finishedAt: string | null;
  expiresAt: string | null;
  downloadUrl: string | null;
}

async function makeExport(format: 'csv' | 'xlsx'): Promise<number> {
  const r = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${orgId}/exports`, headers: bearer(token), payload: { format, email: false } });
  expect(r.statusCode, r.body).toBe(202);
  const id = r.json<JobJson>().id;
  expect(await runExportJob({ db: h.database.db, logger: silentLogger() }, id)).toBe(true);
  return id;
}
const jobOf = async (id: number) => (await h.app.inject({ method: 'GET', url: `/api/v1/exports/${id}`, headers: bearer(token) })).json<JobJson>();
const chunks = async (id: number) => Number((await sql<{ n: number }>`select count(*)::int as n from export_chunks where export_id = ${id}`.execute(h.database.db)).rows[0]!.n);
const age = (id: number, days: number) => sql`update export_jobs set finished_at = now() - make_interval(days => ${days}) where id = ${id}`.execute(h.database.db);

beforeAll(async () => {
  h = await startApi();
  orgId = await createOrganization(h, INN, 'ООО Хранение');
  token = (await userToken(h, 'owner@retention.test')).token;
  await addMember(h, orgId, 'owner@retention.test', 'owner');
  await seedReceipts(h.database.db, INN, 300);
  worker = startExportsWorker({ redisUrl, prefix, db: h.database.db, logger: silentLogger(), pollIntervalMs: 0, retentionDays: RETENTION_DAYS });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
  await h?.close();
});

describe('export retention', () => {
  it('a done export says when its file goes: finished + 7 days', async () => {
    const id = await makeExport('csv');
    const j = await jobOf(id);
    expect(j.status).toBe('done');
    expect(Date.parse(j.expiresAt!)).toBe(Date.parse(j.finishedAt!) + RETENTION_DAYS * DAY_MS);
  });

  it('the housekeeping deletes old files only, marks them expired, and the download says to make the export again', async () => {
    const old = await makeExport('xlsx');
    const young = await makeExport('csv');
    // A failed export that left part of a file behind (its last attempt died mid-way).
    const failed = await makeExport('csv');
    await sql`update export_jobs set status = 'failed', error = 'boom' where id = ${failed}`.execute(h.database.db);
    await age(old, RETENTION_DAYS + 1);
    await age(failed, RETENTION_DAYS + 1);
    await age(young, RETENTION_DAYS - 1);
    expect(await chunks(old)).toBeGreaterThan(0);
    expect(await chunks(failed)).toBeGreaterThan(0);

    // The sweep runs the housekeeping (its first one at once).
    await worker.sweep();

    expect(await chunks(old)).toBe(0);
    expect(await chunks(failed)).toBe(0);
    expect(await chunks(young)).toBeGreaterThan(0);
    const o = await jobOf(old);
    expect(o).toMatchObject({ status: 'expired', downloadUrl: null });
    expect(Date.parse(o.expiresAt!)).toBe(Date.parse(o.finishedAt!) + RETENTION_DAYS * DAY_MS);
    expect(Date.parse(o.expiresAt!)).toBeLessThan(Date.now());
    expect((await jobOf(failed)).status).toBe('failed');
    expect((await jobOf(young)).status).toBe('done');

    const gone = await h.app.inject({ method: 'GET', url: `/api/v1/exports/${old}/download`, headers: bearer(token) });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ code: 'EXPORT_EXPIRED' });
    expect(gone.json<{ message: string }>().message).toContain('make the export again');
    expect(gone.json<{ message: string }>().message).toContain(`/api/v1/organizations/${orgId}/exports`);
    const kept = await h.app.inject({ method: 'GET', url: `/api/v1/exports/${young}/download`, headers: bearer(token) });
    expect(kept.statusCode).toBe(200);
    expect(kept.rawPayload.length).toBeGreaterThan(0);

    // Repeatable: a second pass finds nothing more to do.
    expect(await worker.expire()).toEqual({ expired: 0, failedFilesDeleted: 0 });
  });
});
