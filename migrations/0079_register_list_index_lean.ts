// The Чеки list's register index loses its tie-breakers: (register_id, received_at) instead of (register_id,
// received_at, fn, fd) (issue 12 target 4, disk per receipt: 82 → 58 bytes per document in `npm run bench:disk`).
//
// Why the tie-breakers were there (0051): the list's order is received_at desc, fn desc, fd desc, and the keyset cursor
// (received_at, fn, fd) < (…) was an index condition as a whole. Without them the page is the same backward scan of
// the register's newest entries per partition (Merge Append on received_at) followed by an Incremental Sort that
// orders only the rows sharing a received_at (millisecond precision: a handful at most); the cursor's received_at is
// an index condition (received_at <= …) and the rest of the row comparison a filter on those few rows. The list of
// an organization already worked this way on (user_inn, received_at) (0007). test/integration/db/list-report-plans.test.ts
// checks the plan.
//
// fn is 17 bytes of text in every entry, fd 8: a third of the entry. Same name, so plans and docs that name it hold.
// The build takes a SHARE lock on documents (writers wait, readers do not): on a large installation, build each
// partition's (register_id, received_at) index CONCURRENTLY first; the CREATE here then attaches them.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index documents_register_id_received_at_idx`.execute(db);
  await sql`create index documents_register_id_received_at_idx on documents (register_id, received_at) where register_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index documents_register_id_received_at_idx`.execute(db);
  await sql`create index documents_register_id_received_at_idx on documents (register_id, received_at, fn, fd) where register_id is not null`.execute(db);
}
