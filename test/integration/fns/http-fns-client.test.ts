// The undici + cockatiel FNS client against fake-fns over real HTTP: retries, Retry-After, terminal failures, timeouts,
// lost connections and the circuit breaker.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFns, type FakeFns } from '../../../src/adapters/fns/fake-fns-server.js';
import { FnsError, FnsErrorCodes } from '../../../src/adapters/fns/errors.js';
import type { FnsDocumentSubmission } from '../../../src/adapters/fns/fns-api.js';
import { buildSubmission } from '../../../src/adapters/fns/fns-submission.js';
import { createHttpFnsClient, type HttpFnsClient, type HttpFnsClientOptions } from '../../../src/adapters/fns/http-fns-client.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { freePort } from '../../support/redis-process.js';
import { containerFor } from '../../unit/fns/fns-documents.js';

const FN = '9999078900033333';
let fns: FakeFns;
const clients: HttpFnsClient[] = [];

beforeAll(async () => {
  fns = await startFakeFns();
});
afterEach(async () => {
  fns.reset();
  for (const c of clients.splice(0)) await c.close();
});
afterAll(() => fns.close());

const sub = (fd: number): FnsDocumentSubmission => buildSubmission(FN, fd, containerFor(FN, fd));

function client(options: Partial<HttpFnsClientOptions> = {}): HttpFnsClient {
  const c = createHttpFnsClient({ url: fns.url, retryBaseDelayMs: 20, retryMaxDelayMs: 100, timeoutMs: 2000, ...options });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<FnsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof FnsError)) throw new Error(`expected an FnsError, got ${String(e)}`);
  return e;
}

describe('http fns client', () => {
  it('posts the batch and returns the answer per document, observing the latency', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const result = await client({ metrics }).send([sub(1), sub(2)]);
    expect(result.documents).toEqual([
      { fn: FN, fd: 1, status: 'accepted', errors: [], duplicate: false },
      { fn: FN, fd: 2, status: 'accepted', errors: [], duplicate: false },
    ]);
    expect(fns.received(FN, 1)?.submission).toEqual(JSON.parse(JSON.stringify(sub(1))));
    expect(await metrics.render()).toMatch(/ofd_forward_latency_seconds_count\{target="fns"\} 1/);
  });

  it('keeps the base path of FNS_URL', async () => {
    const c = client({ url: `${fns.url}/prefix/` });
    const e = await failure(c.send([sub(1)]));
    expect(e).toMatchObject({ code: FnsErrorCodes.FNS_REFUSED, status: 404, retryable: false });
  });

  it('retries 5xx with backoff and succeeds when the FNS is back', async () => {
    fns.setFaults({ outageMs: 150 });
    const result = await client({ retries: 6, retryBaseDelayMs: 50, retryMaxDelayMs: 100 }).send([sub(1)]);
    expect(result.documents[0]?.status).toBe('accepted');
    expect(fns.stats().requests.byStatus['503']).toBeGreaterThanOrEqual(1);
    expect(fns.stats().perDocument[`${FN}:1`]?.received).toBe(1);
  });

  it('waits out a short Retry-After in-process', async () => {
    fns.setFaults({ rateLimit: { requests: 1, retryAfterS: 1 } });
    const started = Date.now();
    const result = await client({ retries: 1 }).send([sub(1)]);
    expect(result.documents[0]?.status).toBe('accepted');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fns.stats().requests).toMatchObject({ total: 2, byStatus: { '429': 1, '200': 1 } });
  });

  it('hands a long Retry-After to the caller at once', async () => {
    fns.setFaults({ rateLimit: { requests: 1, retryAfterS: 30 } });
    const started = Date.now();
    const e = await failure(client({ retries: 3, maxRetryAfterMs: 1000 }).send([sub(1)]));
    expect(e).toMatchObject({ code: FnsErrorCodes.FNS_RATE_LIMITED, retryable: true, retryAfterMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fns.stats().requests.total).toBe(1);
  });

  it('does not retry a 400: terminal, with the documents the FNS named', async () => {
    fns.setFaults({ failDocuments: [{ fn: FN, fd: 2 }] });
    const e = await failure(client({ retries: 3 }).send([sub(1), sub(2)]));
    expect(e).toMatchObject({ code: FnsErrorCodes.FNS_BAD_REQUEST, retryable: false, status: 400 });
    expect(e.documents).toEqual([{ fn: FN, fd: 2, code: 'INJECTED', message: 'refused by an injected fault' }]);
    expect(fns.stats().requests.total).toBe(1);
  });

  it('times an attempt out, retries, and reports FNS_TIMEOUT', async () => {
    fns.setFaults({ latencyMs: 400 });
    const started = Date.now();
    const e = await failure(client({ timeoutMs: 100, retries: 1 }).send([sub(1)]));
    expect(e).toMatchObject({ code: FnsErrorCodes.FNS_TIMEOUT, retryable: true, requestSent: true });
    expect(Date.now() - started).toBeLessThan(400);
    expect(fns.stats().requests.total).toBe(2);
  });

  it('reports a refused or reset connection as FNS_UNAVAILABLE', async () => {
    const closed = createHttpFnsClient({ url: `http://127.0.0.1:${await freePort()}`, retries: 1, retryBaseDelayMs: 10 });
    clients.push(closed);
    expect(await failure(closed.send([sub(1)]))).toMatchObject({ code: FnsErrorCodes.FNS_UNAVAILABLE, retryable: true });
    fns.setFaults({ outageMs: 5000, outageMode: 'reset' });
    expect(await failure(client({ retries: 0 }).send([sub(1)]))).toMatchObject({ code: FnsErrorCodes.FNS_UNAVAILABLE, retryable: true });
  });

  it('opens the circuit after consecutive failures, sends nothing while open, probes, and closes on success', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const c = client({ retries: 0, breakerThreshold: 3, halfOpenAfterMs: 300, metrics });
    const states: string[] = [];
    c.onCircuitStateChange((s) => states.push(s));
    fns.setFaults({ outageMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await failure(c.send([sub(1)]))).code).toBe(FnsErrorCodes.FNS_SERVER_ERROR);
    expect(c.circuitState()).toBe('open');
    expect(await metrics.render()).toMatch(/ofd_forward_circuit_state\{target="fns"\} 1/);

    const open = await failure(c.send([sub(1)]));
    expect(open).toMatchObject({ code: FnsErrorCodes.FNS_CIRCUIT_OPEN, retryable: true, requestSent: false });
    expect(fns.stats().requests.total).toBe(3);

    // The probe after halfOpenAfterMs fails while the FNS is still down: open again.
    await new Promise((r) => setTimeout(r, 320));
    expect((await failure(c.send([sub(1)]))).code).toBe(FnsErrorCodes.FNS_SERVER_ERROR);
    expect(c.circuitState()).toBe('open');
    expect(fns.stats().requests.total).toBe(4);

    fns.setFaults({ outageMs: 0 });
    await new Promise((r) => setTimeout(r, 320));
    expect((await c.send([sub(1)])).documents[0]?.status).toBe('accepted');
    expect(c.circuitState()).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(await metrics.render()).toMatch(/ofd_forward_circuit_state\{target="fns"\} 0/);
  });

  it('does not count terminal 4xx towards opening the circuit', async () => {
    const c = client({ retries: 0, breakerThreshold: 2 });
    fns.setFaults({ failDocuments: [{ fn: FN, fd: 1 }] });
    for (let i = 0; i < 4; i++) expect((await failure(c.send([sub(1)]))).code).toBe(FnsErrorCodes.FNS_BAD_REQUEST);
    expect(c.circuitState()).toBe('closed');
  });
});
