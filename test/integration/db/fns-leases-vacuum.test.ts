// The fns worker's upkeep of fns_leases: leases past their end (their worker died, or BullMQ gave up on its job) are
// deleted, live ones kept; a document whose lease ended is no longer shown as being sent; and once a burst has drained
// the table gives its space back once no lease is left.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLeaseVacuum } from '../../../src/db/fns-leases-vacuum.js';
import { findFnsStatusShown } from '../../../src/db/fns-status-view.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { openTransaction } from '../../support/open-transaction.js';
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

/** Runs the upkeep once and waits (at most 10 s) until the leases left are `expected`. */
async function upkeepLeaves(expected: string[]): Promise<string[]> {
  createLeaseVacuum(t.db, silentLogger(), 0).afterBatch();
  const deadline = Date.now() + 10_000;
  let owners: string[] = [];
  while (Date.now() < deadline) {
    owners = (await sql<{ o: string }>`select lease_owner as o from fns_leases where fn = ${FN} order by fd`.execute(t.db)).rows.map((r) => r.o);
    if (owners.join() === expected.join()) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return owners;
}

it('deletes the leases that ended, without waiting for one a claim is taking over, and keeps the live one', async () => {
  await insertDocuments(t.db, [documentRow({ fn: FN, fd: 3, received_at: new Date() })]);
  await sql`insert into fns_leases (fn, fd, lease_until, lease_owner) values (${FN}, 3, now() - interval '1 second', 'taken-over')`.execute(t.db);
  // A claim in progress holds the ended lease of 3 (as claimForFns's update does): the upkeep skips it.
  const claim = await openTransaction(t.db, (trx) => sql`select 1 from fns_leases where fn = ${FN} and fd = 3 for update`.execute(trx));
  try {
    expect(await upkeepLeaves(['alive', 'taken-over'])).toEqual(['alive', 'taken-over']);
  } finally {
    await claim.commit();
  }
  expect(await upkeepLeaves(['alive'])).toEqual(['alive']);
});

it('once a burst of sends has drained and no lease is left, gives the pages back and rebuilds the key', async () => {
  // 40 000 leases taken and given back (as a burst of sends leaves them); the live one of FD 1 is still in flight.
  await sql`insert into fns_leases (fn, fd, lease_until, lease_owner)
            select ${FN}, 1000 + k, now() + interval '1 minute', 'burst' from generate_series(1, 40000) k`.execute(t.db);
  await sql`delete from fns_leases where lease_owner = 'burst'`.execute(t.db);
  const pages = async () =>
    (await sql<{ heap: number; key: number }>`
      select (pg_relation_size('fns_leases') / 8192)::int as heap, (pg_relation_size('fns_leases_pkey') / 8192)::int as key`.execute(t.db)).rows[0]!;
  const bloated = await pages();
  expect(bloated.heap).toBeGreaterThan(200);
  expect(bloated.key).toBeGreaterThan(150); // > 1 MB
  const upkeep = createLeaseVacuum(t.db, silentLogger(), 0);
  const vacuumsUntil = async (done: (p: { heap: number; key: number }) => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    let now = await pages();
    while (Date.now() < deadline && !done(now)) {
      upkeep.afterBatch(); // as the fns worker calls it after each batch
      await new Promise((resolve) => setTimeout(resolve, 100));
      now = await pages();
    }
    return now;
  };
  // While a lease is in flight the file keeps its size: truncating would take a lock its claims wait for.
  await vacuumsUntil(() => false, 1500);
  expect((await pages()).heap).toBe(bloated.heap);
  expect((await findFnsStatusShown(t.db, FN, 1))?.status).toBe('sending');
  // Its answer came: none left.
  await sql`delete from fns_leases where fn = ${FN} and fd = 1`.execute(t.db);
  const drained = await vacuumsUntil((p) => p.heap <= 1 && p.key <= 2);
  expect(drained.heap).toBeLessThanOrEqual(1);
  expect(drained.key).toBeLessThanOrEqual(2);
});
