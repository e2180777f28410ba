// The fns worker's upkeep of fns_leases: leases past their end (their worker died, or BullMQ gave up on its job) are
// deleted, live ones kept; and a document whose lease ended is no longer shown as being sent.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLeaseVacuum } from '../../../src/db/fns-leases-vacuum.js';
import { findFnsStatusShown } from '../../../src/db/fns-status-view.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

const FN = '9999078902010001';
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  const at = new Date();
  await insertDocuments(t.db, [1, 2].map((fd) => documentRow({ fn: FN, fd, received_at: at })));
  await sql`insert into fns_leases (fn, fd, lease_until, lease_owner) values
              (${FN}, 1, now() + interval '2 minutes', 'alive'),
              (${FN}, 2, now() - interval '1 second', 'died')`.execute(t.db);
});
afterAll(() => t.drop());

it("shows 'sending' only while the lease lasts", async () => {
  expect((await findFnsStatusShown(t.db, FN, 1))?.status).toBe('sending');
  expect(await findFnsStatusShown(t.db, FN, 2)).toBeUndefined(); // not sent: no answer, and no send in flight
});

it('deletes the leases that ended and keeps the live one', async () => {
  createLeaseVacuum(t.db, silentLogger(), 0).afterBatch();
  const deadline = Date.now() + 10_000;
  let owners: string[] = [];
  while (Date.now() < deadline) {
    owners = (await sql<{ o: string }>`select lease_owner as o from fns_leases where fn = ${FN} order by fd`.execute(t.db)).rows.map((r) => r.o);
    if (owners.length === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(owners).toEqual(['alive']);
});
