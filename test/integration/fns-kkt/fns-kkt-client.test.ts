// The FNS KKT registration client against the runnable fake over real HTTP: applications accepted once (idempotent),
// an РНМ after the decision delay that passes our check for the INN and serial, refusals with reasons, and the fake's
// faults (503, no answer) turned into typed retryable errors after the client's retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FnsKktError, type KktSubmission } from '../../../src/adapters/fns-kkt/fns-kkt-api.js';
import { startFakeFnsKkt, type FakeFnsKkt } from '../../../src/adapters/fns-kkt/fake-fns-kkt-server.js';
import { createHttpFnsKktClient } from '../../../src/adapters/fns-kkt/http-fns-kkt-client.js';
import { checkRnm } from '../../../src/domain/kkt-registration/rnm.js';

const submission = (id: string, serial = '00106107300123'): KktSubmission => ({
  applicationId: id,
  kind: 'registration',
  userInn: '7704211201',
  kktSerialNumber: serial,
  fnSerialNumber: '7380440700123456',
  xml: Buffer.from('<Файл/>').toString('base64'),
  signature: Buffer.from('cms').toString('base64'),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('http FNS KKT client ⇄ fake-fns-kkt', () => {
  let fake: FakeFnsKkt;
  beforeAll(async () => {
    fake = await startFakeFnsKkt({ decisionDelayMs: 150 });
  });
  afterAll(() => fake.close());

  it('registers after the delay with an РНМ valid for the INN and serial, idempotently', async () => {
    const client = createHttpFnsKktClient({ url: fake.url, timeoutMs: 2000 });
    const first = await client.submit(submission('a1'));
    expect(first.status).toBe('processing');
    const again = await client.submit(submission('a1'));
    expect(again.fnsApplicationId).toBe(first.fnsApplicationId);
    expect(fake.applications.size).toBe(1);
    await sleep(200);
    const state = await client.state(first.fnsApplicationId);
    expect(state.status).toBe('registered');
    expect(checkRnm(state.kktRegId!, '7704211201', '00106107300123')).toEqual({ valid: true });
    const done = await client.sendRegistrationReport(first.fnsApplicationId, { dateTime: '2026-12-05T10:00:00', fiscalDocumentNumber: 1, fiscalSign: '123456', xml: 'eA==' });
    expect(done.status).toBe('completed');
    await client.close();
  });

  it('refuses an application for a serial it does not know, with reasons', async () => {
    fake.control({ refuseSerials: ['NOPE-1'] });
    const client = createHttpFnsKktClient({ url: fake.url, timeoutMs: 2000 });
    const s = await client.submit(submission('a2', 'NOPE-1'));
    await sleep(200);
    const state = await client.state(s.fnsApplicationId);
    expect(state).toMatchObject({ status: 'refused', refusal: { code: 'KKT_NOT_IN_REGISTRY' } });
    expect(state.refusal!.reasons[0]).toContain('NOPE-1');
    fake.control({ refuseSerials: [] });
    await client.close();
  });

  it('answers a bad request with a terminal error, and an outage or silence with retryable ones after retries', async () => {
    const client = createHttpFnsKktClient({ url: fake.url, timeoutMs: 300, retries: 1, retryBaseDelayMs: 10 });
    const bad = await client.submit({ ...submission('a3'), fnSerialNumber: '1' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FnsKktError);
    expect(bad).toMatchObject({ code: 'FNS_KKT_REFUSED_REQUEST', retryable: false, status: 400 });

    fake.control({ mode: 'fail' });
    await expect(client.submit(submission('a4'))).rejects.toMatchObject({ code: 'FNS_KKT_SERVER_ERROR', retryable: true });
    fake.control({ mode: 'timeout' });
    const started = Date.now();
    await expect(client.submit(submission('a5'))).rejects.toMatchObject({ code: 'FNS_KKT_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(3000);
    fake.control({ mode: 'normal' });
    await client.close();
    const down = createHttpFnsKktClient({ url: 'http://127.0.0.1:1', timeoutMs: 300, retries: 0 });
    await expect(down.submit(submission('a6'))).rejects.toMatchObject({ code: 'FNS_KKT_UNAVAILABLE' });
    await down.close();
  });
});
