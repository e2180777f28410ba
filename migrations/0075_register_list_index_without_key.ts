// The index of the Чеки list filtered to one register (migration 0051) without the document's key: (register_id,
// received_at) instead of (register_id, received_at, fn, fd). Issue 12 target 4, disk per receipt.
//
// Why: fn is 16 digits of text, 24 bytes of every entry with its alignment; with fd, 32 of the 60 bytes an entry takes.
// What the key columns bought, the plan shows they did not: the list orders by `fn collate "C"`, an order the index's
// own collation cannot give, so PostgreSQL already ran an Incremental Sort on received_at over the index's output and
// used fn, fd only as part of the keyset cursor's row comparison. Without them the cursor's bound is `received_at <=`
// in the index condition and the rest of the comparison a filter on the few rows of that one millisecond — the same
// backward index scan, the same buffers (EXPLAIN ANALYZE on 200 000 receipts of 20 registers: 45 shared hits a page
// with either index). test/integration/db/list-report-plans.test.ts checks the plan. Measured size: 82 bytes per
// document as written by the persist path, 68 compacted → about half.
//
// On the partitioned parent: dropping it drops every partition's index; creating it builds one on every partition and
// gives it to partitions created later. The build takes a SHARE lock on documents (inserts wait) while it reads the
// stored rows: on a large installation build each partition's index CONCURRENTLY first (same definition), and this
// migration attaches them instead of building.
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
