// A Viber e-receipt waits for its delivery report in BullMQ's delayed set, not in a worker slot: on a notify worker
// with ONE slot (real Redis, PostgreSQL, SMTP, fake-viber over HTTP), an e-mail receipt queued behind a Viber receipt
// goes out while the Viber report is still pending, and the Viber receipt then ends delivered, charged once.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createSmtpEmailSender } from '../../../src/adapters/email/smtp-email-sender.js';
import type { EmailSender } from '../../../src/adapters/email/email-sender.js';
import { startFakeViber, type FakeViber } from '../../../src/adapters/viber/fake-viber-server.js';
import { createHttpViberSender } from '../../../src/adapters/viber/http-viber-sender.js';
import type { ViberSender } from '../../../src/adapters/viber/viber-sender.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { startNotifyWorker, type NotifyWorker } from '../../../src/workers/notify/notify.worker.js';
import { asOperator, createOrganization, job, json, persist, receipt, startApi, type ApiHarness } from '../api/api-test-helpers.js';
import { deleteKeysWithPrefix, uniquePrefix } from '../queue/queue-test-helpers.js';
import { waitFor } from '../workers/worker-test-helpers.js';

const redisUrl = inject('redisUrl');
const INN = withInnCheckDigits('770200179');
const FN = '9999078900077201';
const REG = '0000000000077201';
const PHONE = '+79161230009';
/** How long after the send the fake reports the Viber message delivered. */
const DELIVERED_AFTER_MS = 5000;
const prefix = uniquePrefix('viber-wait');

let h: ApiHarness;
let viberFake: FakeViber;
let viber: ViberSender;
let email: EmailSender;
let worker: NotifyWorker;
let queue: Queue;
let organizationId: number;

beforeAll(async () => {
  h = await startApi();
  viberFake = await startFakeViber({ rules: { deliverAfterMs: DELIVERED_AFTER_MS, expireAfterMs: 60_000, noViber: [], offline: [] } });
  viber = createHttpViberSender({ url: viberFake.url, timeoutMs: 2000 });
  email = createSmtpEmailSender({ url: `smtp://127.0.0.1:${h.smtp.port}`, from: 'OFD <receipts@ofd.test>' });
  organizationId = await createOrganization(h, INN, 'ООО Вайбер');
  const top = await h.app.inject({ method: 'POST', url: `/api/v1/organizations/${organizationId}/sms-balance/top-ups`, headers: asOperator, payload: { amount: 5 } });
  expect(top.statusCode).toBe(200);
  worker = startNotifyWorker({
    redisUrl,
    prefix,
    db: h.database.db,
    logger: silentLogger(),
    email,
    viber,
    viberOptions: { statusPollMs: 100, deliveryWaitMs: 30_000 },
    concurrency: 1,
    pollIntervalMs: 100,
  });
  queue = new Queue('notify', { connection: { url: redisUrl }, prefix });
});

afterAll(async () => {
  await worker.close();
  await queue.close();
  await viber.close();
  await email.close();
  await viberFake.close();
  await h.close();
  await deleteKeysWithPrefix(redisUrl, prefix);
});

const statusOf = async (fd: number, channel: string) => {
  const r = await h.app.inject({ method: 'GET', url: `/api/v1/documents/${FN}/${fd}/deliveries`, headers: asOperator });
  return json<{ items: Array<{ channel: string; status: string }> }>(r).items.find((d) => d.channel === channel)?.status;
};
const smsBalance = async () =>
  json<{ balance: number }>(await h.app.inject({ method: 'GET', url: `/api/v1/organizations/${organizationId}/sms-balance`, headers: asOperator })).balance;

it('sends an e-mail queued behind a Viber receipt while that one still waits for its report, then delivers both', async () => {
  for (const fd of [1, 2]) await persist(h.database, [job(FN, fd, 3, receipt({ fn: FN, fd, inn: INN, regId: REG }))]);
  const mails = h.smtp.mails.length;
  // The Viber receipt first (a send asked through the API), then an e-mail, on a worker with one slot.
  await queue.add('notify', { fn: FN, fd: 1, channel: 'viber', recipient: PHONE, resend: 1 }, { jobId: 'viber-first', attempts: 3 });
  await queue.add('notify', { fn: FN, fd: 2, channel: 'email', recipient: 'buyer@example.test' }, { jobId: 'email-second', attempts: 3 });

  expect(await waitFor(() => statusOf(2, 'email'), (s) => s === 'delivered', 10_000)).toBe('delivered');
  // The e-mail went out while the Viber receipt still waited for its report: that job was not holding the only slot
  // (holding it, the e-mail would have waited for the report, DELIVERED_AFTER_MS after the send).
  expect(await statusOf(1, 'viber')).toBe('sending');
  expect(h.smtp.mails.length).toBe(mails + 1);

  expect(await waitFor(() => statusOf(1, 'viber'), (s) => s === 'delivered', 15_000)).toBe('delivered');
  expect(viberFake.messages.filter((m) => m.to === PHONE)).toHaveLength(1);
  expect(await smsBalance()).toBe(4);
});
