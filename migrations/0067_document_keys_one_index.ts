// document_keys keeps one index, its primary key (fn, fd) (issue 12, disk per receipt: ≈ 82 bytes per document,
// measured by `npm run bench:disk`).
//
// Why: the unique index (fn, fd, received_at) existed only as the target of the foreign key documents (fn, fd,
// received_at) → document_keys (migration 0002: a foreign key needs a unique index on exactly its columns). No query
// needs it: every reader of document_keys looks a key up by (fn, fd), or an FN's newest keys by (fn, fd desc)
// (EXPLAIN: the primary key serves them all, a heap fetch of the 68-byte row giving received_at).
//
// The foreign key now names (fn, fd): a documents row still needs its key (no orphan rows; a key cannot be deleted
// while its document exists), checked exactly as before (one primary-key probe per inserted row). What it no longer
// checks is that the row's received_at equals the key's: one documents row per (fn, fd) is kept by the insert path,
// which inserts documents only for the keys its `insert into document_keys … on conflict do nothing` claimed, in the
// same statement (src/db/document-batch.repository.ts), and by the rebuild, which never writes a key column.
//
// On the partitioned parent: the constraint is dropped from and added to every partition; a detached partition's own
// copy is re-pointed too. Adding validates the stored rows: a read of every partition under a SHARE ROW EXCLUSIVE lock,
// once, at the upgrade's migration (before npm start's children start: plan a window for it on a large installation;
// PostgreSQL before 18 refuses NOT VALID foreign keys on a partitioned table).
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table documents drop constraint documents_document_keys_fkey`.execute(db);
  // Detached partitions (the retention flow: detach, archive, drop; src/db/partition-retention.ts) keep a copy of the
  // foreign key of their own, which depends on the index dropped below: re-point each to (fn, fd) as well.
  const { rows: detached } = await sql<{ tbl: string; con: string }>`
    select c.conrelid::regclass::text as tbl, c.conname as con
      from pg_constraint c
     where c.contype = 'f' and c.confrelid = 'document_keys'::regclass
       and c.conindid = (select conindid from pg_constraint
                          where conrelid = 'document_keys'::regclass and conname = 'document_keys_fn_fd_received_at_key')
  `.execute(db);
  for (const { tbl, con } of detached) await sql`alter table ${sql.raw(tbl)} drop constraint ${sql.id(con)}`.execute(db);
  await sql`alter table document_keys drop constraint document_keys_fn_fd_received_at_key`.execute(db);
  await sql`
    alter table documents add constraint documents_document_keys_fkey
      foreign key (fn, fd) references document_keys (fn, fd) on delete restrict
  `.execute(db);
  for (const { tbl, con } of detached) {
    await sql`alter table ${sql.raw(tbl)} add constraint ${sql.id(con)} foreign key (fn, fd) references document_keys (fn, fd) on delete restrict`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table documents drop constraint documents_document_keys_fkey`.execute(db);
  await sql`alter table document_keys add constraint document_keys_fn_fd_received_at_key unique (fn, fd, received_at)`.execute(db);
  await sql`
    alter table documents add constraint documents_document_keys_fkey
      foreign key (fn, fd, received_at) references document_keys (fn, fd, received_at) on delete restrict
  `.execute(db);
}
