// Evidence of conflicting copies (issue 13 item 3, the persist side): a document is stored once per (fn, fd) and the
// first stored copy wins; a later copy of the same (fn, fd) whose container bytes differ from the stored one is never
// silently dropped — it is kept here, with its bytes, for ops to see (a forgery attempt, or a fiscal drive gone wrong).
// One row per distinct divergent copy: the same bytes sent again count in `copies`.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('document_conflicts')
    .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('fn', 'text', (c) => c.notNull())
    .addColumn('fd', 'bigint', (c) => c.notNull())
    .addColumn('raw_sha256', 'bytea', (c) => c.notNull())
    .addColumn('raw_container', 'bytea', (c) => c.notNull())
    .addColumn('session_header', 'bytea')
    .addColumn('sign_status', 'text', (c) => c.notNull())
    .addColumn('crypto', 'text', (c) => c.notNull())
    .addColumn('stored_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('first_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('copies', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('document_conflicts_copy_key', ['fn', 'fd', 'raw_sha256'])
    .execute();
  await db.schema.createIndex('document_conflicts_detected_at_idx').on('document_conflicts').column('detected_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('document_conflicts').execute();
}
