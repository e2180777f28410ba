// Issue 13 item 3, the persist side: the first stored copy of (fn, fd) wins, so only a document verified under its own
// fiscal drive may be stored; a later copy whose bytes differ is recorded in document_conflicts and counted, never dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../../src/observability/metrics.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor, type PersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { receiptChildren, signedMessage } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob } from './worker-test-helpers.js';
import { unpackRawContainer } from '../../../src/db/raw-container.js';

let t: TestDatabase;
let persist: PersistProcessor;
let metrics: Metrics;

beforeAll(async () => {
  t = await createTestDatabase();
  metrics = createMetrics({ defaultMetrics: false });
  persist = createPersistProcessor({ db: t.db, logger: silentLogger(), metrics });
});
afterAll(() => t.drop());

const conflictsOf = (fn: string) => t.db.selectFrom('document_conflicts').selectAll().where('fn', '=', fn).orderBy('id').execute();
const conflictingCopies = async () => (await metrics.documents.conflictingCopies.get()).values[0]?.value ?? 0;

/** The same (fn, fd) as realJob(fn, fd), with other contents (cash 200.00 instead of 180.90) and so other bytes. */
function alteredJob(fn: string, fd: number, receivedAt = new Date().toISOString()): DocumentJob {
  return { ...realJob(fn, fd, receiptChildren(fn, fd, { cash: 20000 })), receivedAt };
}

/** A job for (fn, fd) whose signs were made with `signingFn`'s key and sent in a session of `signingFn`. */
function signedUnderAnotherDrive(fn: string, fd: number, signingFn: string): DocumentJob {
  const own = signedMessage({ fn, fd, children: receiptChildren(fn, fd) });
  const foreign = signedMessage({ fn: signingFn, fd, children: receiptChildren(fn, fd) });
  return { ...realJob(fn, fd), container: own.subarray(30).toString('base64'), sessionHeader: foreign.subarray(0, 30).toString('base64') };
}

describe('persist processor: conflicting copies', () => {
  it('keeps the stored copy and records a later copy with other bytes, once per distinct copy, counted', async () => {
    const fn = '9999300000000001';
    const first = realJob(fn, 1);
    const before = await conflictingCopies();
    expect(await persist([first])).toMatchObject([{ ok: true, inserted: true }]);

    // An identical re-send is no evidence of anything.
    expect(await persist([{ ...first, receivedAt: new Date(Date.now() + 1000).toISOString() }])).toMatchObject([{ ok: true, inserted: false }]);
    expect(await conflictsOf(fn)).toEqual([]);

    const other = alteredJob(fn, 1, new Date(Date.now() + 2000).toISOString());
    expect(await persist([other])).toMatchObject([{ ok: true, inserted: false }]);
    const stored = await t.db.selectFrom('documents').select(['raw_container', 'raw_codec', 'total_sum']).where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(unpackRawContainer(stored.raw_container, stored.raw_codec).equals(Buffer.from(first.container, 'base64'))).toBe(true);
    const [conflict, ...more] = await conflictsOf(fn);
    expect(more).toEqual([]);
    expect(conflict?.raw_container.equals(Buffer.from(other.container, 'base64'))).toBe(true);
    expect(conflict?.session_header?.equals(Buffer.from(other.sessionHeader!, 'base64'))).toBe(true);
    expect(conflict).toMatchObject({ fd: 1, copies: 1, sign_status: 'verified', crypto: 'devsign' });
    expect(conflict?.first_received_at.toISOString()).toBe(other.receivedAt);
    expect(await conflictingCopies()).toBe(before + 1);

    // The same divergent bytes again, later: one row, two copies.
    const again = { ...other, receivedAt: new Date(Date.now() + 3000).toISOString() };
    await persist([again]);
    expect(await conflictsOf(fn)).toMatchObject([{ copies: 2 }]);
    expect((await conflictsOf(fn))[0]?.last_received_at.toISOString()).toBe(again.receivedAt);
  });

  it('records the second of two different copies of one (fn, fd) that arrive in the same batch', async () => {
    const fn = '9999300000000002';
    const first = realJob(fn, 5);
    const second = alteredJob(fn, 5);
    const results = await persist([first, second]);
    expect(results).toMatchObject([{ ok: true, inserted: true }, { ok: true, inserted: false }]);
    const conflicts = await conflictsOf(fn);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.raw_container.equals(Buffer.from(second.container, 'base64'))).toBe(true);
  });

  it('does not store a document verified under another drive\'s session, so the genuine one still wins', async () => {
    const fn = '9999300000000003';
    const forged = signedUnderAnotherDrive(fn, 10, '9999300000000099');
    const [result] = await persist([forged]);
    expect(result).toMatchObject({ ok: false, error: { code: 'PERSIST_SESSION_FN_MISMATCH' } });
    expect(await t.db.selectFrom('documents').select('fd').where('fn', '=', fn).execute()).toEqual([]);

    const genuine = realJob(fn, 10);
    expect(await persist([genuine])).toMatchObject([{ ok: true, inserted: true }]);
    const stored = await t.db.selectFrom('documents').select(['raw_container', 'raw_codec']).where('fn', '=', fn).executeTakeFirstOrThrow();
    expect(unpackRawContainer(stored.raw_container, stored.raw_codec).equals(Buffer.from(genuine.container, 'base64'))).toBe(true);
  });

  it('does not store a document whose signs were not verified unless the operator runs without crypto', async () => {
    const fn = '9999300000000004';
    const [refused] = await persist([{ ...realJob(fn, 1), signStatus: 'unverified' }]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'PERSIST_UNVERIFIED' } });
    // OFD_CRYPTO=none: nothing is verified, by configuration.
    expect(await persist([{ ...realJob(fn, 2), signStatus: 'unverified', crypto: 'none' }])).toMatchObject([{ ok: true, inserted: true }]);
    expect(await t.db.selectFrom('documents').select('fd').where('fn', '=', fn).execute()).toEqual([{ fd: 2 }]);
  });
});
