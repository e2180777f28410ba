// `ofd fake-fns` over real HTTP: what it validates, how it answers, what it remembers, and the faults it injects.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFns, type FakeFns } from '../../../src/adapters/fns/fake-fns-server.js';
import { buildSubmission } from '../../../src/adapters/fns/fns-submission.js';
import type { FnsDocumentSubmission } from '../../../src/adapters/fns/fns-api.js';
import { containerFor, type ReceiptVariant } from '../../unit/fns/fns-documents.js';

const FN = '9999078900022222';
let fns: FakeFns;

beforeAll(async () => {
  fns = await startFakeFns();
});
afterEach(() => fns.reset());
afterAll(() => fns.close());

const sub = (fd: number, variant: ReceiptVariant = 'accepted'): FnsDocumentSubmission => buildSubmission(FN, fd, containerFor(FN, fd, variant));

async function post(body: unknown, path = '/api/v1/documents'): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${fns.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const get = async (path: string) => (await fetch(`${fns.url}${path}`)).json() as Promise<Record<string, unknown>>;

describe('fake-fns answers', () => {
  it('answers each document by its rule and remembers what it received', async () => {
    const batch = [sub(1), sub(2, 'payments'), sub(3, 'quarantine'), sub(4, 'warnings')];
    const { status, json } = await post({ documents: batch });
    expect(status).toBe(200);
    expect(json['documents']).toEqual([
      { fn: FN, fd: 1, status: 'accepted' },
      { fn: FN, fd: 2, status: 'rejected', errors: [{ tag: 1020, code: 'FLK_PAYMENTS_SUM', message: 'totalSum 18090 ≠ payments 100' }] },
      { fn: FN, fd: 3, status: 'quarantine', errors: [{ tag: 1018, code: 'TAXPAYER_UNKNOWN', message: 'userInn 7704211202 has wrong check digits' }] },
      { fn: FN, fd: 4, status: 'accepted_with_warnings', errors: [{ tag: 1021, code: 'CASHIER_MISSING', message: 'the cashier (1021) is missing' }] },
    ]);
    const stats = await get('/_stats');
    expect(stats).toMatchObject({
      requests: { total: 1, byStatus: { '200': 1 } },
      documents: { received: 4, unique: 4, duplicates: 0, byStatus: { accepted: 1, rejected: 1, quarantine: 1, accepted_with_warnings: 1 } },
      perDocument: { [`${FN}:1`]: { received: 1, status: 'accepted' } },
    });
    const stored = await get(`/_documents/${FN}/1`);
    expect(stored).toMatchObject({ submission: JSON.parse(JSON.stringify(batch[0])), status: 'accepted', received: 1 });
  });

  it('is idempotent by (fn, fd): a copy gets the first answer with duplicate: true and is counted', async () => {
    await post({ documents: [sub(5, 'payments')] });
    const again = await post({ documents: [sub(5, 'payments'), sub(6)] });
    expect(again.json['documents']).toMatchObject([
      { fd: 5, status: 'rejected', duplicate: true },
      { fd: 6, status: 'accepted' },
    ]);
    expect(fns.stats().documents).toMatchObject({ received: 3, unique: 2, duplicates: 1 });
    expect(fns.stats().perDocument[`${FN}:5`]).toEqual({ received: 2, status: 'rejected' });
  });
});

describe('fake-fns validation', () => {
  it('refuses what is not the request schema with 400 BAD_REQUEST and processes nothing', async () => {
    const good = sub(1);
    const cases: unknown[] = [
      'not json',
      {},
      { documents: [] },
      { documents: [{ ...good, rawData: undefined }] },
      { documents: [{ ...good, fn: '123' }] },
      { documents: [{ ...good, fd: 0 }] },
      { documents: [{ ...good, rawData: '***' }] },
      { documents: [{ ...good, document: { receipt: {}, bso: {} } }] },
      { documents: [good, good] },
    ];
    for (const body of cases) {
      const { status, json } = await post(body);
      expect(status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(json['code']).toBe('BAD_REQUEST');
    }
    expect(fns.stats().documents.received).toBe(0);
  });

  it('refuses rawData that does not decode or does not match with 400 BAD_DOCUMENT naming the documents', async () => {
    const good = sub(1);
    const other = sub(2);
    const { status, json } = await post({
      documents: [
        good,
        { ...other, rawData: good.rawData },
        { ...sub(3), rawData: Buffer.from('garbage garbage garbage').toString('base64') },
        { ...sub(4), document: { receipt: { ...sub(4).document['receipt'], totalSum: 1 } } },
      ],
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({
      code: 'BAD_DOCUMENT',
      documents: [
        { fn: FN, fd: 2, code: 'RAW_DATA_KEY_MISMATCH' },
        { fn: FN, fd: 3, code: 'RAW_DATA_INVALID' },
        { fn: FN, fd: 4, code: 'DOCUMENT_MISMATCH' },
      ],
    });
    // Nothing of a refused request is processed, not even its valid document.
    expect(fns.stats().documents.received).toBe(0);
  });

  it('refuses more documents than it takes with 413', async () => {
    const small = await startFakeFns({ maxDocuments: 2 });
    try {
      const res = await fetch(`${small.url}/api/v1/documents`, { method: 'POST', body: JSON.stringify({ documents: [sub(1), sub(2), sub(3)] }) });
      expect(res.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('answers unknown routes 404 and bad fault settings 400', async () => {
    expect((await fetch(`${fns.url}/api/v2/documents`)).status).toBe(404);
    expect((await post({ errorRate: 2 }, '/_faults')).status).toBe(400);
    expect((await post({ nonsense: 1 }, '/_faults')).status).toBe(400);
  });
});

describe('fake-fns faults', () => {
  it('an outage answers 503 until it ends, processing nothing', async () => {
    const faults = await post({ outageMs: 300 }, '/_faults');
    expect(faults.json['outageUntil']).not.toBeNull();
    expect((await post({ documents: [sub(1)] })).status).toBe(503);
    await new Promise((r) => setTimeout(r, 350));
    expect((await post({ documents: [sub(1)] })).status).toBe(200);
    expect(fns.stats()).toMatchObject({ requests: { total: 2, byStatus: { '503': 1, '200': 1 } }, documents: { received: 1 } });
  });

  it('an outage in reset mode drops the connection', async () => {
    fns.setFaults({ outageMs: 5000, outageMode: 'reset' });
    await expect(post({ documents: [sub(1)] })).rejects.toThrow();
    expect(fns.stats().requests.byStatus).toEqual({ reset: 1 });
    fns.setFaults({ outageMs: 0 });
    expect((await post({ documents: [sub(1)] })).status).toBe(200);
  });

  it('a rate limit answers 429 with Retry-After for the next N requests', async () => {
    fns.setFaults({ rateLimit: { requests: 2, retryAfterS: 7 } });
    for (let i = 0; i < 2; i++) {
      const r = await post({ documents: [sub(1)] });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
    }
    expect((await post({ documents: [sub(1)] })).status).toBe(200);
  });

  it('an error rate fails that share of requests, reproducibly, with the status asked for', async () => {
    const statuses = async () => {
      fns.reset();
      fns.setFaults({ errorRate: 0.5, errorStatus: 502 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await post({ documents: [sub(1)] })).status);
      return out;
    };
    const first = await statuses();
    expect(new Set(first)).toEqual(new Set([200, 502]));
    expect(await statuses()).toEqual(first);
  });

  it('failDocuments refuses a request holding them with BAD_DOCUMENT', async () => {
    fns.setFaults({ failDocuments: [{ fn: FN, fd: 2 }] });
    const r = await post({ documents: [sub(1), sub(2)] });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'BAD_DOCUMENT', documents: [{ fn: FN, fd: 2, code: 'INJECTED' }] });
    expect((await post({ documents: [sub(1)] })).status).toBe(200);
  });

  it('latency delays the answer after the documents were processed; clear removes every fault', async () => {
    fns.setFaults({ latencyMs: 300 });
    const started = Date.now();
    const pending = post({ documents: [sub(1)] });
    await new Promise((r) => setTimeout(r, 100));
    expect(fns.stats().documents.received).toBe(1);
    expect((await pending).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(fns.setFaults({ clear: true })).toMatchObject({ latencyMs: 0, errorRate: 0, outageUntil: null, rateLimit: null, failDocuments: [] });
  });
});

describe('ofd fake-fns', () => {
  it('starts on the port asked for with the faults given, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ofd.ts', 'fake-fns', '--port', '0', '--outage-ms', '60000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const { fakeFns } = JSON.parse(line) as { fakeFns: string };
      expect(fakeFns).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${fakeFns}/api/v1/documents`, { method: 'POST', body: JSON.stringify({ documents: [sub(1)] }) });
      expect(res.status).toBe(503);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
