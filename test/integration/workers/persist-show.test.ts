// `ofd show <fn> <fd>`: a document persisted by the processor comes back as sent — every FNS JSON field the decoder
// reads from the container, messageFiscalSign, and rawData byte for byte — with its lifecycle.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeMessages } from '../../../protocol/message.js';
import { runCli } from '../../../src/cli/ofd.js';
import { run as show } from '../../../src/cli/commands/show.js';
import { findDocumentView } from '../../../src/db/document-view.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { MARKING_CODE, realJob, richReceiptChildren } from './worker-test-helpers.js';

const FN = '9999400000000001';
let t: TestDatabase;
let persist: PersistProcessor;

beforeAll(async () => {
  t = await createTestDatabase();
  persist = createPersistProcessor({ db: t.db, logger: silentLogger() });
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(() => t.drop());

/** Runs `ofd show` against the test database; returns the exit code and what it wrote. */
async function runShow(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await show(argv, { databaseUrl: t.url, write: (text) => (out += text) });
    return { code, out, err };
  } finally {
    stderr.mockRestore();
  }
}

/** What `ofd decode` makes of the container the job carried: the independent reading of what was sent. */
function decodedAsSent(job: DocumentJob): Record<string, unknown> {
  const [message] = [...decodeMessages(Buffer.from(job.container, 'base64'))];
  return JSON.parse(JSON.stringify(message!.document, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;
}

describe('ofd show', () => {
  it('prints the stored receipt as sent: FNS JSON fields, messageFiscalSign, rawData byte for byte, and its lifecycle', async () => {
    const job = realJob(FN, 1, richReceiptChildren(FN, 1));
    const [result] = await persist([job]);
    expect(result).toMatchObject({ ok: true, inserted: true });

    const { code, out } = await runShow([FN, '1', '--json']);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1); // --json: one line
    const view = JSON.parse(out) as { document: { receipt: Record<string, unknown> }; status: Record<string, unknown> };

    // Every field, as the decoder reads the container that was sent (key order aside).
    expect(view.document).toEqual(decodedAsSent(job));
    const receipt = view.document.receipt;
    const container = Buffer.from(job.container, 'base64');
    expect(Buffer.from(receipt['rawData'] as string, 'base64').equals(container.subarray(32))).toBe(true);
    expect(receipt['messageFiscalSign']).toBe(container.readBigUInt64BE(container.length - 10).toString());
    expect(receipt).toMatchObject({ fiscalDriveNumber: FN, fiscalDocumentNumber: 1, totalSum: 18090, buyerPhoneOrAddress: 'buyer@example.com' });
    const items = receipt['items'] as Record<string, unknown>[];
    expect(items.map((i) => i['name'])).toEqual(['Bread', 'Milk', 'Cheese']);
    expect(items[2]).toMatchObject({ quantity: '2.470', productCodeNew: { gs1m: MARKING_CODE } });

    expect(view.status).toMatchObject({
      fiscalDriveNumber: FN,
      fiscalDocumentNumber: 1,
      form: 3,
      formName: 'receipt',
      receivedAt: job.receivedAt,
      reprocessedAt: null,
      // Stored straight by the persist processor: no gateway wrote an ack, so none is known (issue 13 item 4).
      ackedAt: null,
      ackCode: null,
      signStatus: 'verified',
      flk: { status: 'passed', codes: [] },
      messageFiscalSign: receipt['messageFiscalSign'],
      containerLength: container.length,
    });
    expect(Date.parse(view.status['persistedAt'] as string)).toBeGreaterThanOrEqual(Date.parse(job.receivedAt));
    expect(view.status).not.toHaveProperty('rawContainer');
    const events = view.status['events'] as { kind: string; at: string; detail: unknown }[];
    expect(events.map((e) => e.kind)).toEqual(['received', 'persisted']);
    expect(events[0]).toMatchObject({ at: job.receivedAt, detail: { crypto: 'devsign', signStatus: 'verified', flk: { ok: true, codes: [] } } });
  });

  it('prints the same view indented without --json, as the repository function returns it for the API', async () => {
    const job = realJob(FN, 2);
    await persist([job]);
    const pretty = await runShow([FN, '2']);
    expect(pretty.code).toBe(0);
    expect(pretty.out.split('\n').length).toBeGreaterThan(20);
    const view = await findDocumentView(t.db, FN, 2);
    expect(JSON.parse(pretty.out)).toEqual(JSON.parse(JSON.stringify(view)));
    expect(view?.document).toEqual(decodedAsSent(job));
  });

  it('shows a document stored unrecognised with its whole container and no FNS JSON', async () => {
    const fn = '9999400000000002';
    const job: DocumentJob = { ...realJob(fn, 1), flk: { ok: false, codes: ['DOC_UNRECOGNISED'] } };
    await persist([job]);
    const { code, out } = await runShow([fn, '1', '--json']);
    expect(code).toBe(0);
    const view = JSON.parse(out) as { document: unknown; status: Record<string, unknown> };
    expect(view.document).toBeNull();
    expect(view.status).toMatchObject({ formName: null, ackCode: null, flk: { status: 'failed', codes: ['DOC_UNRECOGNISED'] } });
    expect(Buffer.from(view.status['rawContainer'] as string, 'base64').equals(Buffer.from(job.container, 'base64'))).toBe(true);
  });

  it('answers a document not stored with DOC_NOT_FOUND and exit 1, also through the ofd dispatcher', async () => {
    const missing = await runShow([FN, '999']);
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toMatch(/^error DOC_NOT_FOUND: .*\n$/);

    vi.stubEnv('DATABASE_URL', t.url);
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    expect(await runCli(['show', FN, '998', '--json'])).toBe(1);
    vi.unstubAllEnvs();
    expect(err).toMatch(/^error DOC_NOT_FOUND: /);
  });

  it('refuses bad arguments with CLI_USAGE and exit 2, before touching the database', async () => {
    for (const argv of [[], [FN], [FN, '1', '2'], ['12ab', '1'], [FN, '0'], [FN, '4294967296'], [FN, '1', '--bogus']]) {
      const r = await runShow(argv);
      expect(r.code, JSON.stringify(argv)).toBe(2);
      expect(r.err).toMatch(/^error CLI_USAGE: /);
    }
  });
});
