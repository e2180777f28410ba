// Receipt exports and «Выгрузки» (issue 15) on real PostgreSQL, Redis (BullMQ) and SMTP (smtp-server): documents
// stored by the real persist processor; expected rows and sums computed here from what was sent.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import type { WebhookSender } from '../../../src/adapters/webhooks/webhook-sender.js';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { claimExportJob, runExportJob } from '../../../src/exports/export-jobs.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { startExportsWorker, type ExportsWorker } from '../../../src/workers/exports/exports.worker.js';
import { createWebhookDispatcher } from '../../../src/workers/notify/webhooks.js';
import { LOCAL_TIME } from '../../support/kkt.js';
import { addMember, bearer, closeShift, createOrganization, job, openShift, persist, receipt, startApi, userToken, type ApiHarness } from '../api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { waitFor } from '../workers/worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const prefix = uniquePrefix('exports');
const INN = withInnCheckDigits('770300993');
const FN = '9999078900017001';
const REG = '0000000017001001';
const OWNER = 'owner@exports.test';

interface Sent {
  fd: number;
  op: number;
  price: number;
  shift: number;
}
const sent: Sent[] = [];
let h: ApiHarness;
let orgId: number;
let token: string;
let email: EmailSender;
let worker: ExportsWorker;
const deps = () => ({ db: h.database.db, logger: silentLogger(), email, publicUrl: 'https://cabinet.ofd.test' });

/** One shift: open, `n` receipts (every third a return), close; stored through the persist processor. */
async function sendShift(shift: number, n: number, firstFd: number): Promise<void> {
  const base = { fn: FN, inn: INN, regId: REG };
  const jobs = [job(FN, firstFd, 2, openShift({ ...base, fd: firstFd, shift }))];
  for (let k = 0; k < n; k++) {
    const s: Sent = { fd: firstFd + 1 + k, op: k % 3 === 2 ? 2 : 1, price: 10_000 + 137 * k + shift, shift };
    sent.push(s);
    jobs.push(job(FN, s.fd, 3, receipt({ ...base, fd: s.fd, shift, operationType: s.op, price: s.price, time: LOCAL_TIME + shift * 86_400 + k })));
  }
  const closeFd = firstFd + n + 1;
  const close = closeShift({ ...base, fd: closeFd, shift, receipts: n });
  jobs.push(job(FN, closeFd, 5, close));
  await persist(h.database, jobs);
  // Shifts a day apart: the open/close helpers use LOCAL_TIME ± 1 h, so move them with the shift.
  await sql`update shifts set opened_at = opened_at + ${`${shift} days`}::interval, closed_at = closed_at + ${`${shift} days`}::interval
            where fn = ${FN} and shift_number = ${shift}`.execute(h.database.db);
  await sql`update documents set date_time = date_time + ${`${shift} days`}::interval where fn = ${FN} and fd in (${firstFd}, ${closeFd})`.execute(h.database.db);
}

const rubles = (k: number) => `${k < 0 ? '-' : ''}${Math.floor(Math.abs(k) / 100)},${String(Math.abs(k) % 100).padStart(2, '0')}`;
const csvLines = (b: Buffer) => b.subarray(3).toString('utf8').trimEnd().split('\r\n').map((l) => l.split(';'));
const net = (rs: readonly Sent[]) => rs.reduce((t, s) => t + (s.op === 1 ? s.price : -s.price), 0);

beforeAll(async () => {
  h = await startApi();
  orgId = await createOrganization(h, INN, 'ООО Выгрузки');
  token = (await userToken(h, OWNER)).token;
  await addMember(h, orgId, OWNER, 'owner');
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${h.smtp.port}`, from: 'OFD <exports@ofd.test>' });
  await sendShift(1, 25, 1);
  worker = startExportsWorker({ redisUrl, prefix, db: h.database.db, logger: silentLogger(), email, publicUrl: 'https://cabinet.ofd.test', pollIntervalMs: 0 });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await email?.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
  await h?.close();
});

describe('GET /documents/export', () => {
  it('csv: every receipt of the filter, `;`, decimal comma, a net total', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/export?organizationId=${orgId}&form=3&format=csv`, headers: bearer(token) });
    expect(r.statusCode, r.body.slice(0, 200)).toBe(200);
    const lines = csvLines(r.rawPayload);
    expect(lines).toHaveLength(sent.length + 2);
    const fdCol = lines[0]!.indexOf('ФД');
    const sumCol = lines[0]!.indexOf('Сумма чека, ₽');
    expect(lines.slice(1, -1).map((l) => Number(l[fdCol])).sort((a, b) => a - b)).toEqual(sent.map((s) => s.fd));
    for (const s of sent) expect(lines.find((l) => Number(l[fdCol]) === s.fd)?.[sumCol]).toBe(rubles(s.price));
    expect(lines.at(-1)![0]).toBe('Итого');
    expect(lines.at(-1)![sumCol]).toBe(rubles(net(sent)));
  });

  it('the list filters apply (returns only), and items give one row per item', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/export?organizationId=${orgId}&operationType=2&items=true&format=csv`, headers: bearer(token) });
    const lines = csvLines(r.rawPayload);
    const returns = sent.filter((s) => s.op === 2);
    expect(lines).toHaveLength(returns.length + 2);
    const item = lines[0]!.indexOf('Предмет расчёта');
    expect(lines.slice(1, -1).every((l) => l[item] === 'Bread')).toBe(true);
    // Net, as every total: returns only, so negative.
    expect(lines.at(-1)![lines[0]!.indexOf('Сумма по предмету, ₽')]).toBe(rubles(-returns.reduce((t, s) => t + s.price, 0)));
  });

  it('xlsx parses back with every receipt and the totals row', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/export?organizationId=${orgId}&form=3&format=xlsx`, headers: bearer(token) });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(sent.length + 2);
    const col = (ws.getRow(1).values as unknown[]).indexOf('Сумма чека, ₽');
    expect(ws.getRow(sent.length + 2).getCell(col).value).toBe(net(sent) / 100);
  });

  it('refuses a bad filter with a 400 naming the field', async () => {
    const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/export?organizationId=${orgId}&operationType=9&format=csv`, headers: bearer(token) });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('operationType');
  });
});

describe('background exports', () => {
  it('POST → queued → the worker writes it (progress to 100 %) → the download equals the streamed export → e-mail with the file', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: `/api/v1/organizations/${orgId}/exports`,
      headers: bearer(token),
      payload: { format: 'csv', filters: { form: 3 } },
    });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json<{ id: number; status: string }>().id;
    expect(await worker.sweep()).toContain(id);
    const done = await waitFor(
      async () => (await h.app.inject({ method: 'GET', url: `/api/v1/exports/${id}`, headers: bearer(token) })).json<Record<string, unknown>>(),
      (j) => j.status === 'done',
      30_000,
    );
    expect(done.progress).toEqual({ done: sent.length, total: sent.length, percent: 100 });
    const file = await h.app.inject({ method: 'GET', url: `/api/v1/exports/${id}/download`, headers: bearer(token) });
    const direct = await h.app.inject({ method: 'GET', url: `/api/v1/documents/export?organizationId=${orgId}&form=3&format=csv`, headers: bearer(token) });
    expect(file.rawPayload.equals(direct.rawPayload)).toBe(true);
    const mail = await h.smtp.next(OWNER, 15_000);
    expect(mail.subject).toContain('Выгрузка готова');
    expect(mail.attachments[0]?.content.equals(direct.rawPayload)).toBe(true);
    const list = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${orgId}/exports`, headers: bearer(token) });
    expect(list.json<{ items: Array<{ id: number }> }>().items.map((i) => i.id)).toContain(id);
  });
});

describe('Выгрузки after each closed shift', () => {
  const dispatcher = () =>
    createWebhookDispatcher({ db: h.database.db, sender: { send: () => Promise.resolve({ ok: true, statusCode: 200 }) } as unknown as WebhookSender, logger: silentLogger() });
  const jobsOfSetting = async () =>
    (await sql<{ id: number; period_key: string }>`select id::int as id, period_key from export_jobs where setting_id is not null order by id`.execute(h.database.db)).rows;

  it('one job and one e-mail per shift, however often the event is seen and however often the processor runs', async () => {
    const put = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/organizations/${orgId}/export-settings`,
      headers: bearer(token),
      payload: { items: [{ schedule: 'shift_closed', content: 'receipt_items', format: 'csv' }] },
    });
    expect(put.statusCode, put.body).toBe(200);
    await dispatcher().scan(); // the scan position starts now: shift 1 (before the setting) is not exported
    await sendShift(2, 7, 100);
    await dispatcher().scan();
    await dispatcher().scan(); // a second notify worker, or the overlap of the next scan
    await sql`delete from webhook_scan_state where name = 'shift_exports'`.execute(h.database.db); // a restart that lost its position
    await dispatcher().scan();
    const jobs = await jobsOfSetting();
    expect(jobs.map((j) => j.period_key)).toEqual([`shift:${FN}:2`]);
    const id = jobs[0]!.id;
    expect(await runExportJob(deps(), id)).toBe(true);
    expect(await runExportJob(deps(), id)).toBe(false); // the job again (a BullMQ re-delivery): nothing happens
    const mail = await h.smtp.next(OWNER, 10_000);
    const lines = csvLines(mail.attachments[0]!.content);
    const shift2 = sent.filter((s) => s.shift === 2);
    expect(lines).toHaveLength(shift2.length + 2);
    expect(lines.at(-1)![lines[0]!.indexOf('Сумма по предмету, ₽')]).toBe(rubles(net(shift2)));
    await new Promise((r) => setTimeout(r, 300));
    expect(h.smtp.mails.filter((m) => m.subject?.includes('смена 2'))).toHaveLength(1);
  });

  it('a worker killed mid-export: the job is taken again after its lease, the partial file replaced, one e-mail', async () => {
    await sendShift(3, 5, 200);
    await dispatcher().scan();
    const id = (await jobsOfSetting()).find((j) => j.period_key === `shift:${FN}:3`)!.id;
    // The first worker claimed it, wrote part of a file, and died.
    expect(await claimExportJob(h.database.db, id)).toBeDefined();
    await sql`insert into export_chunks (export_id, seq, data) values (${id}, 0, '\\x41424344'::bytea)`.execute(h.database.db);
    expect(await worker.sweep()).not.toContain(id); // still under its lease: nobody else takes it
    await sql`update export_jobs set lease_until = now() - interval '1 second' where id = ${id}`.execute(h.database.db);
    expect(await worker.sweep()).toContain(id);
    await waitFor(async () => (await h.database.db.selectFrom('export_jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, (s) => s === 'done', 30_000);
    const mail = await h.smtp.next(OWNER, 10_000);
    expect(mail.subject).toContain('смена 3');
    const lines = csvLines(mail.attachments[0]!.content);
    expect(lines).toHaveLength(sent.filter((s) => s.shift === 3).length + 2);
    // The SMTP sink has the mail a moment before the worker records it sent: wait for the record, then check it.
    const row = await waitFor(
      () => h.database.db.selectFrom('export_jobs').select(['attempts', 'email_status']).where('id', '=', id).executeTakeFirstOrThrow(),
      (r) => r.email_status !== 'pending',
      10_000,
    );
    expect(row).toEqual({ attempts: 2, email_status: 'sent' });
  });
});
