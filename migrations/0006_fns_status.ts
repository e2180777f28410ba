// The FNS outcome of every document sent there (issue 5): one narrow row per (fn, fd), written by the fns worker — the
// big partitioned `documents` rows are never updated for it.
//
// status: sending (a worker holds the send lease until lease_until), retrying (the last attempt failed and will be
// retried), the FNS's answers accepted / accepted_with_warnings / rejected / quarantine (final: never sent again), dead
// (out of attempts or a terminal failure; the job is in dead_letters, `ofd dlq replay` sends it again).
// errors: the FNS's findings per tag, [{tag, code, message}] (failures for rejected, warnings for accepted_with_warnings).
// attempts: requests that carried the document (a re-send after a timeout counts; an open circuit does not).
// lease_until / lease_owner: the send lease. A worker claims a document (status sending) before it sends it; no other
// worker sends it before the lease ends, so a re-delivered job never sends a document another worker is sending.
//
// Frozen once landed: never edit this file after it has run anywhere; add a new migration instead.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fns_status')
    .addColumn('fn', 'text', (col) => col.modifyFront(sql`collate "C"`).notNull())
    .addColumn('fd', 'bigint', (col) => col.notNull())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .check(sql`status in ('sending', 'retrying', 'accepted', 'accepted_with_warnings', 'rejected', 'quarantine', 'dead')`),
    )
    .addColumn('errors', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0).check(sql`attempts >= 0`))
    .addColumn('last_error_code', 'text')
    .addColumn('last_error', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('lease_owner', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('fns_status_pkey', ['fn', 'fd'])
    // Only stored documents are sent; archiving a document's key removes its status with it.
    .addForeignKeyConstraint('fns_status_document_fkey', ['fn', 'fd'], 'document_keys', ['fn', 'fd'], (fk) => fk.onDelete('cascade'))
    .execute();
  // What ops and the retry logic look at: documents not (yet) answered by the FNS.
  await db.schema
    .createIndex('fns_status_open_idx')
    .on('fns_status')
    .columns(['status', 'updated_at'])
    .where(sql.ref('status'), 'in', sql`('sending', 'retrying', 'dead')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('fns_status').execute();
}
