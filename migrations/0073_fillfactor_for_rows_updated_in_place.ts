// Room on each heap page for the next version of rows the persist path updates in place (issue 12 target 4, disk
// per receipt): fiscal drives (the last FD and the fill), shifts (received totals), the hourly and daily rollups, the
// daily item rollups and registers (last seen).
//
// Why: each persist batch updates these rows again — a busy register's shift and rollup rows dozens of times an hour.
// With fillfactor 100 a page is full after the inserts, so an update cannot stay on its page: PostgreSQL writes the new
// version on another page with new index entries, and the old one stays until VACUUM — which autovacuum runs once a
// minute at best, and not at all where it is off (this project's CI machine). Measured end to end (`npm run loadtest --
// --npm-start 1 --dist 1 --registers 2000 --seconds 20 --prebuild 40 --forward 1 --keep-db 1`): 890 bytes of heap per
// hourly rollup row of ≈ 200, 1 900 per shift row, 40–75 % of the updates off-page. With free room on the page the
// update is heap-only (HOT: no index entry) and the versions it replaces are pruned by the next access to the page,
// VACUUM or not. The cost is the room itself: these tables hold one row per register, shift, hour or item and day, not
// per document.
//
// Applies to pages written from now on; existing pages are not rewritten (a `VACUUM FULL` of a table would).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

/** Table → fillfactor: half the page for the small, most-updated tables; less room where rows are many and updated less. */
export const FILLFACTORS = {
  fiscal_drives: 50,
  shifts: 50,
  report_rollup_hourly: 50,
  report_rollup_daily: 50,
  report_item_daily: 70,
  registers: 70,
} as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, fillfactor] of Object.entries(FILLFACTORS)) {
    await sql`alter table ${sql.table(table)} set (fillfactor = ${sql.lit(fillfactor)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of Object.keys(FILLFACTORS)) await sql`alter table ${sql.table(table)} reset (fillfactor)`.execute(db);
}
