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
// fn is 17 bytes of text in every entry, fd 8: a third of the entry.
// Locks: the new index is built first, under a SHARE lock on documents and its partitions (writers wait, readers do
// not); the old one is dropped after it, under an ACCESS EXCLUSIVE lock held until the migrations commit (readers wait
// too, for that moment). Then the new one takes the old one's name, and so do its partitions' indexes (so plans, docs
// and tests that name it hold). On a large installation, build each partition's (register_id, received_at) index
// CONCURRENTLY beforehand: the CREATE here then attaches them instead of building.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

const NAME = 'documents_register_id_received_at_idx';
const BUILDING = 'documents_register_id_received_at_building_idx';

async function replaceIndex(db: Kysely<unknown>, columns: string): Promise<void> {
  await sql`create index ${sql.raw(BUILDING)} on documents (${sql.raw(columns)}) where register_id is not null`.execute(db);
  // A partition's index built beforehand CONCURRENTLY that failed is left invalid, and the CREATE above attaches it
  // all the same (the parent then stays invalid too): stop before the old index goes.
  await sql.raw(`
    do $$
    begin
      if exists (select 1 from pg_index x where x.indexrelid = '${BUILDING}'::regclass and not x.indisvalid)
         or exists (select 1 from pg_inherits h join pg_index x on x.indexrelid = h.inhrelid
                     where h.inhparent = '${BUILDING}'::regclass and not x.indisvalid) then
        raise exception 'an invalid (register_id, received_at) index of a documents partition was attached — a CONCURRENTLY build that failed: drop it and run ofd migrate again';
      end if;
    end $$`).execute(db);
  await sql`drop index ${sql.raw(NAME)}`.execute(db);
  await sql`alter index ${sql.raw(BUILDING)} rename to ${sql.raw(NAME)}`.execute(db);
  // The partitions' indexes were named after their columns (<partition>_register_id_received_at_idx, or …_idx1 where
  // that was taken); they take the name the parent's gives them (63 bytes at most, as PostgreSQL cuts it).
  await sql.raw(`
    do $$
    declare i record;
    begin
      for i in select c.relname, p.relname as partition
                 from pg_inherits h join pg_class c on c.oid = h.inhrelid join pg_index x on x.indexrelid = c.oid
                 join pg_class p on p.oid = x.indrelid
                where h.inhparent = '${NAME}'::regclass loop
        if i.relname <> left(i.partition || '_register_id_received_at_idx', 63) then
          execute format('alter index %I rename to %I', i.relname, left(i.partition || '_register_id_received_at_idx', 63));
        end if;
      end loop;
    end $$`).execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceIndex(db, 'register_id, received_at');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await replaceIndex(db, 'register_id, received_at, fn, fd');
}
