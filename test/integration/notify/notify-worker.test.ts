// The notify worker end to end on real PostgreSQL, Redis, SMTP and HTTP: receipts stored by the real persist processor
// → `notify` jobs (as the persist worker adds them) → an e-mail through an in-process SMTP server (parsed with
// mailparser), an SMS through fake-sms over HTTP; webhooks to a real HTTP listener, signatures checked here with
// node:crypto; delivery status, SMS balance, resend and replay through the API.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { startFakeSms, type FakeSms } from '../../../src/adapters/sms/fake-sms-server.js';
import { createHttpSmsSender } from '../../../src/adapters/sms/http-sms-sender.js';
import type { SmsSender } from '../../../src/adapters/sms/sms-sender.js';
import { escapeHtml, fnsQrString } from '../../../src/domain/receipt-view.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import { notifyJobId } from '../../../src/queue/job-ids.js';
import { createDocumentProducer } from '../../../src/queue/document-producer.js';
import { startPersistWorker } from '../../../src/workers/persist/persist.worker.js';
import { startNotifyWorker, type NotifyWorker } from '../../../src/workers/notify/notify.worker.js';
import { asOperator, closeShift, createOrganization, job, persist, receipt, startApi, type ApiHarness } from '../api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { waitFor } from '../workers/worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const INN = withInnCheckDigits('770200099');
const FN = '9999078900077001';
const REG = '0000000000077001';
const PHONE = '+79161234567';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let h: ApiHarness;
let sms: FakeSms;
let smsSender: SmsSender;
let email: EmailSender;
let worker: NotifyWorker;
let queue: Queue;
let metrics: Metrics;
let organizationId: number;
let hookServer: Server;
let hookUrl: string;
const received: Received[] = [];
/** Statuses the webhook listener answers, in order; 200 when empty. */
const hookAnswers: number[] = [];
const prefix = uniquePrefix('notify');

beforeAll(async () => {
  // The test receiver listens on loopback, which webhooks may reach only when the operator allows it.
  h = await startApi({ webhookAllowHosts: ['127.0.0.1'] });
  sms = await startFakeSms();
  smsSender = createHttpSmsSender({ url: sms.url, timeoutMs: 2000 });
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${h.smtp.port}`, from: 'OFD <receipts@ofd.test>' });
  hookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(hookAnswers.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/hooks`;
  organizationId = await createOrganization(h, INN, 'ООО Получатель');
  metrics = createMetrics({ defaultMetrics: false });
  worker = startNotifyWorker({
    redisUrl,
    prefix,
    db: h.database.db,
    logger: silentLogger(),
    metrics,
    email,
    sms: smsSender,
    pollIntervalMs: 100,
    resendJobOptions: { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
    webhooks: { backoffBaseMs: 50, maxAttempts: 3 },
    webhookAllowHosts: ['127.0.0.1'],
  });
  queue = new Queue('notify', { connection: { url: redisUrl }, prefix });
});

afterAll(async () => {
  await worker.close();
  await queue.close();
  await smsSender.close();
  await email.close();
  await sms.close();
  await new Promise<void>((r) => {
    hookServer.closeAllConnections();
    hookServer.close(() => r());
  });
  await h.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

async function storeReceipt(fd: number, buyer?: string, price = 12345): Promise<void> {
  await persist(h.database, [job(FN, fd, 3, receipt({ fn: FN, fd, inn: INN, regId: REG, price, ...(buyer ? { buyer } : {}) }))]);
}

/** As the persist worker enqueues it (batching-worker.ts), with a short backoff. */
async function enqueue(fd: number, channel: 'email' | 'sms', recipient: string): Promise<void> {
  await queue.add('notify', { fn: FN, fd, channel, recipient }, { jobId: notifyJobId(FN, fd, channel), attempts: 3, backoff: { type: 'fixed', delay: 100 } });
}

async function qrOf(fd: number): Promise<string> {
  const d = await h.database.db.selectFrom('documents').selectAll().where('fn', '=', FN).where('fd', '=', fd).executeTakeFirstOrThrow();
  return fnsQrString({ dateTime: d.date_time!, totalSum: d.total_sum!, fn: FN, fd, fiscalSign: d.fiscal_sign!, operationType: d.operation_type! });
}

interface DeliveryJson {
  channel: string;
  status: string;
  attempts: number;
  recipient: string;
}
async function deliveries(fd: number): Promise<DeliveryJson[]> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${FN}/${fd}/deliveries`, headers: asOperator });
  expect(r.statusCode).toBe(200);
  return r.json<{ items: DeliveryJson[] }>().items;
}
const statusOf = async (fd: number, channel: string) => (await deliveries(fd)).find((d) => d.channel === channel);
async function balance(): Promise<number> {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/sms-balance`, headers: asOperator });
  expect(r.statusCode).toBe(200);
  return r.json<{ balance: number }>().balance;
}
async function topUp(amount: number): Promise<void> {
  const r = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${organizationId}/sms-balance/top-ups`, headers: asOperator, payload: { amount } });
  expect(r.statusCode).toBe(200);
}

describe('e-receipts', () => {
  it('e-mails the receipt as HTML with the sums and the FNS QR string, and records it delivered', async () => {
    await storeReceipt(2, 'buyer@example.test', 12345);
    await enqueue(2, 'email', 'buyer@example.test');
    const mail = await h.smtp.next('buyer@example.test', 15_000);
    const qr = await qrOf(2);
    expect(qr).toContain('s=123.45');
    expect(mail.subject).toContain('Кассовый чек № 2');
    expect(mail.html).toBeTypeOf('string');
    const html = mail.html as string;
    expect(html).toContain('123,45\u00a0₽');
    expect(html).toContain(escapeHtml(qr));
    expect(mail.text).toContain(qr);
    expect(mail.text).toContain('ИТОГ: 123,45\u00a0₽');
    const st = await waitFor(() => statusOf(2, 'email'), (d) => d?.status === 'delivered');
    expect(st).toMatchObject({ status: 'delivered', attempts: 1, recipient: 'buyer@example.test' });
  });

  it('resends through the API (to another address too)', async () => {
    const r = await h.app.inject({ method: 'POST', url: `/api/v1/documents/${FN}/2/deliveries`, headers: asOperator, payload: { recipient: 'other@example.test' } });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ channel: 'email', status: 'pending', recipient: 'other@example.test' });
    const mail = await h.smtp.next('other@example.test', 15_000);
    expect(mail.text).toContain(await qrOf(2));
    await waitFor(() => statusOf(2, 'email'), (d) => d?.status === 'delivered');
    const bad = await h.app.inject({ method: 'POST', url: `/api/v1/documents/${FN}/2/deliveries`, headers: asOperator, payload: { channel: 'sms', recipient: 'nope' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('sends an SMS through fake-sms over HTTP and takes it from the SMS package; refuses with no_balance when empty', async () => {
    expect(await balance()).toBe(0);
    await topUp(1);
    expect(await balance()).toBe(1);
    await storeReceipt(3, PHONE, 5000);
    await enqueue(3, 'sms', PHONE);
    await waitFor(async () => sms.messages.length, (n) => n >= 1);
    expect(sms.messages).toHaveLength(1);
    expect(sms.messages[0]).toMatchObject({ to: PHONE });
    expect(sms.messages[0]!.text).toContain(await qrOf(3));
    expect(await waitFor(() => statusOf(3, 'sms'), (d) => d?.status === 'delivered')).toMatchObject({ status: 'delivered' });
    expect(await balance()).toBe(0);

    await storeReceipt(4, '89161234567', 700);
    await enqueue(4, 'sms', '89161234567');
    expect(await waitFor(() => statusOf(4, 'sms'), (d) => d?.status === 'no_balance')).toMatchObject({ status: 'no_balance' });
    expect(sms.messages).toHaveLength(1);
  });

  it('retries an SMS after a gateway failure (charging once) and counts the deliveries', async () => {
    await topUp(1);
    sms.failNext(1, 503);
    await storeReceipt(5, PHONE, 900);
    await enqueue(5, 'sms', PHONE);
    const st = await waitFor(() => statusOf(5, 'sms'), (d) => d?.status === 'delivered');
    expect(st).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(await balance()).toBe(0);
    const text = await metrics.render();
    expect(text).toMatch(/ofd_forward_total\{target="sms",result="retry"\} 1/);
    expect(text).toMatch(/ofd_forward_total\{target="email",result="ok"\} 2/);
  });

  it('parks a receipt that keeps failing as failed + dead letter', async () => {
    await topUp(5);
    sms.failNext(10, 500);
    await storeReceipt(6, PHONE, 100);
    await enqueue(6, 'sms', PHONE);
    const st = await waitFor(() => statusOf(6, 'sms'), (d) => d?.status === 'failed');
    expect(st).toMatchObject({ status: 'failed', attempts: 3 });
    sms.failNext(0);
    const letters = await h.database.db.selectFrom('dead_letters').selectAll().where('queue', '=', 'notify').execute();
    expect(letters.map((l) => l.job_id)).toContain(notifyJobId(FN, 6, 'sms'));
    expect(await balance()).toBe(5);
  });
});

describe('from the gateway queue', () => {
  it('a receipt with a buyer e-mail, persisted by the persist worker, is e-mailed by the notify worker', async () => {
    const producer = createDocumentProducer({ connection: redisUrl, prefix });
    await producer.waitUntilReady();
    const persistWorker = await startPersistWorker({ redisUrl, prefix, db: h.database.db, logger: silentLogger(), batchSize: 5 });
    try {
      await producer.enqueue(job(FN, 20, 3, receipt({ fn: FN, fd: 20, inn: INN, regId: REG, price: 31415, buyer: 'pipeline@example.test' })));
      const mail = await h.smtp.next('pipeline@example.test', 20_000);
      expect(mail.text).toContain('ИТОГ: 314,15\u00a0₽');
      expect(mail.text).toContain(await qrOf(20));
      expect(await waitFor(() => statusOf(20, 'email'), (d) => d?.status === 'delivered')).toMatchObject({ status: 'delivered' });
    } finally {
      await persistWorker.close();
      await producer.close();
    }
  });
});

function verify(secret: string, r: Received): boolean {
  const header = String(r.headers['x-ofd-signature'] ?? '');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]!}.${r.body}`).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(m[2]!)) && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
}

describe('webhooks', () => {
  let secret: string;
  let webhookId: number;

  it('creates a subscription (secret shown once) and lists it', async () => {
    const r = await h.app.inject({
      method: 'POST',
      url: `/api/v1/organizations/${organizationId}/webhooks`,
      headers: asOperator,
      payload: { url: hookUrl, events: ['document.received', 'shift.closed', 'fns.status_changed'] },
    });
    expect(r.statusCode).toBe(201);
    secret = r.json<{ secret: string }>().secret;
    webhookId = r.json<{ id: number }>().id;
    expect(secret).toMatch(/^whsec_/);
    const list = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/webhooks`, headers: asOperator });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
    expect(list.body).not.toContain(secret);
    const bad = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${organizationId}/webhooks`, headers: asOperator, payload: { url: 'ftp://x', events: [] } });
    expect(bad.statusCode).toBe(400);
  });

  it('delivers signed document.received and shift.closed events, retrying after a 500', async () => {
    hookAnswers.push(500);
    await storeReceipt(10, undefined, 4200);
    await persist(h.database, [job(FN, 11, 5, closeShift({ fn: FN, fd: 11, inn: INN, regId: REG, shift: 1 }))]);
    const events = () => received.map((r) => JSON.parse(r.body) as { id: string; type: string; data: { fd: number } });
    await waitFor(
      async () => {
        await worker.poll();
        return events().filter((e) => e.data.fd >= 10).length;
      },
      (n) => n >= 4,
    );
    const mine = received.filter((r) => (JSON.parse(r.body) as { data: { fd: number } }).data.fd >= 10);
    expect(mine.length).toBeGreaterThanOrEqual(4);
    for (const r of mine) expect(verify(secret, r)).toBe(true);
    expect(verify('whsec_wrong', mine[0]!)).toBe(false);
    const types = events().filter((e) => e.data.fd >= 10).map((e) => `${e.type}:${e.data.fd}`);
    expect(new Set(types)).toEqual(new Set(['document.received:10', 'document.received:11', 'shift.closed:11']));
    // The first request got a 500 and was sent again under the same delivery id.
    const ids = mine.map((r) => String(r.headers['x-ofd-delivery']));
    expect(ids.length).toBe(new Set(ids).size + 1);

    const log = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/webhooks/${webhookId}/deliveries`, headers: asOperator });
    const items = log.json<{ items: Array<{ status: string; attempts: number; lastStatusCode: number; event: string }> }>().items;
    const fdOf = (i: unknown) => ((i as { payload: { data: { fd: number } } }).payload.data.fd);
    const recent = items.filter((i) => fdOf(i) >= 10);
    expect(recent.every((i) => i.status === 'delivered')).toBe(true);
    expect(recent.map((i) => i.attempts).sort()).toEqual([1, 1, 2]);
  });

  it('delivers fns.status_changed from fns_status', async () => {
    await h.database.db.insertInto('fns_status').values({ fn: FN, fd: 10, status: 'accepted', attempts: 1 }).execute();
    const found = await waitFor(
      async () => {
        await worker.poll();
        return received.map((r) => JSON.parse(r.body) as { type: string; data: { fd: number; status: string } }).filter((e) => e.type === 'fns.status_changed');
      },
      (l) => l.length >= 1,
    );
    expect(found[0]).toMatchObject({ type: 'fns.status_changed', data: { fd: 10, status: 'accepted' } });
  });

  it('replays a delivery', async () => {
    const log = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/webhooks/${webhookId}/deliveries?limit=1`, headers: asOperator });
    const last = log.json<{ items: Array<{ id: number }> }>().items[0]!;
    const before = received.length;
    const r = await h.app.inject({
      method: 'POST',
      url: `/api/v1/organizations/${organizationId}/webhooks/${webhookId}/deliveries/${last.id}/replay`,
      headers: asOperator,
    });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ id: last.id, status: 'pending', replays: 1 });
    await waitFor(
      async () => {
        await worker.poll();
        return received.length;
      },
      (n) => n > before,
    );
    const again = received.slice(before).find((x) => x.headers['x-ofd-delivery'] === String(last.id));
    expect(again).toBeDefined();
    expect(verify(secret, again!)).toBe(true);
  });

  it('fails a delivery after its last attempt into dead_letters; `ofd dlq replay` of the letter sends it again', async () => {
    hookAnswers.push(500, 500, 500);
    await h.database.db.insertInto('fns_status').values({ fn: FN, fd: 11, status: 'rejected', attempts: 1 }).execute();
    const failed = await waitFor(
      async () => {
        await worker.poll();
        const log = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/webhooks/${webhookId}/deliveries`, headers: asOperator });
        return log.json<{ items: Array<{ id: number; event: string; status: string; attempts: number; lastStatusCode: number | null }> }>().items.find((i) => i.event === 'fns.status_changed' && i.status === 'failed');
      },
      (d) => d !== undefined,
    );
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
    const jobId = `${notifyJobId(FN, 11, 'webhook')}-${failed!.id}`;
    const letter = await h.database.db.selectFrom('dead_letters').selectAll().where('job_id', '=', jobId).executeTakeFirstOrThrow();
    expect(letter).toMatchObject({ queue: 'notify', error_code: 'WEBHOOK_FAILED' });
    // What `ofd dlq replay` does: the letter's payload back into its queue under its job id.
    const before = received.length;
    await queue.add(letter.job_name ?? 'notify', letter.payload, { jobId });
    await waitFor(
      async () => {
        await worker.poll();
        return received.slice(before).some((r) => r.headers['x-ofd-delivery'] === String(failed!.id));
      },
      (ok) => ok,
    );
    expect(received.slice(before).some((r) => r.headers['x-ofd-delivery'] === String(failed!.id))).toBe(true);
  });

  it('pauses, and deletes a subscription', async () => {
    const p = await h.app.inject({ method: 'PATCH', url: `/api/v1/organizations/${organizationId}/webhooks/${webhookId}`, headers: asOperator, payload: { active: false } });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ active: false });
    const d = await h.app.inject({ method: 'DELETE', url: `/api/v1/organizations/${organizationId}/webhooks/${webhookId}`, headers: asOperator });
    expect(d.statusCode).toBe(200);
    const g = await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/webhooks/${webhookId}`, headers: asOperator });
    expect(g.statusCode).toBe(404);
  });
});
