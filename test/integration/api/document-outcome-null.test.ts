// Migration 0077: documents.sign_status, flk_status and flk_codes may be null, standing for the usual outcome (verified,
// passed, no codes), which the release after it will write as null; so may a receipt's payment sums that are 0
// (src/db/payment-sums.ts), and a registration number that is its register's (src/db/kkt-reg-id.ts). Rows stored that way read exactly as rows that
// spell the outcome out: in the document, its timeline, the list and its ФЛК filter, the flk.failed condition scan, and
// reprocess's read; migration down writes the values back. Documents are stored by the real persist processor; the
// nulls are then written as the next release will store them.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, json, startApi, type ApiHarness } from './api-test-helpers.js';
import { seedTenant, type Tenant } from './tenant-fixture.js';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { migrations } from '../../../src/db/migrations.js';
import { lockDocumentsForRebuild } from '../../../src/db/document-rebuild.repository.js';
import { flkFailedDocuments } from '../../../src/db/notification-conditions.repository.js';
import { rebuildRollups } from '../../../src/db/rollups.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { reprocessDocuments } from '../../../src/workers/persist/reprocess.js';
import { closingReportsForExport } from '../../../src/db/export-settings.repository.js';
import { scanPersistedDocuments } from '../../../src/db/webhooks.repository.js';

let h: ApiHarness;
let a: Tenant;
/** The list's payment sums and the daily rollups as the documents were stored, before any 0 became null. */
let sumsBefore: Record<number, unknown>;
let rollupsBefore: unknown[];
let numbersBefore: unknown;

/** What the list, the scheduled export's scan and the webhooks' scan say each document's registration number is. */
async function registrationNumbersReadBy(): Promise<unknown> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents?fn=${a.fn}`, headers: bearer(a.apiKey) });
  const list = json<{ items: { fd: number; kktRegId: string | null }[] }>(r).items.map((d) => [d.fd, d.kktRegId]);
  const [from, to] = [new Date(Date.now() - 86_400_000), new Date(Date.now() + 60_000)];
  const exports = (await closingReportsForExport(h.database.db, from, to, 100)).map((d) => [Number(d.fd), d.kkt_reg_id]);
  const hooks = (await scanPersistedDocuments(h.database.db, from, to, 86_400_000, 100)).map((d) => [Number(d.fd), d.kkt_reg_id]);
  const byFd = (rows: (number | string | null)[][]) => rows.sort((x, y) => Number(x[0]) - Number(y[0]));
  return { list: byFd(list), exports: byFd(exports), hooks: byFd(hooks) };
}

const dailyRollups = async () =>
  (await sql`select day::text, register_id, operation_type, total_sum, cash_sum, ecash_sum, prepaid_sum, credit_sum, provision_sum
               from report_rollup_daily order by day, register_id, operation_type`.execute(h.database.db)).rows;

beforeAll(async () => {
  h = await startApi();
  a = await seedTenant(h, 1, { email: 'owner-a@example.test' });
  sumsBefore = await listSums();
  rollupsBefore = await dailyRollups();
  // The scheduled export and the webhooks read documents too: subscribe the organization to both.
  await sql`insert into export_settings (organization_id, schedule, content, format) values (${a.organizationId}, 'shift_closed', 'shift_summary', 'csv')`.execute(h.database.db);
  await sql`insert into webhook_subscriptions (organization_id, url, events, secret) values (${a.organizationId}, 'https://hooks.example.test/x', '{document.persisted}', 's3cret-s3cret-s3cret')`.execute(h.database.db);
  numbersBefore = await registrationNumbersReadBy();
  // Every registration number that is its register's, as the next release stores it.
  await sql`update documents set kkt_reg_id = null where register_id is not null`.execute(h.database.db);
  // Every payment sum that is 0, as the next release stores it.
  for (const c of ['cash_total_sum', 'ecash_total_sum', 'prepaid_sum', 'credit_sum', 'provision_sum']) {
    await sql`update documents set ${sql.ref(c)} = null where ${sql.ref(c)} = 0`.execute(h.database.db);
  }
  // fd 1 and 2 as the next release stores a verified document that passed; fd 3 failed ФЛК (spelt out, as always).
  await sql`update documents set sign_status = null, flk_status = null, flk_codes = null where fn = ${a.fn} and fd in (1, 2)`.execute(h.database.db);
  await sql`update documents set flk_status = 'failed', flk_codes = '{FLK_TOTAL_SUM}' where fn = ${a.fn} and fd = 3`.execute(h.database.db);
});
afterAll(() => h.close());

type Detail = { status: { sign: string; flk: { status: string; codes: string[] }; timeline: { kind: string; detail: Record<string, unknown> | null }[] } };
async function detail(fd: number): Promise<Detail> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${a.fn}/${fd}`, headers: bearer(a.apiKey) });
  expect(r.statusCode).toBe(200);
  return json<Detail>(r);
}
type SummarySums = { fd: number; totalSum: number | null; cashTotalSum: number | null; ecashTotalSum: number | null; prepaidSum: number | null; creditSum: number | null; provisionSum: number | null };
async function listSums(): Promise<Record<number, unknown>> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents?fn=${a.fn}`, headers: bearer(a.apiKey) });
  expect(r.statusCode).toBe(200);
  const items = json<{ items: SummarySums[] }>(r).items;
  return Object.fromEntries(items.map(({ fd, totalSum, cashTotalSum, ecashTotalSum, prepaidSum, creditSum, provisionSum }) => [fd, { totalSum, cashTotalSum, ecashTotalSum, prepaidSum, creditSum, provisionSum }]));
}
async function fdsWhere(query: string): Promise<number[]> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents?fn=${a.fn}&${query}`, headers: bearer(a.apiKey) });
  expect(r.statusCode).toBe(200);
  return json<{ items: { fd: number }[] }>(r).items.map((d) => d.fd);
}

describe('a document stored with a null outcome (migration 0077)', () => {
  it('reads as verified and passed, with no codes, like one that says so', async () => {
    const nulls = await detail(1);
    const spelt = await detail(4);
    expect(nulls.status.sign).toBe('verified');
    expect(nulls.status.flk).toEqual({ status: 'passed', codes: [] });
    expect(spelt.status.flk).toEqual({ status: 'passed', codes: [] });
    const received = nulls.status.timeline.find((e) => e.kind === 'received')!.detail;
    expect(received).toMatchObject({ signStatus: 'verified', flk: { ok: true, codes: [] } });
    expect(nulls.status.timeline.find((e) => e.kind === 'persisted')!.detail).toMatchObject({ derived: true });
    expect((await detail(3)).status.flk).toEqual({ status: 'failed', codes: ['FLK_TOTAL_SUM'] });
  });

  it('is found by flkStatus=passed, and only the failed one by flkStatus=failed', async () => {
    expect(await fdsWhere('flkStatus=passed')).toEqual([5, 4, 2, 1]);
    expect(await fdsWhere('flkStatus=failed')).toEqual([3]);
  });

  it('is not a failed document to the flk.failed condition, and reprocess reads no codes', async () => {
    const failed = await flkFailedDocuments(h.database.db, a.organizationId, new Date(0), new Date(Date.now() + 60_000));
    expect(failed.map((d) => [Number(d.fd), d.flk_codes])).toEqual([[3, ['FLK_TOTAL_SUM']]]);
    const sources = await h.database.db.transaction().execute((trx) => lockDocumentsForRebuild(trx, { fn: a.fn, limit: 10 }));
    expect(sources.filter((s) => Number(s.fd) <= 2).map((s) => s.flk_codes)).toEqual([[], []]);
  });

  it('shows a payment sum stored as null as 0 in a receipt, and null where the document has no sums', async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from documents where fn = ${a.fn} and prepaid_sum is null`.execute(h.database.db);
    expect(rows[0]!.n).toBeGreaterThan(0);
    const after = await listSums();
    expect(after).toEqual(sumsBefore);
    // A receipt shows zeros; the registration report and the shift reports show no sums at all.
    expect(Object.values(after).some((d) => (d as SummarySums).prepaidSum === 0)).toBe(true);
    expect(Object.values(after).some((d) => (d as SummarySums).totalSum === null && (d as SummarySums).cashTotalSum === null)).toBe(true);
  });

  it('reads a registration number stored as null as the number of its register: in the list, the scheduled export and the webhooks', async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from documents where kkt_reg_id is null`.execute(h.database.db);
    expect(rows[0]!.n).toBeGreaterThan(0);
    const after = (await registrationNumbersReadBy()) as { list: [number, string | null][]; exports: unknown[]; hooks: unknown[] };
    expect(after).toEqual(numbersBefore);
    expect(after.list.length).toBeGreaterThan(0);
    expect(after.exports.length).toBeGreaterThan(0);
    expect(after.hooks.length).toBeGreaterThan(0);
    expect(after.list.every(([, n]) => typeof n === 'string' && n.length > 0)).toBe(true);
  });

  it('rebuilds the same daily rollups from payment sums stored as null', async () => {
    const days = rollupsBefore.map((r) => (r as { day: string }).day).sort();
    const to = new Date(Date.parse(`${days.at(-1)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await rebuildRollups(h.database.db, { from: days[0]!, to });
    expect(await dailyRollups()).toEqual(rollupsBefore);
  });

  it('is no change to reprocess: the rebuilt values equal those stored as null', async () => {
    const summary = await reprocessDocuments(h.database.db, silentLogger(), { fn: a.fn });
    expect(summary.rebuilt).toBeGreaterThan(0);
    expect(summary.changed).toBe(0);
    expect(summary.failed).toBe(0);
  });

  it('going down writes the usual outcome back and makes the columns NOT NULL again', async () => {
    const names = Object.keys(migrations).sort();
    await migrateDown(h.database.db, names.length - names.indexOf('0077_documents_outcome_null_as_usual'));
    const { rows } = await sql<{ fd: string; sign_status: string; flk_status: string; flk_codes: string[] }>`
      select fd::text, sign_status, flk_status, flk_codes from documents where fn = ${a.fn} and fd <= 3 order by fd`.execute(h.database.db);
    expect(rows).toEqual([
      { fd: '1', sign_status: 'verified', flk_status: 'passed', flk_codes: [] },
      { fd: '2', sign_status: 'verified', flk_status: 'passed', flk_codes: [] },
      { fd: '3', sign_status: 'verified', flk_status: 'failed', flk_codes: ['FLK_TOTAL_SUM'] },
    ]);
    const nullable = await sql<{ attname: string }>`
      select attname from pg_attribute where attrelid = 'documents'::regclass and attname in ('sign_status', 'flk_status', 'flk_codes')
         and not attnotnull`.execute(h.database.db);
    expect(nullable.rows).toEqual([]);
    await migrateToLatest(h.database.db);
  });
});
