// document_acks (migration 0057): an ack report needs no document row — it may come first — and a report recorded twice
// (a retried job) or a later ack for the same document keeps the first ack written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWrittenAcks } from '../../../src/db/document-acks.repository.js';
import { findDocumentView } from '../../../src/db/document-view.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob } from '../workers/worker-test-helpers.js';

const FN = '9999078900000058';
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

describe('document_acks', () => {
  it('records an ack before its document is stored; the document shows it once stored', async () => {
    const at = Date.parse('2026-12-05T10:00:00.123Z');
    expect(await recordWrittenAcks(t.db, [{ fn: FN, fd: 1, code: 14, at }])).toBe(1);
    expect(await findDocumentView(t.db, FN, 1)).toBeUndefined();

    const [stored] = await createPersistProcessor({ db: t.db, logger: silentLogger() })([realJob(FN, 1)]);
    expect(stored).toMatchObject({ ok: true, inserted: true });
    const view = await findDocumentView(t.db, FN, 1);
    expect(view?.status).toMatchObject({ ackedAt: '2026-12-05T10:00:00.123Z', ackCode: 14 });
  });

  it('keeps the first ack written: a report run again, or a later ack of a re-send, changes nothing', async () => {
    const first = Date.parse('2026-12-05T11:00:00.000Z');
    const acks = [
      { fn: FN, fd: 2, code: 0, at: first + 500 },
      { fn: FN, fd: 2, code: 0, at: first },
      { fn: FN, fd: 3, code: 0, at: first },
    ];
    expect(await recordWrittenAcks(t.db, acks)).toBe(2);
    expect(await recordWrittenAcks(t.db, acks)).toBe(0);
    expect(await recordWrittenAcks(t.db, [{ fn: FN, fd: 2, code: 0, at: first + 60_000 }])).toBe(0);
    const rows = await t.db
      .selectFrom('document_acks')
      .select((eb) => [eb.cast<string>(eb.ref('fn'), 'text').as('fn'), 'fd', 'acked_at', 'ack_code'])
      .where('fd', 'in', [2, 3])
      .orderBy('fd')
      .execute();
    expect(rows).toEqual([
      { fn: FN, fd: 2, acked_at: new Date(first), ack_code: 0 },
      { fn: FN, fd: 3, acked_at: new Date(first), ack_code: 0 },
    ]);
  });
});
