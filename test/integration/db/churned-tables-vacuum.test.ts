// The persist worker vacuums the tables it updates in place (churned-tables-vacuum.ts) while the server's autovacuum is
// off — as on this project's CI machine — and leaves them to autovacuum where it runs. The documents it stores go
// through the real processor; the VACUUMs are read from the statistics (vacuum_count), which only VACUUM moves.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fleetJobs } from '../../../bench/fleet-jobs.js';
import { PERSIST_CHURNED_TABLES } from '../../../src/db/churned-tables-vacuum.js';
import { silentLogger } from '../../../src/observability/logger.js';
import type { DocumentJob } from '../../../src/queue/jobs.js';
import { createPersistProcessor } from '../../../src/workers/persist/persist.processor.js';
import { createTestDatabase, type TestDatabase } from '../../support/pg.js';

let t: TestDatabase;
let jobs: DocumentJob[];
beforeAll(async () => {
  t = await createTestDatabase();
  jobs = await fleetJobs(6, 240, 'churned-tables-vacuum-test', Date.parse('2026-12-01T12:00:00Z'));
}, 60_000);
afterAll(() => t.drop());

/** vacuum_count of each table of this database, as the statistics have it now. */
async function vacuumCounts(): Promise<Map<string, number>> {
  const { rows } = await sql<{ table: string; n: number }>`
    select relname as table, vacuum_count::int as n from pg_stat_user_tables where schemaname = current_schema()`.execute(t.db);
  return new Map(rows.map((r) => [r.table, r.n]));
}

it('vacuums the tables it updated in place after its batches, and no other, while autovacuum is off; none while it is on', async () => {
  const { rows } = await sql<{ off: boolean }>`select current_setting('autovacuum') = 'off' as off`.execute(t.db);
  const autovacuumOff = rows[0]!.off;

  const persist = createPersistProcessor({ db: t.db, logger: silentLogger(), churnedTablesVacuumMs: 200, acksVacuumMs: 600_000 });
  const before = await vacuumCounts();
  for (let i = 0; i < jobs.length; i += 40) expect((await persist(jobs.slice(i, i + 40))).every((r) => r.ok)).toBe(true);
  // The shifts, rollups and drives were written and updated again batch after batch.
  const { rows: shifts } = await sql<{ n: number }>`select count(*)::int as n from shifts`.execute(t.db);
  expect(shifts[0]!.n).toBeGreaterThan(0);

  // The last VACUUM runs in the background, 200 ms after the one before, with no batch after it. (Autovacuum's own
  // runs count in autovacuum_count, not here.)
  const vacuumed = async () => {
    const now = await vacuumCounts();
    return PERSIST_CHURNED_TABLES.filter((table) => (now.get(table) ?? 0) > (before.get(table) ?? 0));
  };
  if (autovacuumOff) {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await vacuumed()).length < PERSIST_CHURNED_TABLES.length) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await vacuumed()).sort()).toEqual([...PERSIST_CHURNED_TABLES].sort());
  } else {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await vacuumed()).toEqual([]);
  }
  const others = [...(await vacuumCounts())].filter(([table, n]) => !PERSIST_CHURNED_TABLES.includes(table as never) && n > (before.get(table) ?? 0));
  expect(others).toEqual([]);
});
