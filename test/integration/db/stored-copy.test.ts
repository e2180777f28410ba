// Reading a stored document by the received_at a forwarding job names (src/db/stored-copy.ts) on real PostgreSQL: the
// hint read alone when it names the stored copy, the lookup of document_keys when it is absent or names another time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReceiptSource } from '../../../src/db/notify.repository.js';
import { readStoredCopy } from '../../../src/db/stored-copy.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob, richReceiptChildren } from '../workers/worker-test-helpers.js';

let t: TestDatabase;
const FN = '9999400000000002';
let receivedAt: Date;

beforeAll(async () => {
  t = await createTestDatabase();
  const job = realJob(FN, 3, richReceiptChildren(FN, 3));
  receivedAt = new Date(job.receivedAt);
  expect(await createPersistProcessor({ db: t.db, logger: silentLogger() })([job])).toMatchObject([{ ok: true, inserted: true }]);
});
afterAll(() => t.drop());

/** A read of documents by its partition key that records the times it was asked for. */
function countingRead(fd: number) {
  const asked: number[] = [];
  const read = async (at: Date) => {
    asked.push(at.getTime());
    const row = await t.db.selectFrom('documents').select('fd').where('fn', '=', FN).where('fd', '=', fd).where('received_at', '=', at).executeTakeFirst();
    return row ? Number(row.fd) : undefined;
  };
  return { asked, read };
}

describe('a stored copy read by a hint', () => {
  it('reads once with a hint that names the stored copy, twice with one that does not, once with none', async () => {
    const right = countingRead(3);
    expect(await readStoredCopy(t.db, FN, 3, receivedAt, right.read)).toBe(3);
    expect(right.asked).toEqual([receivedAt.getTime()]);

    const wrong = countingRead(3);
    const other = new Date(receivedAt.getTime() - 86_400_000);
    expect(await readStoredCopy(t.db, FN, 3, other, wrong.read)).toBe(3);
    expect(wrong.asked).toEqual([other.getTime(), receivedAt.getTime()]);

    const none = countingRead(3);
    expect(await readStoredCopy(t.db, FN, 3, undefined, none.read)).toBe(3);
    expect(none.asked).toEqual([receivedAt.getTime()]);
  });

  it('is undefined for a document not stored, and does not read the hinted copy twice', async () => {
    const missing = countingRead(4);
    expect(await readStoredCopy(t.db, FN, 4, receivedAt, missing.read)).toBeUndefined();
    expect(missing.asked).toEqual([receivedAt.getTime()]);
    // Stored, but the read finds nothing at the stored copy's own time (say, a row it filters out): asked once.
    const filtered = { asked: [] as number[], read: async (at: Date) => void filtered.asked.push(at.getTime()) };
    expect(await readStoredCopy(t.db, FN, 3, receivedAt, filtered.read)).toBeUndefined();
    expect(filtered.asked).toEqual([receivedAt.getTime()]);
  });

  it('gives an e-receipt job the same receipt with or without its hint', async () => {
    const hinted = await loadReceiptSource(t.db, FN, 3, receivedAt);
    expect(hinted).toMatchObject({ fn: FN, fd: 3, form: 3 });
    expect(hinted?.fns_json).toHaveProperty('receipt.buyerPhoneOrAddress', 'buyer@example.com');
    expect(await loadReceiptSource(t.db, FN, 3)).toEqual(hinted);
    expect(await loadReceiptSource(t.db, FN, 3, new Date(0))).toEqual(hinted);
    expect(await loadReceiptSource(t.db, FN, 99, receivedAt)).toBeUndefined();
  });
});
