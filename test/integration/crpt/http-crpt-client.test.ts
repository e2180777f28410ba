// The CRPT adapter against `ofd fake-crpt` over real HTTP: the signed-challenge sign-in (RSA/CMS and GOST), code
// checks, sale data idempotency, retries through an outage, the circuit breaker.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { saleId, type CrptSale } from '../../../src/adapters/crpt/crpt-api.js';
import { CrptErrorCodes, isCrptError } from '../../../src/adapters/crpt/errors.js';
import { startFakeCrpt, type FakeCrpt } from '../../../src/adapters/crpt/fake-crpt-server.js';
import { createHttpCrptClient, type CrptClient } from '../../../src/adapters/crpt/http-crpt-client.js';
import { createGostSigner, createRsaCmsSigner, generateDevRsaKey, generateGostKey, type Signer } from '../../../src/adapters/crpt/signer.js';

const FN = '9999078900033333';
let crpt: FakeCrpt;
let rsa: Signer;
const clients: CrptClient[] = [];

beforeAll(async () => {
  crpt = await startFakeCrpt();
  rsa = createRsaCmsSigner(generateDevRsaKey('test', 1024));
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  crpt.reset();
});
afterAll(() => crpt.close());

function client(signer: Signer = rsa, extra: Partial<Parameters<typeof createHttpCrptClient>[0]> = {}): CrptClient {
  const c = createHttpCrptClient({ url: crpt.url, signer, retries: 0, timeoutMs: 2000, ...extra });
  clients.push(c);
  return c;
}

const sale = (fd: number, codes = ['0104600439931256215Ntdc+x1PA9cHd']): CrptSale => ({
  saleId: saleId('receipt', FN, fd),
  source: 'receipt',
  fn: FN,
  fd,
  operationType: 1,
  receiptCheckResult: 0,
  codes: codes.map((cis) => ({ cis, checkResult: 15, itemStatus: 1 })),
});

describe('auth challenge', () => {
  it('signs the challenge with RSA/CMS and gets a token the API accepts', async () => {
    const c = client();
    const token = await c.authenticate();
    expect(token.length).toBeGreaterThan(10);
    expect(crpt.stats().signIns).toMatchObject({ ok: 1, refused: 0, byAlg: { 'rsa-cms': 1 } });
    const checked = await c.checkCodes(['0104600439931256215Ntdc+x1PA9cHd', 'xSOLDx', 'xBLOCKx']);
    expect(checked.map((r) => r.status)).toEqual([expect.any(String), 'RETIRED', 'BLOCKED']);
  });

  it('signs the challenge with GOST R 34.10-2012 (node-gost-crypto), verified by the fake', async () => {
    const c = client(createGostSigner(generateGostKey()));
    await c.authenticate();
    expect(crpt.stats().signIns).toMatchObject({ ok: 1, byAlg: { 'gost2012-256': 1 } });
  });

  it('refuses a signature over something else with 401 (CRPT_AUTH_FAILED)', async () => {
    const forger: Signer = { algorithm: 'rsa-cms', sign: () => rsa.sign(Buffer.from('not the challenge')) };
    const err: unknown = await client(forger).authenticate().catch((e: unknown) => e);
    expect(isCrptError(err) && err.code).toBe(CrptErrorCodes.CRPT_AUTH_FAILED);
    expect(crpt.stats().signIns.refused).toBe(1);
  });

  it('signs in again when the token is refused', async () => {
    const c = client();
    await c.checkCodes(['a']);
    crpt.reset(); // forgets tokens
    await expect(client().checkCodes(['b'])).resolves.toHaveLength(1);
    await expect(c.checkCodes(['c'])).rejects.toMatchObject({ code: CrptErrorCodes.CRPT_AUTH_FAILED });
    await expect(c.checkCodes(['d'])).resolves.toHaveLength(1);
  });
});

describe('sales', () => {
  it('is idempotent by saleId and remembers what it got', async () => {
    const c = client();
    const first = await c.submitSale(sale(1));
    expect(first).toMatchObject({ duplicate: false, codes: [{ status: expect.any(String) }] });
    const again = await c.submitSale(sale(1));
    expect(again.duplicate).toBe(true);
    expect(crpt.sales().get(saleId('receipt', FN, 1))?.received).toBe(2);
  });

  it('retries through a short outage', async () => {
    const c = client(rsa, { retries: 5, retryBaseDelayMs: 50, retryMaxDelayMs: 200 });
    await c.authenticate();
    crpt.setFaults({ outageMs: 300 });
    await expect(c.submitSale(sale(2))).resolves.toMatchObject({ duplicate: false });
    expect(crpt.stats().faulted).toBeGreaterThan(0);
  });

  it('opens the circuit after repeated failures', async () => {
    const c = client(rsa, { breakerThreshold: 2, halfOpenAfterMs: 60_000 });
    await c.authenticate();
    crpt.setFaults({ outageMs: 60_000 });
    await expect(c.submitSale(sale(3))).rejects.toMatchObject({ code: CrptErrorCodes.CRPT_SERVER_ERROR });
    await expect(c.submitSale(sale(3))).rejects.toMatchObject({ code: CrptErrorCodes.CRPT_SERVER_ERROR });
    await expect(c.submitSale(sale(3))).rejects.toMatchObject({ code: CrptErrorCodes.CRPT_CIRCUIT_OPEN });
    expect(c.circuitState()).toBe('open');
  });

  it('times out a slow CRPT (CRPT_TIMEOUT)', async () => {
    const c = client(rsa, { timeoutMs: 200 });
    await c.authenticate();
    crpt.setFaults({ latencyMs: 1000 });
    await expect(c.submitSale(sale(4))).rejects.toMatchObject({ code: CrptErrorCodes.CRPT_TIMEOUT });
  });
});
