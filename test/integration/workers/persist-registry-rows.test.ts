// New organizations, outlets and registers are committed before the persist batch's transaction (registry.ts), so a
// second batch naming the same new shop does not wait for the first batch to commit. Real PostgreSQL, two persist
// processors (two worker processes' caches) on pools of their own; the first batch is held inside its transaction by a
// lock on fiscal_drives taken from a third session.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../../src/db/database.js';
import { withInnCheckDigits } from '../../../src/domain/inn.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { ascii, receiptChildren } from '../../support/kkt.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { realJob, waitFor } from './worker-test-helpers.js';

let t: TestDatabase;
const handles: DbHandle[] = [];
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const h of handles) await h.close();
  await t.drop();
});

/** A receipt of a shop this database has never seen (its own INN), on drive `fn`. */
function newShopReceipt(fn: string, fd: number, inn: string) {
  return realJob(fn, fd, receiptChildren(fn, fd).map((c) => (c.readUInt16LE(0) === 1018 ? ascii(1018, inn) : c)));
}

/** What the backends of `applicationName` are doing now. */
async function activity(applicationName: string): Promise<{ wait_event_type: string | null; wait_event: string | null; query: string }[]> {
  const { rows } = await t.pool.query<{ wait_event_type: string | null; wait_event: string | null; query: string }>(
    `select wait_event_type, wait_event, query from pg_stat_activity where application_name = $1 and state = 'active'`,
    [applicationName],
  );
  return rows;
}

describe('registry rows of a persist batch', () => {
  it('are committed before its transaction: a second batch naming the same new shop goes on while the first is held', async () => {
    const inn = withInnCheckDigits('7712345678'.slice(0, 9));
    const a = createDb(t.url, { applicationName: 'batch-a', maxConnections: 2 });
    const b = createDb(t.url, { applicationName: 'batch-b', maxConnections: 2 });
    handles.push(a, b);
    const persistA = createPersistProcessor({ db: a.db, logger: silentLogger() });
    const persistB = createPersistProcessor({ db: b.db, logger: silentLogger() });

    const holder = new pg.Client({ connectionString: t.url });
    await holder.connect();
    try {
      await holder.query('begin');
      // Blocks every insert and update of fiscal_drives: batch A stops there, inside its transaction.
      await holder.query('lock table fiscal_drives in share mode');
      const first = persistA([newShopReceipt('9999500000000001', 1, inn)]);
      const heldA = await waitFor(() => activity('batch-a'), (rows) => rows.some((r) => r.wait_event_type === 'Lock'), 10_000);
      expect(heldA.find((r) => r.wait_event_type === 'Lock')?.wait_event).toBe('relation');

      const second = persistB([newShopReceipt('9999500000000002', 1, inn)]);
      // B passes the registry and is held at fiscal_drives too — not at the organization A created (before this change
      // B waited on A's transaction at `insert into "organizations"`, wait event transactionid).
      const heldB = await waitFor(() => activity('batch-b'), (rows) => rows.some((r) => r.wait_event_type === 'Lock'), 10_000);
      const waiting = heldB.find((r) => r.wait_event_type === 'Lock')!;
      expect({ event: waiting.wait_event, organizations: /organizations/.test(waiting.query) }).toEqual({ event: 'relation', organizations: false });

      await holder.query('commit');
      expect(await first).toMatchObject([{ ok: true, inserted: true }]);
      expect(await second).toMatchObject([{ ok: true, inserted: true }]);
    } finally {
      await holder.end();
    }
    const owners = await t.pool.query<{ inn: string }>(
      `select distinct o.inn from documents d join registers r on r.id = d.register_id join organizations o on o.id = r.organization_id where d.fn like '99995%'`,
    );
    expect(owners.rows).toEqual([{ inn }]);
  });
});
