// Two index changes found by EXPLAIN (ANALYZE, BUFFERS) on the benchmark's data (bench/reports.bench.ts --seed-only).
//
// 1. The Чеки list filtered to one register (issue 14: first page ≤ 150 ms at 1 000 000 receipts). The list's order is
//    received_at desc, fn desc, fd desc (src/db/api-documents.repository.ts); with `register_id = X` the only register
//    index was (register_id, date_time), so PostgreSQL read EVERY document of the register (a bitmap scan and a heap
//    block per document) and sorted them for the top 50 — a register's whole history in production. This index
//    matches the list's order after the register: a page is a backward index scan of 51 entries per partition (Merge
//    Append keeps the order across partitions), and the keyset cursor's (received_at, fn, fd) < (…) is an index
//    condition. On 200 000 receipts: 30.7 ms and 1 047 buffers → 0.5 ms and 70 buffers for a page
//    (test/integration/db/list-report-plans.test.ts checks the plan). With many registers per INN the planner also
//    needs to know that a register's documents carry one INN: it multiplied the selectivities of register_id and
//    user_inn, estimated 49 of a register's 1 000 receipts on the benchmark's million, and chose the bitmap and sort
//    anyway (31 ms); with functional-dependency statistics on (register_id, user_inn) it estimates 996 and reads the
//    page off the index (6 ms). Statistics are per table: every partition gets them here, and partitions created later
//    from ensureDocumentPartitions (src/db/partitions.ts).
//    On the partitioned parent (built on every partition, given to later ones); the build takes a SHARE lock on
//    documents: on a large installation, build each partition's index CONCURRENTLY first and this only attaches them.
//
// 2. shifts (register_id, opened_at) now INCLUDES fn and close_fd: the shifts and Z-report reports first count an
//    organization's shifts per FN for the period (src/reports/reports.ts, shiftGroups) — an index-only scan with it,
//    9 ms for the 18 250 shifts of a year instead of a heap block per shift. Same name and key, so every plan that used
//    the old index uses this one. close_fd changes once per shift (the closing report), so the per-receipt counter
//    updates of shifts stay HOT.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('documents_register_id_received_at_idx')
    .on('documents')
    .columns(['register_id', 'received_at', 'fn', 'fd'])
    .where(sql.ref('register_id'), 'is not', null)
    .execute();
  await sql`
    do $$
    declare p regclass;
    begin
      for p in select inhrelid::regclass from pg_inherits where inhparent = 'documents'::regclass loop
        execute format('create statistics if not exists %I (dependencies) on register_id, user_inn from %s', p::text || '_register_inn', p);
      end loop;
    end $$`.execute(db);
  await sql`drop index shifts_register_id_opened_at_idx`.execute(db);
  await sql`create index shifts_register_id_opened_at_idx on shifts (register_id, opened_at) include (fn, close_fd)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    declare s record;
    begin
      for s in select stxname from pg_statistic_ext where stxname like 'documents%_register_inn' loop
        execute format('drop statistics if exists %I', s.stxname);
      end loop;
    end $$`.execute(db);
  await sql`drop index shifts_register_id_opened_at_idx`.execute(db);
  await sql`create index shifts_register_id_opened_at_idx on shifts (register_id, opened_at)`.execute(db);
  await db.schema.dropIndex('documents_register_id_received_at_idx').execute();
}
