// The persist path keeps the report rollups current by itself: no rebuild, re-sends not counted twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob } from '../workers/worker-test-helpers.js';

const FN = '9999078900007001';
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.drop();
});

it('updates the daily and hourly rollups in the persist transaction, counting each document once', async () => {
  const persist = createPersistProcessor({ db: t.db, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  const jobs = Array.from({ length: 12 }, (_, i) => realJob(FN, i + 1));
  await persist(jobs.slice(0, 7));
  await persist(jobs); // the first seven again, as re-sends, with the other five
  // test/support/kkt.ts receiptChildren: each receipt is a sale (1054 = 1) of 91.00 + 89.90, paid in cash.
  const expectedTotal = 12 * (9100 + 8990);
  for (const table of ['report_rollup_daily', 'report_rollup_hourly']) {
    const { rows } = await t.pool.query(`select sum(receipts)::int as receipts, sum(total_sum)::bigint as total, sum(cash_sum)::bigint as cash from ${table}`);
    expect(rows[0], table).toEqual({ receipts: 12, total: expectedTotal, cash: expectedTotal });
  }
});
