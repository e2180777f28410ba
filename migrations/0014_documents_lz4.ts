// Compress the documents' FNS JSON and raw container with lz4 instead of PostgreSQL's default pglz.
//
// Why: a receipt row (≈ 2 KB of FNS JSON + the container) is over the TOAST threshold, so PostgreSQL compresses it on
// every insert. With pglz that compression was the largest single cost of storing a document (insert of a document
// row: ≈ 78 µs with pglz, ≈ 46 µs with lz4, ≈ 55 µs uncompressed, which writes twice the pages), for about 7 % more
// bytes than pglz. Reading is faster too (lz4 decompresses several times faster).
//
// Scope: the parent `documents` (new partitions, created by ofd_ensure_monthly_partitions, inherit the column
// setting) and every existing partition (PostgreSQL does not pass SET COMPRESSION down to existing ones). Rows already
// stored keep their pglz data; both decompress transparently. A server built without lz4 keeps pglz (a notice, not an
// error): the setting is a speed-up, not part of the schema's meaning.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

async function setCompression(db: Kysely<unknown>, method: 'lz4' | 'default'): Promise<void> {
  await sql`
    do $do$
    declare
      v_rel regclass;
    begin
      for v_rel in select relid from pg_partition_tree('documents'::regclass) loop
        execute format('alter table %s alter column fns_json set compression ${sql.raw(method)}, '
          'alter column raw_container set compression ${sql.raw(method)}', v_rel);
      end loop;
    exception when feature_not_supported then
      raise notice 'lz4 is not available on this server: documents keep the default compression';
    end
    $do$
  `.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await setCompression(db, 'lz4');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await setCompression(db, 'default');
}
