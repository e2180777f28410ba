// Migration 0072 moves the FNS send lease out of fns_status into fns_leases. Going down must not lose a document in
// flight: its lease becomes a 'sending' row again (what the code before 0072 reads as a lease), and an answer already
// stored is left as it is. Rows are read back from PostgreSQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimForFns, recordFnsOutcomes } from '../../../src/db/fns-status.repository.js';
import { migrateDown, migrateToLatest } from '../../../src/db/migrate.js';
import { insertDocuments } from '../../support/stored-documents.js';
import { stepsBack } from '../../support/migration-steps.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';
import { documentRow } from './document-rows.js';

const FN = '9999078902019072';
let t: TestDatabase;

const tableExists = async (name: string) => (await sql<{ r: string | null }>`select to_regclass(${name})::text as r`.execute(t.db)).rows[0]!.r !== null;

beforeAll(async () => {
  t = await createTestDatabase();
  await insertDocuments(t.db, [1, 2, 3].map((fd) => documentRow({ fn: FN, fd, received_at: new Date() })));
});
afterAll(() => t.drop());

it('going down writes each lease back as a sending row, leaving answers alone; going up again starts with no lease', async () => {
  const keys = [1, 2, 3].map((fd) => ({ fn: FN, fd }));
  expect((await claimForFns(t.db, keys, 60_000, 'worker-a')).size).toBe(3);
  // fd 1 answered (its lease released), fd 2 answered while a late lease row still names it, fd 3 in flight.
  const answer = (fd: number) => ({ kind: 'answered' as const, status: 'accepted' as const, errors: [], duplicate: false, fn: FN, fd, receivedAt: undefined, sentAt: new Date() });
  await recordFnsOutcomes(t.db, 'worker-a', [answer(1), answer(2)], [{ fn: FN, fd: 1 }, { fn: FN, fd: 2 }]);
  await sql`insert into fns_leases (fn, fd, lease_until, lease_owner) values (${FN}, 2, now() + interval '1 minute', 'worker-b')`.execute(t.db);

  // A row with no findings stored as null, as the release after 0074 writes it.
  await sql`update fns_status set errors = null where fn = ${FN} and fd = 1`.execute(t.db);

  await migrateDown(t.db, stepsBack('0072_fns_leases'));
  expect(await tableExists('fns_leases')).toBe(false);
  // Below 0074 again: errors is '[]' for none, as the code before it reads it; created_at is back, from the row's times.
  expect((await sql<{ errors: unknown }>`select errors from fns_status where fn = ${FN} order by fd`.execute(t.db)).rows).toEqual([{ errors: [] }, { errors: [] }, { errors: [] }]);
  expect((await sql<{ n: number }>`select count(*)::int as n from fns_status where fn = ${FN} and created_at is not null`.execute(t.db)).rows[0]!.n).toBe(3);
  const { rows } = await sql<{ fd: string; status: string; lease_owner: string | null; future: boolean | null }>`
    select fd::text, status, lease_owner, lease_until > now() as future from fns_status where fn = ${FN} order by fd`.execute(t.db);
  expect(rows).toEqual([
    { fd: '1', status: 'accepted', lease_owner: null, future: null },
    { fd: '2', status: 'accepted', lease_owner: null, future: null },
    { fd: '3', status: 'sending', lease_owner: 'worker-a', future: true },
  ]);

  await migrateToLatest(t.db);
  expect(await tableExists('fns_leases')).toBe(true);
  // The 'sending' row's lease is still honoured by the claim until it ends.
  expect(await claimForFns(t.db, keys, 60_000, 'worker-c')).toEqual(new Set());
});

it("an old worker's claim ('sending' written into fns_status) is a no-op while a new worker holds the lease", async () => {
  await insertDocuments(t.db, [10, 11].map((fd) => documentRow({ fn: FN, fd, received_at: new Date() })));
  expect(await claimForFns(t.db, [{ fn: FN, fd: 10 }], 60_000, 'new-worker')).toEqual(new Set([`${FN}:10`]));
  // The claim of the code before 0072, verbatim in effect.
  const oldClaim = async (fd: number) =>
    (
      await sql<{ fd: string }>`
        insert into fns_status (fn, fd, status, lease_until, lease_owner) values (${FN}, ${fd}, 'sending', now() + interval '1 minute', 'old-worker')
        on conflict (fn, fd) do update
           set status = 'sending', lease_until = excluded.lease_until, lease_owner = excluded.lease_owner, updated_at = now()
         where fns_status.status not in ('accepted', 'accepted_with_warnings', 'rejected', 'quarantine')
           and (fns_status.lease_until is null or fns_status.lease_until < now())
        returning fd::text`.execute(t.db)
    ).rows.map((r) => r.fd);
  expect(await oldClaim(10)).toEqual([]);
  expect(await oldClaim(11)).toEqual(['11']);
  const { rows } = await sql<{ fd: string; status: string }>`select fd::text, status from fns_status where fn = ${FN} and fd in (10, 11) order by fd`.execute(t.db);
  expect(rows).toEqual([{ fd: '11', status: 'sending' }]);
});
