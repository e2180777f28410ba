// The crpt worker's reads and writes on real PostgreSQL (src/db/crpt-status.repository.ts): the sale read in one
// statement when the job names the stored copy's received_at (and found by lookup when it does not, or names a wrong
// one), the send lease claimed with the codes in one statement, the answer recorded in one.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimCrptSale, findCrptCodeStatuses, findCrptSale, readReceiptSale, recordCrptDelivered, type SaleKey } from '../../../src/db/crpt-status.repository.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { MARKING_CODE, realJob, richReceiptChildren, waitFor } from '../workers/worker-test-helpers.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const FN = '9999400000000001';
const codesOf = (...codes: string[]) => codes.map((code, itemIndex) => ({ itemIndex, code, checkResult: itemIndex === 0 ? null : 15, itemStatus: 1 }));

describe('crpt sales in PostgreSQL', () => {
  it('reads a stored receipt with its codes by the received_at the job names, by lookup without it or with a wrong one', async () => {
    const job = realJob(FN, 5, richReceiptChildren(FN, 5));
    const [stored] = await createPersistProcessor({ db: t.db, logger: silentLogger() })([job]);
    expect(stored).toMatchObject({ ok: true, inserted: true, receivedAt: job.receivedAt });
    // The marked item is the third 1059 of the receipt (Bread, Milk, Cheese): index 2, counted from 0.
    const expected = { operationType: 1, receiptCheckResult: null, codes: [{ itemIndex: 2, code: MARKING_CODE, checkResult: null, itemStatus: 1 }] };
    expect(await readReceiptSale(t.db, FN, 5, new Date(job.receivedAt))).toEqual(expected);
    expect(await readReceiptSale(t.db, FN, 5)).toEqual(expected);
    expect(await readReceiptSale(t.db, FN, 5, new Date(Date.parse(job.receivedAt) - 3_600_000))).toEqual(expected);
    expect(await readReceiptSale(t.db, FN, 6, new Date(job.receivedAt))).toBeUndefined();
    expect(await readReceiptSale(t.db, FN, 6)).toBeUndefined();
  });

  it('claims a sale once while its lease runs, records its codes on the first claim only, and claims it again after the lease', async () => {
    const key: SaleKey = { source: 'receipt', fn: FN, fd: 10 };
    expect(await claimCrptSale(t.db, key, codesOf('A', 'B'), 2, 60_000, 'w1')).toEqual({ kind: 'claimed' });
    const held = await claimCrptSale(t.db, key, codesOf('A', 'B'), 2, 60_000, 'w2');
    expect(held.kind).toBe('in_flight');
    expect(held.kind === 'in_flight' && held.delayMs > 55_000 && held.delayMs <= 60_000).toBe(true);
    expect(await findCrptSale(t.db, key)).toMatchObject({ status: 'sending', lease_owner: 'w1' });

    await sql`update crpt_sales set lease_until = now() - interval '1 second' where fn = ${FN} and fd = 10`.execute(t.db);
    expect(await claimCrptSale(t.db, key, codesOf('X'), null, 60_000, 'w2')).toEqual({ kind: 'claimed' });
    expect(await findCrptSale(t.db, key)).toMatchObject({ status: 'sending', lease_owner: 'w2' });
    const codes = await findCrptCodeStatuses(t.db, FN, 10);
    expect(codes.map((c) => [c.item_index, c.code, c.check_result, c.receipt_check_result, c.stage])).toEqual([
      [0, 'A', null, 2, 'checked'],
      [1, 'B', 15, 2, 'checked'],
    ]);
  });

  it('does not revive a parked sale for a batch job (reviveDead false), and does for a replay', async () => {
    const key: SaleKey = { source: 'receipt', fn: FN, fd: 15 };
    await sql`insert into crpt_sales (source, fn, fd, status, attempts, last_error_code) values ('receipt', ${FN}, 15, 'dead', 1, 'CRPT_REFUSED')`.execute(t.db);
    expect(await claimCrptSale(t.db, key, codesOf('A'), null, 60_000, 'batch', false)).toMatchObject({ kind: 'dead', row: { status: 'dead' } });
    expect(await findCrptSale(t.db, key)).toMatchObject({ status: 'dead', lease_owner: null });
    expect(await claimCrptSale(t.db, key, codesOf('A'), null, 60_000, 'replay')).toEqual({ kind: 'claimed' });
    expect(await findCrptSale(t.db, key)).toMatchObject({ status: 'sending', lease_owner: 'replay' });
  });

  it('records an answer: the sale delivered, codes it names crpt_answered with their (last) status, the others delivered', async () => {
    const key: SaleKey = { source: 'notification', fn: FN, fd: 20 };
    const other: SaleKey = { source: 'receipt', fn: FN, fd: 20 };
    expect(await claimCrptSale(t.db, key, codesOf('A', 'B', 'C'), null, 60_000, 'w1')).toEqual({ kind: 'claimed' });
    expect(await claimCrptSale(t.db, other, codesOf('A'), null, 60_000, 'w1')).toEqual({ kind: 'claimed' });
    await recordCrptDelivered(t.db, key, {
      duplicate: true,
      codes: [
        { cis: 'C', status: 'INTRODUCED' },
        { cis: 'A', status: 'EMITTED' },
        { cis: 'A', status: 'RETIRED' },
        { cis: 'Z', status: 'RETIRED' },
      ],
    });
    const sale = await findCrptSale(t.db, key);
    expect(sale).toMatchObject({ status: 'delivered', duplicate: true, attempts: 1, lease_until: null, lease_owner: null, last_error_code: null });
    expect(sale?.sent_at).toBeInstanceOf(Date);
    expect(sale?.delivered_at).toBeInstanceOf(Date);
    const codes = await findCrptCodeStatuses(t.db, FN, 20);
    expect(codes.map((c) => [c.source, c.code, c.stage, c.crpt_status])).toEqual([
      ['notification', 'A', 'crpt_answered', 'RETIRED'],
      ['notification', 'B', 'delivered', null],
      ['notification', 'C', 'crpt_answered', 'INTRODUCED'],
      // Another sale of the same (fn, fd) is not touched.
      ['receipt', 'A', 'checked', null],
    ]);
    expect(await findCrptSale(t.db, other)).toMatchObject({ status: 'sending' });

    const again = await claimCrptSale(t.db, key, codesOf('A'), null, 60_000, 'w2');
    expect(again.kind).toBe('delivered');
    expect(again.kind === 'delivered' && again.row.status).toBe('delivered');
  });
  it('reads what another worker committed while the claim waited for it, not the row as the claim began', async () => {
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    /** Runs `statement` in an open transaction of another session, then a claim, which waits for it; commits; the claim's result. */
    const claimAfter = async (fd: number, statement: string) => {
      await other.query('begin');
      await other.query(statement, [FN, fd]);
      const claim = claimCrptSale(t.db, { source: 'receipt', fn: FN, fd }, codesOf('A'), null, 60_000, 'w1');
      await waitFor(
        async () => (await t.pool.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event = 'transactionid' and query like '%crpt_sales%'`)).rowCount,
        (n) => n === 1,
        10_000,
      );
      await other.query('commit');
      return claim;
    };
    try {
      // Inserted by the other session after the claim's snapshot: not in it; the claim reads it again.
      const leased = await claimAfter(
        40,
        `insert into crpt_sales (source, fn, fd, status, lease_until, lease_owner) values ('receipt', $1, $2, 'sending', now() + interval '60 seconds', 'w2')`,
      );
      expect(leased.kind).toBe('in_flight');
      expect(leased.kind === 'in_flight' && leased.delayMs > 55_000).toBe(true);

      // Seen with its lease over (claimable) when the claim began, delivered by the other session meanwhile: delivered.
      await sql`insert into crpt_sales (source, fn, fd, status, lease_until, lease_owner) values ('receipt', ${FN}, 41, 'sending', now() - interval '1 second', 'w2')`.execute(t.db);
      const delivered = await claimAfter(41, `update crpt_sales set status = 'delivered', lease_until = null where fn = $1 and fd = $2`);
      expect(delivered.kind).toBe('delivered');
    } finally {
      await other.end();
    }
    expect(await findCrptCodeStatuses(t.db, FN, 40)).toEqual([]);
  });
});
